//! Requests for information in the portal: the list with its filters (overdue
//! requests first and marked), the statistics by pair of members as a heat
//! map with its table, the form to ask, and each request's page with its
//! timeline and the steps the viewer may take. Rules, notifications and audit
//! are the store's, as for `/api/v1/rfis`.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use godwit_domain::marking::Classification;
use godwit_domain::member::MemberCode;
use godwit_domain::requirement::Priority;
use godwit_domain::rfi::{Rating, Recipient, RfiAction, RfiDraft, RfiState, asks};
use godwit_store::items::ItemSummary;
use godwit_store::rfis::{PairStatistics, RfiDetail, RfiListed};
use uuid::Uuid;

use crate::api::rfis::ListQuery;
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::page::{Chrome, WebError, render};
use crate::web::plans::codes;
use crate::web::viewer::{Viewer, WebForm};

/// Requests are seen by the readers who see collection plans (everyone who
/// reads content but front-line officers: [`godwit_domain::rfi::Rfi::visible_to`]).
fn allowed(viewer: &Viewer) -> Result<(), WebError> {
    if crate::web::plans::sees_plans(viewer) {
        Ok(())
    } else {
        Err(WebError::page(StatusCode::FORBIDDEN, "Requests for information are for those who read intelligence."))
    }
}

/// The new-request form as typed.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct RfiForm {
    title: String,
    question: String,
    priority: String,
    due_on: String,
    classification: String,
    /// `member:FJI` or `group:PIDC`.
    recipient: String,
    /// Member codes separated by commas.
    release: String,
    /// Group codes separated by commas.
    groups: String,
}

impl RfiForm {
    fn draft(&self) -> Result<RfiDraft, ApiError> {
        let priority =
            Priority::parse(self.priority.trim()).ok_or_else(|| ApiError::invalid("priority", "choose a priority"))?;
        let classification = self
            .classification
            .trim()
            .parse::<u8>()
            .map(Classification)
            .map_err(|_| ApiError::invalid("classification", "choose a classification"))?;
        let recipient = match self.recipient.split_once(':') {
            Some(("member", code)) => Recipient::Member(MemberCode(code.trim().to_uppercase())),
            Some(("group", code)) => Recipient::Group(code.trim().to_owned()),
            _ => return Err(ApiError::invalid("recipient", "choose the member or group to ask")),
        };
        Ok(RfiDraft {
            title: self.title.clone(),
            question: self.question.clone(),
            priority,
            due_on: self.due_on.trim().to_owned(),
            classification,
            recipient,
            release_members: codes(&self.release).map(MemberCode).collect(),
            release_groups: self
                .groups
                .split(',')
                .map(str::trim)
                .filter(|g| !g.is_empty())
                .map(str::to_owned)
                .collect(),
        })
    }
}

/// A choice of the form's select: value and label.
pub struct Choice {
    pub value: String,
    pub label: String,
}

#[derive(Template)]
#[template(path = "rfis.html")]
struct RfisPage {
    chrome: Chrome,
    rows: Vec<RfiListed>,
    /// The filters as given, for the form to show them again.
    state: String,
    priority: String,
    mailbox: String,
    overdue_only: bool,
    states: &'static [RfiState],
    priorities: &'static [Priority],
    stats: Vec<PairStatistics>,
    heat_map: Option<String>,
    asks: bool,
    recipients: Vec<Choice>,
    classifications: Vec<Choice>,
    form: RfiForm,
    problems: Vec<String>,
    viewer_member: String,
}

async fn list_page(state: &AppState, viewer: &Viewer, query: &ListQuery) -> Result<RfisPage, WebError> {
    let subject = &viewer.caller.subject;
    let rows = state.store.rfis(subject, &query.filter()?).await?;
    let stats = state.store.rfi_statistics(subject).await?;
    let mut recipients: Vec<Choice> = state
        .store
        .members()
        .await?
        .into_iter()
        .filter(|m| m.code != subject.member)
        .map(|m| Choice { value: format!("member:{}", m.code), label: format!("{} ({})", m.name, m.code) })
        .collect();
    recipients.extend(
        state
            .store
            .groups()
            .await?
            .into_iter()
            .map(|g| Choice { value: format!("group:{}", g.code), label: format!("Group: {}", g.name) }),
    );
    let scale = state.store.scale();
    let classifications = scale
        .all()
        .filter(|c| *c <= subject.clearance)
        .map(|c| Choice { value: c.0.to_string(), label: scale.name(c).to_owned() })
        .collect();
    Ok(RfisPage {
        chrome: Chrome::new(viewer, "Requests for information", "/rfis"),
        heat_map: heat_map(&stats),
        rows,
        state: query.state.clone().unwrap_or_default(),
        priority: query.priority.clone().unwrap_or_default(),
        mailbox: query.mailbox.clone().unwrap_or_default(),
        overdue_only: query.overdue.as_deref().is_some_and(|o| o == "true"),
        states: RfiState::ALL,
        priorities: Priority::ALL,
        stats,
        asks: asks(subject),
        recipients,
        classifications,
        form: RfiForm { priority: "medium".into(), classification: "0".into(), ..RfiForm::default() },
        problems: Vec::new(),
        viewer_member: subject.member.to_string(),
    })
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<ListQuery>,
) -> Result<Response, WebError> {
    allowed(&viewer)?;
    render(&list_page(&state, &viewer, &query).await?)
}

