//! The documents Godwit prints as PDF (typeset offline by `godwit-report`):
//! the annual threat assessment and the bulletins as their audience reads
//! them, and the helpers every printed document shares (the marking,
//! typesetting, the download).
//!
//! SECURITY: a PDF holds exactly the document the store assembled for its
//! audience (what every member it reaches may read), carries that
//! document's marking as the banner at the top and bottom of every page and
//! its releasability at the foot, and every PDF made is audited as an export
//! with its recipients and the reason, after it was made.

use std::collections::BTreeMap;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use godwit_domain::incident::Dimension;
use godwit_domain::item::{Envelope, Item};
use godwit_domain::marking::ClassificationScale;
use godwit_domain::member::MemberCode;
use godwit_domain::user::Subject;
use godwit_report::{Bar, Block, Report, ReportError, Section, Span};
use godwit_store::analysis::TopRow;
use godwit_store::assessments::AssembledAssessment;
use godwit_store::bulletins::AssembledBulletin;
use godwit_store::{Store, StoreError};
use uuid::Uuid;

use crate::api::items::MarkingView;
use crate::error::ApiError;
use crate::web::analysis::label;
use crate::web::forms::when;

/// Why a PDF could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error("typesetting stopped: {0}")]
    Task(#[from] tokio::task::JoinError),
}

impl From<PdfError> for ApiError {
    fn from(e: PdfError) -> Self {
        match e {
            PdfError::Store(e) => e.into(),
            PdfError::Report(_) | PdfError::Task(_) => {
                tracing::error!(error = %e, "a PDF could not be typeset");
                ApiError::internal()
            }
        }
    }
}

/// Member codes as a list in words: `FJI, NZL`.
pub fn members(list: &[MemberCode]) -> String {
    list.iter().map(MemberCode::as_str).collect::<Vec<_>>().join(", ")
}

/// A table of incident records and persons per value of `by`.
fn counts_table<'a>(
    by: Dimension,
    heading: &str,
    rows: impl IntoIterator<Item = (Option<&'a str>, u64, u64)>,
) -> Block {
    Block::table(
        vec![heading.into(), "Incident records".into(), "Persons".into()],
        rows.into_iter().map(|(k, n, persons)| vec![label(by, k), n.to_string(), persons.to_string()]).collect(),
    )
}

/// Item `i` quoted under its own marking: its title, marking, originator,
/// category and date of publication, and its summary in bold.
fn quoted_item(section: Section, i: &Item, scale: &ClassificationScale) -> Section {
    let section = section
        .with(Block::Heading { text: i.content.title.clone() })
        .with(Block::Marking { text: format!("({})", MarkingView::of(i, scale).banner) })
        .with(Block::note(format!(
            "{}, {}{}",
            i.originator_member,
            i.content.category.as_str().replace('_', " "),
            i.published_at.map(|t| format!(", published {}", when(t))).unwrap_or_default()
        )));
    if i.content.summary.is_empty() {
        return section;
    }
    section.with(Block::Paragraph { spans: vec![Span { strong: true, ..Span::plain(&i.content.summary) }] })
}

