//! Searching: the request, the tantivy query built from it (text, facet
//! filters, date ranges and the pushed-down policy), the collectors, and the
//! re-check of every hit with `decide` on the stored item.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;

use godwit_domain::Timestamp;
use godwit_domain::agreement::Agreement;
use godwit_domain::item::{BorderEnvironment, Category, CountryRole, Item, ItemKind, ItemState};
use godwit_domain::marking::{Classification, Tlp};
use godwit_domain::member::MemberCode;
use godwit_domain::user::Subject;
use godwit_store::Store;
use godwit_store::items::ItemSummary;
use serde::Serialize;
use tantivy::collector::{Count, DocSetCollector, TopDocs};
use tantivy::query::{BooleanQuery, ConstScoreQuery, Occur, Query, QueryParser, RangeQuery, TermSetQuery};
use tantivy::schema::{Field, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{DocAddress, Order, Searcher, TantivyDocument, Term};
use uuid::Uuid;

use crate::cached_filter::CachedFilter;
use crate::facet_tally::FacetTally;
use crate::schema::{self, country_dimension, facet};
use crate::{SearchError, SearchIndex, policy};

/// The longest text query accepted, in characters.
pub const MAX_TEXT_CHARS: usize = 500;
/// The largest page.
pub const MAX_LIMIT: usize = 100;
/// How far into the results a page may start.
pub const MAX_OFFSET: usize = 10_000;
/// Values listed per facet dimension.
const FACET_VALUES: usize = 50;

/// A country, in one role or in any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountryFilter {
    /// ISO 3166-1 alpha-3.
    pub code: String,
    /// `None`: the country in any role.
    pub role: Option<CountryRole>,
}

/// Facet filters: values of one dimension are alternatives (OR), dimensions
/// all apply (AND). Countries are grouped by role the same way.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub kinds: Vec<ItemKind>,
    pub categories: Vec<Category>,
    pub originators: Vec<MemberCode>,
    pub countries: Vec<CountryFilter>,
    pub environments: Vec<BorderEnvironment>,
    pub tags: Vec<String>,
    pub classifications: Vec<Classification>,
    pub tlps: Vec<Tlp>,
    pub states: Vec<ItemState>,
}

/// A time range: `from` included, `until` excluded; either may be open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DateRange {
    pub from: Option<Timestamp>,
    pub until: Option<Timestamp>,
}

impl DateRange {
    fn is_open(&self) -> bool {
        self.from.is_none() && self.until.is_none()
    }
}

/// The order of hits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Sort {
    /// Best match first when there is text, newest change first otherwise.
    #[default]
    Relevance,
    /// Newest change first.
    Newest,
}

/// A search request.
#[derive(Debug, Clone, Default)]
pub struct SearchQuery {
    /// Words, `"phrases"`, `-excluded`, `title:word`; empty lists everything.
    pub text: String,
    pub filters: Filters,
    pub published: DateRange,
    pub created: DateRange,
    pub sort: Sort,
    /// Hits to skip (the `next_offset` of the previous page).
    pub offset: usize,
    /// Hits per page, 1 to [`MAX_LIMIT`]; 0 means 20.
    pub limit: usize,
    /// Only these items (at most [`MAX_LIMIT`]), when set: how a saved search
    /// is matched against the items changed since it last ran.
    pub only_items: Option<Vec<Uuid>>,
}

/// One value of a facet and how many visible items matching the query have it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FacetCount {
    pub value: String,
    pub count: u64,
}

/// One hit: the item as a list shows it, its score and a highlighted extract.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchHit {
    pub item: ItemSummary,
    /// BM25 relevance; 0 without text.
    pub score: f32,
    /// An extract of the body (or summary) with the matched words in `<b>`,
    /// HTML-escaped otherwise; absent without text or when nothing matched.
    pub snippet_html: Option<String>,
}

