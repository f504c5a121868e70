//! Administration from the command line: the first administrator of a node,
//! members, organisations, users, TOTP codes, the secret key, backup and restore.

use std::collections::BTreeSet;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use godwit_domain::marking::Classification;
use godwit_domain::member::{AgencyKind, Member, MemberCode, MemberKind, Organisation};
use godwit_domain::user::{Role, User, password_policy_violation};
use godwit_server::auth::credentials::{hash_password, new_totp_secret, totp_code};
use godwit_store::audit::AuditEvent;
use uuid::Uuid;

use crate::store_cmd::DatabaseArgs;

#[derive(Subcommand)]
pub enum MemberCommand {
    /// Add or rename a member.
    Add {
        #[command(flatten)]
        db: DatabaseArgs,
        /// ISO 3166-1 alpha-3 code or an acronym (FJI, IOM, PIDCSEC).
        code: String,
        name: String,
        #[arg(long, default_value = "state")]
        kind: String,
    },
    /// Add an organisation (agency) to a member.
    AddOrganisation {
        #[command(flatten)]
        db: DatabaseArgs,
        member: String,
        name: String,
        #[arg(long, default_value = "immigration")]
        agency: String,
    },
    /// List members and their organisations.
    List(DatabaseArgs),
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create a user; prints the TOTP secret when the roles need one.
    Add(UserAddArgs),
    /// List users.
    List(DatabaseArgs),
}

#[derive(Args)]
pub struct UserAddArgs {
    #[command(flatten)]
    db: DatabaseArgs,
    #[arg(long)]
    username: String,
    #[arg(long)]
    display_name: String,
    #[arg(long)]
    email: String,
    #[arg(long)]
    member: String,
    /// Organisation id; defaults to the member's first organisation.
    #[arg(long)]
    organisation: Option<Uuid>,
    /// Comma-separated: analyst, authorising_officer, national_focal_point, …
    #[arg(long, value_delimiter = ',')]
    roles: Vec<String>,
    /// Clearance level index (0 = lowest).
    #[arg(long, default_value_t = 0)]
    clearance: u8,
    /// The password; read from GODWIT_NEW_PASSWORD so it stays out of shell history.
    #[arg(long, env = "GODWIT_NEW_PASSWORD", hide_env_values = true)]
    password: String,
}

pub async fn member(command: MemberCommand) -> anyhow::Result<()> {
    match command {
        MemberCommand::Add { db, code, name, kind } => {
            let code = MemberCode::parse(&code).context("a member code is 3 to 10 upper-case letters")?;
            let kind = MemberKind::parse(&kind)
                .with_context(|| format!("kind must be one of {:?}", MemberKind::ALL.map(|k| k.as_str())))?;
            let store = db.open().await?;
            store.upsert_member(&Member { code: code.clone(), name, kind }).await?;
            store.record(&[AuditEvent::new("member.put").on(&code).with(serde_json::json!({ "via": "cli" }))]).await?;
            println!("member {code} saved");
        }
        MemberCommand::AddOrganisation { db, member, name, agency } => {
            let member = MemberCode::parse(&member).context("a member code is 3 to 10 upper-case letters")?;
            let agency = AgencyKind::parse(&agency)
                .with_context(|| format!("agency must be one of {:?}", AgencyKind::ALL.map(|k| k.as_str())))?;
            let store = db.open().await?;
            store.member(&member).await.with_context(|| format!("member {member} does not exist"))?;
            let org = Organisation { id: Uuid::now_v7(), member, name, agency };
            store.put_organisation(&org).await?;
            store
                .record(&[AuditEvent::new("organisation.create").on(org.id).with(serde_json::json!({ "via": "cli" }))])
                .await?;
            println!("organisation {} saved", org.id);
        }
        MemberCommand::List(db) => {
            let store = db.open().await?;
            let orgs = store.organisations(None).await?;
            for m in store.members().await? {
                println!("{:<8} {:<28} {}", m.code, m.kind.as_str(), m.name);
                for o in orgs.iter().filter(|o| o.member == m.code) {
                    println!("         {} {:<12} {}", o.id, o.agency.as_str(), o.name);
                }
            }
        }
    }
    Ok(())
}

