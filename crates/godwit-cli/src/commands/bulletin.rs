//! `godwit bulletin --user U --period 2026-10 --audience PIDC [--edition
//! monthly|bimonthly] [--classification LEVEL] [--pdf FILE] [--html FILE]
//! [--json FILE] [--reason TEXT]`: the bulletin of that edition, period and
//! audience compiled by user U's member (started when there is none yet),
//! assembled for its audience as U may open it (the access policy decides),
//! written as PDF (marking banners on every page), HTML (banners at the top
//! and bottom) and/or JSON; every copy audited as a distribution to the
//! audience, with its recipients, the method and the reason.
//!
//! `godwit bulletin list|history|foreword --user U`: the bulletins U may
//! open; every saved version of one; its foreword rewritten onto the version
//! U read (refused when another was saved since).

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use godwit_domain::bulletin::{Bulletin, BulletinDraft, Edition, Month};
use godwit_domain::user::Subject;
use godwit_store::Store;
use godwit_store::bulletins::AssembledBulletin;
use uuid::Uuid;

use crate::commands::acting::{ActingArgs, audience, text_or_file};
use crate::commands::documents;
use crate::store_cmd::DatabaseArgs;

/// Which bulletin.
#[derive(Clone, Copy, ValueEnum)]
pub enum EditionArg {
    /// The monthly intelligence bulletin: alerts and intelligence reports.
    Monthly,
    /// The bi-monthly information bulletin: threat assessments and library documents.
    Bimonthly,
}

impl From<EditionArg> for Edition {
    fn from(e: EditionArg) -> Self {
        match e {
            EditionArg::Monthly => Edition::MonthlyIntelligence,
            EditionArg::Bimonthly => Edition::BimonthlyInformation,
        }
    }
}

/// Compiling and distributing a bulletin takes the arguments of
/// `godwit bulletin` itself; the subcommands read and edit them. (Those
/// arguments are options that clap requires unless a subcommand is given.)
#[derive(Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct BulletinArgs {
    #[command(subcommand)]
    command: Option<BulletinCommand>,
    #[command(flatten)]
    db: DatabaseArgs,
    /// The user who compiles or distributes it: a username of this node.
    #[arg(long, required = true)]
    user: Option<String>,
    /// A month of the period, `2026-10`; a bi-monthly bulletin covers the
    /// two months holding it (January–February, March–April, …).
    #[arg(long, value_parser = parse_month, required = true)]
    period: Option<Month>,
    /// Who it is for: member codes and group names, separated by commas.
    #[arg(long, required = true)]
    audience: Option<String>,
    #[arg(long, value_enum, default_value = "monthly")]
    edition: EditionArg,
    /// The highest classification it may hold, when it is started (by name,
    /// `UNCLASSIFIED`); the lowest when not given.
    #[arg(long)]
    classification: Option<String>,
    /// Where to write it printed to PDF.
    #[arg(long, required_unless_present_any = ["html", "json"])]
    pdf: Option<PathBuf>,
    /// Where to write it as a web page of its own.
    #[arg(long)]
    html: Option<PathBuf>,
    /// Where to write it assembled, as JSON.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Why it is distributed, for the audit trail.
    #[arg(long, default_value = "distribution to the audience")]
    reason: String,
}

#[derive(Subcommand)]
pub enum BulletinCommand {
    /// The bulletins the user may open, newest period first.
    List(ActingArgs),
    /// Every saved version of a bulletin, newest first.
    History(IdArgs),
    /// Rewrite the foreword, onto the version the user read.
    Foreword(ForewordArgs),
}

#[derive(Args)]
pub struct IdArgs {
    #[command(flatten)]
    who: ActingArgs,
    id: Uuid,
}

#[derive(Args)]
pub struct ForewordArgs {
    #[command(flatten)]
    who: ActingArgs,
    id: Uuid,
    /// The version the change is made to, as `list` or `history` showed it.
    #[arg(long)]
    based_on: u32,
    /// The foreword (Markdown).
    #[arg(long, required_unless_present = "file")]
    text: Option<String>,
    /// The foreword read from this file.
    #[arg(long, conflicts_with = "text")]
    file: Option<PathBuf>,
}

