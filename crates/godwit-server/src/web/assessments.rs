//! Annual threat assessments in the portal: `/assessments` lists those the
//! viewer may open; `/assessments/new` and `/assessments/{id}/edit` are the
//! authors' form (year, audience, markings, executive summary and other
//! sections, the reports cited); `/assessments/{id}` is the document as its
//! audience reads it, with marking banners; `/assessments/{id}/pdf` the
//! same printed to PDF (audited as an export); `/assessments/{id}/history`
//! its saved versions. Rules, history and audit are the store's, as for the API.

use std::collections::{BTreeMap, BTreeSet};

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use godwit_domain::assessment::{
    AssessmentDraft, AssessmentVersion, Audience, AuthorSection, REPORT_CATEGORIES, edits_assessment,
};
use godwit_domain::incident::Dimension;
use godwit_domain::item::{ItemKind, ItemState};
use godwit_domain::marking::Tlp;
use godwit_domain::member::MemberCode;
use godwit_domain::regional::Period;
use godwit_store::assessments::AssembledAssessment;
use godwit_store::items::{ItemFilter, ItemSummary};
use uuid::Uuid;

use crate::api::items::MarkingView;
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::analysis::trend_chart;
use crate::web::chart::BarChart;
use crate::web::documents::{AudienceFields, DocumentRow, based_on, check_edits, save_draft};
use crate::web::forms::when;
use crate::web::page::{Chrome, WebError, render};
use crate::web::plans::{Done, sees_plans};
use crate::web::threat_charts::heat_map;
use crate::web::threats::Banner;
use crate::web::viewer::{Viewer, WebForm};

fn allowed(viewer: &Viewer) -> Result<(), WebError> {
    if sees_plans(viewer) {
        Ok(())
    } else {
        Err(WebError::page(StatusCode::FORBIDDEN, "Threat assessments are for those who read intelligence."))
    }
}

/// One assessment in the list.
pub struct ListRow {
    pub year: i32,
    pub doc: DocumentRow,
}

#[derive(Template)]
#[template(path = "assessments.html")]
struct ListPage {
    chrome: Chrome,
    rows: Vec<ListRow>,
    starts: bool,
}

pub async fn list(State(state): State<AppState>, viewer: Viewer) -> Result<Response, WebError> {
    allowed(&viewer)?;
    let subject = &viewer.caller.subject;
    let scale = state.store.scale();
    let rows = state
        .store
        .documents::<AssessmentDraft>(subject)
        .await?
        .into_iter()
        .map(|a| ListRow { year: a.draft.year, doc: DocumentRow::of(&a, &scale) })
        .collect();
    render(&ListPage {
        chrome: Chrome::new(&viewer, "Threat assessments", "/assessments"),
        rows,
        starts: edits_assessment(subject, &subject.member),
    })
}

/// What the authors' form sends. Sections are one text: each starts with a
/// line `## Heading`.
#[derive(serde::Deserialize, Default)]
pub struct AssessmentForm {
    /// The version the change was made to (editing only).
    #[serde(default)]
    based_on: Option<u32>,
    #[serde(default)]
    year: String,
    #[serde(default)]
    title: String,
    #[serde(flatten)]
    audience: AudienceFields,
    #[serde(default)]
    executive_summary: String,
    #[serde(default)]
    sections: String,
    /// The ids of the reports ticked.
    #[serde(default)]
    reports: Vec<String>,
}

/// Sections from their text: each starts with a line `## Heading`; its body
/// runs to the next such line.
fn sections_from(text: &str) -> Result<Vec<AuthorSection>, ApiError> {
    let mut sections: Vec<AuthorSection> = Vec::new();
    for line in text.lines() {
        if let Some(heading) = line.strip_prefix("## ") {
            sections.push(AuthorSection { heading: heading.trim().to_owned(), body: String::new() });
        } else if let Some(section) = sections.last_mut() {
            section.body.push_str(line);
            section.body.push('\n');
        } else if !line.trim().is_empty() {
            return Err(ApiError::invalid("sections", "start each section with a line “## Heading”"));
        }
    }
    Ok(sections)
}