/// A page of hits with the facet counts and total of the whole result.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchResults {
    pub hits: Vec<SearchHit>,
    /// Items matching the query that the reader may see, by the index (which
    /// may lag the database by the indexer's interval).
    pub total: u64,
    /// Per dimension (`kind`, `originator`, `country_origin`, `tag`…), the values
    /// among the matching items, most frequent first.
    pub facets: BTreeMap<String, Vec<FacetCount>>,
    /// Pass as `offset` for the next page; absent on the last page.
    pub next_offset: Option<usize>,
}

/// What the index found before the re-check.
pub(crate) struct Found {
    pub hits: Vec<(Uuid, f32)>,
    pub total: u64,
    pub facets: BTreeMap<String, Vec<FacetCount>>,
    pub snippets: Option<(SnippetGenerator, SnippetGenerator)>,
}

fn facet_clause(field: Field, dimension: &str, values: impl IntoIterator<Item = String>) -> Option<Box<dyn Query>> {
    let terms: Vec<Term> = values.into_iter().map(|v| Term::from_facet(field, &facet(dimension, &v))).collect();
    (!terms.is_empty()).then(|| Box::new(TermSetQuery::new(terms)) as Box<dyn Query>)
}

fn range_clause(field: Field, range: &DateRange) -> Option<Box<dyn Query>> {
    if range.is_open() {
        return None;
    }
    let lower = range.from.map_or(Bound::Unbounded, |t| Bound::Included(Term::from_field_i64(field, t.0)));
    let upper = range.until.map_or(Bound::Unbounded, |t| Bound::Excluded(Term::from_field_i64(field, t.0)));
    Some(Box::new(RangeQuery::new(lower, upper)))
}

impl SearchQuery {
    pub(crate) fn check(&self) -> Result<(), SearchError> {
        if self.text.chars().count() > MAX_TEXT_CHARS {
            return Err(SearchError::Invalid("q", format!("must be at most {MAX_TEXT_CHARS} characters")));
        }
        if self.limit > MAX_LIMIT {
            return Err(SearchError::Invalid("limit", format!("must be between 1 and {MAX_LIMIT}")));
        }
        if self.only_items.as_ref().is_some_and(|ids| ids.len() > MAX_LIMIT) {
            return Err(SearchError::Invalid("only_items", format!("must be at most {MAX_LIMIT} items")));
        }
        if self.offset > MAX_OFFSET {
            return Err(SearchError::Invalid("offset", format!("must be at most {MAX_OFFSET}")));
        }
        for range in [&self.published, &self.created] {
            if let (Some(from), Some(until)) = (range.from, range.until)
                && until <= from
            {
                return Err(SearchError::Invalid("until", "must be after from".into()));
            }
        }
        Ok(())
    }

    fn limit(&self) -> usize {
        if self.limit == 0 { 20 } else { self.limit }
    }

    /// The facet filters and date ranges, as required clauses.
    fn filter_clauses(&self, fields: &schema::Fields) -> Vec<Box<dyn Query>> {
        let f = &self.filters;
        let facets = fields.facets;
        let mut out: Vec<Option<Box<dyn Query>>> = vec![
            facet_clause(facets, "kind", f.kinds.iter().map(|k| k.as_str().to_owned())),
            facet_clause(facets, "category", f.categories.iter().map(|c| c.as_str().to_owned())),
            facet_clause(facets, "originator", f.originators.iter().map(|m| m.as_str().to_owned())),
            facet_clause(facets, "environment", f.environments.iter().map(|e| e.as_str().to_owned())),
            facet_clause(facets, "tag", f.tags.iter().cloned()),
            facet_clause(facets, "classification", f.classifications.iter().map(|c| c.0.to_string())),
            facet_clause(facets, "tlp", f.tlps.iter().map(|t| t.as_str().to_owned())),
            facet_clause(facets, "state", f.states.iter().map(|s| s.as_str().to_owned())),
        ];
        let mut by_role: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for country in &f.countries {
            by_role.entry(country_dimension(country.role)).or_default().push(country.code.clone());
        }
        for (dimension, codes) in by_role {
            out.push(facet_clause(facets, dimension, codes));
        }
        if let Some(ids) = &self.only_items {
            let terms: Vec<Term> = ids.iter().map(|id| Term::from_field_text(fields.id, &id.to_string())).collect();
            out.push(Some(Box::new(TermSetQuery::new(terms))));
        }
        out.push(range_clause(fields.published_at, &self.published));
        out.push(range_clause(fields.created_at, &self.created));
        out.into_iter().flatten().collect()
    }
}

