//! `godwit threats list --user U` and `godwit threats export --user U
//! [--member FJI] [--format csv|json] [--out FILE]`: the threat and risk
//! registers a user may read, exactly as the API shows them to that user
//! (the access policy decides), with every export audited.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Subcommand, ValueEnum};
use godwit_domain::member::MemberCode;
use godwit_domain::user::Subject;
use godwit_store::Store;
use godwit_store::audit::AuditEvent;
use godwit_store::threats::RegisterView;

use crate::commands::acting::subject;
use crate::store_cmd::DatabaseArgs;

#[derive(Subcommand)]
pub enum ThreatsCommand {
    /// The registers the user may read: member, title, marking, entries.
    List(ListArgs),
    /// Every entry of the registers the user may read, as CSV or JSON.
    Export(ExportArgs),
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
    let wanted =
        member.map(|m| MemberCode::parse(&m.to_uppercase()).with_context(|| format!("{m} is not a member code")));
    let wanted = wanted.transpose()?;
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
    }
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
