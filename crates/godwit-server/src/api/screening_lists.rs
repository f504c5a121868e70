//! Members' own screening lists (issue 6, point 3): a member's national focal
//! point or analysts upload its national persons and documents watchlists
//! (the CSV formats of `godwit screen`) with markings; the member's officers
//! are screened against them, with the node's lists and the document alerts
//! they may read.
//!
//! - `GET /screening/lists`: the caller's member's lists, and the lists
//!   other members released that the caller's screening uses;
//! - `POST /screening/lists?kind=…&name=…` with the CSV as the body: stores
//!   (or replaces) a list; every defective row is named by row and column
//!   and nothing is stored;
//! - `DELETE /screening/lists/{id}`.
//!
//! A list is judged by the access policy ([`decide`]) as a published
//! operational alert of its member ([`envelope`]): the member itself is
//! always in its release list, so all of the member's officers use it;
//! another member's officers use it only when it is released to their
//! member (by name, or through a group unless TLP:RED), their clearance
//! reaches its classification, and (unless unclassified and TLP:CLEAR) an
//! agreement in force covers its category and classification, and personal
//! data for a persons list. Uploads and deletions are audited by the store;
//! every screening run records the lists it used.

use std::collections::BTreeSet;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use godwit_domain::Timestamp;
use godwit_domain::ValidationError;
use godwit_domain::agreement::Agreement;
use godwit_domain::item::{Category, Envelope, ItemKind, ItemState, Releasability};
use godwit_domain::marking::{Caveats, ClassificationScale, Tlp};
use godwit_domain::member::MemberCode;
use godwit_domain::policy::decide;
use godwit_domain::user::{Role, Subject};
use godwit_screening::csv_table::CsvError;
use godwit_screening::watchlist::{self, DocumentEntry, Loaded, PersonEntry};
use godwit_store::screening_lists::{NewScreeningList, ScreeningList, ScreeningListKind};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::Json;
use crate::state::AppState;

/// Largest list accepted (about 250,000 persons): the manifests' limit.
pub const MAX_LIST_BYTES: usize = super::screening::MAX_MANIFEST_BYTES;
/// At most this many defective rows are named in an answer.
const MAX_ROW_ERRORS: usize = 200;

/// Whether `subject` may upload and delete its member's lists.
pub fn may_manage(subject: &Subject) -> bool {
    subject.has(Role::NationalFocalPoint) || subject.has(Role::Analyst)
}

/// The envelope under which the access policy judges a list.
pub fn envelope(list: &ScreeningList) -> Envelope {
    let mut members = list.release_members.clone();
    members.insert(list.member.clone());
    Envelope {
        id: list.id,
        kind: ItemKind::Alert,
        category: list.category,
        originator_member: list.member.clone(),
        originator_org: list.uploaded_org,
        author: list.uploaded_by,
        state: ItemState::Published,
        classification: list.classification,
        tlp: list.tlp,
        caveats: Caveats { personal_data: list.kind == ScreeningListKind::Persons, ..Caveats::default() },
        release: Releasability { members, groups: list.release_groups.clone(), organisations: BTreeSet::new() },
        valid_from: None,
        valid_until: None,
    }
}

/// Whether `subject`'s screening uses `list`.
pub fn screens_with(subject: &Subject, list: &ScreeningList, agreements: &[Agreement], now: Timestamp) -> bool {
    subject.screens_travellers() && decide(subject, &envelope(list), agreements, now).is_allowed()
}

/// A list's description and markings, as the caller may see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ListView {
    pub id: Uuid,
    pub member: String,
    /// `persons` or `documents`.
    pub kind: String,
    pub name: String,
    pub category: String,
    pub classification: String,
    pub tlp: String,
    pub release_members: Vec<String>,
    pub release_groups: Vec<String>,
    pub entries: u64,
    pub size: u64,
    pub sha256: String,
    /// RFC 3339.
    pub uploaded_at: String,
    /// Whether the caller's screening uses it.
    pub used_in_screening: bool,
}

impl ListView {
    pub fn of(list: &ScreeningList, scale: &ClassificationScale, used: bool) -> Self {
        ListView {
            id: list.id,
            member: list.member.0.clone(),
            kind: list.kind.as_str().into(),
            name: list.name.clone(),
            category: list.category.as_str().into(),
            classification: scale.name(list.classification).into(),
            tlp: list.tlp.as_str().into(),
            release_members: list.release_members.iter().map(|m| m.0.clone()).collect(),
            release_groups: list.release_groups.iter().cloned().collect(),
            entries: list.entries,
            size: list.size,
            sha256: list.sha256.clone(),
            uploaded_at: list.uploaded_at.to_rfc3339(),
            used_in_screening: used,
        }
    }
}

