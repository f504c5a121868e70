//! `godwit bulletin --user U --period 2026-10 --audience PIDC [--edition
//! monthly|bimonthly] [--classification LEVEL] [--pdf FILE] [--html FILE]
//! [--json FILE] [--reason TEXT]`: the bulletin of that edition, period and
//! audience compiled by user U's member (started when there is none yet),
//! assembled for its audience as U may open it (the access policy decides),
//! written as PDF (marking banners on every page), HTML (banners at the top
//! and bottom) and/or JSON; every copy audited as a distribution to the
//! audience, with its recipients, the method and the reason.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use godwit_domain::bulletin::{Bulletin, BulletinDraft, Edition, Month};
use godwit_domain::member::Audience;
use godwit_domain::user::Subject;
use godwit_store::Store;
use godwit_store::bulletins::AssembledBulletin;

use crate::commands::acting::ActingArgs;

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

#[derive(Args)]
pub struct BulletinArgs {
    /// The database, and the user who compiles or distributes it.
    #[command(flatten)]
    acting: ActingArgs,
    /// A month of the period, `2026-10`; a bi-monthly bulletin covers the
    /// two months holding it (January–February, March–April, …).
    #[arg(long, value_parser = parse_month)]
    period: Month,
    /// Who it is for: member codes and group names, separated by commas.
    #[arg(long)]
    audience: String,
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

fn parse_month(text: &str) -> Result<Month, String> {
    Month::parse(text).ok_or_else(|| format!("{text:?} is not a month like 2026-10"))
}

/// `FJI, PIDC` as an audience of this node's members and groups.
async fn audience(store: &Store, text: &str) -> anyhow::Result<Audience> {
    let groups: Vec<String> = store.groups().await?.into_iter().map(|g| g.code).collect();
    let members: Vec<String> = store.members().await?.into_iter().map(|m| m.code.0).collect();
    let mut audience = Audience::default();
    for name in text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        if let Some(g) = groups.iter().find(|g| g.eq_ignore_ascii_case(name)) {
            audience.groups.insert(g.clone());
        } else if let Some(m) = members.iter().find(|m| m.eq_ignore_ascii_case(name)) {
            audience.members.insert(godwit_domain::member::MemberCode(m.clone()));
        } else {
            bail!("{name} is neither a member nor a group of this node");
        }
    }
    Ok(audience)
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
    let (store, subject) = args.acting.open().await?;
    let mut draft = BulletinDraft::new(args.edition.into(), args.period, audience(&store, &args.audience).await?);
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