pub async fn user(command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Add(args) => {
            let member = MemberCode::parse(&args.member).context("a member code is 3 to 10 upper-case letters")?;
            let roles = args
                .roles
                .iter()
                .map(|r| {
                    Role::parse(r.trim())
                        .with_context(|| format!("unknown role {r}; one of {:?}", Role::ALL.map(|r| r.as_str())))
                })
                .collect::<anyhow::Result<BTreeSet<_>>>()?;
            if let Some(problem) = password_policy_violation(&args.password, &args.username) {
                bail!("the password {problem}");
            }
            let store = args.db.open().await?;
            let organisation = match args.organisation {
                Some(id) => id,
                None => store
                    .organisations(Some(&member))
                    .await?
                    .first()
                    .map(|o| o.id)
                    .with_context(|| format!("member {member} has no organisation; add one first"))?,
            };
            let user = User {
                id: Uuid::now_v7(),
                username: args.username,
                display_name: args.display_name,
                email: args.email,
                member,
                organisation,
                roles,
                clearance: Classification(args.clearance),
                disabled: false,
            };
            let hash = hash_password(&args.password)?;
            store
                .create_user(
                    &user,
                    &hash,
                    AuditEvent::new("user.create").on(&user.username).with(serde_json::json!({ "via": "cli" })),
                )
                .await?;
            if user.requires_totp() {
                let secret = new_totp_secret();
                store.set_totp(user.id, Some(&secret), true, AuditEvent::new("totp.enrol").on(&user.username)).await?;
                println!("user {} created; TOTP secret (add it to an authenticator app): {secret}", user.username);
            } else {
                println!("user {} created", user.username);
            }
        }
        UserCommand::List(db) => {
            let store = db.open().await?;
            for u in store.users(None).await? {
                let roles: Vec<_> = u.roles.iter().map(|r| r.as_str()).collect();
                println!(
                    "{:<24} {:<8} clearance {} {}{}",
                    u.username,
                    u.member,
                    u.clearance.0,
                    roles.join(","),
                    if u.disabled { " (disabled)" } else { "" }
                );
            }
        }
    }
    Ok(())
}

#[derive(Subcommand)]
pub enum TotpCommand {
    /// Print the current code for a base32 TOTP secret (for scripts and the demo).
    Code { secret: String },
}

pub fn totp(command: TotpCommand) -> anyhow::Result<()> {
    match command {
        TotpCommand::Code { secret } => {
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs();
            println!("{}", totp_code(&secret, now)?);
        }
    }
    Ok(())
}

#[derive(Subcommand)]
pub enum SecretKeyCommand {
    /// Replace the node's secret key with a new one and re-seal every TOTP
    /// secret under it. Stop every process on the database first.
    Rotate {
        #[command(flatten)]
        db: DatabaseArgs,
        /// The config file `godwit serve` reads, for its `secret_key_file`.
        #[arg(long, env = "GODWIT_CONFIG")]
        config: Option<PathBuf>,
    },
}

pub async fn secret_key(command: SecretKeyCommand) -> anyhow::Result<()> {
    match command {
        SecretKeyCommand::Rotate { mut db, config } => {
            db.secret_key_file =
                db.secret_key_file.or(crate::serve::ConfigFile::read(config.as_deref())?.secret_key_file);
            let path = db.secret_key_path();
            anyhow::ensure!(path.exists(), "no secret key file at {}: nothing to rotate", path.display());
            let store = db.open_existing().await?;
            let event = AuditEvent::new("secret_key.rotate").with(serde_json::json!({ "via": "cli" }));
            let (_, resealed) = store.rotate_secret_key(&path, event).await?;
            println!(
                "secret key {} rotated, {resealed} sealed secrets (TOTP secrets, the node's keys) re-sealed; copy it to \
                 every host of this database before starting them",
                path.display()
            );
        }
    }
    Ok(())
}

