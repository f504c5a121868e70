//! Saved searches and notifications in the portal: the "Saved searches" page
//! (list, run, edit, delete, with the last delivery problem of each), the form
//! the search page posts to save a search, and the notifications page. The
//! checks are the API's (`api::saved_searches::input`).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use godwit_store::StoreError;
use godwit_store::notices::{NoticeChannels, NoticeKind};
use godwit_store::subscriptions::SavedSearch;
use serde::Deserialize;
use uuid::Uuid;

use crate::api::saved_searches::{SavedSearchRequest, input, view};
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::forms::{FieldErrors, when};
use crate::web::page::{Chrome, WebError, render};
use crate::web::viewer::{Viewer, WebForm};

/// A saved search as the list shows it.
pub struct Row {
    pub id: String,
    pub name: String,
    pub query: String,
    pub run_url: String,
    pub channels: String,
    pub problem: Option<String>,
}

/// The fields of the save/edit form, as submitted and as shown again.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SavedForm {
    pub name: String,
    pub query: String,
    /// Checkboxes: present when ticked.
    pub notify_portal: Option<String>,
    pub notify_email: Option<String>,
    pub webhook_url: String,
}

#[derive(Template)]
#[template(path = "saved_searches.html")]
struct SavedPage {
    chrome: Chrome,
    rows: Vec<Row>,
    done: Option<&'static str>,
    /// Where the form posts: a new search, or the one being edited.
    action: String,
    editing: bool,
    form: SavedForm,
    errors: FieldErrors,
    email_available: bool,
}

fn channels(search: &SavedSearch) -> String {
    let mut out = Vec::new();
    if search.notify_portal {
        out.push("portal");
    }
    if search.notify_email {
        out.push("email");
    }
    if search.webhook_url.is_some() {
        out.push("webhook");
    }
    if out.is_empty() { "none".into() } else { out.join(", ") }
}

fn reader(viewer: &Viewer) -> Result<(), WebError> {
    if viewer.caller.subject.reads_content() {
        Ok(())
    } else {
        Err(WebError::page(StatusCode::FORBIDDEN, "Saved searches are for users who read items."))
    }
}