/// Asks, or shows the form again with every problem named.
pub async fn create(
    State(state): State<AppState>,
    WebForm { viewer, form }: WebForm<RfiForm>,
) -> Result<Response, WebError> {
    allowed(&viewer)?;
    let created = match form.draft() {
        Ok(draft) => state.store.create_rfi(&viewer.caller.subject, draft).await.map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match created {
        Ok(r) => Ok(Redirect::to(&format!("/rfis/{}?done=created", r.id)).into_response()),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let mut shown = list_page(&state, &viewer, &ListQuery::default()).await?;
            shown.problems = e.problems();
            shown.form = form;
            render(&shown)
        }
        Err(e) => Err(e.into()),
    }
}

/// Requests by pair as an SVG heat map: asking members down, members or
/// groups asked across, darker for more requests. `None` when there are none.
fn heat_map(stats: &[PairStatistics]) -> Option<String> {
    let from: Vec<&str> = stats.iter().map(|s| s.from.as_str()).collect::<BTreeSet<_>>().into_iter().collect();
    let to: Vec<&str> = stats.iter().map(|s| s.to.as_str()).collect::<BTreeSet<_>>().into_iter().collect();
    let most = stats.iter().map(|s| s.requests).max()?;
    const CELL: usize = 34;
    const LEFT: usize = 80;
    const TOP: usize = 60;
    let (width, height) = (LEFT + CELL * to.len() + 10, TOP + CELL * from.len() + 10);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" \
         role=\"img\" aria-labelledby=\"rfi-heat-title\"><title id=\"rfi-heat-title\">Requests for information by \
         asking member (rows) and member or group asked (columns)</title>"
    );
    for (x, code) in to.iter().enumerate() {
        let cx = LEFT + CELL * x + CELL / 2;
        let _ = write!(
            svg,
            "<text x=\"{cx}\" y=\"{}\" font-size=\"11\" text-anchor=\"start\" transform=\"rotate(-45 {cx} {})\">{}</text>",
            TOP - 6,
            TOP - 6,
            escape(code)
        );
    }
    for (y, code) in from.iter().enumerate() {
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"end\">{}</text>",
            LEFT - 6,
            TOP + CELL * y + CELL / 2 + 4,
            escape(code)
        );
    }
    for s in stats {
        let (Some(x), Some(y)) = (to.iter().position(|t| *t == s.to), from.iter().position(|f| *f == s.from.as_str()))
        else {
            continue;
        };
        // At least a light tint, so that a single request shows.
        let opacity = 0.15 + 0.85 * s.requests as f64 / most as f64;
        let ink = if opacity > 0.55 { "#fff" } else { "#111" };
        let _ = write!(
            svg,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#1f4e79\" fill-opacity=\"{opacity:.2}\"><title>{} asked {}: {} \
             request(s)</title></rect><text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\" fill=\"{ink}\">{}</text>",
            LEFT + CELL * x + 1,
            TOP + CELL * y + 1,
            CELL - 2,
            CELL - 2,
            escape(s.from.as_str()),
            escape(&s.to),
            s.requests,
            LEFT + CELL * x + CELL / 2,
            TOP + CELL * y + CELL / 2 + 4,
            s.requests
        );
    }
    svg.push_str("</svg>");
    Some(svg)
}

/// Text for SVG drawn outside the template engine.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[derive(Template)]
#[template(path = "rfi.html")]
struct RfiPage {
    chrome: Chrome,
    detail: RfiDetail,
    classification: String,
    done: Option<&'static str>,
    /// The steps the viewer may take now.
    may_assign: bool,
    may_respond: bool,
    may_rate: bool,
    may_close: bool,
    assignees: Vec<Choice>,
    /// The current assignee's id, to preselect.
    assignee: String,
    candidates: Vec<ItemSummary>,
    /// Each step: when (to the minute), member, action, what it said.
    timeline: Vec<(String, String, String, String)>,
}