/// The text of `sections`, as [`sections_from`] reads it back.
fn sections_text(sections: &[AuthorSection]) -> String {
    sections.iter().map(|s| format!("## {}\n\n{}\n\n", s.heading, s.body)).collect::<String>().trim_end().to_owned()
}

impl AssessmentForm {
    fn draft(&self, state: &AppState) -> Result<AssessmentDraft, ApiError> {
        let year = self.year.trim().parse().map_err(|_| ApiError::invalid("year", "write a year, e.g. 2026"))?;
        let marking = self.audience.marking(&state.store.scale())?;
        let mut reports = Vec::new();
        for (n, id) in self.reports.iter().enumerate() {
            reports.push(
                Uuid::parse_str(id.trim())
                    .map_err(|_| ApiError::invalid(&format!("reports/{n}"), "is not an item id"))?,
            );
        }
        Ok(AssessmentDraft {
            year,
            title: self.title.clone(),
            audience: self.audience.audience(),
            classification: marking.classification,
            tlp: marking.tlp,
            caveats: marking.caveats,
            executive_summary: self.executive_summary.clone(),
            sections: sections_from(&self.sections)?,
            reports,
        })
    }

    fn of(draft: &AssessmentDraft, version: Option<u32>, state: &AppState) -> Self {
        AssessmentForm {
            based_on: version,
            year: draft.year.to_string(),
            title: draft.title.clone(),
            audience: AudienceFields::of(draft, &state.store.scale()),
            executive_summary: draft.executive_summary.clone(),
            sections: sections_text(&draft.sections),
            reports: draft.reports.iter().map(Uuid::to_string).collect(),
        }
    }
}

/// A report the authors may cite, as the form offers it.
pub struct Candidate {
    pub id: String,
    pub title: String,
    pub from: String,
    pub category: String,
    pub published: String,
    pub chosen: bool,
}

#[derive(Template)]
#[template(path = "assessment_form.html")]
struct FormPage {
    chrome: Chrome,
    /// Where the form posts.
    action: String,
    form: AssessmentForm,
    levels: Vec<String>,
    tlps: &'static [Tlp],
    candidates: Vec<Candidate>,
    problems: Vec<String>,
}

/// How many reports the form offers, newest first.
const CANDIDATES: u64 = 200;

/// The published reports on people smuggling, trafficking and irregular
/// migration the viewer may read, newest first, and any already cited.
async fn candidates(state: &AppState, viewer: &Viewer, chosen: &[String]) -> Result<Vec<Candidate>, WebError> {
    let subject = &viewer.caller.subject;
    let filter = ItemFilter {
        kind: Some(ItemKind::IntelligenceReport),
        state: Some(ItemState::Published),
        limit: CANDIDATES,
        ..ItemFilter::default()
    };
    let mut listed: Vec<ItemSummary> = state.store.list_items(subject, &filter).await?.items;
    let missing: Vec<Uuid> = chosen
        .iter()
        .filter_map(|c| Uuid::parse_str(c).ok())
        .filter(|id| !listed.iter().any(|i| i.id == *id))
        .collect();
    listed.extend(state.store.readable_items(subject, &missing).await?.into_iter().map(ItemSummary::from));
    Ok(listed
        .into_iter()
        .filter(|i| i.state == ItemState::Published && REPORT_CATEGORIES.contains(&i.category))
        .map(|i| Candidate {
            chosen: chosen.contains(&i.id.to_string()),
            id: i.id.to_string(),
            title: i.title,
            from: i.originator_member.to_string(),
            category: i.category.as_str().replace('_', " "),
            published: i.published_at.map(when).unwrap_or_default(),
        })
        .collect())
}

async fn form_page(
    state: &AppState,
    viewer: &Viewer,
    title: String,
    action: String,
    form: AssessmentForm,
    problems: Vec<String>,
) -> Result<Response, WebError> {
    let scale = state.store.scale();
    render(&FormPage {
        chrome: Chrome::new(viewer, title, "/assessments"),
        action,
        candidates: candidates(state, viewer, &form.reports).await?,
        levels: scale.all().map(|c| scale.name(c).to_owned()).collect(),
        tlps: &Tlp::ALL,
        form,
        problems,
    })
}

