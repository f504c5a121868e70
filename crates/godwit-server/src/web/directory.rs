//! The directory of accredited contact points and the agreements registry.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use godwit_domain::member::ContactFunction;
use serde::Deserialize;

use crate::state::AppState;
use crate::web::forms::{when, words};
use crate::web::item_form::Choice;
use crate::web::page::{Chrome, WebError, render};
use crate::web::viewer::Viewer;

pub struct ContactRow {
    pub member: String,
    pub function: String,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub accredited_until: String,
    pub lapsed: bool,
}

#[derive(Template)]
#[template(path = "directory.html")]
struct DirectoryPage {
    chrome: Chrome,
    rows: Vec<ContactRow>,
    functions: Vec<Choice>,
    members: Vec<Choice>,
}

#[derive(Deserialize, Default)]
pub struct DirectoryQuery {
    #[serde(default)]
    member: String,
    #[serde(default)]
    function: String,
}

pub async fn contacts(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<DirectoryQuery>,
) -> Result<Response, WebError> {
    let now = state.store.clock().now();
    let members = state.store.members().await?;
    let mut rows: Vec<ContactRow> = state
        .store
        .contact_points(None)
        .await?
        .into_iter()
        .filter(|c| q.member.is_empty() || c.member.as_str() == q.member)
        .filter(|c| q.function.is_empty() || c.function.as_str() == q.function)
        .map(|c| ContactRow {
            member: c.member.to_string(),
            function: words(c.function.as_str()),
            name: c.name,
            email: c.email,
            phone: c.phone.unwrap_or_default(),
            lapsed: c.accredited_until <= now,
            accredited_until: when(c.accredited_until),
        })
        .collect();
    rows.sort_by(|a, b| (&a.member, &a.function, &a.name).cmp(&(&b.member, &b.function, &b.name)));
    render(&DirectoryPage {
        chrome: Chrome::new(&viewer, "Directory", "/directory"),
        rows,
        functions: ContactFunction::ALL
            .iter()
            .map(|f| Choice { value: f.as_str().into(), label: words(f.as_str()), selected: f.as_str() == q.function })
            .collect(),
        members: members
            .iter()
            .map(|m| Choice {
                value: m.code.to_string(),
                label: format!("{} ({})", m.name, m.code),
                selected: m.code.as_str() == q.member,
            })
            .collect(),
    })
}

pub struct AgreementRow {
    pub title: String,
    pub kind: String,
    pub status: String,
    pub in_force: bool,
    pub parties: String,
    pub categories: String,
    pub max_classification: String,
    pub personal_data: bool,
    pub validity: String,
}

#[derive(Template)]
#[template(path = "agreements.html")]
struct AgreementsPage {
    chrome: Chrome,
    rows: Vec<AgreementRow>,
}

pub async fn agreements(State(state): State<AppState>, viewer: Viewer) -> Result<Response, WebError> {
    let now = state.store.clock().now();
    let scale = state.store.scale();
    let mut rows: Vec<AgreementRow> = state
        .store
        .agreements()
        .await?
        .into_iter()
        .map(|a| AgreementRow {
            in_force: a.in_force(now),
            kind: words(a.kind.as_str()),
            status: words(a.status.as_str()),
            parties: a.parties.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(", "),
            categories: a.categories.iter().map(|c| words(c.as_str())).collect::<Vec<_>>().join(", "),
            max_classification: scale.name(a.max_classification).to_owned(),
            personal_data: a.personal_data,
            validity: format!(
                "{} to {}",
                when(a.valid_from),
                a.valid_until.map(when).unwrap_or_else(|| "open-ended".into())
            ),
            title: a.title,
        })
        .collect();
    rows.sort_by(|a, b| (!a.in_force, &a.title).cmp(&(!b.in_force, &b.title)));
    render(&AgreementsPage { chrome: Chrome::new(&viewer, "Agreements", "/agreements"), rows })
}
