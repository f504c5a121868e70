//! Collection plans in the portal: the requirements a person sees with their
//! coverage (linked items by member, month and indicator, overdue ones
//! marked), a chart of links per month, the Framework's measures per member
//! and month, a form for management to set a requirement, and each
//! requirement's page where analysts link the items they may read. Rules,
//! counts and audit are the store's, as for `/api/v1/requirements`.

use std::collections::{BTreeMap, BTreeSet};

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use godwit_domain::item::ItemState;
use godwit_domain::member::MemberCode;
use godwit_domain::requirement::{Priority, RequirementDraft, RequirementStatus, links_items, sets_requirements};
use godwit_store::items::ItemFilter;
use godwit_store::requirements::{Coverage, Measure};
use uuid::Uuid;

use crate::api::requirements::{RequirementView, view};
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::chart::{BarChart, stacked_bars};
use crate::web::page::{Chrome, WebError, render};
use crate::web::viewer::{Viewer, WebForm};

/// Months of measures the page shows.
const MEASURE_MONTHS: u32 = 6;

/// Whether the navigation shows collection plans: everyone who reads content
/// but front-line officers.
pub fn sees_plans(viewer: &Viewer) -> bool {
    let s = &viewer.caller.subject;
    s.reads_content() && !s.front_line_only()
}

fn allowed(viewer: &Viewer) -> Result<(), WebError> {
    if sees_plans(viewer) {
        Ok(())
    } else {
        Err(WebError::page(StatusCode::FORBIDDEN, "Collection plans are for those who read intelligence."))
    }
}

/// The new-requirement form as typed.
#[derive(serde::Deserialize, Default)]
pub struct RequirementForm {
    #[serde(default)]
    reference: String,
    #[serde(default)]
    question: String,
    #[serde(default)]
    priority: String,
    /// One per line.
    #[serde(default)]
    indicators: String,
    #[serde(default)]
    due_on: String,
    /// Member codes separated by commas.
    #[serde(default)]
    requesting: String,
    #[serde(default)]
    release: String,
    #[serde(default)]
    groups: String,
}

/// Member codes typed in a form: separated by commas, blanks or semicolons.
pub(crate) fn codes(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split([',', ' ', ';']).map(str::trim).filter(|c| !c.is_empty()).map(str::to_uppercase)
}

impl RequirementForm {
    fn draft(&self) -> Result<RequirementDraft, ApiError> {
        let priority =
            Priority::parse(self.priority.trim()).ok_or_else(|| ApiError::invalid("priority", "choose a priority"))?;
        Ok(RequirementDraft {
            reference: self.reference.clone(),
            question: self.question.clone(),
            priority,
            indicators: self.indicators.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect(),
            due_on: self.due_on.trim().to_owned(),
            requesting_members: codes(&self.requesting).map(MemberCode).collect(),
            release_members: codes(&self.release).map(MemberCode).collect(),
            release_groups: self
                .groups
                .split(',')
                .map(str::trim)
                .filter(|g| !g.is_empty())
                .map(str::to_owned)
                .collect(),
            status: RequirementStatus::Open,
        })
    }
}

/// One requirement's row in the coverage table.
pub struct CoverageRow {
    pub id: Uuid,
    pub reference: String,
    pub question: String,
    pub priority: &'static str,
    pub due_on: String,
    pub status: &'static str,
    pub overdue: bool,
    pub owner: String,
    pub items: u64,
    pub incidents: u64,
    /// `FJI 3, NZL 1`.
    pub by_member: String,
    /// Indicators with evidence, and all of them.
    pub evidenced: usize,
    pub indicators: Vec<(String, u64)>,
}

impl From<Coverage> for CoverageRow {
    fn from(c: Coverage) -> Self {
        let r = c.requirement;
        CoverageRow {
            id: r.id,
            reference: r.draft.reference,
            question: r.draft.question,
            priority: r.draft.priority.as_str(),
            due_on: r.draft.due_on,
            status: r.draft.status.as_str(),
            overdue: c.overdue,
            owner: r.owner_member.to_string(),
            items: c.items,
            incidents: c.incidents,
            by_member: c.by_member.iter().map(|(m, n)| format!("{m} {n}")).collect::<Vec<_>>().join(", "),
            evidenced: c.indicators.iter().filter(|i| i.items > 0).count(),
            indicators: c.indicators.into_iter().map(|i| (i.indicator, i.items)).collect(),
        }
    }
}

