//! Reading items: lists with filters, the item page with its marking banners,
//! workflow buttons, version history with differences, attachments.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use godwit_domain::Timestamp;
use godwit_domain::item::{AttachmentMeta, Item, ItemContent, ItemKind, ItemState};
use godwit_domain::marking::{ClassificationScale, Tlp};
use godwit_domain::member::MemberCode;
use godwit_domain::user::Role;
use godwit_domain::workflow::Action;
use godwit_store::items::{ItemFilter, ItemSummary, Method};
use serde::Deserialize;
use uuid::Uuid;

use crate::api::items::{LinkedRequirement, MarkingView};
use crate::state::AppState;
use crate::web::forms::{when, words};
use crate::web::item_form::Choice;
use crate::web::page::{Chrome, WebError, render};
use crate::web::viewer::{Viewer, WebForm, WebMultipart};

/// A TLP label as a CSS class name (`AMBER+STRICT` → `AMBERSTRICT`).
fn tlp_class(tlp: Tlp) -> String {
    tlp.as_str().replace('+', "")
}

/// One line of an item list.
pub struct ItemRow {
    pub id: Uuid,
    pub title: String,
    pub kind: String,
    pub originator: String,
    pub classification: String,
    pub tlp: &'static str,
    pub tlp_class: String,
    pub state: &'static str,
    pub updated: String,
}

impl ItemRow {
    pub fn of(item: &ItemSummary, scale: &ClassificationScale) -> Self {
        ItemRow {
            id: item.id,
            title: item.title.clone(),
            kind: words(item.kind.as_str()),
            originator: item.originator_member.to_string(),
            classification: scale.name(item.classification).to_owned(),
            tlp: item.tlp.as_str(),
            tlp_class: tlp_class(item.tlp),
            state: item.state.as_str(),
            updated: when(item.updated_at),
        }
    }
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    originator: String,
    #[serde(default)]
    tlp: String,
    #[serde(default)]
    cursor: Option<String>,
}

#[derive(Template)]
#[template(path = "items.html")]
struct ListPage {
    chrome: Chrome,
    rows: Vec<ItemRow>,
    kinds: Vec<Choice>,
    states: Vec<Choice>,
    tlps: Vec<Choice>,
    originators: Vec<Choice>,
    next: Option<String>,
    can_write: bool,
    filtered: bool,
}

fn choice_list(values: impl Iterator<Item = &'static str>, current: &str) -> Vec<Choice> {
    values.map(|v| Choice { value: v.into(), label: words(v), selected: v == current }).collect()
}

fn non_empty(text: &str) -> Option<&str> {
    Some(text).filter(|t| !t.is_empty())
}

pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let bad =
        |what: &str| WebError::page(StatusCode::BAD_REQUEST, format!("The {what} filter is not one this list knows."));
    let filter = ItemFilter {
        kind: non_empty(&q.kind).map(|k| ItemKind::parse(k).ok_or_else(|| bad("kind"))).transpose()?,
        state: non_empty(&q.state).map(|s| ItemState::parse(s).ok_or_else(|| bad("state"))).transpose()?,
        originator: non_empty(&q.originator)
            .map(|o| MemberCode::parse(o).ok_or_else(|| bad("originator")))
            .transpose()?,
        tlp: non_empty(&q.tlp).map(|t| Tlp::parse(t).ok_or_else(|| bad("TLP"))).transpose()?,
        before: q
            .cursor
            .as_deref()
            .map(|c| crate::api::items::parse_cursor(c).ok_or_else(|| bad("page")))
            .transpose()?,
        limit: 50,
        ..Default::default()
    };
    let page = state.store.list_items(&viewer.caller.subject, &filter).await?;
    let scale = state.store.scale();
    let next = page.next.map(|(at, id)| {
        let mut query = format!("cursor={}.{id}", at.0);
        for (name, value) in [("kind", &q.kind), ("state", &q.state), ("originator", &q.originator), ("tlp", &q.tlp)] {
            if !value.is_empty() {
                query.push_str(&format!("&{name}={}", crate::web::page::urlencode(value)));
            }
        }
        format!("/items?{query}")
    });
    let members = state.store.members().await?;
    let section = if q.state == "submitted" { "/items?state=submitted" } else { "/items" };
    render(&ListPage {
        chrome: Chrome::new(&viewer, "Items", section),
        rows: page.items.iter().map(|i| ItemRow::of(i, &scale)).collect(),
        kinds: choice_list(ItemKind::ALL.iter().map(|k| k.as_str()), &q.kind),
        states: choice_list(ItemState::ALL.iter().map(|s| s.as_str()), &q.state),
        tlps: Tlp::ALL
            .iter()
            .map(|t| Choice {
                value: t.as_str().into(),
                label: format!("TLP:{}", t.as_str()),
                selected: t.as_str() == q.tlp,
            })
            .collect(),
        originators: members
            .iter()
            .map(|m| Choice {
                value: m.code.to_string(),
                label: m.code.to_string(),
                selected: m.code.as_str() == q.originator,
            })
            .collect(),
        next,
        can_write: viewer.caller.subject.roles.iter().any(|r| r.authors_content()),
        filtered: !(q.kind.is_empty() && q.state.is_empty() && q.originator.is_empty() && q.tlp.is_empty()),
    })
}

