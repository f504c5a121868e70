//! `godwit threats list --user U` and `godwit threats export --user U
//! [--member FJI] [--format csv|json] [--out FILE]`: the threat and risk
//! registers a user may read, exactly as the API shows them to that user
//! (the access policy decides), with every export audited.
//!
//! `godwit threats set THREAT --user U …` assesses a threat in the register
//! of U's member (a new entry, or a change to the given fields);
//! `history` lists every change of a register; `taxonomy` and `add` read and
//! extend the threats every member assesses. All through the store functions
//! the API calls, so the same checks and history apply.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Subcommand, ValueEnum};
use godwit_domain::member::MemberCode;
use godwit_domain::risk::Trend;
use godwit_domain::threat::{EntryDraft, Mitigation, Threat};
use godwit_domain::user::Subject;
use godwit_store::Store;
use godwit_store::audit::AuditEvent;
use godwit_store::threats::RegisterView;

use crate::commands::acting::{ActingArgs, subject};
use crate::store_cmd::DatabaseArgs;

#[derive(Subcommand)]
pub enum ThreatsCommand {
    /// The registers the user may read: member, title, marking, entries.
    List(ListArgs),
    /// Every entry of the registers the user may read, as CSV or JSON.
    Export(ExportArgs),
    /// Assess a threat in the register of the user's member: a new entry, or
    /// a change to the fields given.
    Set(SetArgs),
    /// Every change of a register, newest first, with before and after.
    History(HistoryArgs),
    /// The threats every member may assess: code, name, who added it.
    Taxonomy(ActingArgs),
    /// Add a threat to the taxonomy.
    Add(AddArgs),
}

#[derive(Args)]
pub struct SetArgs {
    #[command(flatten)]
    who: ActingArgs,
    /// The threat's code in the taxonomy: `document-fraud`.
    threat: String,
    /// 1 to 5.
    #[arg(long)]
    likelihood: Option<u8>,
    /// 1 to 5.
    #[arg(long)]
    consequence: Option<u8>,
    /// rising, stable or falling.
    #[arg(long, value_parser = parse_trend)]
    trend: Option<Trend>,
    /// `YYYY-MM-DD`: when the entry is next reviewed.
    #[arg(long)]
    review_on: Option<String>,
    /// The assessment in words.
    #[arg(long)]
    assessment: Option<String>,
    /// `OWNER: STRATEGY`, once per strategy (the owner a unit, post or
    /// person); replaces the entry's strategies.
    #[arg(long, value_parser = parse_mitigation)]
    mitigation: Vec<Mitigation>,
}

#[derive(Args)]
pub struct HistoryArgs {
    #[command(flatten)]
    who: ActingArgs,
    /// Whose register; the user's member's when absent.
    #[arg(long)]
    member: Option<String>,
}

#[derive(Args)]
pub struct AddArgs {
    #[command(flatten)]
    who: ActingArgs,
    /// Lower-case words joined by hyphens: `maritime-arrivals`.
    code: String,
    #[arg(long)]
    name: String,
    #[arg(long, default_value = "")]
    description: String,
}

fn parse_trend(text: &str) -> Result<Trend, String> {
    Trend::parse(text).ok_or_else(|| "must be one of rising, stable, falling".to_owned())
}

fn parse_mitigation(text: &str) -> Result<Mitigation, String> {
    let (owner, strategy) = text.split_once(':').ok_or("write OWNER: STRATEGY")?;
    Ok(Mitigation { strategy: strategy.trim().to_owned(), owner: owner.trim().to_owned() })
}

/// A member code as typed, in any case.
fn member_code(text: &str) -> anyhow::Result<MemberCode> {
    MemberCode::parse(&text.to_uppercase()).with_context(|| format!("{text} is not a member code"))
}

#[derive(Args)]
pub struct ListArgs {
    #[command(flatten)]
    db: DatabaseArgs,
    /// The user whose view is listed.
    #[arg(long)]
    user: String,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Csv,
    Json,
}