#[derive(Template)]
#[template(path = "plans.html")]
struct PlansPage {
    chrome: Chrome,
    rows: Vec<CoverageRow>,
    chart: Option<BarChart>,
    measures: Vec<Measure>,
    measure_months: u32,
    sets: bool,
    form: RequirementForm,
    problems: Vec<String>,
    done: Option<&'static str>,
    priorities: &'static [Priority],
}

/// Linked items per month, one series per requirement.
fn links_chart(coverage: &[Coverage]) -> Option<BarChart> {
    let months: BTreeSet<String> = coverage.iter().flat_map(|c| c.by_month.keys().cloned()).collect();
    if months.is_empty() {
        return None;
    }
    let months: Vec<String> = months.into_iter().collect();
    let series = coverage
        .iter()
        .filter(|c| c.items > 0)
        .map(|c| {
            let row = months.iter().map(|m| c.by_month.get(m).copied().unwrap_or(0)).collect();
            (c.requirement.draft.reference.clone(), row)
        })
        .collect();
    Some(stacked_bars("plans-chart", "Items linked to requirements per month", months, series))
}

async fn page(state: &AppState, viewer: &Viewer) -> Result<PlansPage, WebError> {
    let subject = &viewer.caller.subject;
    let coverage = state.store.coverage(subject).await?;
    let chart = links_chart(&coverage);
    let mut measures = state.store.measures(subject, MEASURE_MONTHS).await?;
    // Newest month first: the table reads as a ledger.
    measures.sort_by(|a, b| b.month.cmp(&a.month).then(a.member.cmp(&b.member)));
    Ok(PlansPage {
        chrome: Chrome::new(viewer, "Collection plans", "/plans"),
        rows: coverage.into_iter().map(CoverageRow::from).collect(),
        chart,
        measures,
        measure_months: MEASURE_MONTHS,
        sets: sets_requirements(subject),
        form: RequirementForm { priority: "medium".into(), ..RequirementForm::default() },
        problems: Vec::new(),
        done: None,
        priorities: Priority::ALL,
    })
}

/// `?done=…`: what the page confirms after a form redirected to it.
#[derive(serde::Deserialize)]
pub struct Done {
    pub done: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    allowed(&viewer)?;
    let mut shown = page(&state, &viewer).await?;
    shown.done = match done.done.as_deref() {
        Some("created") => Some("The requirement was set."),
        _ => None,
    };
    render(&shown)
}