pub async fn new(State(state): State<AppState>, viewer: Viewer) -> Result<Response, WebError> {
    allowed(&viewer)?;
    let year = state.store.clock().now().to_datetime().year();
    let subject = &viewer.caller.subject;
    let audience = Audience { members: BTreeSet::new(), groups: subject.member_groups.clone() };
    let draft = AssessmentDraft::new(year, format!("Regional threat assessment {year}"), audience);
    let form = AssessmentForm::of(&draft, None, &state);
    form_page(&state, &viewer, "New threat assessment".into(), "/assessments".into(), form, Vec::new()).await
}

/// The form again with every problem named, for a 422; other errors as pages.
async fn again(
    state: &AppState,
    viewer: &Viewer,
    title: String,
    action: String,
    form: AssessmentForm,
    e: ApiError,
) -> Result<Response, WebError> {
    if e.status != StatusCode::UNPROCESSABLE_ENTITY {
        return Err(e.into());
    }
    form_page(state, viewer, title, action, form, e.problems()).await
}

pub async fn create(
    State(state): State<AppState>,
    WebForm { viewer, form }: WebForm<AssessmentForm>,
) -> Result<Response, WebError> {
    allowed(&viewer)?;
    match save_draft(&state, &viewer, form.draft(&state), None).await {
        Ok(a) => Ok(Redirect::to(&format!("/assessments/{}?done=saved", a.id)).into_response()),
        Err(e) => again(&state, &viewer, "New threat assessment".into(), "/assessments".into(), form, e).await,
    }
}

pub async fn edit(State(state): State<AppState>, viewer: Viewer, Path(id): Path<Uuid>) -> Result<Response, WebError> {
    allowed(&viewer)?;
    let assembled = state.store.assemble_assessment(&viewer.caller.subject, id).await?;
    let a = &assembled.assessment;
    check_edits(&viewer, a)?;
    let form = AssessmentForm::of(&a.draft, Some(a.version), &state);
    form_page(&state, &viewer, format!("Edit {}", a.draft.title), format!("/assessments/{id}/edit"), form, Vec::new())
        .await
}

pub async fn save(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    WebForm { viewer, form }: WebForm<AssessmentForm>,
) -> Result<Response, WebError> {
    allowed(&viewer)?;
    let editing = (id, based_on(form.based_on)?);
    match save_draft(&state, &viewer, form.draft(&state), Some(editing)).await {
        Ok(_) => Ok(Redirect::to(&format!("/assessments/{id}?done=saved")).into_response()),
        Err(e) => {
            let title = format!("Edit {}", form.title);
            again(&state, &viewer, title, format!("/assessments/{id}/edit"), form, e).await
        }
    }
}

/// A report as the document shows it: its own marking, where it came from, its text.
pub struct ReportBlock {
    pub id: Uuid,
    pub title: String,
    pub marking: String,
    pub source: String,
    pub summary: String,
    pub body_html: String,
}

/// A section the authors wrote, rendered.
pub struct SectionBlock {
    pub heading: String,
    pub html: String,
}

#[derive(Template)]
#[template(path = "assessment.html")]
struct DocumentPage {
    chrome: Chrome,
    banner: Banner,
    doc: AssembledAssessment,
    reaches: String,
    summary_html: String,
    sections: Vec<SectionBlock>,
    heat_map: Option<String>,
    differences: Vec<String>,
    trend: BarChart,
    reports: Vec<ReportBlock>,
    editable: bool,
    done: Option<&'static str>,
}

