//! `godwit demo`: a whole region to try Godwit with — fifteen members in two
//! overlapping groups, users of every role, agreements, contact points and a few
//! hundred realistic items — served straight away.
//!
//! The region is seeded only into a store without members, so restarting the
//! demo on the same data directory keeps what was done in it.

pub mod agreements;
mod bulletins;
mod catalogue;
mod early_warning;
pub mod items;
mod people;
mod plans;
pub mod region;
mod regional;
mod rfis;
mod screening;
mod seed;
mod surveys;
#[cfg(test)]
mod tests;
mod threats;

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use godwit_domain::{Clock, SystemClock};
use godwit_store::Store;
use serde::Serialize;

use crate::store_cmd::DatabaseArgs;
use people::DEMO_PASSWORD;

/// The seed used unless `--seed` says otherwise.
const DEFAULT_SEED: u64 = 2026;

#[derive(Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub db: DatabaseArgs,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Write every demo user's username, password, member, roles and TOTP secret
    /// to this file as JSON, for scripts that log in.
    #[arg(long)]
    pub credentials_file: Option<PathBuf>,
    /// Seed of the generator: the same seed gives the same region.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    pub seed: u64,
}

/// One demo user's way in, as written to the credentials file.
#[derive(Debug, Serialize)]
pub struct Credential {
    pub username: String,
    pub password: String,
    pub member: String,
    pub organisation: String,
    pub roles: Vec<String>,
    pub totp_secret: Option<String>,
}

pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    let store = args.db.open().await?;
    if store.members().await?.is_empty() {
        eprintln!("Seeding the demo region (seed {})…", args.seed);
        let summary = seed::seed(&store, args.seed, SystemClock.now()).await?;
        eprintln!(
            "Seeded {} members, {} users, {} agreements and {} items.",
            summary.members, summary.users, summary.agreements, summary.items
        );
    } else {
        eprintln!("The database already holds members: using it as it is.");
    }
    let credentials = credentials(&store).await?;
    if let Some(path) = &args.credentials_file {
        let json = serde_json::to_string_pretty(&credentials)?;
        std::fs::write(path, json).with_context(|| format!("writing {}", path.display()))?;
        eprintln!("Wrote {} demo credentials to {}.", credentials.len(), path.display());
    }
    let screening = screening::prepare(&args.db.data_dir.join("screening"), args.seed)?;
    print_how_to_log_in(&args.listen, &credentials);
    println!(
        "\nScreening: {} watchlist names and documents in {}.\nA flight manifest to screen: {}\n  \
         upload it at http://{}/screening as officer.fji.\n\
         A member's own lists (persons or documents CSV, same formats): upload them at\n  \
         http://{}/screening/lists as ana.fji or nfp.fji; Fiji's officers are then screened against them too.",
        screening::WATCHLIST_PERSONS,
        screening
            .config
            .persons
            .iter()
            .chain(&screening.config.documents)
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(" and "),
        screening.manifest.display(),
        args.listen,
        args.listen
    );
    crate::serve::serve_store(
        store,
        crate::serve::ServeOptions {
            listen: args.listen,
            search_dir: Some(crate::commands::index::index_dir(&args.db, None)),
            config: godwit_server::ServerConfig { screening: screening.config, ..Default::default() },
            ..Default::default()
        },
    )
    .await
}

/// The credentials of every user in the store, with the shared demo password
/// (users who changed theirs keep their own, which this cannot know).
pub async fn credentials(store: &Store) -> anyhow::Result<Vec<Credential>> {
    let organisations = store.organisations(None).await?;
    let mut out = Vec::new();
    for user in store.users(None).await? {
        let record = store.user_by_username(&user.username).await?;
        let organisation = organisations.iter().find(|o| o.id == user.organisation).map(|o| o.name.clone());
        out.push(Credential {
            password: DEMO_PASSWORD.to_owned(),
            member: user.member.to_string(),
            organisation: organisation.unwrap_or_default(),
            roles: user.roles.iter().map(|r| r.as_str().to_owned()).collect(),
            totp_secret: record.and_then(|r| r.totp_enabled.then_some(r.totp_secret).flatten()),
            username: user.username,
        });
    }
    Ok(out)
}

/// Users worth trying first, one per kind of work.
const SHOWCASE: &[&str] =
    &["ana.fji", "auth.fji", "nfp.fji", "officer.fji", "ana.aus", "sec.pidcsec", "auditor.aus", "admin"];

fn print_how_to_log_in(listen: &str, credentials: &[Credential]) {
    println!("\nGodwit demo region");
    println!("==================");
    println!("Open http://{listen}/ (API under http://{listen}/api/v1, docs at http://{listen}/api/docs).");
    println!("Every demo user's password is: {DEMO_PASSWORD}");
    println!(
        "Sign in from a script with:\n  curl -X POST http://{listen}/api/v1/auth/login -H 'content-type: application/json' \\\n    \
         -d '{{\"username\":\"ana.fji\",\"password\":\"{DEMO_PASSWORD}\"}}'\n"
    );
    println!("{:<14} {:<9} {:<44} TOTP", "username", "member", "roles");
    for username in SHOWCASE {
        if let Some(c) = credentials.iter().find(|c| c.username == *username) {
            let totp = if c.totp_secret.is_some() { "required" } else { "-" };
            println!("{:<14} {:<9} {:<44} {totp}", c.username, c.member, c.roles.join(", "));
        }
    }
    println!(
        "\nOther members have ana.<code>, auth.<code> and nfp.<code> (e.g. ana.png, auth.idn, nfp.wsm); \
         {} users in all.",
        credentials.len()
    );
    if let Some(c) = credentials.iter().find(|c| c.totp_secret.is_some()) {
        println!(
            "Authorising officers, NFPs and the administrator need a TOTP code: get one with\n  \
             godwit totp code SECRET\nwhere SECRET is the user's totp_secret from --credentials-file \
             (e.g. {} for {}).",
            c.totp_secret.as_deref().unwrap_or_default(),
            c.username
        );
    }
    println!();
}