fn doc_id(searcher: &Searcher, fields: &schema::Fields, address: DocAddress) -> Result<Option<Uuid>, SearchError> {
    let doc: TantivyDocument = searcher.doc(address)?;
    Ok(doc.get_first(fields.id).and_then(|v| v.as_str()).and_then(|text| Uuid::parse_str(text).ok()))
}

impl SearchIndex {
    /// The pushed-down policy for `subject`, from the filter cache when it can be cached.
    fn policy_filter(&self, subject: &Subject, agreements: &[Agreement], now: Timestamp) -> Box<dyn Query> {
        let filter = policy::filter(&self.inner.fields, subject, agreements, now);
        match policy::cache_key(subject, agreements, now) {
            Some(key) => Box::new(CachedFilter::new(key, filter, self.inner.filters.clone())),
            None => filter,
        }
    }

    /// The pushed-down part of a search: what the index finds for `subject`
    /// with the policy inside the query, before any re-check. Blocking.
    pub(crate) fn find(
        &self,
        subject: &Subject,
        agreements: &[Agreement],
        now: Timestamp,
        request: &SearchQuery,
    ) -> Result<Found, SearchError> {
        let fields = &self.inner.fields;
        let searcher = self.inner.reader.searcher();
        let mut required: Vec<Box<dyn Query>> = vec![self.policy_filter(subject, agreements, now)];
        required.extend(request.filter_clauses(fields));
        let restriction: Box<dyn Query> =
            Box::new(BooleanQuery::new(required.into_iter().map(|q| (Occur::Must, q)).collect()));

        let text = request.text.trim();
        let text_query = if text.is_empty() {
            None
        } else {
            let mut parser = QueryParser::for_index(&self.inner.index, vec![fields.title, fields.summary, fields.body]);
            parser.set_conjunction_by_default();
            parser.set_field_boost(fields.title, 3.0);
            parser.set_field_boost(fields.summary, 1.5);
            // Lenient: a stray quote or colon is read as words, never an error.
            let (query, _errors) = parser.parse_query_lenient(text);
            Some(query)
        };

        let live: Vec<_> = searcher.segment_readers().iter().map(|segment| segment.segment_id()).collect();
        self.inner.facets.retain(&live);
        let facet_collector =
            FacetTally { field: schema::FACETS, values: FACET_VALUES, cache: self.inner.facets.clone() };
        let limit = request.limit();
        let top = TopDocs::with_limit(limit).and_offset(request.offset);
        let by_relevance = text_query.is_some() && request.sort == Sort::Relevance;

        let (hits, total, counts) = match &text_query {
            Some(text_query) => {
                let query = BooleanQuery::new(vec![
                    (Occur::Must, text_query.box_clone()),
                    (Occur::Must, Box::new(ConstScoreQuery::new(restriction, 0.0))),
                ]);
                if by_relevance {
                    let (top, total, counts) =
                        searcher.search(&query, &(top.order_by_score(), Count, facet_collector))?;
                    (top.into_iter().map(|(score, address)| (address, score)).collect::<Vec<_>>(), total, counts)
                } else {
                    let (top, total, counts) = searcher.search(
                        &query,
                        &(top.order_by_fast_field::<i64>(schema::UPDATED_AT, Order::Desc), Count, facet_collector),
                    )?;
                    (top.into_iter().map(|(_, address)| (address, 0.0)).collect(), total, counts)
                }
            }
            None => {
                let (top, total, counts) = searcher.search(
                    &restriction,
                    &(top.order_by_fast_field::<i64>(schema::UPDATED_AT, Order::Desc), Count, facet_collector),
                )?;
                (top.into_iter().map(|(_, address)| (address, 0.0)).collect(), total, counts)
            }
        };
        let mut ids = Vec::with_capacity(hits.len());
        for (address, score) in hits {
            if let Some(id) = doc_id(&searcher, fields, address)? {
                ids.push((id, score));
            }
        }
        let snippets = match &text_query {
            Some(query) => Some((
                SnippetGenerator::create(&searcher, query.as_ref(), fields.body)?,
                SnippetGenerator::create(&searcher, query.as_ref(), fields.summary)?,
            )),
            None => None,
        };
        Ok(Found { hits: ids, total: total as u64, facets: counts, snippets })
    }