/// `content` as a first-version draft of `originator` that is not stored yet:
/// what a preview draws.
pub fn unsaved_item(content: &ItemContent, originator: &MemberCode) -> Item {
    Item::first_draft(Uuid::nil(), originator.clone(), Uuid::nil(), Uuid::nil(), content.clone(), Timestamp(0))
}

/// An item's content drawn for reading: banners, body, grading in words.
pub struct Rendered {
    pub marking: MarkingView,
    pub level: u8,
    pub tlp_class: String,
    pub title: String,
    pub summary: String,
    pub body_html: String,
    pub grading: Option<(String, String)>,
    pub facts: Vec<(&'static str, String)>,
    pub tags: Vec<String>,
}

impl Rendered {
    pub fn of_content(content: &ItemContent, originator: &MemberCode, scale: &ClassificationScale) -> Self {
        Self::of(&unsaved_item(content, originator), scale)
    }

    pub fn of(item: &Item, scale: &ClassificationScale) -> Self {
        let c = &item.content;
        let mut facts: Vec<(&'static str, String)> =
            vec![("Kind", words(item.kind.as_str())), ("Category", words(c.category.as_str()))];
        if let Some(env) = c.environment {
            facts.push(("Border environment", words(env.as_str())));
        }
        if !c.countries.is_empty() {
            let countries: Vec<String> =
                c.countries.iter().map(|r| format!("{} ({})", r.code, words(r.role.as_str()).to_lowercase())).collect();
            facts.push(("Countries", countries.join(", ")));
        }
        match (c.valid_from, c.valid_until) {
            (None, None) => {}
            (from, until) => facts.push((
                "Valid",
                format!(
                    "{} to {}",
                    from.map(when).unwrap_or_else(|| "now".into()),
                    until.map(when).unwrap_or_else(|| "further notice".into())
                ),
            )),
        }
        facts.extend(detail_facts(&c.details));
        Rendered {
            marking: MarkingView::of(item, scale),
            level: c.classification.0.min(3),
            tlp_class: tlp_class(c.tlp),
            title: c.title.clone(),
            summary: c.summary.clone(),
            body_html: crate::markdown::render(&c.body),
            grading: c.grading.as_ref().map(|g| (format!("{} {}", words(g.scheme.as_str()), g.code()), g.explain())),
            facts,
            tags: c.tags.clone(),
        }
    }
}

fn detail_facts(details: &godwit_domain::item::ItemDetails) -> Vec<(&'static str, String)> {
    use godwit_domain::item::ItemDetails as D;
    let mut facts = Vec::new();
    match details {
        D::Alert { alert_type, document } => {
            facts.push(("Alert type", words(alert_type.as_str())));
            if let Some(d) = document {
                let mut doc = vec![d.document_type.clone(), d.issuing_state.clone()];
                if let Some(f) = d.fraud_type {
                    doc.push(words(f.as_str()).to_lowercase());
                }
                facts.push(("Document", doc.into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(", ")));
                if !d.series.is_empty() {
                    facts.push(("Series", d.series.join(", ")));
                }
                for r in &d.number_ranges {
                    facts.push(("Numbers", format!("{} to {}", r.from, r.to)));
                }
                if !d.security_features.is_empty() {
                    facts.push(("Security features", d.security_features.join("; ")));
                }
            }
        }
        D::IntelligenceReport { level } => facts.push(("Level", words(level.as_str()))),
        D::IncidentRecord(incident) => facts.extend(crate::web::incident_form::incident_facts(incident)),
        D::RequestForInformation { addressee, due } => {
            facts.push(("Asked of", addressee.to_string()));
            facts.push(("Due", when(*due)));
        }
        D::RfiResponse { request } => facts.push(("Answers", request.to_string())),
        D::LibraryDocument { document_type } => facts.push(("Document type", document_type.clone())),
        D::Bulletin | D::ThreatAssessment => {}
    }
    facts
}

/// A workflow button the viewer may press on this item.
pub struct ActionButton {
    pub action: &'static str,
    pub label: &'static str,
    pub needs_comment: bool,
    pub danger: bool,
}

#[derive(Template)]
#[template(path = "item.html")]
struct ItemPage {
    chrome: Chrome,
    id: Uuid,
    r: Rendered,
    state: &'static str,
    version: u32,
    provenance: Vec<(&'static str, String)>,
    attachments: Vec<AttachmentMeta>,
    actions: Vec<ActionButton>,
    can_edit: bool,
    can_new_version: bool,
    return_comment: Option<String>,
    withdrawn_reason: Option<String>,
    saved: Option<String>,
    max_upload_mb: usize,
    /// Collection-plan requirements the item is linked to, that the viewer sees.
    requirements: Vec<LinkedRequirement>,
}

#[derive(Deserialize, Default)]
pub struct ShowQuery {
    #[serde(default)]
    saved: Option<String>,
}

fn available_actions(viewer: &Viewer, item: &Item) -> Vec<ActionButton> {
    let subject = &viewer.caller.subject;
    let home = item.originator_member == subject.member;
    let author = item.author == subject.user;
    let officer = home && subject.has(Role::AuthorisingOfficer);
    let mut actions = Vec::new();
    if author && matches!(item.state, ItemState::Draft | ItemState::Returned) {
        actions.push(ActionButton {
            action: "submit",
            label: "Submit for approval",
            needs_comment: false,
            danger: false,
        });
    }
    if officer && !author && item.state == ItemState::Submitted {
        actions.push(ActionButton {
            action: "approve",
            label: "Approve and release",
            needs_comment: false,
            danger: false,
        });
        actions.push(ActionButton {
            action: "return",
            label: "Return to the author",
            needs_comment: true,
            danger: false,
        });
    }
    if (officer || author) && home && item.state == ItemState::Published {
        actions.push(ActionButton { action: "withdraw", label: "Withdraw", needs_comment: true, danger: true });
    }
    actions
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Query(q): Query<ShowQuery>,
) -> Result<Response, WebError> {
    let store = &state.store;
    let item = store.read_item(&viewer.caller.subject, id, Method::Portal).await?;
    let attachments = store.attachments(&viewer.caller.subject, id).await?;
    let scale = store.scale();
    let mut provenance = vec![
        ("Originator", item.originator_member.to_string()),
        ("Created", when(item.created_at)),
        ("Last changed", when(item.updated_at)),
    ];
    if let Ok(org) = store.organisation(item.originator_org).await {
        provenance.insert(1, ("Organisation", org.name));
    }
    if let Some(at) = item.published_at {
        provenance.push(("Published", when(at)));
    }
    if let Some(previous) = item.supersedes {
        provenance.push(("Supersedes", previous.to_string()));
    }
    if let Some(next) = item.superseded_by {
        provenance.push(("Superseded by", next.to_string()));
    }
    let subject = &viewer.caller.subject;
    let editable = item.author == subject.user && matches!(item.state, ItemState::Draft | ItemState::Returned);
    let page = ItemPage {
        chrome: Chrome::new(&viewer, item.content.title.clone(), "/items"),
        id,
        r: Rendered::of(&item, &scale),
        state: item.state.as_str(),
        version: item.version,
        provenance,
        attachments,
        actions: available_actions(&viewer, &item),
        can_edit: editable,
        can_new_version: item.state == ItemState::Published
            && item.originator_org == subject.organisation
            && subject.roles.iter().any(|r| r.authors_content()),
        return_comment: item.return_comment.clone().filter(|_| item.state == ItemState::Returned),
        withdrawn_reason: item.withdrawn_reason.clone(),
        saved: q.saved.filter(|s| s.len() < 80 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')),
        max_upload_mb: godwit_store::items::MAX_ATTACHMENT_BYTES / (1024 * 1024),
        requirements: LinkedRequirement::of(store, subject, id).await?,
    };
    render(&page)
}

#[derive(Deserialize, Default)]
pub struct CommentForm {
    #[serde(default)]
    comment: String,
}

pub async fn act(
    State(state): State<AppState>,
    Path((id, action)): Path<(Uuid, String)>,
    WebForm { viewer, form }: WebForm<CommentForm>,
) -> Result<Response, WebError> {
    let action = match action.as_str() {
        "submit" => Action::Submit,
        "approve" => Action::Approve,
        "return" => Action::Return,
        "withdraw" => Action::Withdraw,
        _ => return Err(WebError::not_found()),
    };
    let comment = Some(form.comment.trim()).filter(|c| !c.is_empty());
    state.store.act_on_item(&viewer.caller.subject, id, action, comment, Method::Portal).await?;
    Ok(Redirect::to(&format!("/items/{id}")).into_response())
}

pub async fn new_version(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    WebForm { viewer, .. }: WebForm<crate::web::signin::NoFields>,
) -> Result<Response, WebError> {
    let item = state.store.new_item_version(&viewer.caller.subject, id).await?;
    Ok(Redirect::to(&format!("/items/{}/edit", item.id)).into_response())
}

/// One entry of an item's history, with what changed from the one before.
pub struct HistoryRow {
    pub when: String,
    pub action: String,
    pub comment: Option<String>,
    pub changes: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "history.html")]
struct HistoryPage {
    chrome: Chrome,
    id: Uuid,
    title: String,
    rows: Vec<HistoryRow>,
}

/// The fields that differ between two snapshots, as (field, before, after).
fn differences(before: &serde_json::Value, after: &serde_json::Value) -> Vec<(String, String, String)> {
    fn flatten(prefix: &str, value: &serde_json::Value, out: &mut std::collections::BTreeMap<String, String>) {
        match value {
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                    flatten(&key, v, out);
                }
            }
            serde_json::Value::String(s) => {
                out.insert(prefix.to_owned(), s.clone());
            }
            serde_json::Value::Null => {}
            other => {
                out.insert(prefix.to_owned(), other.to_string());
            }
        }
    }
    let (mut a, mut b) = (Default::default(), Default::default());
    flatten("", before, &mut a);
    flatten("", after, &mut b);
    let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    keys.into_iter()
        .filter(|k| !k.ends_with("updated_at") && a.get(*k) != b.get(*k))
        .map(|k| (k.clone(), a.get(k).cloned().unwrap_or_default(), b.get(k).cloned().unwrap_or_default()))
        .collect()
}

pub async fn history(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
) -> Result<Response, WebError> {
    let item = state.store.read_item(&viewer.caller.subject, id, Method::Portal).await?;
    let entries = state.store.item_history(&viewer.caller.subject, id).await?;
    let mut previous = serde_json::Value::Null;
    let mut rows = Vec::new();
    for entry in entries {
        let snapshot: serde_json::Value = serde_json::from_str(&entry.snapshot).unwrap_or(serde_json::Value::Null);
        rows.push(HistoryRow {
            when: when(Timestamp(entry.at)),
            action: words(&entry.action.replace('.', " ")),
            comment: entry.comment,
            changes: differences(&previous, &snapshot),
        });
        previous = snapshot;
    }
    rows.reverse();
    render(&HistoryPage { chrome: Chrome::new(&viewer, "History", "/items"), id, title: item.content.title, rows })
}

pub async fn upload(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    WebMultipart { viewer, mut fields }: WebMultipart,
) -> Result<Response, WebError> {
    let too_large = || {
        WebError::page(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "The file is larger than {} MB, the most an attachment may be. Nothing was attached.",
                godwit_store::items::MAX_ATTACHMENT_BYTES / (1024 * 1024)
            ),
        )
    };
    let field = fields
        .next_field()
        .await
        .map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                too_large()
            } else {
                WebError::page(e.status(), e.body_text())
            }
        })?
        .ok_or_else(|| WebError::page(StatusCode::BAD_REQUEST, "Choose a file to attach."))?;
    let filename = field.file_name().unwrap_or("attachment").to_owned();
    let bytes = field.bytes().await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            WebError::page(e.status(), e.body_text())
        }
    })?;
    if bytes.is_empty() {
        return Err(WebError::page(StatusCode::BAD_REQUEST, "The file is empty. Nothing was attached."));
    }
    // The body limit leaves room for the form around the file, so a file just
    // over the limit arrives whole: refuse it with the same message.
    if bytes.len() > godwit_store::items::MAX_ATTACHMENT_BYTES {
        return Err(too_large());
    }
    state.store.add_attachment(&viewer.caller.subject, id, &filename, &bytes).await?;
    Ok(Redirect::to(&format!("/items/{id}#attachments")).into_response())
}

pub async fn download(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, attachment)): Path<(Uuid, Uuid)>,
) -> Result<Response, WebError> {
    let (meta, bytes) = state.store.download_attachment(&viewer.caller.subject, id, attachment, Method::Portal).await?;
    Ok(crate::api::items::attachment_response(&meta, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn differences_name_changed_fields_only() {
        let before =
            json!({"state": "draft", "content": {"title": "A", "tags": ["x"], "tlp": "AMBER"}, "updated_at": 1});
        let after =
            json!({"state": "submitted", "content": {"title": "B", "tags": ["x"], "tlp": "AMBER"}, "updated_at": 2});
        let changes = differences(&before, &after);
        assert_eq!(
            changes,
            vec![
                ("content.title".to_string(), "A".to_string(), "B".to_string()),
                ("state".to_string(), "draft".to_string(), "submitted".to_string()),
            ]
        );
        // The first entry shows everything as added.
        assert!(
            differences(&serde_json::Value::Null, &after)
                .iter()
                .any(|(k, a, b)| k == "state" && a.is_empty() && b == "submitted")
        );
    }
}
