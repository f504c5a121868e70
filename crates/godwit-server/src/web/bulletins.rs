//! Bulletins in the portal: `/bulletins` lists those the viewer may open;
//! `/bulletins/new` and `/bulletins/{id}/edit` are the editors' form
//! (edition, period, audience, markings, foreword); `/bulletins/{id}` is the
//! bulletin as its audience reads it, with marking banners, its foreword
//! (which its editors change in place), a section per item kind and the
//! incident figures of the period as a chart; `/bulletins/{id}/pdf?reason=`
//! the same printed to PDF, audited as a distribution to the audience.
//! Rules, history and audit are the store's, as for the API.

use std::collections::BTreeSet;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use godwit_domain::bulletin::{BulletinDraft, Edition, Month, edits_bulletin};
use godwit_domain::incident::Dimension;
use godwit_domain::marking::{ClassificationScale, Tlp};
use godwit_domain::member::Audience;
use godwit_store::analysis::TopRow;
use godwit_store::bulletins::AssembledBulletin;
use uuid::Uuid;

use crate::api::assessments::ExportReason;
use crate::api::items::MarkingView;
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::analysis::label;
use crate::web::chart::horizontal_bars;
use crate::web::documents::{AudienceFields, DocumentRow, based_on, check_edits, save_draft};
use crate::web::forms::when;
use crate::web::page::{Chrome, WebError, render};
use crate::web::plans::{Done, sees_plans};
use crate::web::threats::Banner;
use crate::web::viewer::{Viewer, WebForm};

fn allowed(viewer: &Viewer) -> Result<(), WebError> {
    if sees_plans(viewer) {
        Ok(())
    } else {
        Err(WebError::page(StatusCode::FORBIDDEN, "Bulletins are for those who read intelligence."))
    }
}

/// One bulletin in the list.
pub struct ListRow {
    pub edition: &'static str,
    pub period: String,
    pub doc: DocumentRow,
}

#[derive(Template)]
#[template(path = "bulletins.html")]
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
        .documents::<BulletinDraft>(subject)
        .await?
        .into_iter()
        .map(|b| ListRow {
            edition: b.draft.edition.name(),
            period: b.draft.period_label(),
            doc: DocumentRow::of(&b, &scale),
        })
        .collect();
    render(&ListPage {
        chrome: Chrome::new(&viewer, "Bulletins", "/bulletins"),
        rows,
        starts: edits_bulletin(subject, &subject.member),
    })
}

/// What the editors' form sends.
#[derive(serde::Deserialize, Default)]
pub struct BulletinForm {
    /// The version the change was made to (editing only).
    #[serde(default)]
    based_on: Option<u32>,
    #[serde(default)]
    edition: String,
    /// `2026-10`, as a month input sends it.
    #[serde(default)]
    period: String,
    /// Blank: named after the edition and period.
    #[serde(default)]
    title: String,
    #[serde(flatten)]
    audience: AudienceFields,
    #[serde(default)]
    foreword: String,
}

impl BulletinForm {
    fn draft(&self, scale: &ClassificationScale) -> Result<BulletinDraft, ApiError> {
        let edition =
            Edition::parse(self.edition.trim()).ok_or_else(|| ApiError::invalid("edition", "choose an edition"))?;
        let period =
            Month::parse(&self.period).ok_or_else(|| ApiError::invalid("period", "write a month, e.g. 2026-10"))?;
        let marking = self.audience.marking(scale)?;
        let named = BulletinDraft::new(edition, period, self.audience.audience());
        Ok(BulletinDraft {
            title: if self.title.trim().is_empty() { named.title.clone() } else { self.title.clone() },
            classification: marking.classification,
            tlp: marking.tlp,
            caveats: marking.caveats,
            foreword: self.foreword.clone(),
            ..named
        })
    }

