//! `godwit survey list --user U` and `godwit survey findings ID --user U
//! [--csv FILE | --xlsx FILE | --pdf FILE [--reason TEXT]]`: capacity surveys
//! as user U sees them (the access policy and the findings' disclosure rule
//! decide), the read and every download audited as in the portal.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use godwit_domain::survey::findings::Tally;
use godwit_server::collect::ExportFormat;
use godwit_server::surveys::{findings_file, findings_pdf, responding_line};
use uuid::Uuid;

use crate::commands::acting::ActingArgs;

#[derive(Subcommand)]
pub enum SurveyCommand {
    /// The questionnaires the user designs, is asked to answer or reads the findings of.
    List(ListArgs),
    /// A questionnaire's findings as the user may see them, or their data as a file.
    Findings(FindingsArgs),
}

#[derive(Args)]
pub struct ListArgs {
    #[command(flatten)]
    acting: ActingArgs,
}

#[derive(Args)]
pub struct FindingsArgs {
    #[command(flatten)]
    acting: ActingArgs,
    /// The questionnaire (its id, from `godwit survey list`).
    id: Uuid,
    /// Write the data as CSV to this file.
    #[arg(long, conflicts_with_all = ["xlsx", "pdf"])]
    csv: Option<PathBuf>,
    /// Write the data as an XLSX workbook to this file.
    #[arg(long, conflicts_with = "pdf")]
    xlsx: Option<PathBuf>,
    /// Write the findings printed as a report (PDF, under the questionnaire's marking) to this file.
    #[arg(long)]
    pdf: Option<PathBuf>,
    /// Why the report is printed, for the audit trail.
    #[arg(long, default_value = "distribution to the audience", requires = "pdf")]
    reason: String,
}

pub async fn run(command: SurveyCommand) -> anyhow::Result<()> {
    match command {
        SurveyCommand::List(args) => list(args).await,
        SurveyCommand::Findings(args) => findings(args).await,
    }
}

async fn list(args: ListArgs) -> anyhow::Result<()> {
    let (store, subject) = args.acting.open().await?;
    println!("id\tby\ttitle\tround\tstate\topen\tasked\tyour answers\tresponses");
    for q in store.questionnaires(&subject).await? {
        println!(
            "{}\t{}\t{}\t{}\t{}\t{} to {}\t{}\t{}\t{}",
            q.id,
            q.member,
            q.title,
            q.round,
            q.state,
            q.opens_on,
            q.closes_on,
            if q.asked { "yes" } else { "no" },
            q.response_state.map_or("-", |s| s.as_str()),
            q.responses.map_or_else(|| "-".to_owned(), |n| n.to_string()),
        );
    }
    Ok(())
}

async fn findings(args: FindingsArgs) -> anyhow::Result<()> {
    let (store, subject) = args.acting.open().await?;
    let file = match (&args.csv, &args.xlsx) {
        (Some(path), _) => Some((path, ExportFormat::Csv)),
        (None, Some(path)) => Some((path, ExportFormat::Xlsx)),
        (None, None) => None,
    };
    let write = |path: &PathBuf, bytes: Vec<u8>| {
        std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
    };
    let view = match (file, &args.pdf) {
        (Some((path, format)), _) => {
            let (view, bytes) = findings_file(&store, &subject, args.id, format).await?;
            write(path, bytes)?;
            view
        }
        (None, Some(path)) => {
            let (view, bytes) = findings_pdf(&store, &subject, args.id, &args.reason).await?;
            write(path, bytes)?;
            view
        }
        (None, None) => store.survey_findings(&subject, args.id).await?,
    };
    let f = &view.findings;
    println!("{} ({}): {}", view.questionnaire.draft.title, view.questionnaire.draft.round, responding_line(&view));
    if file.is_some() || args.pdf.is_some() {
        return Ok(());
    }
    for q in &f.questions {
        println!("\n{} [{} answered]", q.text, q.answered);
        match &q.tally {
            Tally::Options { options } => {
                for o in options {
                    println!("  {:>3}%  {:>3}  {}", o.percent, o.count, o.label);
                }
            }
            Tally::Matrix { rows } => {
                for r in rows {
                    let cells: Vec<String> = r.options.iter().map(|o| format!("{} {}%", o.label, o.percent)).collect();
                    println!("  {}: {}", r.label, cells.join(", "));
                }
            }
            Tally::Ranking { order } => {
                for (place, r) in order.iter().enumerate() {
                    println!("  {}. {} ({} points)", place + 1, r.label, r.points);
                }
            }
            Tally::Numbers { min, max, median, total } => {
                let show = |v: &Option<i64>| v.map_or_else(|| "-".to_owned(), |x| x.to_string());
                println!("  lowest {}, median {}, highest {}, total {total}", show(min), show(median), show(max));
            }
            Tally::Text { answers, themes } if themes.is_empty() => {
                for a in answers {
                    println!("  {}: {}", a.member, a.text);
                }
            }
            Tally::Text { themes, .. } => {
                for t in themes {
                    println!("  {} ({})", t.label, t.answers.len());
                    for a in &t.answers {
                        println!("    {}: {}", a.member, a.text);
                    }
                }
            }
        }
    }
    Ok(())
}
