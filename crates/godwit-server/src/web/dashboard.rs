//! The front page after signing in: what each role needs first.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use godwit_domain::Timestamp;
use godwit_domain::item::{ItemKind, ItemState};
use godwit_domain::user::{Role, Subject};
use godwit_store::audit::AuditQuery;
use godwit_store::items::ItemFilter;
use godwit_store::rfis::{RfiFilter, RfiListed};

use crate::state::AppState;
use crate::web::chart::{BarChart, contribution_chart};
use crate::web::forms::when;
use crate::web::items::ItemRow;
use crate::web::page::{Chrome, WebError, render};
use crate::web::viewer::Viewer;

/// A titled list of items on the dashboard.
pub struct ItemPanel {
    pub title: &'static str,
    pub empty: &'static str,
    pub more: String,
    pub rows: Vec<ItemRow>,
}

pub struct DueRow {
    pub what: String,
    pub who: String,
    pub when: String,
}

/// What a focal point looks after.
pub struct FocalPanel {
    pub users: usize,
    pub expiring_contacts: Vec<DueRow>,
    pub ending_agreements: Vec<DueRow>,
    /// Other parties' proposals waiting for this member's confirmation.
    pub awaiting_confirmation: usize,
}

pub struct AuditPanel {
    pub intact: bool,
    pub records: u64,
    pub broken_at: Option<i64>,
    pub recent: Vec<DueRow>,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    name: String,
    panels: Vec<ItemPanel>,
    focal: Option<FocalPanel>,
    contribution: Option<BarChart>,
    audit: Option<AuditPanel>,
    rfis: Option<Vec<RfiListed>>,
    reads_nothing: bool,
}

/// How many open requests the dashboard lists; `/rfis` has them all.
const RFI_PANEL_ROWS: usize = 8;

/// The open requests (awaiting an answer) that the viewer's member asked or
/// received, overdue first: the list `/rfis` shows, cut short.
async fn rfi_panel(state: &AppState, subject: &Subject) -> Result<Vec<RfiListed>, WebError> {
    let mut open: Vec<RfiListed> = state
        .store
        .rfis(subject, &RfiFilter::default())
        .await?
        .into_iter()
        .filter(|l| {
            l.rfi.state.awaits_answer() && (l.rfi.requester_member == subject.member || l.rfi.received_by(subject))
        })
        .collect();
    open.truncate(RFI_PANEL_ROWS);
    Ok(open)
}

async fn panel(
    state: &AppState,
    viewer: &Viewer,
    title: &'static str,
    empty: &'static str,
    more: String,
    filter: ItemFilter,
) -> Result<ItemPanel, WebError> {
    let page = state.store.list_items(&viewer.caller.subject, &ItemFilter { limit: 8, ..filter }).await?;
    let scale = state.store.scale();
    Ok(ItemPanel { title, empty, more, rows: page.items.iter().map(|i| ItemRow::of(i, &scale)).collect() })
}