/// What a step of the timeline says besides its name.
fn note(detail: &serde_json::Value) -> String {
    let text = |key: &str| detail.get(key).and_then(|v| v.as_str());
    if let Some(name) = text("assignee_name") {
        format!("to {name}")
    } else if let Some(reason) = text("reason") {
        format!("because: {reason}")
    } else if let Some(score) = detail.get("score").and_then(|v| v.as_u64()) {
        let comment = text("comment").filter(|c| !c.is_empty()).map(|c| format!(": {c}")).unwrap_or_default();
        format!("{score} of 5{comment}")
    } else {
        String::new()
    }
}

#[derive(serde::Deserialize)]
pub struct Done {
    done: Option<String>,
}

pub async fn show_one(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    allowed(&viewer)?;
    let subject = &viewer.caller.subject;
    let detail = state.store.read_rfi(subject, id).await?;
    let contact_point = state.store.is_rfi_contact_point(subject).await?;
    // Each step is offered when the domain's rule would take it.
    let may = |action: RfiAction| detail.rfi.next_state(subject, contact_point, &action).is_ok();
    let may_assign = may(RfiAction::Assign { to: Uuid::nil() });
    let may_respond = may(RfiAction::Decline { reason: "-".into() });
    let may_rate = may(RfiAction::Rate(Rating { score: 3, comment: String::new() }));
    let may_close = may(RfiAction::Close);
    let assignees = if may_assign {
        state
            .store
            .rfi_assignees(subject, id)
            .await?
            .into_iter()
            .map(|u| Choice { value: u.id.to_string(), label: u.display_name })
            .collect()
    } else {
        Vec::new()
    };
    let candidates = if may_respond { state.store.rfi_answer_candidates(subject, id).await? } else { Vec::new() };
    let timeline = detail
        .timeline
        .iter()
        .map(|e| {
            let when = e.at.to_rfc3339().get(..16).unwrap_or_default().replace('T', " ");
            (when, e.actor_member.to_string(), e.action.clone(), note(&e.detail))
        })
        .collect();
    let assignee = detail.rfi.assignee.map(|u| u.to_string()).unwrap_or_default();
    let page = RfiPage {
        chrome: Chrome::new(&viewer, detail.rfi.draft.title.clone(), "/rfis"),
        classification: state.store.scale().name(detail.rfi.draft.classification).to_owned(),
        done: match done.done.as_deref() {
            Some("created") => Some("The request was sent."),
            Some("assign") => Some("The request was assigned."),
            Some("answer") => Some("The request was answered."),
            Some("decline") => Some("The request was declined."),
            Some("rate") => Some("Thank you: the answer was rated and the request closed."),
            Some("close") => Some("The request was closed."),
            _ => None,
        },
        detail,
        may_assign,
        may_respond,
        may_rate,
        may_close,
        assignee,
        assignees,
        candidates,
        timeline,
    };
    render(&page)
}

/// The fields of every step's form; each step reads its own.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct StepForm {
    assignee: String,
    item: String,
    reason: String,
    score: String,
    comment: String,
}

/// Takes a step from the request's page.
pub async fn act(
    State(state): State<AppState>,
    Path((id, step)): Path<(Uuid, String)>,
    WebForm { viewer, form }: WebForm<StepForm>,
) -> Result<Response, WebError> {
    allowed(&viewer)?;
    let uuid = |field: &str, text: &str| {
        Uuid::parse_str(text.trim()).map_err(|_| WebError::from(ApiError::invalid(field, "choose one")))
    };
    let action = match step.as_str() {
        "assign" => RfiAction::Assign { to: uuid("assignee", &form.assignee)? },
        "answer" => RfiAction::Answer { item: uuid("item", &form.item)? },
        "decline" => RfiAction::Decline { reason: form.reason },
        "rate" => RfiAction::Rate(Rating {
            score: form
                .score
                .trim()
                .parse()
                .map_err(|_| WebError::from(ApiError::invalid("score", "choose 1 to 5")))?,
            comment: form.comment,
        }),
        "close" => RfiAction::Close,
        _ => return Err(WebError::page(StatusCode::NOT_FOUND, "No such step.")),
    };
    state.store.act_on_rfi(&viewer.caller.subject, id, action).await?;
    Ok(Redirect::to(&format!("/rfis/{id}?done={step}")).into_response())
}