/// The assessment `doc` as a printable report; `threats` names the
/// taxonomy's codes.
pub fn assessment_report(
    doc: &AssembledAssessment,
    scale: &ClassificationScale,
    threats: &BTreeMap<String, String>,
) -> Report {
    let a = &doc.assessment;
    let d = &a.draft;
    let name_of = |code: &str| threats.get(code).cloned().unwrap_or_else(|| code.to_owned());

    let summary = Section::new("Executive summary");
    let summary = if d.executive_summary.is_empty() {
        summary.with(Block::note("Not written yet."))
    } else {
        summary.with_markdown(&d.executive_summary)
    };
    let written = d.sections.iter().map(|s| Section::new(&s.heading).with_markdown(&s.body));

    let registers: Vec<MemberCode> = doc.registers.iter().map(|r| r.member.clone()).collect();
    let mut picture = Section::new("The regional picture").with(Block::paragraph(format!(
        "Threats as rated in the registers of {}.",
        if registers.is_empty() { "no member".to_owned() } else { members(&registers) }
    )));
    let p = &doc.picture;
    if p.cells.is_empty() {
        picture = picture.with(Block::note("No register that the whole audience may read assesses a threat."));
    } else {
        let header = std::iter::once("Threat".to_owned()).chain(p.members.iter().map(|m| m.to_string())).collect();
        let rows = p
            .threats
            .iter()
            .map(|t| {
                std::iter::once(t.name.clone())
                    .chain(p.members.iter().map(|m| {
                        p.cells
                            .iter()
                            .find(|c| c.threat == t.code && c.member == *m)
                            .map(|c| format!("{} ({})", c.rating, c.trend))
                            .unwrap_or_default()
                    }))
                    .collect()
            })
            .collect();
        picture = picture.with(Block::table(header, rows));
    }
    if !p.differences.is_empty() {
        picture = picture.with(Block::Heading { text: "Rated differently".into() }).with(Block::List {
            items: p.differences.iter().map(|x| vec![Span::plain(x.sentence(&name_of(&x.threat)))]).collect(),
        });
    }

    let mut trend = Section::new(format!("Incident trends in {}", d.year)).with(Block::paragraph(format!(
        "{} incident records, {} persons, counted over the published records every member of the audience may read.",
        doc.totals.incidents, doc.totals.persons
    )));
    if doc.trend.is_empty() {
        trend = trend.with(Block::note("No records."));
    } else {
        let mut per_month: BTreeMap<&str, u64> = BTreeMap::new();
        let mut per_category: BTreeMap<Option<&str>, (u64, u64)> = BTreeMap::new();
        for t in &doc.trend {
            *per_month.entry(&t.month).or_default() += t.incidents;
            let c = per_category.entry(t.key.as_deref()).or_default();
            c.0 += t.incidents;
            c.1 += t.persons;
        }
        let bars = per_month.into_iter().map(|(m, n)| Bar { label: m.to_owned(), value: n }).collect();
        let mut categories: Vec<_> = per_category.into_iter().collect();
        categories.sort_by(|x, y| y.1.0.cmp(&x.1.0).then(x.0.cmp(&y.0)));
        trend = trend.with(Block::BarChart { title: "Incident records per month".into(), bars }).with(counts_table(
            Dimension::Category,
            "Category",
            categories.into_iter().map(|(k, (n, persons))| (k, n, persons)),
        ));
    }

    let mut reports = Section::new("Reports");
    if doc.reports.is_empty() {
        reports = reports.with(Block::note("No report cited."));
    }
    for i in &doc.reports {
        reports = quoted_item(reports, i, scale).with_markdown(&i.content.body);
    }

    marked_report(
        &doc.envelope(),
        scale,
        d.title.clone(),
        format!(
            "The threat assessment of {} by {}, version {}. It reaches {}, and holds only what each of them may read.",
            d.year,
            a.member,
            a.version,
            members(&doc.reaches)
        ),
        std::iter::once(summary).chain(written).chain([picture, trend, reports]).collect(),
    )
}

/// A report under the marking of `envelope`: its banner at the top and
/// bottom of every page, its releasability at the foot.
pub fn marked_report(
    envelope: &Envelope,
    scale: &ClassificationScale,
    title: String,
    subtitle: String,
    sections: Vec<Section>,
) -> Report {
    let marking = MarkingView::of_envelope(envelope, scale);
    Report { title, subtitle, banner: marking.banner, releasability: marking.releasability, sections }
}

fn top_rows(rows: &[TopRow]) -> impl Iterator<Item = (Option<&str>, u64, u64)> {
    rows.iter().map(|r| (r.key.as_deref(), r.incidents, r.persons))
}

