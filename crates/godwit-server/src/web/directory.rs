//! The directory of accredited contact points.

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
