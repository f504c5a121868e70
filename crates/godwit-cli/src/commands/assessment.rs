//! `godwit assessment export --user U --year 2026 [--id ID] [--json FILE]
//! [--pdf FILE] [--reason TEXT]`: an annual threat assessment assembled for
//! its audience, as user U may open it (the access policy decides), as JSON
//! and/or PDF (marking banners on every page), every export audited with its
//! recipients.
//!
//! `godwit assessment list|create|update|history --user U`: the assessments
//! U may open; start one; save a change onto the version U read (refused when
//! another was saved since); every saved version. Through the store functions
//! the API calls, so the same checks and audit apply.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use godwit_domain::assessment::{Assessment, AssessmentDraft};
use godwit_domain::marking::Tlp;
use godwit_domain::user::Subject;
use godwit_store::Store;
use godwit_store::assessments::AssembledAssessment;
use uuid::Uuid;

use crate::commands::acting::{ActingArgs, audience, subject, text_or_file};
use crate::commands::documents;
use crate::store_cmd::DatabaseArgs;

#[derive(Subcommand)]
pub enum AssessmentCommand {
    /// Write an assessment as its audience reads it.
    Export(ExportArgs),
    /// The assessments the user may open, newest year first.
    List(ActingArgs),
    /// Start an assessment of the user's member.
    Create(CreateArgs),
    /// Save a change made to the version the user read.
    Update(UpdateArgs),
    /// Every saved version, newest first.
    History(HistoryArgs),
}

#[derive(Args)]
pub struct CreateArgs {
    #[command(flatten)]
    who: ActingArgs,
    /// The year assessed.
    #[arg(long)]
    year: i32,
    #[command(flatten)]
    fields: Fields,
}

#[derive(Args)]
pub struct UpdateArgs {
    #[command(flatten)]
    who: ActingArgs,
    id: Uuid,
    /// The version the change is made to, as `list` or `history` showed it.
    #[arg(long)]
    based_on: u32,
    #[command(flatten)]
    fields: Fields,
}

#[derive(Args)]
pub struct HistoryArgs {
    #[command(flatten)]
    who: ActingArgs,
    id: Uuid,
}

/// What the authors write; a field not given is left as it is.
#[derive(Args)]
pub struct Fields {
    #[arg(long)]
    title: Option<String>,
    /// Member codes and group names, separated by commas.
    #[arg(long)]
    audience: Option<String>,
    /// The highest classification it may hold, by name.
    #[arg(long)]
    classification: Option<String>,
    /// CLEAR, GREEN, AMBER, AMBER+STRICT or RED.
    #[arg(long, value_parser = parse_tlp)]
    tlp: Option<Tlp>,
    /// The executive summary (Markdown).
    #[arg(long)]
    summary: Option<String>,
    /// The executive summary read from this file.
    #[arg(long, conflicts_with = "summary")]
    summary_file: Option<PathBuf>,
    /// A report cited, once per report; replaces those cited.
    #[arg(long = "report")]
    reports: Vec<Uuid>,
}

fn parse_tlp(text: &str) -> Result<Tlp, String> {
    Tlp::parse(text).ok_or_else(|| "must be one of CLEAR, GREEN, AMBER, AMBER+STRICT, RED".to_owned())
}

impl Fields {
    /// `draft` with the fields given.
    async fn apply(self, store: &Store, mut draft: AssessmentDraft) -> anyhow::Result<AssessmentDraft> {
        if let Some(text) = &self.audience {
            draft.audience = audience(store, text).await?;
        }
        if let Some(name) = &self.classification {
            draft.classification = store.scale().parse(name).with_context(|| format!("no classification {name}"))?;
        }
        if let Some(summary) = text_or_file(self.summary, self.summary_file.as_ref())? {
            draft.executive_summary = summary;
        }
        if !self.reports.is_empty() {
            draft.reports = self.reports;
        }
        draft.title = self.title.unwrap_or(draft.title);
        draft.tlp = self.tlp.unwrap_or(draft.tlp);
        Ok(draft)
    }
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
    match command {
        AssessmentCommand::Export(args) => export(args).await,
        AssessmentCommand::List(who) => {
            let (store, subject) = who.open().await?;
            documents::list::<AssessmentDraft>(&store, &subject).await
        }
        AssessmentCommand::Create(args) => {
            let (store, subject) = args.who.open().await?;
            let draft = AssessmentDraft::new(args.year, String::new(), Default::default());
            let draft = args.fields.apply(&store, draft).await?;
            documents::print(&store.create_document(&subject, draft).await?);
            Ok(())
        }
        AssessmentCommand::Update(args) => {
            let (store, subject) = args.who.open().await?;
            let current = documents::current::<AssessmentDraft>(&store, &subject, args.id).await?;
            let draft = args.fields.apply(&store, current.draft).await?;
            documents::print(&store.update_document(&subject, args.id, args.based_on, draft).await?);
            Ok(())
        }
        AssessmentCommand::History(args) => {
            let (store, subject) = args.who.open().await?;
            documents::history::<AssessmentDraft>(&store, &subject, args.id).await
        }
    }
}

async fn export(args: ExportArgs) -> anyhow::Result<()> {
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