/// The document's banner: its marking (at least the highest of what it
/// holds), released to its audience.
pub fn document_banner(doc: &AssembledAssessment, state: &AppState) -> Banner {
    Banner::of_envelope(&doc.envelope(), &state.store.scale())
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    allowed(&viewer)?;
    let doc = state.store.assemble_assessment(&viewer.caller.subject, id).await?;
    let scale = state.store.scale();
    let names: BTreeMap<String, String> =
        state.store.threat_taxonomy().await?.into_iter().map(|t| (t.code, t.name)).collect();
    let name_of = |code: &str| names.get(code).cloned().unwrap_or_else(|| code.to_owned());
    let d = &doc.assessment.draft;
    let shown = DocumentPage {
        chrome: Chrome::new(&viewer, d.title.clone(), "/assessments"),
        banner: document_banner(&doc, &state),
        reaches: doc.reaches.iter().map(MemberCode::as_str).collect::<Vec<_>>().join(", "),
        summary_html: crate::markdown::render(&d.executive_summary),
        sections: d
            .sections
            .iter()
            .map(|s| SectionBlock { heading: s.heading.clone(), html: crate::markdown::render(&s.body) })
            .collect(),
        heat_map: (!doc.picture.cells.is_empty()).then(|| heat_map(&doc.picture)),
        differences: doc.picture.differences.iter().map(|x| x.sentence(&name_of(&x.threat))).collect(),
        trend: trend_chart(Dimension::Category, &doc.trend, Period::Month),
        reports: doc
            .reports
            .iter()
            .map(|i| ReportBlock {
                id: i.id,
                title: i.content.title.clone(),
                marking: MarkingView::of(i, &scale).banner,
                source: format!(
                    "{}, {}{}",
                    i.originator_member,
                    i.content.category.as_str().replace('_', " "),
                    i.published_at.map(|t| format!(", published {}", when(t))).unwrap_or_default()
                ),
                summary: i.content.summary.clone(),
                body_html: crate::markdown::render(&i.content.body),
            })
            .collect(),
        editable: edits_assessment(&viewer.caller.subject, &doc.assessment.member),
        done: match done.done.as_deref() {
            Some("saved") => Some("The assessment was saved."),
            _ => None,
        },
        doc,
    };
    render(&shown)
}

/// The document printed to PDF, to download; audited as an export.
pub async fn pdf(State(state): State<AppState>, viewer: Viewer, Path(id): Path<Uuid>) -> Result<Response, WebError> {
    allowed(&viewer)?;
    let (doc, bytes) =
        crate::pdf::assessment_pdf(&state.store, &viewer.caller.subject, id, "downloaded from the portal")
            .await
            .map_err(ApiError::from)?;
    Ok(crate::pdf::pdf_response(bytes, &crate::pdf::assessment_filename(&doc)))
}

/// One saved version, in words.
pub struct VersionRow {
    pub version: u32,
    pub at: String,
    pub by: String,
    pub title: String,
    pub audience: String,
    pub classification: String,
    pub reports: usize,
    pub text: String,
}

#[derive(Template)]
#[template(path = "assessment_history.html")]
struct HistoryPage {
    chrome: Chrome,
    id: Uuid,
    title: String,
    rows: Vec<VersionRow>,
}

pub async fn history(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
) -> Result<Response, WebError> {
    allowed(&viewer)?;
    let subject = &viewer.caller.subject;
    let versions: Vec<AssessmentVersion> = state.store.document_history(subject, id).await?;
    let scale = state.store.scale();
    // People are named to their own member; others see the member only.
    let names: BTreeMap<Uuid, String> =
        state.store.users(Some(&subject.member)).await?.into_iter().map(|u| (u.id, u.display_name)).collect();
    let title = versions.first().map(|v| v.draft.title.clone()).unwrap_or_default();
    let rows = versions
        .into_iter()
        .map(|v| VersionRow {
            version: v.version,
            at: when(v.changed_at),
            by: names.get(&v.changed_by).cloned().unwrap_or_else(|| v.changed_member.to_string()),
            title: v.draft.title.clone(),
            audience: v.draft.audience.label(),
            classification: scale.name(v.draft.classification).to_owned(),
            reports: v.draft.reports.len(),
            text: format!("{}\n\n{}", v.draft.executive_summary, sections_text(&v.draft.sections)),
        })
        .collect();
    render(&HistoryPage {
        chrome: Chrome::new(&viewer, format!("History of {title}"), "/assessments"),
        id,
        title,
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_round_trip_through_their_text() {
        let text = "## Outlook\n\nRoutes shift **south**.\n\n## Gaps\n\nNo data from sea ports.";
        let sections = sections_from(text).expect("sections");
        let headings: Vec<&str> = sections.iter().map(|s| s.heading.as_str()).collect();
        assert_eq!(headings, ["Outlook", "Gaps"]);
        assert_eq!(sections_from(&sections_text(&sections)).expect("again").len(), 2);
        assert!(sections_from("text before any heading").is_err());
        assert!(sections_from("").expect("none").is_empty());
    }
}