pub async fn show(State(state): State<AppState>, viewer: Viewer) -> Result<Response, WebError> {
    let subject = &viewer.caller.subject;
    let user = &viewer.caller.user;
    let mut panels = Vec::new();
    if subject.has(Role::AuthorisingOfficer) {
        let filter = ItemFilter { state: Some(ItemState::Submitted), ..Default::default() };
        panels.push(
            panel(
                &state,
                &viewer,
                "Waiting for your approval",
                "Nothing waits for approval.",
                "/items?state=submitted".into(),
                filter,
            )
            .await?,
        );
    }
    if subject.front_line_only() {
        let filter = ItemFilter { kind: Some(ItemKind::Alert), ..Default::default() };
        panels.push(
            panel(&state, &viewer, "Active alerts", "No active alerts.", "/items?kind=alert".into(), filter).await?,
        );
    } else if subject.reads_content() {
        let filter = ItemFilter { state: Some(ItemState::Published), ..Default::default() };
        panels.push(
            panel(
                &state,
                &viewer,
                "New items released to you",
                "Nothing has been released to you yet.",
                "/items?state=published".into(),
                filter,
            )
            .await?,
        );
    }
    if subject.roles.iter().any(|r| r.authors_content()) {
        for (title, empty, state_filter) in [
            ("Your drafts", "You have no drafts.", ItemState::Draft),
            ("Returned to you", "Nothing has been returned to you.", ItemState::Returned),
        ] {
            let filter = ItemFilter { state: Some(state_filter), ..Default::default() };
            let more = format!("/items?state={}", state_filter.as_str());
            panels.push(panel(&state, &viewer, title, empty, more, filter).await?);
        }
    }
    let rfis = if subject.has(Role::Analyst) || subject.has(Role::NationalFocalPoint) {
        Some(rfi_panel(&state, subject).await?)
    } else {
        None
    };
    let now = state.store.clock().now();
    let focal = if user.has(Role::NationalFocalPoint) { Some(focal_panel(&state, &viewer, now).await?) } else { None };
    let contribution = if user.has(Role::Secretariat) {
        Some(contribution_chart(&state.store.contributions(subject, 12).await?))
    } else {
        None
    };
    let audit = if user.has(Role::Auditor) { Some(audit_panel(&state).await?) } else { None };
    render(&DashboardPage {
        chrome: Chrome::new(&viewer, "Dashboard", "/"),
        name: user.display_name.clone(),
        reads_nothing: !subject.reads_content(),
        panels,
        focal,
        contribution,
        audit,
        rfis,
    })
}

const SOON_DAYS: i64 = 90;

async fn focal_panel(state: &AppState, viewer: &Viewer, now: Timestamp) -> Result<FocalPanel, WebError> {
    let member = &viewer.caller.user.member;
    let soon = now.plus_days(SOON_DAYS);
    let users = state.store.users(Some(member)).await?.len();
    let mut expiring_contacts: Vec<DueRow> = state
        .store
        .contact_points(Some(member))
        .await?
        .into_iter()
        .filter(|c| c.accredited_until <= soon)
        .map(|c| DueRow { what: c.name, who: c.function.as_str().replace('_', " "), when: when(c.accredited_until) })
        .collect();
    expiring_contacts.sort_by(|a, b| a.when.cmp(&b.when));
    let agreements = state.store.agreements().await?;
    let mut awaiting_confirmation = 0;
    for a in agreements.iter().filter(|a| a.status == godwit_domain::agreement::AgreementStatus::Proposed) {
        let confirmed = state.store.agreement_confirmations(a.id).await?;
        if crate::agreements::awaits_confirmation(&viewer.caller.user, a, &confirmed) {
            awaiting_confirmation += 1;
        }
    }
    let ending_agreements = agreements
        .into_iter()
        .filter(|a| a.parties.contains(member) && a.in_force(now))
        .filter_map(|a| a.valid_until.filter(|end| *end <= soon).map(|end| (a, end)))
        .map(|(a, end)| DueRow {
            what: a.title,
            who: a.parties.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(", "),
            when: when(end),
        })
        .collect();
    Ok(FocalPanel { users, expiring_contacts, ending_agreements, awaiting_confirmation })
}

async fn audit_panel(state: &AppState) -> Result<AuditPanel, WebError> {
    let report = state.store.verify_audit().await?;
    let query = AuditQuery { after_seq: Some(report.head_seq - 10), limit: 10, ..Default::default() };
    let mut recent: Vec<DueRow> = state
        .store
        .audit_records(&query)
        .await?
        .into_iter()
        .map(|r| DueRow { what: r.action, who: r.actor_member.unwrap_or_default(), when: when(Timestamp(r.at)) })
        .collect();
    recent.reverse();
    Ok(AuditPanel {
        intact: report.is_intact(),
        records: report.records,
        broken_at: report.first_broken.map(|b| b.seq),
        recent,
    })
}