/// The lists `caller` is shown: its member's own, and those its screening uses.
pub async fn visible_lists(state: &AppState, caller: &Caller) -> ApiResult<Vec<ListView>> {
    let lists = state.store.screening_lists().await?;
    let agreements = state.store.agreements().await?;
    let now = state.store.clock().now();
    let scale = state.store.scale();
    let subject = &caller.subject;
    Ok(lists
        .iter()
        .filter_map(|l| {
            let used = screens_with(subject, l, &agreements, now);
            (used || l.member == subject.member).then(|| ListView::of(l, &scale, used))
        })
        .collect())
}

/// A list's description and markings, as a query string or form.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListUpload {
    /// `persons` or `documents`.
    #[serde(default)]
    pub kind: String,
    /// Letters, digits, spaces, `-`, `_`, `.`; a list of the same kind and name is replaced.
    #[serde(default)]
    pub name: String,
    /// The category agreements must cover (default `border_management`).
    #[serde(default)]
    pub category: String,
    /// A level of the node's scale (default the lowest).
    #[serde(default)]
    pub classification: String,
    /// TLP 2.0 label (default `AMBER`).
    #[serde(default)]
    pub tlp: String,
    /// Other members to release the list to, separated by commas.
    #[serde(default)]
    pub release: String,
    /// Groups of members to release the list to, separated by commas.
    #[serde(default)]
    pub groups: String,
}

fn codes(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split([',', ' ', ';']).map(str::trim).filter(|c| !c.is_empty()).map(str::to_owned)
}

fn problem(field: impl Into<String>, message: impl Into<String>) -> ValidationError {
    ValidationError { field: field.into(), message: message.into() }
}

/// Checks a list's description and file; returns the list to store, or
/// every problem (the file's by row and column).
pub fn check_upload<'a>(
    upload: &ListUpload,
    content: &'a [u8],
    caller: &Caller,
    scale: &ClassificationScale,
) -> Result<NewScreeningList<'a>, Vec<ValidationError>> {
    let mut errors = Vec::new();
    let kind = ScreeningListKind::parse(upload.kind.trim());
    if kind.is_none() {
        errors.push(problem("kind", "must be persons or documents"));
    }
    let name = upload.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 {
        errors.push(problem("name", "must have 1 to 100 characters"));
    } else if !name.chars().all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.')) {
        errors.push(problem("name", "letters, digits, spaces, '-', '_' and '.' only"));
    }
    let category = match upload.category.trim() {
        "" => Some(Category::BorderManagement),
        text => Category::parse(text),
    };
    if category.is_none() {
        errors.push(problem("category", format!("{:?} is not a category", upload.category.trim())));
    }
    let classification = match upload.classification.trim() {
        "" => Some(godwit_domain::marking::Classification::LOWEST),
        text => scale.parse(text),
    };
    if classification.is_none() {
        errors.push(problem("classification", format!("must be one of {}", scale.levels.join(", "))));
    }
    if classification.is_some_and(|c| c > caller.subject.clearance) {
        errors.push(problem("classification", "is above your clearance"));
    }
    let tlp = match upload.tlp.trim() {
        "" => Some(Tlp::Amber),
        text => Tlp::parse(text),
    };
    if tlp.is_none() {
        errors.push(problem("tlp", "must be CLEAR, GREEN, AMBER, AMBER+STRICT or RED"));
    }
    let release_members: BTreeSet<MemberCode> =
        codes(&upload.release).map(|c| MemberCode(c.to_ascii_uppercase())).collect();
    let release_groups: BTreeSet<String> = codes(&upload.groups).collect();
    if content.iter().all(u8::is_ascii_whitespace) {
        errors.push(problem("file", "the list is empty"));
    }
    let entries = match kind {
        Some(ScreeningListKind::Persons) => rows(watchlist::persons::load(content), &mut errors),
        Some(ScreeningListKind::Documents) => rows(watchlist::documents::load(content), &mut errors),
        None => 0,
    };
    match (kind, category, classification, tlp) {
        (Some(kind), Some(category), Some(classification), Some(tlp)) if errors.is_empty() => Ok(NewScreeningList {
            member: caller.subject.member.clone(),
            kind,
            name,
            category,
            classification,
            tlp,
            release_members,
            release_groups,
            entries,
            content,
            uploaded_by: caller.user.id,
            uploaded_org: caller.subject.organisation,
        }),
        _ => Err(errors),
    }
}

