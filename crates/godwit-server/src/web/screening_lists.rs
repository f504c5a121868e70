//! A member's own screening lists in the portal: its national focal point
//! and analysts upload (or replace) the member's persons and documents
//! watchlists with their markings and delete them; officers see which
//! lists their screening uses. The rules and checks are those of
//! `/api/v1/screening/lists` ([`crate::api::screening_lists`]).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use godwit_domain::item::Category;
use godwit_domain::marking::Tlp;
use uuid::Uuid;

use crate::api::screening_lists::{self, ListUpload, ListView, MAX_LIST_BYTES, may_manage};
use crate::state::AppState;
use crate::web::page::{Chrome, WebError, render};
use crate::web::viewer::{Viewer, WebForm, WebMultipart};

#[derive(Template)]
#[template(path = "screening_lists.html")]
struct ListsPage {
    chrome: Chrome,
    member: String,
    lists: Vec<ListView>,
    manages: bool,
    max_mb: usize,
    done: Option<String>,
    error: Option<String>,
    problems: Vec<String>,
    upload: ListUpload,
    categories: Vec<&'static str>,
    levels: Vec<String>,
    tlps: Vec<&'static str>,
}

#[derive(serde::Deserialize)]
pub struct Done {
    done: Option<String>,
}

fn allowed(viewer: &Viewer) -> Result<(), WebError> {
    let s = &viewer.caller.subject;
    if s.screens_travellers() || may_manage(s) {
        Ok(())
    } else {
        Err(WebError::page(StatusCode::FORBIDDEN, "Screening lists are for officers, analysts and focal points."))
    }
}

async fn page(state: &AppState, viewer: &Viewer) -> Result<ListsPage, WebError> {
    let lists = screening_lists::visible_lists(state, &viewer.caller).await?;
    let scale = state.store.scale();
    Ok(ListsPage {
        chrome: Chrome::new(viewer, "Screening lists", "/screening/lists"),
        member: viewer.caller.subject.member.0.clone(),
        lists,
        manages: may_manage(&viewer.caller.subject),
        max_mb: MAX_LIST_BYTES / (1024 * 1024),
        done: None,
        error: None,
        problems: Vec::new(),
        upload: ListUpload::default(),
        categories: Category::ALL.iter().map(|c| c.as_str()).collect(),
        levels: scale.levels.clone(),
        tlps: Tlp::ALL.iter().map(|t| t.as_str()).collect(),
    })
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    allowed(&viewer)?;
    let mut shown = page(&state, &viewer).await?;
    shown.done = match done.done.as_deref() {
        Some("uploaded") => Some("The list was stored; it is used from the next screening.".into()),
        Some("deleted") => Some("The list was deleted.".into()),
        _ => None,
    };
    render(&shown)
}

/// Stores the uploaded list, or shows every problem with the form as filled.
pub async fn upload(
    State(state): State<AppState>,
    WebMultipart { viewer, mut fields }: WebMultipart,
) -> Result<Response, WebError> {
    allowed(&viewer)?;
    let read_error = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            WebError::page(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("The list is larger than {} MB. Nothing was stored.", MAX_LIST_BYTES / (1024 * 1024)),
            )
        } else {
            WebError::page(e.status(), e.body_text())
        }
    };
    let mut upload = ListUpload::default();
    let mut content = Vec::new();
    while let Some(field) = fields.next_field().await.map_err(read_error)? {
        let name = field.name().unwrap_or_default().to_owned();
        let bytes = field.bytes().await.map_err(read_error)?;
        let text = || String::from_utf8_lossy(&bytes).into_owned();
        match name.as_str() {
            "file" => content = bytes.to_vec(),
            "kind" => upload.kind = text(),
            "name" => upload.name = text(),
            "category" => upload.category = text(),
            "classification" => upload.classification = text(),
            "tlp" => upload.tlp = text(),
            "release" => upload.release = text(),
            "groups" => upload.groups = text(),
            _ => {}
        }
    }
    match screening_lists::upload_list(&state, &viewer.caller, &upload, &content).await {
        Ok(_) => Ok(Redirect::to("/screening/lists?done=uploaded").into_response()),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let mut shown = page(&state, &viewer).await?;
            shown.error = Some("The list was not stored:".into());
            shown.problems = e.problems();
            shown.upload = upload;
            render(&shown)
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    WebForm { viewer, .. }: WebForm<crate::web::signin::NoFields>,
) -> Result<Response, WebError> {
    allowed(&viewer)?;
    screening_lists::delete_list(&state, &viewer.caller, id).await?;
    Ok(Redirect::to("/screening/lists?done=deleted").into_response())
}