#[derive(Args)]
pub struct BackupArgs {
    #[command(flatten)]
    pub db: DatabaseArgs,
    /// The backup file to write (SQLite) — for PostgreSQL use pg_dump, see docs/operations.md.
    pub output: PathBuf,
}

#[derive(Args)]
pub struct RestoreArgs {
    /// The backup file written by `godwit backup`.
    pub input: PathBuf,
    /// Data directory to restore into; must not hold a database yet.
    #[arg(long, default_value = "godwit-data")]
    pub data_dir: PathBuf,
}

/// `FILE.sha256`, beside the backup `FILE`.
fn sidecar(backup: &std::path::Path) -> PathBuf {
    let mut name = backup.as_os_str().to_owned();
    name.push(".sha256");
    PathBuf::from(name)
}

fn sha256_file(path: &std::path::Path) -> anyhow::Result<String> {
    use sha2::Digest;
    let mut file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut hasher = sha2::Sha256::new();
    std::io::copy(&mut file, &mut hasher)?;
    Ok(hex::encode(hasher.finalize()))
}

/// Writes a consistent copy of the database and its SHA-256 beside it.
pub async fn backup(args: BackupArgs) -> anyhow::Result<()> {
    if args.output.exists() {
        bail!("{} exists already; choose a new file", args.output.display());
    }
    let store = args.db.open_existing().await?;
    store.backup_sqlite(&args.output).await?;
    // Check the copy before hashing it: opening it settles its journal mode.
    let copy = godwit_store::Store::open(&format!("sqlite:{}", args.output.display())).await?;
    let report = copy.verify_audit().await?;
    copy.close().await;
    if let Some(broken) = report.first_broken {
        bail!("the backup's audit chain is broken at record {}: {}", broken.seq, broken.reason);
    }
    let digest = sha256_file(&args.output)?;
    let name = args.output.file_name().and_then(|n| n.to_str()).unwrap_or("backup");
    std::fs::write(sidecar(&args.output), format!("{digest}  {name}\n"))?;
    println!("backup written to {} (sha256 {digest}, {} audit records)", args.output.display(), report.records);
    Ok(())
}

/// Restores a backup after checking its SHA-256 and its audit chain.
pub async fn restore(args: RestoreArgs) -> anyhow::Result<()> {
    let sidecar = sidecar(&args.input);
    let expected = std::fs::read_to_string(&sidecar).with_context(|| format!("reading {}", sidecar.display()))?;
    let expected = expected.split_whitespace().next().unwrap_or_default();
    let actual = sha256_file(&args.input)?;
    if expected != actual {
        bail!("{} does not match its recorded SHA-256: the backup is damaged", args.input.display());
    }
    let target = args.data_dir.join("godwit.db");
    if target.exists() {
        bail!("{} exists already; restore into an empty data directory", target.display());
    }
    std::fs::create_dir_all(&args.data_dir)?;
    std::fs::copy(&args.input, &target).with_context(|| format!("copying to {}", target.display()))?;
    let store = godwit_store::Store::open(&format!("sqlite:{}", target.display())).await?;
    let report = store.verify_audit().await?;
    if let Some(broken) = report.first_broken {
        bail!("restored, but the audit chain is broken at record {}: {}", broken.seq, broken.reason);
    }
    println!("restored into {} (sha256 verified, audit chain intact: {} records)", target.display(), report.records);
    Ok(())
}

#[derive(Subcommand)]
pub enum AgreementCommand {
    /// Record an agreement (MoU, framework or arrangement) between members.
    Add(AgreementAddArgs),
    /// List agreements and whether each is in force today.
    List(DatabaseArgs),
}