/// The bulletin `doc` as a printable report: the foreword, a section per
/// item kind its edition reports (each item under its own marking, with its
/// summary, or its text when it has none), and the incident figures of the
/// period as a chart and tables.
pub fn bulletin_report(doc: &AssembledBulletin, scale: &ClassificationScale) -> Report {
    let d = &doc.bulletin.draft;

    let foreword = Section::new("Foreword");
    let foreword =
        if d.foreword.is_empty() { foreword.with(Block::note("None.")) } else { foreword.with_markdown(&d.foreword) };
    let listed = doc.sections.iter().map(|s| {
        let section = Section::new(&s.heading);
        if s.items.is_empty() {
            return section
                .with(Block::note(format!("None published in {} that the whole audience may read.", doc.period)));
        }
        s.items.iter().fold(section, |section, i| {
            let section = quoted_item(section, i, scale);
            if i.content.summary.is_empty() { section.with_markdown(&i.content.body) } else { section }
        })
    });

    let mut incidents = Section::new("Incidents").with(Block::paragraph(format!(
        "{} incident records, {} persons, in {}, counted over the published records every member of the audience may read.",
        doc.incidents.incidents, doc.incidents.persons, doc.period
    )));
    if doc.by_category.is_empty() {
        incidents = incidents.with(Block::note("No records."));
    } else {
        let bars = doc
            .by_category
            .iter()
            .map(|r| Bar { label: label(Dimension::Category, r.key.as_deref()), value: r.incidents })
            .collect();
        incidents = incidents
            .with(Block::BarChart { title: "Incident records by category".into(), bars })
            .with(counts_table(Dimension::Category, "Category", top_rows(&doc.by_category)))
            .with(counts_table(Dimension::Nationality, "Nationality", top_rows(&doc.by_nationality)));
    }

    marked_report(
        &doc.envelope(),
        scale,
        d.title.clone(),
        doc.about(),
        std::iter::once(foreword).chain(listed).chain([incidents]).collect(),
    )
}

/// Typesets `report` off the async executor.
pub async fn typeset(report: Report) -> Result<Vec<u8>, PdfError> {
    Ok(tokio::task::spawn_blocking(move || godwit_report::pdf(&report)).await??)
}

/// The assessment `id` as `subject` may open it, printed to PDF, and the
/// export audited (`assessment.export`, format `pdf`, with `reason`).
pub async fn assessment_pdf(
    store: &Store,
    subject: &Subject,
    id: Uuid,
    reason: &str,
) -> Result<(AssembledAssessment, Vec<u8>), PdfError> {
    let doc = store.assemble_assessment(subject, id).await?;
    let threats = store.threat_taxonomy().await?.into_iter().map(|t| (t.code, t.name)).collect();
    let bytes = typeset(assessment_report(&doc, &store.scale(), &threats)).await?;
    store.record_assessment_export(subject, &doc, "pdf", reason).await?;
    Ok((doc, bytes))
}

/// The bulletin `id` as `subject` may open it, printed to PDF, and its
/// distribution audited (`bulletin.distribute`, method `pdf`, with `reason`).
pub async fn bulletin_pdf(
    store: &Store,
    subject: &Subject,
    id: Uuid,
    reason: &str,
) -> Result<(AssembledBulletin, Vec<u8>), PdfError> {
    let doc = store.assemble_bulletin(subject, id).await?;
    let bytes = typeset(bulletin_report(&doc, &store.scale())).await?;
    store.record_bulletin_distribution(subject, &doc, "pdf", reason).await?;
    Ok((doc, bytes))
}

/// A PDF to download as `filename`.
pub fn pdf_response(bytes: Vec<u8>, filename: &str) -> Response {
    let disposition = format!("attachment; filename=\"{filename}\"");
    ([(header::CONTENT_TYPE, "application/pdf".to_owned()), (header::CONTENT_DISPOSITION, disposition)], bytes)
        .into_response()
}

/// The file name of an assessment's PDF: `threat-assessment-2026-FJI.pdf`.
pub fn assessment_filename(doc: &AssembledAssessment) -> String {
    format!("threat-assessment-{}-{}.pdf", doc.assessment.draft.year, doc.assessment.member)
}

/// The file name of a bulletin's PDF: `monthly_intelligence-2026-10-PIDC.pdf`.
pub fn bulletin_filename(doc: &AssembledBulletin) -> String {
    let d = &doc.bulletin.draft;
    let audience: String = d
        .audience
        .label()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == ',')
        .map(|c| if c == ',' { '-' } else { c })
        .collect();
    format!("{}-{}-{}.pdf", d.edition.as_str().replace('_', "-"), d.period, audience)
}