/// Counts the entries of a list file, or names its defects.
fn rows<T>(loaded: Result<Loaded<T>, CsvError>, errors: &mut Vec<ValidationError>) -> u64 {
    match loaded {
        Err(e) => {
            errors.push(problem("row 1", e.to_string()));
            0
        }
        Ok(loaded) => {
            let total = loaded.errors.len();
            for e in loaded.errors.iter().take(MAX_ROW_ERRORS) {
                let at = if e.column.is_empty() {
                    format!("row {}", e.row)
                } else {
                    format!("row {}, column {}", e.row, e.column)
                };
                errors.push(problem(at, e.message.clone()));
            }
            if total > MAX_ROW_ERRORS {
                errors.push(problem("file", format!("{} more defective rows", total - MAX_ROW_ERRORS)));
            }
            if total == 0 && loaded.entries.is_empty() && !errors.iter().any(|e| e.field == "file") {
                errors.push(problem("file", "the list has no entries"));
            }
            loaded.entries.len() as u64
        }
    }
}

/// Stores `caller`'s list after checking it; 403 unless the caller may manage its member's lists.
pub async fn upload_list(
    state: &AppState,
    caller: &Caller,
    upload: &ListUpload,
    content: &[u8],
) -> ApiResult<ScreeningList> {
    if !may_manage(&caller.subject) {
        return Err(ApiError::forbidden(
            "a member's screening lists are managed by its national focal point and analysts",
        ));
    }
    let list = check_upload(upload, content, caller, &state.store.scale()).map_err(|errors| ApiError {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        code: "invalid",
        detail: Some("the list was not stored".into()),
        errors,
    })?;
    let stored = state.store.put_screening_list(list).await?;
    Ok(stored)
}

/// Deletes one of `caller`'s member's lists.
pub async fn delete_list(state: &AppState, caller: &Caller, id: Uuid) -> ApiResult<()> {
    let list = state.store.screening_list(id).await?;
    if list.member != caller.subject.member {
        return Err(ApiError::not_found("screening list"));
    }
    if !may_manage(&caller.subject) {
        return Err(ApiError::forbidden(
            "a member's screening lists are managed by its national focal point and analysts",
        ));
    }
    state.store.delete_screening_list(id, caller.user.id, &caller.user.member).await?;
    Ok(())
}

/// The lists shown to the caller.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListsView {
    pub lists: Vec<ListView>,
}

#[utoipa::path(get, path = "/api/v1/screening/lists", tag = "screening",
    responses(
        (status = 200, description = "The caller's member's lists and the lists its screening uses", body = ListsView),
        (status = 401, body = crate::error::Problem),
    ))]
pub async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<ListsView>> {
    Ok(Json(ListsView { lists: visible_lists(&state, &caller).await? }))
}

#[utoipa::path(post, path = "/api/v1/screening/lists", tag = "screening", params(ListUpload),
    request_body(description = "The list as CSV: persons `id,name,aliases,date_of_birth,nationality,sex,reason` or documents `id,document_number,issuing_state,document_type,status,reason`", content((String = "text/csv"))),
    responses(
        (status = 201, description = "Stored (replacing the member's list of the same kind and name)", body = ListView),
        (status = 401, body = crate::error::Problem),
        (status = 403, description = "Only the member's national focal point and analysts upload lists", body = crate::error::Problem),
        (status = 413, body = crate::error::Problem),
        (status = 422, description = "A wrong field, or the file's defective rows, each as `row N, column C`", body = crate::error::Problem),
    ))]
pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    Query(upload): Query<ListUpload>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<(StatusCode, Json<ListView>)> {
    let body = body.map_err(|e| {
        let code = if e.status() == StatusCode::PAYLOAD_TOO_LARGE { "too_large" } else { "bad_request" };
        ApiError::new(e.status(), code, e.body_text())
    })?;
    let stored = upload_list(&state, &caller, &upload, &body).await?;
    let used = screens_with(&caller.subject, &stored, &state.store.agreements().await?, state.store.clock().now());
    Ok((StatusCode::CREATED, Json(ListView::of(&stored, &state.store.scale(), used))))
}

#[utoipa::path(delete, path = "/api/v1/screening/lists/{id}", tag = "screening",
    params(("id" = Uuid, Path, description = "The list")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, description = "No such list of the caller's member", body = crate::error::Problem),
    ))]
pub async fn delete(State(state): State<AppState>, caller: Caller, Path(id): Path<Uuid>) -> ApiResult<StatusCode> {
    delete_list(&state, &caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The entries of the lists a reader's screening uses, read from the store.
pub struct NationalEntries {
    pub lists: Vec<Uuid>,
    pub persons: Vec<PersonEntry>,
    pub documents: Vec<DocumentEntry>,
}