fn parse_month(text: &str) -> Result<Month, String> {
    Month::parse(text).ok_or_else(|| format!("{text:?} is not a month like 2026-10"))
}

/// The bulletin of `draft`'s edition, period and audience that the user's
/// member compiles, started from `draft` when there is none.
async fn find_or_start(store: &Store, subject: &Subject, draft: BulletinDraft) -> anyhow::Result<Bulletin> {
    let same = |b: &Bulletin| {
        b.member == subject.member
            && b.draft.edition == draft.edition
            && b.draft.period == draft.period
            && b.draft.audience == draft.audience
    };
    if let Some(found) = store.documents::<BulletinDraft>(subject).await?.into_iter().find(same) {
        return Ok(found);
    }
    Ok(store.create_document(subject, draft).await?)
}

pub async fn run(args: BulletinArgs) -> anyhow::Result<()> {
    match args.command {
        Some(BulletinCommand::List(who)) => {
            let (store, subject) = who.open().await?;
            documents::list::<BulletinDraft>(&store, &subject).await
        }
        Some(BulletinCommand::History(args)) => {
            let (store, subject) = args.who.open().await?;
            documents::history::<BulletinDraft>(&store, &subject, args.id).await
        }
        Some(BulletinCommand::Foreword(args)) => {
            let (store, subject) = args.who.open().await?;
            let mut draft = documents::current::<BulletinDraft>(&store, &subject, args.id).await?.draft;
            draft.foreword = text_or_file(args.text, args.file.as_ref())?.unwrap_or_default();
            documents::print(&store.update_document(&subject, args.id, args.based_on, draft).await?);
            Ok(())
        }
        None => distribute(args).await,
    }
}

/// Compiles (or finds) the bulletin and writes and audits its copies.
async fn distribute(args: BulletinArgs) -> anyhow::Result<()> {
    let (Some(user), Some(period), Some(audience_text)) = (args.user, args.period, args.audience) else {
        anyhow::bail!("--user, --period and --audience are required");
    };
    let (store, subject) = ActingArgs { db: args.db, user }.open().await?;
    let mut draft = BulletinDraft::new(args.edition.into(), period, audience(&store, &audience_text).await?);
    if let Some(name) = &args.classification {
        draft.classification = store.scale().parse(name).with_context(|| format!("no classification {name}"))?;
    }
    let bulletin = find_or_start(&store, &subject, draft).await?;
    let assembled: AssembledBulletin = match &args.pdf {
        Some(path) => {
            let (assembled, bytes) =
                godwit_server::pdf::bulletin_pdf(&store, &subject, bulletin.id, &args.reason).await?;
            std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))?;
            assembled
        }
        None => store.assemble_bulletin(&subject, bulletin.id).await?,
    };
    if let Some(path) = &args.html {
        let page = godwit_server::web::bulletins::bulletin_file(assembled.clone(), &store.scale())?;
        std::fs::write(path, page).with_context(|| format!("writing {}", path.display()))?;
        store.record_bulletin_distribution(&subject, &assembled, "html", &args.reason).await?;
    }
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_vec_pretty(&assembled)?)
            .with_context(|| format!("writing {}", path.display()))?;
        store.record_bulletin_distribution(&subject, &assembled, "json", &args.reason).await?;
    }
    let b = &assembled.bulletin;
    println!(
        "{}\t{}\t{}\tversion {}\t{} TLP:{}\t{} items, {} incident records\treaches {}",
        b.id,
        assembled.period,
        b.draft.title,
        b.version,
        store.scale().name(assembled.marking.classification),
        assembled.marking.tlp.as_str(),
        assembled.items().count(),
        assembled.incidents.incidents,
        assembled.reaches.iter().map(|m| m.as_str()).collect::<Vec<_>>().join(", ")
    );
    Ok(())
}