    fn of(draft: &BulletinDraft, version: Option<u32>, scale: &ClassificationScale) -> Self {
        BulletinForm {
            based_on: version,
            edition: draft.edition.as_str().to_owned(),
            period: draft.period.to_string(),
            title: draft.title.clone(),
            audience: AudienceFields::of(draft, scale),
            foreword: draft.foreword.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "bulletin_form.html")]
struct FormPage {
    chrome: Chrome,
    /// Where the form posts.
    action: String,
    form: BulletinForm,
    editions: &'static [Edition],
    levels: Vec<String>,
    tlps: &'static [Tlp],
    problems: Vec<String>,
}

fn form_page(
    state: &AppState,
    viewer: &Viewer,
    title: String,
    action: String,
    form: BulletinForm,
    problems: Vec<String>,
) -> Result<Response, WebError> {
    let scale = state.store.scale();
    render(&FormPage {
        chrome: Chrome::new(viewer, title, "/bulletins"),
        action,
        editions: Edition::ALL,
        levels: scale.all().map(|c| scale.name(c).to_owned()).collect(),
        tlps: &Tlp::ALL,
        form,
        problems,
    })
}

/// The form again with every problem named, for a 422; other errors as pages.
fn again(
    state: &AppState,
    viewer: &Viewer,
    title: String,
    action: String,
    form: BulletinForm,
    e: ApiError,
) -> Result<Response, WebError> {
    if e.status != StatusCode::UNPROCESSABLE_ENTITY {
        return Err(e.into());
    }
    form_page(state, viewer, title, action, form, e.problems())
}

pub async fn new(State(state): State<AppState>, viewer: Viewer) -> Result<Response, WebError> {
    allowed(&viewer)?;
    let month = Month::of(state.store.clock().now().to_datetime().date());
    let subject = &viewer.caller.subject;
    let audience = Audience { members: BTreeSet::new(), groups: subject.member_groups.clone() };
    let draft = BulletinDraft::new(Edition::MonthlyIntelligence, month, audience);
    let form = BulletinForm { title: String::new(), ..BulletinForm::of(&draft, None, &state.store.scale()) };
    form_page(&state, &viewer, "New bulletin".into(), "/bulletins".into(), form, Vec::new())
}

pub async fn create(
    State(state): State<AppState>,
    WebForm { viewer, form }: WebForm<BulletinForm>,
) -> Result<Response, WebError> {
    allowed(&viewer)?;
    match save_draft(&state, &viewer, form.draft(&state.store.scale()), None).await {
        Ok(b) => Ok(Redirect::to(&format!("/bulletins/{}?done=saved", b.id)).into_response()),
        Err(e) => again(&state, &viewer, "New bulletin".into(), "/bulletins".into(), form, e),
    }
}

pub async fn edit(State(state): State<AppState>, viewer: Viewer, Path(id): Path<Uuid>) -> Result<Response, WebError> {
    allowed(&viewer)?;
    let doc = state.store.assemble_bulletin(&viewer.caller.subject, id).await?;
    let b = &doc.bulletin;
    check_edits(&viewer, b)?;
    let form = BulletinForm::of(&b.draft, Some(b.version), &state.store.scale());
    form_page(&state, &viewer, format!("Edit {}", b.draft.title), format!("/bulletins/{id}/edit"), form, Vec::new())
}

pub async fn save(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    WebForm { viewer, form }: WebForm<BulletinForm>,
) -> Result<Response, WebError> {
    allowed(&viewer)?;
    let editing = (id, based_on(form.based_on)?);
    match save_draft(&state, &viewer, form.draft(&state.store.scale()), Some(editing)).await {
        Ok(_) => Ok(Redirect::to(&format!("/bulletins/{id}?done=saved")).into_response()),
        Err(e) => again(&state, &viewer, format!("Edit {}", form.title), format!("/bulletins/{id}/edit"), form, e),
    }
}

/// A new foreword, written on the bulletin's page.
#[derive(serde::Deserialize)]
pub struct ForewordForm {
    based_on: u32,
    #[serde(default)]
    foreword: String,
}

pub async fn foreword(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    WebForm { viewer, form }: WebForm<ForewordForm>,
) -> Result<Response, WebError> {
    allowed(&viewer)?;
    let subject = &viewer.caller.subject;
    let current = state.store.documents::<BulletinDraft>(subject).await?.into_iter().find(|b| b.id == id);
    let current = current.ok_or(godwit_store::StoreError::NotFound("bulletin"))?;
    let draft = BulletinDraft { foreword: form.foreword, ..current.draft };
    state.store.update_document(subject, id, form.based_on, draft).await?;
    Ok(Redirect::to(&format!("/bulletins/{id}?done=saved")).into_response())
}

/// An item as the bulletin shows it: its own marking, where it came from, its summary.
pub struct ItemBlock {
    pub id: Uuid,
    pub title: String,
    pub marking: String,
    pub source: String,
    pub summary: String,
}

/// The items of one kind.
pub struct SectionBlock {
    pub heading: String,
    pub items: Vec<ItemBlock>,
}

/// A count of incident records and persons, named.
pub struct CountRow {
    pub name: String,
    pub incidents: u64,
    pub persons: u64,
}

/// The bulletin as HTML, what the portal page and a copy distributed as a
/// file share (`bulletin_body.html`).
pub struct BulletinView {
    pub banner: Banner,
    pub doc: AssembledBulletin,
    pub foreword_html: String,
    pub sections: Vec<SectionBlock>,
    /// Incident records by category, as an SVG of horizontal bars.
    pub chart: Option<String>,
    pub by_category: Vec<CountRow>,
    pub by_nationality: Vec<CountRow>,
}

fn count_rows(by: Dimension, rows: &[TopRow]) -> Vec<CountRow> {
    rows.iter()
        .map(|r| CountRow { name: label(by, r.key.as_deref()), incidents: r.incidents, persons: r.persons })
        .collect()
}

impl BulletinView {
    pub fn of(doc: AssembledBulletin, scale: &ClassificationScale) -> Self {
        let total = doc.incidents.incidents.max(1);
        let bars: Vec<(String, u64, u32)> = doc
            .by_category
            .iter()
            .map(|r| {
                let percent = u32::try_from(r.incidents * 100 / total).unwrap_or(100);
                (label(Dimension::Category, r.key.as_deref()), r.incidents, percent)
            })
            .collect();
        BulletinView {
            banner: Banner::of_envelope(&doc.envelope(), scale),
            foreword_html: crate::markdown::render(&doc.bulletin.draft.foreword),
            sections: doc
                .sections
                .iter()
                .map(|s| SectionBlock {
                    heading: s.heading.clone(),
                    items: s
                        .items
                        .iter()
                        .map(|i| ItemBlock {
                            id: i.id,
                            title: i.content.title.clone(),
                            marking: MarkingView::of(i, scale).banner,
                            source: format!(
                                "{}, {}{}",
                                i.originator_member,
                                i.content.category.as_str().replace('_', " "),
                                i.published_at.map(|t| format!(", published {}", when(t))).unwrap_or_default()
                            ),
                            summary: i.content.summary.clone(),
                        })
                        .collect(),
                })
                .collect(),
            chart: (!bars.is_empty()).then(|| horizontal_bars("incidents", "Incident records by category", &bars)),
            by_category: count_rows(Dimension::Category, &doc.by_category),
            by_nationality: count_rows(Dimension::Nationality, &doc.by_nationality),
            doc,
        }
    }
}

#[derive(Template)]
#[template(path = "bulletin.html")]
struct DocumentPage {
    chrome: Chrome,
    view: BulletinView,
    editable: bool,
    done: Option<&'static str>,
}

/// A copy of the bulletin as a file of its own (`godwit bulletin --html`).
#[derive(Template)]
#[template(path = "bulletin_file.html")]
struct FilePage<'a> {
    view: &'a BulletinView,
    css: &'static str,
}