    /// The ids the pushed-down policy filter matches for `subject`, without any
    /// re-check: what the differential test compares with `decide`.
    pub fn visible_ids(
        &self,
        subject: &Subject,
        agreements: &[Agreement],
        now: Timestamp,
    ) -> Result<BTreeSet<Uuid>, SearchError> {
        let fields = &self.inner.fields;
        let searcher = self.inner.reader.searcher();
        let query = self.policy_filter(subject, agreements, now);
        let addresses = searcher.search(query.as_ref(), &DocSetCollector)?;
        let mut out = BTreeSet::new();
        for address in addresses {
            if let Some(id) = doc_id(&searcher, fields, address)? {
                out.insert(id);
            }
        }
        Ok(out)
    }

    /// Searches for `subject`: the policy is applied inside the query, and every
    /// hit is judged again by `decide` on the item as the store holds it now
    /// (hits the index still has but the reader may no longer see are dropped,
    /// so a page can be shorter than `limit`).
    pub async fn search(
        &self,
        store: &Store,
        subject: &Subject,
        request: &SearchQuery,
    ) -> Result<SearchResults, SearchError> {
        request.check()?;
        let agreements = store.agreements().await?;
        let now = store.clock().now();
        let this = self.clone();
        let (owned_subject, owned_request) = (subject.clone(), request.clone());
        let found = tokio::task::spawn_blocking(move || this.find(&owned_subject, &agreements, now, &owned_request))
            .await
            .map_err(|e| SearchError::Task(e.to_string()))??;

        let ids: Vec<Uuid> = found.hits.iter().map(|(id, _)| *id).collect();
        let mut items: BTreeMap<Uuid, Item> =
            store.readable_items(subject, &ids).await?.into_iter().map(|item| (item.id, item)).collect();
        let mut hits = Vec::with_capacity(found.hits.len());
        for (id, score) in &found.hits {
            let Some(item) = items.remove(id) else {
                tracing::warn!(item = %id, "search hit dropped: the policy denies it on the stored item (index behind?)");
                continue;
            };
            let snippet_html = found.snippets.as_ref().and_then(|(body, summary)| {
                [body.snippet(&item.content.body), summary.snippet(&item.content.summary)]
                    .into_iter()
                    .find(|s| !s.is_empty())
                    .map(|s| s.to_html())
            });
            hits.push(SearchHit { item: summary_of(item), score: *score, snippet_html });
        }
        let seen = request.offset + request.limit();
        let next_offset = ((seen as u64) < found.total).then_some(seen);
        Ok(SearchResults { hits, total: found.total, facets: found.facets, next_offset })
    }
}

fn summary_of(i: Item) -> ItemSummary {
    ItemSummary {
        id: i.id,
        kind: i.kind,
        category: i.content.category,
        title: i.content.title,
        summary: i.content.summary,
        originator_member: i.originator_member,
        state: i.state,
        classification: i.content.classification,
        tlp: i.content.tlp,
        version: i.version,
        updated_at: i.updated_at,
        published_at: i.published_at,
    }
}
