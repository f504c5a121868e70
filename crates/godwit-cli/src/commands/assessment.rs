//! `godwit assessment export --user U --year 2026 [--id ID] [--json FILE]
//! [--pdf FILE] [--reason TEXT]`: an annual threat assessment assembled for
//! its audience, as user U may open it (the access policy decides), as JSON
//! and/or PDF (marking banners on every page), every export audited with its
//! recipients.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use godwit_domain::assessment::{Assessment, AssessmentDraft};
use godwit_domain::user::Subject;
use godwit_store::Store;
use godwit_store::assessments::AssembledAssessment;
use uuid::Uuid;

use crate::commands::acting::subject;
use crate::store_cmd::DatabaseArgs;

#[derive(Subcommand)]
pub enum AssessmentCommand {
    /// Write an assessment as its audience reads it.
    Export(ExportArgs),
}

#[derive(Args)]
pub struct ExportArgs {
    #[command(flatten)]
    db: DatabaseArgs,
    /// The user who exports it: it must be open to them.
    #[arg(long)]
    user: String,
    /// The year assessed; the user's own member's assessment of that year is
    /// taken first.
    #[arg(long, required_unless_present = "id")]
    year: Option<i32>,
    /// This assessment, instead of choosing one by year.
    #[arg(long, conflicts_with = "year")]
    id: Option<Uuid>,
    /// Where to write the assembled document as JSON.
    #[arg(long, required_unless_present = "pdf")]
    json: Option<PathBuf>,
    /// Where to write the document printed to PDF.
    #[arg(long)]
    pdf: Option<PathBuf>,
    /// Why it is exported, for the audit trail.
    #[arg(long, default_value = "distribution to the audience")]
    reason: String,
}

/// The assessment asked for: by id, or the newest of `year`, the user's own
/// member's first.
fn choose(open: &[Assessment], subject: &Subject, year: Option<i32>, id: Option<Uuid>) -> anyhow::Result<Uuid> {
    if let Some(id) = id {
        return Ok(id);
    }
    let of_year = |a: &&Assessment| year.is_none_or(|y| a.draft.year == y);
    let found = open
        .iter()
        .filter(of_year)
        .find(|a| a.member == subject.member)
        .or_else(|| open.iter().find(of_year))
        .with_context(|| format!("no assessment of {} is open to this user", year.unwrap_or_default()))?;
    Ok(found.id)
}

pub async fn run(command: AssessmentCommand) -> anyhow::Result<()> {
    let AssessmentCommand::Export(args) = command;
    let store: Store = args.db.open_existing().await?;
    let subject = subject(&store, &args.user).await?;
    let open = store.documents::<AssessmentDraft>(&subject).await?;
    let id = choose(&open, &subject, args.year, args.id)?;
    let assembled: AssembledAssessment = match &args.pdf {
        Some(path) => {
            let (assembled, bytes) = godwit_server::pdf::assessment_pdf(&store, &subject, id, &args.reason).await?;
            std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))?;
            assembled
        }
        None => store.assemble_assessment(&subject, id).await?,
    };
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_vec_pretty(&assembled)?)
            .with_context(|| format!("writing {}", path.display()))?;
        store.record_assessment_export(&subject, &assembled, "json", &args.reason).await?;
    }
    let a = &assembled.assessment;
    println!(
        "{}\t{}\t{}\tversion {}\t{} TLP:{}\t{} registers, {} reports, {} incident records",
        a.id,
        a.draft.year,
        a.draft.title,
        a.version,
        store.scale().name(assembled.marking.classification),
        assembled.marking.tlp.as_str(),
        assembled.registers.len(),
        assembled.reports.len(),
        assembled.totals.incidents
    );
    Ok(())
}