/// Sets a requirement, or shows the form again with every problem named.
pub async fn create(
    State(state): State<AppState>,
    WebForm { viewer, form }: WebForm<RequirementForm>,
) -> Result<Response, WebError> {
    allowed(&viewer)?;
    let created = match form.draft() {
        Ok(draft) => state.store.create_requirement(&viewer.caller.subject, draft).await.map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match created {
        Ok(r) => Ok(Redirect::to(&format!("/plans/{}?done=created", r.id)).into_response()),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY || e.status == StatusCode::CONFLICT => {
            let mut shown = page(&state, &viewer).await?;
            shown.problems = e.problems();
            shown.form = form;
            render(&shown)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "plan.html")]
struct PlanPage {
    chrome: Chrome,
    plan: RequirementView,
    overdue: bool,
    links: bool,
    /// The viewer's member, whose links the viewer may remove.
    member: String,
    statuses: &'static [RequirementStatus],
    done: Option<&'static str>,
    /// Linked items per indicator.
    evidence: BTreeMap<String, u64>,
    /// Recent published items the viewer may read and could link: (id, label).
    candidates: Vec<(Uuid, String)>,
}

/// How many recent items the link form offers to choose from.
const CANDIDATES: u64 = 50;

pub async fn show_one(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    allowed(&viewer)?;
    let plan = view(&state, &viewer.caller, id).await?;
    let today = state.store.clock().now().to_datetime().date();
    let mut evidence: BTreeMap<String, u64> =
        plan.requirement.draft.indicators.iter().map(|i| (i.clone(), 0)).collect();
    for link in &plan.links {
        for indicator in &link.indicators {
            if let Some(n) = evidence.get_mut(indicator) {
                *n += 1;
            }
        }
    }
    let links = links_items(&viewer.caller.subject) && plan.requirement.takes_links();
    let candidates = if links {
        let linked: BTreeSet<Uuid> = plan.links.iter().map(|l| l.item.id).collect();
        let filter = ItemFilter { state: Some(ItemState::Published), limit: CANDIDATES, ..ItemFilter::default() };
        let page = state.store.list_items(&viewer.caller.subject, &filter).await?;
        page.items
            .into_iter()
            .filter(|i| !linked.contains(&i.id))
            .map(|i| (i.id, format!("{} · {} · {}", i.originator_member, i.kind, i.title)))
            .collect()
    } else {
        Vec::new()
    };
    let shown = PlanPage {
        chrome: Chrome::new(&viewer, plan.requirement.draft.reference.clone(), "/plans"),
        overdue: plan.requirement.is_overdue(today),
        links,
        candidates,
        member: viewer.caller.subject.member.to_string(),
        plan,
        statuses: RequirementStatus::ALL,
        done: match done.done.as_deref() {
            Some("created") => Some("The requirement was set."),
            Some("linked") => Some("The item was linked."),
            Some("unlinked") => Some("The link was removed."),
            Some("status") => Some("The status was changed."),
            _ => None,
        },
        evidence,
    };
    render(&shown)
}

#[derive(serde::Deserialize)]
pub struct LinkForm {
    /// Chosen from the recent items.
    #[serde(default)]
    item: String,
    /// Typed: an older item's id or address; wins over the choice.
    #[serde(default)]
    item_id: String,
    #[serde(default)]
    indicator: Vec<String>,
}

/// The item an id or a pasted address (`https://…/items/ID`, whose last
/// segment is the id) names.
pub fn item_id_from(given: &str) -> Result<Uuid, WebError> {
    let id_text = given.trim().trim_end_matches('/').rsplit('/').next().unwrap_or_default();
    Uuid::parse_str(id_text)
        .map_err(|_| WebError::from(ApiError::invalid("item", "give the item's id, as its page address shows it")))
}

/// Links an item (by its id, as the item's page shows it).
pub async fn link(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    WebForm { viewer, form }: WebForm<LinkForm>,
) -> Result<Response, WebError> {
    allowed(&viewer)?;
    let typed = form.item_id.trim();
    let given = if typed.is_empty() { form.item.trim() } else { typed };
    let item = item_id_from(given)?;
    state.store.link_item(&viewer.caller.subject, id, item, form.indicator).await?;
    Ok(Redirect::to(&format!("/plans/{id}?done=linked")).into_response())
}

pub async fn unlink(
    State(state): State<AppState>,
    Path((id, item)): Path<(Uuid, Uuid)>,
    WebForm { viewer, .. }: WebForm<crate::web::signin::NoFields>,
) -> Result<Response, WebError> {
    allowed(&viewer)?;
    state.store.unlink_item(&viewer.caller.subject, id, item).await?;
    Ok(Redirect::to(&format!("/plans/{id}?done=unlinked")).into_response())
}

#[derive(serde::Deserialize)]
pub struct StatusForm {
    status: String,
}

/// Management marks a requirement open, answered or closed.
pub async fn set_status(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    WebForm { viewer, form }: WebForm<StatusForm>,
) -> Result<Response, WebError> {
    allowed(&viewer)?;
    let status = RequirementStatus::parse(&form.status)
        .ok_or_else(|| WebError::from(ApiError::invalid("status", "open, answered or closed")))?;
    let subject = &viewer.caller.subject;
    let current = state.store.requirement(subject, id).await?;
    state.store.update_requirement(subject, id, RequirementDraft { status, ..current.draft }).await?;
    Ok(Redirect::to(&format!("/plans/{id}?done=status")).into_response())
}
