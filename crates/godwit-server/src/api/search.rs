//! Full-text search: `GET /api/v1/search`. The index applies the caller's
//! access policy inside the query and every hit is re-checked by the store, so
//! this handler only translates the request.

use axum::extract::State;
use axum::http::StatusCode;
use godwit_domain::Timestamp;
use godwit_domain::item::{BorderEnvironment, Category, CountryRole, ItemKind, ItemState};
use godwit_domain::marking::{Classification, ClassificationScale, Tlp};
use godwit_domain::member::MemberCode;
use godwit_search::{CountryFilter, DateRange, Filters, SearchError, SearchQuery, SearchResults, Sort};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Query};
use crate::state::AppState;

/// Lists are comma-separated; values of one parameter are alternatives, and
/// parameters all apply.
#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Words (stemmed, English), `"a phrase"`, `-excluded`, `title:word`. Empty
    /// or absent lists everything the caller may read, newest first.
    pub q: Option<String>,
    /// Item kinds, e.g. `alert,incident_record`.
    pub kind: Option<String>,
    /// Categories, e.g. `document_fraud`.
    pub category: Option<String>,
    /// Originating member codes, e.g. `FJI,NZL`.
    pub originator: Option<String>,
    /// ISO 3166-1 alpha-3 codes of countries the item names.
    pub country: Option<String>,
    /// The role those countries must play: `origin`, `transit`, `destination`,
    /// `issuing_state` or `reporting`; any role when absent.
    pub country_role: Option<String>,
    /// Border environments: `air`, `land`, `sea`, `riverine`.
    pub environment: Option<String>,
    /// Tags `namespace:value`.
    pub tag: Option<String>,
    /// Classification levels, by name (`RESTRICTED`) or rank (`2`).
    pub classification: Option<String>,
    /// TLP labels: `CLEAR`, `GREEN`, `AMBER`, `AMBER+STRICT`, `RED`.
    pub tlp: Option<String>,
    /// Workflow states, e.g. `published,superseded`.
    pub state: Option<String>,
    /// Published at or after (RFC 3339).
    pub published_from: Option<String>,
    /// Published before (RFC 3339).
    pub published_until: Option<String>,
    /// Created at or after (RFC 3339).
    pub created_from: Option<String>,
    /// Created before (RFC 3339).
    pub created_until: Option<String>,
    /// `relevance` (default: best match first, newest first without `q`) or `newest`.
    pub sort: Option<String>,
    /// The `next_offset` of the previous page; at most 10,000.
    pub offset: Option<usize>,
    /// 1 to 100; default 20.
    pub limit: Option<usize>,
}

fn list<T>(field: &'static str, text: Option<&str>, parse: impl Fn(&str) -> Option<T>) -> ApiResult<Vec<T>> {
    let Some(text) = text else { return Ok(Vec::new()) };
    text.split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| parse(v).ok_or_else(|| ApiError::invalid(field, format!("{v:?} is not a known value"))))
        .collect()
}

fn time(field: &'static str, text: Option<&str>) -> ApiResult<Option<Timestamp>> {
    text.map(|t| Timestamp::parse_rfc3339(t).ok_or_else(|| ApiError::invalid(field, "is not an RFC 3339 time")))
        .transpose()
}

fn classification(scale: &ClassificationScale, text: &str) -> Option<Classification> {
    scale.parse(text).or_else(|| text.parse::<u8>().ok().map(Classification).filter(|c| *c <= scale.highest()))
}

impl SearchParams {
    /// The library's request, every value checked and named when wrong.
    pub fn to_query(&self, scale: &ClassificationScale) -> ApiResult<SearchQuery> {
        let role = match self.country_role.as_deref() {
            Some(r) => Some(CountryRole::parse(r).ok_or_else(|| ApiError::invalid("country_role", "is not a role"))?),
            None => None,
        };
        let countries = list("country", self.country.as_deref(), |c| {
            (c.len() == 3 && c.bytes().all(|b| b.is_ascii_alphabetic()))
                .then(|| CountryFilter { code: c.to_ascii_uppercase(), role })
        })?;
        let tags = list("tag", self.tag.as_deref(), |t| t.contains(':').then(|| t.to_owned()))?;
        let sort = match self.sort.as_deref() {
            None | Some("relevance") => Sort::Relevance,
            Some("newest") => Sort::Newest,
            Some(_) => return Err(ApiError::invalid("sort", "must be relevance or newest")),
        };
        Ok(SearchQuery {
            text: self.q.clone().unwrap_or_default(),
            filters: Filters {
                kinds: list("kind", self.kind.as_deref(), ItemKind::parse)?,
                categories: list("category", self.category.as_deref(), Category::parse)?,
                originators: list("originator", self.originator.as_deref(), MemberCode::parse)?,
                countries,
                environments: list("environment", self.environment.as_deref(), BorderEnvironment::parse)?,
                tags,
                classifications: list("classification", self.classification.as_deref(), |c| classification(scale, c))?,
                tlps: list("tlp", self.tlp.as_deref(), Tlp::parse)?,
                states: list("state", self.state.as_deref(), ItemState::parse)?,
            },
            published: DateRange {
                from: time("published_from", self.published_from.as_deref())?,
                until: time("published_until", self.published_until.as_deref())?,
            },
            created: DateRange {
                from: time("created_from", self.created_from.as_deref())?,
                until: time("created_until", self.created_until.as_deref())?,
            },
            sort,
            offset: self.offset.unwrap_or(0),
            limit: match self.limit {
                Some(0) => return Err(ApiError::invalid("limit", "must be between 1 and 100")),
                Some(n) => n,
                None => 20,
            },
            only_items: None,
        })
    }
}

impl From<SearchError> for ApiError {
    fn from(error: SearchError) -> Self {
        match error {
            SearchError::Invalid(field, message) => ApiError::invalid(field, message),
            SearchError::Store(e) => e.into(),
            other => {
                tracing::error!(error = %other, "search failure");
                ApiError::internal()
            }
        }
    }
}

#[utoipa::path(get, path = "/api/v1/search", tag = "items", params(SearchParams),
    responses((status = 200, body = SearchResults), (status = 401, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem), (status = 503, body = crate::error::Problem)))]
pub async fn search(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<SearchParams>,
) -> ApiResult<Json<SearchResults>> {
    let index = state.search.as_ref().ok_or_else(|| {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "search_unavailable", "this node has no search index")
    })?;
    let query = params.to_query(&state.store.scale())?;
    Ok(Json(index.search(&state.store, &caller.subject, &query).await?))
}