async fn page(
    state: &AppState,
    viewer: &Viewer,
    done: Option<&'static str>,
    editing: Option<Uuid>,
    form: SavedForm,
    errors: FieldErrors,
) -> Result<Response, WebError> {
    let mut rows = Vec::new();
    for search in state.store.saved_searches_of(viewer.caller.user.id).await? {
        let view = view(state, search).await?;
        rows.push(Row {
            id: view.search.id.to_string(),
            channels: channels(&view.search),
            problem: view.delivery_problem.map(|p| {
                let status = if p.gave_up { "given up" } else { "will retry" };
                format!(
                    "{} delivery failed at {} ({} attempt{}, {status}): {}",
                    p.channel.as_str(),
                    when(p.at),
                    p.attempts,
                    if p.attempts == 1 { "" } else { "s" },
                    p.error
                )
            }),
            name: view.search.name,
            query: view.search.query,
            run_url: view.run_url,
        });
    }
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = SavedPage {
        chrome: Chrome::new(viewer, "Saved searches", "/search"),
        rows,
        done,
        action: editing.map_or_else(|| "/saved-searches".into(), |id| format!("/saved-searches/{id}")),
        editing: editing.is_some(),
        form,
        errors,
        email_available: state.config.smtp.is_some(),
    };
    render(&page).map(|html| (status, html).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Done {
    done: String,
}

fn done_message(done: &str) -> Option<&'static str> {
    match done {
        "saved" => Some("The search is saved."),
        "deleted" => Some("The saved search is deleted."),
        _ => None,
    }
}

pub async fn list(State(state): State<AppState>, viewer: Viewer, Query(q): Query<Done>) -> Result<Response, WebError> {
    reader(&viewer)?;
    let form = SavedForm { notify_portal: Some("on".into()), ..SavedForm::default() };
    page(&state, &viewer, done_message(&q.done), None, form, FieldErrors::default()).await
}

pub async fn edit(State(state): State<AppState>, viewer: Viewer, Path(id): Path<Uuid>) -> Result<Response, WebError> {
    reader(&viewer)?;
    let search = state.store.saved_search(viewer.caller.user.id, id).await?;
    let form = SavedForm {
        name: search.name,
        query: search.query,
        notify_portal: search.notify_portal.then(|| "on".into()),
        notify_email: search.notify_email.then(|| "on".into()),
        webhook_url: search.webhook_url.unwrap_or_default(),
    };
    page(&state, &viewer, None, Some(id), form, FieldErrors::default()).await
}

fn request(form: &SavedForm) -> SavedSearchRequest {
    SavedSearchRequest {
        name: form.name.clone(),
        query: form.query.clone(),
        notify_portal: form.notify_portal.is_some(),
        notify_email: form.notify_email.is_some(),
        webhook_url: Some(form.webhook_url.clone()),
    }
}

/// Saves (`id` absent) or changes a search; invalid fields come back beside
/// the form's fields.
async fn save(state: &AppState, viewer: &Viewer, id: Option<Uuid>, form: SavedForm) -> Result<Response, WebError> {
    reader(viewer)?;
    let user = &viewer.caller.user;
    let result = match input(state, request(&form)) {
        Ok(input) => match id {
            None => state.store.create_saved_search(user.id, &user.member, &input).await,
            Some(id) => state.store.update_saved_search(user.id, &user.member, id, &input).await,
        }
        .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to("/saved-searches?done=saved").into_response()),
        Err(e) if e.status.is_client_error() && e.status != StatusCode::NOT_FOUND => {
            page(state, viewer, None, id, form, FieldErrors::from(&e)).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn create(
    State(state): State<AppState>,
    WebForm { viewer, form }: WebForm<SavedForm>,
) -> Result<Response, WebError> {
    save(&state, &viewer, None, form).await
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    WebForm { viewer, form }: WebForm<SavedForm>,
) -> Result<Response, WebError> {
    save(&state, &viewer, Some(id), form).await
}

pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    WebForm { viewer, .. }: WebForm<crate::web::signin::NoFields>,
) -> Result<Response, WebError> {
    reader(&viewer)?;
    let user = &viewer.caller.user;
    if state.store.delete_saved_search(user.id, &user.member, id).await? {
        Ok(Redirect::to("/saved-searches?done=deleted").into_response())
    } else {
        Err(WebError::not_found())
    }
}

/// A notification as the page lists it.
pub struct NotificationRow {
    pub id: String,
    /// The page of the item or requirement.
    pub href: String,
    pub title: String,
    /// The saved search that matched, or what raised the notice.
    pub source: String,
    pub when: String,
    pub unread: bool,
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    chrome: Chrome,
    rows: Vec<NotificationRow>,
    unread: i64,
    /// Schemes that moved to or from the viewer's member lately.
    displaced: Vec<crate::web::warnings::DisplacementLine>,
    /// How the viewer takes early-warning and collection-plan notices.
    channels: NoticeChannels,
    channels_saved: bool,
    errors: FieldErrors,
}

#[derive(Deserialize, Default)]
pub struct NotificationsQuery {
    #[serde(default)]
    done: Option<String>,
}

pub async fn notifications(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<NotificationsQuery>,
) -> Result<Response, WebError> {
    let channels = state.store.notice_channels(viewer.caller.user.id).await?;
    notifications_page(&state, &viewer, channels, q.done.as_deref() == Some("channels"), FieldErrors::default()).await
}

async fn notifications_page(
    state: &AppState,
    viewer: &Viewer,
    channels: NoticeChannels,
    channels_saved: bool,
    errors: FieldErrors,
) -> Result<Response, WebError> {
    let user = viewer.caller.user.id;
    let names: std::collections::BTreeMap<Uuid, String> =
        state.store.saved_searches_of(user).await?.into_iter().map(|s| (s.id, s.name)).collect();
    let rows = state
        .store
        .notifications_of(user, false, 100)
        .await?
        .into_iter()
        .map(|n| NotificationRow {
            id: n.id.to_string(),
            href: crate::notices::path_of(n.kind, n.item_id),
            source: match n.kind {
                NoticeKind::SavedSearch => n.saved_search.and_then(|s| names.get(&s).cloned()).unwrap_or_default(),
                NoticeKind::Displacement => "Early warning".into(),
                NoticeKind::Requirement => "Collection plans".into(),
                NoticeKind::Rfi => "Requests for information".into(),
                NoticeKind::Survey => "Surveys".into(),
                NoticeKind::ThreatReview => "Threat register reviews".into(),
            },
            title: n.title,
            when: when(n.created_at),
            unread: n.read_at.is_none(),
        })
        .collect();
    let displaced = if crate::analysis::may_analyse(&viewer.caller.subject) {
        crate::warnings::concerning(&state.store, &viewer.caller.subject).await?
    } else {
        Vec::new()
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = NotificationsPage {
        chrome: Chrome::new(viewer, "Notifications", "/notifications"),
        rows,
        unread: viewer.unread_notifications,
        displaced: crate::web::warnings::displacement_lines(&displaced),
        channels,
        channels_saved,
        errors,
    };
    render(&page).map(|html| (status, html).into_response())
}

/// The channels form: a checkbox and a URL (empty: none).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ChannelsForm {
    notify_email: Option<String>,
    webhook_url: String,
}

pub async fn set_channels(
    State(state): State<AppState>,
    WebForm { viewer, form }: WebForm<ChannelsForm>,
) -> Result<Response, WebError> {
    let url = form.webhook_url.trim();
    let channels = NoticeChannels {
        notify_email: form.notify_email.is_some(),
        webhook_url: (!url.is_empty()).then(|| url.to_owned()),
    };
    let user = &viewer.caller.user;
    match state.store.set_notice_channels(user.id, &user.member, &channels).await {
        Ok(_) => Ok(Redirect::to("/notifications?done=channels").into_response()),
        Err(StoreError::Invalid(e)) => {
            let errors = FieldErrors::from(&ApiError::from(StoreError::Invalid(e)));
            notifications_page(&state, &viewer, channels, false, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

/// One notification (`id`) or, without it, all.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReadForm {
    id: Option<Uuid>,
}

pub async fn mark_read(
    State(state): State<AppState>,
    WebForm { viewer, form }: WebForm<ReadForm>,
) -> Result<Response, WebError> {
    let ids = form.id.map(|id| vec![id]);
    state.store.mark_notifications_read(viewer.caller.user.id, ids.as_deref()).await?;
    Ok(Redirect::to("/notifications").into_response())
}
