//! Full-text search with facets: the same index and policy as
//! `GET /api/v1/search`, drawn as a page whose facet values are links.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::api::search::SearchParams;
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::forms::{FieldErrors, parse_date, words};
use crate::web::items::ItemRow;
use crate::web::page::{Chrome, WebError, render, urlencode};
use crate::web::saved::SavedForm;
use crate::web::viewer::Viewer;

pub struct Hit {
    pub row: ItemRow,
    pub snippet_html: Option<String>,
}

pub struct FacetValue {
    pub label: String,
    pub count: u64,
    pub href: String,
    pub active: bool,
}

pub struct Facet {
    pub name: String,
    pub values: Vec<FacetValue>,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    chrome: Chrome,
    q: String,
    from: String,
    until: String,
    searched: bool,
    total: u64,
    hits: Vec<Hit>,
    facets: Vec<Facet>,
    active: Vec<(String, String)>,
    next: Option<String>,
    error: Option<String>,
    // The "Save this search" form (templates/saved_search_form.html).
    action: &'static str,
    editing: bool,
    form: SavedForm,
    errors: FieldErrors,
    email_available: bool,
}

/// The page's query: the API's parameters, with dates as `<input type=date>` gives them.
#[derive(serde::Deserialize, Default, Clone)]
#[serde(default)]
pub struct PageQuery {
    q: String,
    kind: String,
    category: String,
    originator: String,
    country: String,
    country_role: String,
    environment: String,
    tag: String,
    classification: String,
    tlp: String,
    state: String,
    from: String,
    until: String,
    offset: Option<usize>,
}

impl PageQuery {
    /// Reads a stored or submitted query string (`q=…&kind=…`); the page
    /// offset is dropped.
    pub fn parse(text: &str) -> Result<PageQuery, ApiError> {
        let mut query: PageQuery = serde_html_form::from_str(text.trim_start_matches('?'))
            .map_err(|e| ApiError::invalid("query", format!("is not a search page query: {e}")))?;
        query.offset = None;
        Ok(query)
    }

    /// The query string of this search, without `/search?` or the offset.
    pub fn encoded(&self) -> String {
        self.pairs().iter().map(|(k, v)| format!("{k}={}", urlencode(v))).collect::<Vec<_>>().join("&")
    }

    fn pairs(&self) -> Vec<(&'static str, &str)> {
        [
            ("q", self.q.as_str()),
            ("kind", &self.kind),
            ("category", &self.category),
            ("originator", &self.originator),
            ("country", &self.country),
            ("country_role", &self.country_role),
            ("environment", &self.environment),
            ("tag", &self.tag),
            ("classification", &self.classification),
            ("tlp", &self.tlp),
            ("state", &self.state),
            ("from", &self.from),
            ("until", &self.until),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect()
    }

    fn href(&self) -> String {
        format!("/search?{}", self.encoded())
    }

    /// This query with one dimension set to `value`, or cleared when it already is.
    fn toggled(&self, dimension: &str, value: &str) -> (String, bool) {
        let mut next = self.clone();
        next.offset = None;
        let (field, role) = match dimension.strip_prefix("country_") {
            Some(role) => ("country", Some(role)),
            None => (dimension, None),
        };
        let slot = match field {
            "kind" => &mut next.kind,
            "category" => &mut next.category,
            "originator" => &mut next.originator,
            "country" => &mut next.country,
            "environment" => &mut next.environment,
            "tag" => &mut next.tag,
            "classification" => &mut next.classification,
            "tlp" => &mut next.tlp,
            "state" => &mut next.state,
            _ => return (self.href(), false),
        };
        let active = slot == value && (role.is_none() || self.country_role == role.unwrap_or_default());
        if active {
            slot.clear();
            if role.is_some() {
                next.country_role.clear();
            }
        } else {
            *slot = value.to_owned();
            if let Some(role) = role {
                next.country_role = role.to_owned();
            }
        }
        (next.href(), active)
    }

    pub fn to_params(&self) -> Result<SearchParams, ApiError> {
        let some = |s: &str| Some(s.to_owned()).filter(|s| !s.is_empty());
        let day = |field: &'static str, s: &str| -> Result<Option<String>, ApiError> {
            match some(s) {
                None => Ok(None),
                Some(s) => parse_date(&s)
                    .map(|t| Some(t.to_rfc3339()))
                    .ok_or_else(|| ApiError::invalid(field, "must be a date YYYY-MM-DD")),
            }
        };
        Ok(SearchParams {
            q: some(&self.q),
            kind: some(&self.kind),
            category: some(&self.category),
            originator: some(&self.originator),
            country: some(&self.country),
            country_role: some(&self.country_role),
            environment: some(&self.environment),
            tag: some(&self.tag),
            classification: some(&self.classification),
            tlp: some(&self.tlp),
            state: some(&self.state),
            published_from: day("from", &self.from)?,
            published_until: day("until", &self.until)?,
            offset: self.offset,
            limit: Some(20),
            ..Default::default()
        })
    }
}