#[derive(Args)]
pub struct ExportArgs {
    #[command(flatten)]
    db: DatabaseArgs,
    /// The user whose view is exported.
    #[arg(long)]
    user: String,
    /// Only this member's register.
    #[arg(long)]
    member: Option<String>,
    #[arg(long, value_enum, default_value = "csv")]
    format: Format,
    /// Where to write; standard output when absent.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// The registers `subject` may read, whole, optionally only `member`'s.
async fn views(store: &Store, subject: &Subject, member: Option<&str>) -> anyhow::Result<Vec<RegisterView>> {
    let wanted = member.map(member_code).transpose()?;
    let mut out = Vec::new();
    for register in store.threat_registers(subject).await? {
        if wanted.as_ref().is_none_or(|w| *w == register.member) {
            out.push(store.threat_register_view(subject, &register.member).await?);
        }
    }
    if let Some(w) = wanted
        && out.is_empty()
    {
        bail!("no register of {w} is released to this user");
    }
    Ok(out)
}

pub async fn run(command: ThreatsCommand) -> anyhow::Result<()> {
    match command {
        ThreatsCommand::List(args) => {
            let store = args.db.open_existing().await?;
            let subject = subject(&store, &args.user).await?;
            let scale = store.scale();
            for view in views(&store, &subject, None).await? {
                let s = &view.register.settings;
                let overdue = view.entries.iter().filter(|e| e.review_overdue).count();
                println!(
                    "{}\t{}\t{} TLP:{}\t{} entries, {overdue} reviews overdue",
                    view.register.member,
                    s.title,
                    scale.name(s.classification),
                    s.tlp.as_str(),
                    view.entries.len()
                );
            }
            Ok(())
        }
        ThreatsCommand::Export(args) => {
            let store = args.db.open_existing().await?;
            let subject = subject(&store, &args.user).await?;
            let views = views(&store, &subject, args.member.as_deref()).await?;
            let text = match args.format {
                Format::Json => serde_json::to_string_pretty(&views)?,
                Format::Csv => csv_text(&views)?,
            };
            let registers: Vec<String> = views.iter().map(|v| v.register.id.to_string()).collect();
            store
                .record(&[AuditEvent::new("threat_register.export")
                    .by(subject.user, &subject.member)
                    .with(serde_json::json!({ "registers": registers, "method": "cli" }))])
                .await?;
            match &args.out {
                Some(path) => std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?,
                None => std::io::stdout().write_all(text.as_bytes())?,
            }
            Ok(())
        }
        ThreatsCommand::Set(args) => set(args).await,
        ThreatsCommand::History(args) => {
            let (store, subject) = args.who.open().await?;
            let member = args.member.as_deref().map(member_code).transpose()?.unwrap_or_else(|| subject.member.clone());
            for c in store.threat_register_history(&subject, &member).await? {
                let about = c.threat.or(c.item.map(|i| i.to_string())).unwrap_or_default();
                println!("{}\t{}\t{about}\t{}\t{}", c.at.to_rfc3339(), c.action, c.changed_member, c.changed_by);
                for (label, value) in [("before", c.before), ("after", c.after)] {
                    if let Some(value) = value {
                        println!("  {label}: {value}");
                    }
                }
            }
            Ok(())
        }
        ThreatsCommand::Taxonomy(who) => {
            let (store, _) = who.open().await?;
            for t in store.threat_taxonomy().await? {
                let added = t.added_by.map(|m| format!("added by {m}")).unwrap_or_else(|| "seeded".into());
                println!("{}\t{}\t{added}", t.code, t.name);
            }
            Ok(())
        }
        ThreatsCommand::Add(args) => {
            let (store, subject) = args.who.open().await?;
            let threat = Threat { code: args.code, name: args.name, description: args.description, added_by: None };
            let added = store.add_threat(&subject, threat).await?;
            println!("{}\t{}\tadded by {}", added.code, added.name, subject.member);
            Ok(())
        }
    }
}

/// Writes the entry: the fields given over the current entry, all of
/// likelihood, consequence, trend and review date for a new one. Prints the
/// entry with the rating its register's matrix gives.
async fn set(args: SetArgs) -> anyhow::Result<()> {
    let (store, subject) = args.who.open().await?;
    let member = subject.member.clone();
    let view = store.threat_register_view(&subject, &member).await?;
    let current = view.entries.into_iter().find(|e| e.entry.threat == args.threat).map(|e| e.entry.draft);
    let mut draft = match current {
        Some(draft) => draft,
        None => {
            let (Some(likelihood), Some(consequence), Some(trend), Some(review_on)) =
                (args.likelihood, args.consequence, args.trend, args.review_on.clone())
            else {
                bail!("a new entry needs --likelihood, --consequence, --trend and --review-on");
            };
            EntryDraft { assessment: String::new(), likelihood, consequence, trend, mitigations: Vec::new(), review_on }
        }
    };
    draft.likelihood = args.likelihood.unwrap_or(draft.likelihood);
    draft.consequence = args.consequence.unwrap_or(draft.consequence);
    draft.trend = args.trend.unwrap_or(draft.trend);
    draft.review_on = args.review_on.unwrap_or(draft.review_on);
    draft.assessment = args.assessment.unwrap_or(draft.assessment);
    if !args.mitigation.is_empty() {
        draft.mitigations = args.mitigation;
    }
    store.put_threat_entry(&subject, &member, &args.threat, draft).await?;
    let view = store.threat_register_view(&subject, &member).await?;
    let written = view.entries.iter().find(|e| e.entry.threat == args.threat).context("the entry just written")?;
    let d = &written.entry.draft;
    println!(
        "{member}\t{}\tlikelihood {} consequence {}\t{}\t{}\treview {}",
        args.threat,
        d.likelihood,
        d.consequence,
        written.rating.as_str(),
        d.trend,
        d.review_on
    );
    Ok(())
}

/// One row per entry; mitigations as `strategy (owner)` joined by `; `.
fn csv_text(views: &[RegisterView]) -> anyhow::Result<String> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record([
        "member",
        "threat",
        "likelihood",
        "consequence",
        "rating",
        "trend",
        "review_on",
        "review_overdue",
        "mitigations",
        "assessment",
    ])?;
    for view in views {
        for e in &view.entries {
            let d = &e.entry.draft;
            let mitigations: Vec<String> =
                d.mitigations.iter().map(|m| format!("{} ({})", m.strategy, m.owner)).collect();
            writer.write_record([
                view.register.member.as_str(),
                &e.entry.threat,
                &d.likelihood.to_string(),
                &d.consequence.to_string(),
                e.rating.as_str(),
                d.trend.as_str(),
                &d.review_on,
                if e.review_overdue { "yes" } else { "no" },
                &mitigations.join("; "),
                &d.assessment,
            ])?;
        }
    }
    Ok(String::from_utf8(writer.into_inner()?)?)
}