#[derive(Args)]
pub struct AgreementAddArgs {
    #[command(flatten)]
    db: DatabaseArgs,
    #[arg(long)]
    title: String,
    /// bilateral, multilateral or arrangement.
    #[arg(long, default_value = "bilateral")]
    kind: String,
    /// Member codes of the parties, comma-separated.
    #[arg(long, value_delimiter = ',', required = true)]
    parties: Vec<String>,
    /// Categories covered, comma-separated (document_fraud, people_smuggling, …).
    #[arg(long, value_delimiter = ',', required = true)]
    categories: Vec<String>,
    /// Highest classification level index covered.
    #[arg(long, default_value_t = 0)]
    max_classification: u8,
    /// Personal data may flow under this agreement.
    #[arg(long)]
    personal_data: bool,
    /// First day in force, YYYY-MM-DD.
    #[arg(long)]
    valid_from: String,
    /// Day it ends, YYYY-MM-DD (open-ended when left out).
    #[arg(long)]
    valid_until: Option<String>,
}

fn parse_day(text: &str, what: &str) -> anyhow::Result<godwit_domain::Timestamp> {
    let date = time::Date::parse(text, time::macros::format_description!("[year]-[month]-[day]"))
        .with_context(|| format!("--{what} must be a date YYYY-MM-DD"))?;
    Ok(godwit_domain::Timestamp::from_datetime(date.midnight().assume_utc()))
}

pub async fn agreement(command: AgreementCommand) -> anyhow::Result<()> {
    use godwit_domain::agreement::{Agreement, AgreementKind, AgreementStatus, ThirdPartyRule};
    use godwit_domain::item::Category;
    match command {
        AgreementCommand::Add(args) => {
            let parties = args
                .parties
                .iter()
                .map(|p| MemberCode::parse(p.trim()).with_context(|| format!("{p} is not a member code")))
                .collect::<anyhow::Result<BTreeSet<_>>>()?;
            let categories = args
                .categories
                .iter()
                .map(|c| {
                    Category::parse(c.trim()).with_context(|| {
                        format!(
                            "unknown category {c}; one of {:?}",
                            Category::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>()
                        )
                    })
                })
                .collect::<anyhow::Result<BTreeSet<_>>>()?;
            let agreement = Agreement {
                id: Uuid::now_v7(),
                title: args.title,
                kind: AgreementKind::parse(&args.kind).context("kind is bilateral, multilateral or arrangement")?,
                status: AgreementStatus::Active,
                parties,
                categories,
                max_classification: Classification(args.max_classification),
                personal_data: args.personal_data,
                third_party_rule: ThirdPartyRule::OriginatorConsent,
                valid_from: parse_day(&args.valid_from, "valid-from")?,
                valid_until: args.valid_until.as_deref().map(|d| parse_day(d, "valid-until")).transpose()?,
            };
            let store = args.db.open().await?;
            let known: BTreeSet<MemberCode> = store.members().await?.into_iter().map(|m| m.code).collect();
            if let Some(unknown) = agreement.parties.iter().find(|p| !known.contains(p)) {
                bail!("{unknown} is not a member of this node");
            }
            let event = AuditEvent::new("agreement.put").on(agreement.id).with(serde_json::json!({ "via": "cli" }));
            store.put_agreement(&agreement, event).await?;
            println!("agreement {} recorded", agreement.id);
        }
        AgreementCommand::List(db) => {
            let store = db.open().await?;
            let now = store.clock().now();
            for a in store.agreements().await? {
                let parties: Vec<_> = a.parties.iter().map(|p| p.as_str()).collect();
                let state = if a.in_force(now) { "in force" } else { "not in force" };
                println!("{} {:<13} {:<12} {} [{}]", a.id, a.kind.as_str(), state, a.title, parties.join(","));
            }
        }
    }
    Ok(())
}