fn facet_name(dimension: &str) -> String {
    match dimension.strip_prefix("country_") {
        Some(role) => format!("Country ({})", words(role).to_lowercase()),
        None if dimension == "tlp" => "TLP".into(),
        None => words(dimension),
    }
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<PageQuery>,
) -> Result<Response, WebError> {
    let index = state.search.as_ref().ok_or_else(|| {
        WebError::page(StatusCode::SERVICE_UNAVAILABLE, "This node has no search index; ask its operator to build one.")
    })?;
    let chrome = Chrome::new(&viewer, "Search", "/search");
    let query = q.to_params().and_then(|p| p.to_query(&state.store.scale()));
    let (results, error) = match query {
        Ok(query) => match index.search(&state.store, &viewer.caller.subject, &query).await {
            Ok(results) => (Some(results), None),
            Err(e) => {
                let e = ApiError::from(e);
                if e.status.is_server_error() {
                    return Err(e.into());
                }
                (None, Some(e))
            }
        },
        Err(e) => (None, Some(e)),
    };
    let scale = state.store.scale();
    let (total, hits, facets, next) = match results {
        Some(r) => {
            let facets = r
                .facets
                .iter()
                .filter(|(_, values)| !values.is_empty())
                .map(|(dimension, values)| Facet {
                    name: facet_name(dimension),
                    values: values
                        .iter()
                        .take(12)
                        .map(|v| {
                            let (href, active) = q.toggled(dimension, &v.value);
                            let label = if dimension == "classification" {
                                v.value
                                    .parse::<u8>()
                                    .map(|c| scale.name(godwit_domain::marking::Classification(c)).to_owned())
                                    .unwrap_or_else(|_| v.value.clone())
                            } else if dimension.contains(':')
                                || dimension == "tag"
                                || dimension.starts_with("country")
                                || dimension == "originator"
                                || dimension == "tlp"
                            {
                                v.value.clone()
                            } else {
                                words(&v.value)
                            };
                            FacetValue { label, count: v.count, href, active }
                        })
                        .collect(),
                })
                .collect();
            let next = r.next_offset.map(|offset| {
                let mut more = q.clone();
                more.offset = Some(offset);
                format!("{}&offset={offset}", more.href())
            });
            let hits = r
                .hits
                .iter()
                .map(|h| Hit { row: ItemRow::of(&h.item, &scale), snippet_html: h.snippet_html.clone() })
                .collect();
            (r.total, hits, facets, next)
        }
        None => (0, Vec::new(), Vec::new(), None),
    };
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = SearchPage {
        chrome,
        searched: !q.pairs().is_empty(),
        active: q.pairs().iter().filter(|(k, _)| *k != "q").map(|(k, v)| (words(k), (*v).to_owned())).collect(),
        q: q.q.clone(),
        from: q.from.clone(),
        until: q.until.clone(),
        total,
        hits,
        facets,
        next,
        error: error.map(|e| e.summary()),
        action: "/saved-searches",
        editing: false,
        form: SavedForm { query: q.encoded(), notify_portal: Some("on".into()), ..SavedForm::default() },
        errors: FieldErrors::default(),
        email_available: state.config.smtp.is_some(),
    };
    render(&page).map(|html| (status, html).into_response())
}
