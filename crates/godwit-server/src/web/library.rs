//! The library: MoU templates, model legislation, SOPs and training material.
//! They are library-document items, so the access policy, four-eyes
//! publication, marking banners, search and audited attachment downloads all
//! apply as to any item; this page only lists the ones the viewer may read.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use godwit_domain::item::{ItemDetails, ItemKind};
use godwit_store::items::ItemFilter;
use serde::Deserialize;
use uuid::Uuid;

use crate::api::items::MarkingView;
use crate::state::AppState;
use crate::web::forms::when;
use crate::web::item_form::Choice;
use crate::web::page::{Chrome, WebError, render};
use crate::web::viewer::Viewer;

/// The library's shelves, and the document types each holds (the `library`
/// taxonomy is open, so unknown types go under "other").
const SHELVES: &[(&str, &str, &[&str])] = &[
    ("template", "Templates (MoUs, forms)", &["mou_template", "template"]),
    ("legislation", "Model legislation", &["model_legislation", "legislation"]),
    ("sop", "Standard operating procedures", &["sop"]),
    ("training", "Training material and guides", &["training", "guide"]),
];

fn shelf_of(document_type: &str) -> &'static str {
    SHELVES.iter().find(|(_, _, types)| types.contains(&document_type)).map_or("other", |(shelf, _, _)| shelf)
}

pub struct LibraryRow {
    pub id: Uuid,
    pub title: String,
    pub shelf: String,
    pub originator: String,
    pub classification: String,
    pub tlp: String,
    pub releasability: String,
    pub updated: String,
}

#[derive(Template)]
#[template(path = "library.html")]
struct LibraryPage {
    chrome: Chrome,
    rows: Vec<LibraryRow>,
    shelves: Vec<Choice>,
}

#[derive(Deserialize, Default)]
pub struct LibraryQuery {
    #[serde(default, rename = "type")]
    shelf: String,
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<LibraryQuery>,
) -> Result<Response, WebError> {
    if !q.shelf.is_empty() && q.shelf != "other" && !SHELVES.iter().any(|(s, _, _)| *s == q.shelf) {
        return Err(WebError::page(StatusCode::BAD_REQUEST, "The type filter is not one the library knows."));
    }
    let filter = ItemFilter { kind: Some(ItemKind::LibraryDocument), limit: 500, ..Default::default() };
    // Filtered with the access policy pushed down and re-checked; lists are not audited.
    let (items, _) = state.store.list_full_items(&viewer.caller.subject, &filter).await?;
    let scale = state.store.scale();
    let rows = items
        .iter()
        .filter_map(|item| {
            let ItemDetails::LibraryDocument { document_type } = &item.content.details else { return None };
            let shelf = shelf_of(document_type);
            (q.shelf.is_empty() || q.shelf == shelf).then(|| {
                let marking = MarkingView::of(item, &scale);
                LibraryRow {
                    id: item.id,
                    title: item.content.title.clone(),
                    shelf: SHELVES.iter().find(|(s, _, _)| *s == shelf).map_or("Other", |(_, label, _)| label).into(),
                    originator: item.originator_member.to_string(),
                    classification: marking.classification,
                    tlp: marking.tlp,
                    releasability: marking.releasability,
                    updated: when(item.updated_at),
                }
            })
        })
        .collect();
    let shelves = SHELVES
        .iter()
        .map(|(value, label, _)| (*value, *label))
        .chain([("other", "Other")])
        .map(|(value, label)| Choice { value: value.into(), label: label.into(), selected: value == q.shelf })
        .collect();
    render(&LibraryPage { chrome: Chrome::new(&viewer, "Library", "/library"), rows, shelves })
}
