//! The audit viewer, for auditors: the chain's status and its records.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use godwit_domain::Timestamp;
use godwit_domain::user::Role;
use godwit_store::audit::AuditQuery;
use serde::Deserialize;

use crate::state::AppState;
use crate::web::forms::when;
use crate::web::page::{Chrome, WebError, render};
use crate::web::viewer::Viewer;

pub struct AuditRow {
    pub seq: i64,
    pub when: String,
    pub action: String,
    pub actor: String,
    pub target: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    chrome: Chrome,
    intact: bool,
    records: u64,
    broken: Option<(i64, String)>,
    rows: Vec<AuditRow>,
    action: String,
    target: String,
    older: Option<i64>,
}

#[derive(Deserialize, Default)]
pub struct AuditFilter {
    #[serde(default)]
    action: String,
    #[serde(default)]
    target: String,
    /// Show records up to this sequence number.
    #[serde(default)]
    upto: Option<i64>,
}

const PAGE: i64 = 100;

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(f): Query<AuditFilter>,
) -> Result<Response, WebError> {
    if !viewer.caller.user.has(Role::Auditor) {
        return Err(WebError::page(StatusCode::FORBIDDEN, "Only auditors read the audit trail."));
    }
    let report = state.store.verify_audit().await?;
    let upto = f.upto.unwrap_or(report.head_seq).min(report.head_seq);
    let filtered = !(f.action.is_empty() && f.target.is_empty());
    // Filtered views read forwards from the start; the plain view shows the last page.
    let query = AuditQuery {
        after_seq: if filtered { None } else { Some(upto - PAGE) },
        action: Some(f.action.trim().to_owned()).filter(|a| !a.is_empty()),
        target: Some(f.target.trim().to_owned()).filter(|t| !t.is_empty()),
        limit: if filtered { 1000 } else { u64::try_from(PAGE).unwrap_or(100) },
        ..Default::default()
    };
    let mut rows: Vec<AuditRow> = state
        .store
        .audit_records(&query)
        .await?
        .into_iter()
        .filter(|r| r.seq <= upto)
        .map(|r| AuditRow {
            seq: r.seq,
            when: when(Timestamp(r.at)),
            actor: [
                r.actor_member.unwrap_or_default(),
                r.actor_user.map(|u| u.chars().take(8).collect()).unwrap_or_default(),
            ]
            .join(" ")
            .trim()
            .to_owned(),
            action: r.action,
            target: r.target.unwrap_or_default(),
            detail: r.detail.chars().take(300).collect(),
        })
        .collect();
    rows.reverse();
    let older = (!filtered && upto - PAGE > 0).then_some(upto - PAGE);
    render(&AuditPage {
        chrome: Chrome::new(&viewer, "Audit trail", "/audit"),
        intact: report.is_intact(),
        records: report.records,
        broken: report.first_broken.map(|b| (b.seq, b.reason)),
        rows,
        action: f.action,
        target: f.target,
        older,
    })
}