/// `doc` as a self-contained HTML document, with its marking at the top and
/// the bottom and a style of its own.
pub fn bulletin_file(doc: AssembledBulletin, scale: &ClassificationScale) -> Result<String, askama::Error> {
    FilePage { view: &BulletinView::of(doc, scale), css: crate::web::assets::ASSETS.css.text() }.render()
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    allowed(&viewer)?;
    let doc = state.store.assemble_bulletin(&viewer.caller.subject, id).await?;
    render(&DocumentPage {
        chrome: Chrome::new(&viewer, doc.bulletin.draft.title.clone(), "/bulletins"),
        editable: edits_bulletin(&viewer.caller.subject, &doc.bulletin.member),
        done: match done.done.as_deref() {
            Some("saved") => Some("The bulletin was saved."),
            _ => None,
        },
        view: BulletinView::of(doc, &state.store.scale()),
    })
}

/// The bulletin printed to PDF, to download; audited as a distribution with
/// the reason given.
pub async fn pdf(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Query(q): Query<ExportReason>,
) -> Result<Response, WebError> {
    allowed(&viewer)?;
    let (doc, bytes) =
        crate::pdf::bulletin_pdf(&state.store, &viewer.caller.subject, id, q.given()).await.map_err(ApiError::from)?;
    Ok(crate::pdf::pdf_response(bytes, &crate::pdf::bulletin_filename(&doc)))
}
