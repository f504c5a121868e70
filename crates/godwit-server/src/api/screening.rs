//! Traveller screening and document checks over HTTP (issue 6).
//!
//! - `POST /screening/manifests`: a PAXLST interchange or a CSV manifest in,
//!   one result per traveller out (the JSON of `godwit screen`'s lines);
//! - `POST /screening/travellers`: one traveller as JSON;
//! - `POST /screening/documents`: a machine readable zone, validated and
//!   looked up on the same documents lists and alerts.
//!
//! Who may call them: users holding a role that screens
//! ([`Role::screens_travellers`]: front-line officers, analysts, authorising
//! officers); anyone else gets 403.
//!
//! What travellers are screened against:
//! - the node's watchlists and risk rules, files named in the server
//!   configuration (`[server.screening]`), read once (on the first call, or
//!   at start by [`Screening::load`]) into one index shared by every reader;
//! - the national lists of the caller's member, and those other members
//!   released to it, that the access policy lets the caller's screening use
//!   ([`crate::api::screening_lists`]), indexed once per set of lists;
//! - the published document alerts the caller may read. They are listed
//!   through [`godwit_store::Store::list_full_items`] (the pushed-down policy
//!   filter and `decide` on every row), so each reader's alert index holds
//!   exactly what that reader may see. The index is kept per reader profile
//!   (member, organisation, roles, clearance, groups) and rebuilt when the
//!   outbox has moved (an item was published, withdrawn, superseded…) or
//!   after [`ALERT_INDEX_TTL`] (agreements and validity periods change with
//!   time, not through the outbox). Before an alert match is returned, the
//!   alert is judged again by `decide` with the agreements of that moment.
//!
//! Every run is audited (`screening.manifest`, `screening.traveller`,
//! `screening.document`) with counts, the ids of matched alerts and of the
//! national lists used, never names or document numbers.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode, header};
use godwit_domain::item::{Envelope, Item, ItemDetails, ItemKind, ItemState};
use godwit_domain::policy::decide;
use godwit_domain::user::Subject;
use godwit_domain::{Timestamp, ValidationError};
use godwit_screening::csv_table::{CellError, CsvError};
use godwit_screening::document_check::{self, DocumentCheck};
use godwit_screening::manifest::{self, Manifest, ManifestProblem};
use godwit_screening::matching::ListKind;
use godwit_screening::matching::alerts::{AlertEntry, AlertIndex};
use godwit_screening::paxlst::{self, MessageInfo};
use godwit_screening::rules::{RuleSet, RulesError};
use godwit_screening::screen::{Decision, ReaderLists, Screener, ScreeningResult, Watchlists};
use godwit_screening::traveller::{Sex, TravelDocument, Traveller};
use godwit_screening::watchlist::{self, DocumentEntry, Loaded, PersonEntry};
use godwit_store::audit::AuditEvent;
use godwit_store::items::ItemFilter;
use godwit_store::screening_lists::ScreeningListKind;
use godwit_store::{Store, StoreError};
use serde::{Deserialize, Serialize};
use thiserror::Error;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::api::screening_lists::screens_with;
use crate::auth::Caller;
use crate::config::ScreeningConfig;
use crate::error::{ApiError, ApiResult};
use crate::extract::Json;
use crate::state::AppState;

/// Largest manifest accepted: about 250,000 travellers as CSV.
pub const MAX_MANIFEST_BYTES: usize = 32 * 1024 * 1024;
/// How long a reader's document-alert index is reused when the outbox has
/// not moved.
pub const ALERT_INDEX_TTL: Duration = Duration::from_secs(60);
/// Longest MRZ text accepted (three lines of 30 or two of 44, with room for
/// spaces and line breaks).
const MAX_MRZ_CHARS: usize = 300;

/// Why the configured screening lists cannot be used.
#[derive(Debug, Error)]
pub enum ScreeningLoadError {
    #[error("reading {}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("reading {}: {source}", path.display())]
    Header { path: PathBuf, source: CsvError },
    #[error("refusing {}: {} defective row(s), first: {}", path.display(), errors.len(), errors.first().map(ToString::to_string).unwrap_or_default())]
    Rows { path: PathBuf, errors: Vec<CellError> },
    #[error("refusing {}: {source}", path.display())]
    Rules { path: PathBuf, source: RulesError },
}

/// Screening state of a node: its own lists, and document-alert indexes
/// per reader profile.
pub struct Screening {
    config: ScreeningConfig,
    lists: tokio::sync::OnceCell<Result<Arc<Screener>, Arc<ScreeningLoadError>>>,
    alerts: Mutex<AlertCache>,
    /// National lists indexed per set of lists (ids are new at every upload).
    national: Mutex<HashMap<Vec<Uuid>, Arc<ReaderNational>>>,
}

/// The national lists one reader's screening uses, indexed.
pub struct ReaderNational {
    /// The lists' ids, in order.
    pub lists: Vec<Uuid>,
    pub index: Watchlists,
}

/// National list indexes kept at most (one per set of lists in use).
const NATIONAL_INDEXES_KEPT: usize = 32;

#[derive(Default)]
struct AlertCache {
    /// The last outbox entry seen.
    outbox: i64,
    /// Counts outbox moves; indexes of an older generation are stale.
    generation: u64,
    by_reader: HashMap<String, Arc<ReaderAlerts>>,
}

/// The document alerts one reader profile may see, indexed.
pub struct ReaderAlerts {
    generation: u64,
    built: Instant,
    pub index: AlertIndex,
    envelopes: HashMap<String, Envelope>,
}

impl Screening {
    /// Screening with the lists `config` names (read later).
    pub fn new(config: ScreeningConfig) -> Self {
        Screening {
            config,
            lists: tokio::sync::OnceCell::new(),
            alerts: Mutex::new(AlertCache::default()),
            national: Mutex::new(HashMap::new()),
        }
    }

    /// Reads the configured lists and builds their index now (a node calls
    /// this at start so that a bad file stops it there).
    pub async fn load(&self) -> Result<Arc<Screener>, Arc<ScreeningLoadError>> {
        let result = self
            .lists
            .get_or_init(|| async {
                let config = self.config.clone();
                match tokio::task::spawn_blocking(move || build_screener(&config)).await {
                    Ok(result) => result.map(Arc::new).map_err(Arc::new),
                    Err(e) => Err(Arc::new(ScreeningLoadError::Io {
                        path: PathBuf::new(),
                        source: std::io::Error::other(e.to_string()),
                    })),
                }
            })
            .await;
        result.clone()
    }

    /// Serves `screener` instead of reading the configured files (for a
    /// benchmark that built its index already); false when lists were
    /// loaded before.
    pub fn use_screener(&self, screener: Arc<Screener>) -> bool {
        self.lists.set(Ok(screener)).is_ok()
    }

    async fn screener(&self) -> ApiResult<Arc<Screener>> {
        self.load().await.map_err(|e| {
            tracing::error!(error = %e, "screening lists unavailable");
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "the node's screening lists could not be loaded",
            )
        })
    }

    /// The document alerts `subject` may read, indexed; rebuilt when the
    /// outbox has moved or the index is older than [`ALERT_INDEX_TTL`].
    pub async fn reader_alerts(&self, store: &Store, subject: &Subject) -> Result<Arc<ReaderAlerts>, StoreError> {
        let generation = self.advance_outbox(store).await?;
        let key = reader_key(subject);
        if let Ok(cache) = self.alerts.lock()
            && let Some(found) = cache.by_reader.get(&key)
            && found.generation == generation
            && found.built.elapsed() < ALERT_INDEX_TTL
        {
            return Ok(found.clone());
        }
        let built = Arc::new(build_reader_alerts(store, subject, generation).await?);
        if let Ok(mut cache) = self.alerts.lock()
            && cache.generation == generation
        {
            cache.by_reader.insert(key, built.clone());
        }
        Ok(built)
    }

    /// The national lists `subject`'s screening uses now, indexed (`None`
    /// when there are none). The lists are judged by the access policy at
    /// every call; indexes are shared by readers using the same lists.
    pub async fn reader_national(
        &self,
        store: &Store,
        subject: &Subject,
    ) -> Result<Option<Arc<ReaderNational>>, StoreError> {
        let lists = store.screening_lists().await?;
        if lists.is_empty() {
            return Ok(None);
        }
        let agreements = store.agreements().await?;
        let now = store.clock().now();
        let mut used: Vec<_> = lists.into_iter().filter(|l| screens_with(subject, l, &agreements, now)).collect();
        if used.is_empty() {
            return Ok(None);
        }
        used.sort_by_key(|l| l.id);
        let key: Vec<Uuid> = used.iter().map(|l| l.id).collect();
        if let Ok(cache) = self.national.lock()
            && let Some(found) = cache.get(&key)
        {
            return Ok(Some(found.clone()));
        }
        let (mut persons, mut documents) = (Vec::new(), Vec::new());
        for list in &used {
            let content = store.screening_list_content(list.id).await?;
            // Each id names the list: `FJI/national/N-1`.
            let prefix = format!("{}/{}/", list.member.0, list.name);
            match list.kind {
                ScreeningListKind::Persons => persons.extend(
                    stored_entries(watchlist::persons::load(content.as_slice()), list.id)
                        .map(|e| PersonEntry { id: format!("{prefix}{}", e.id), ..e }),
                ),
                ScreeningListKind::Documents => documents.extend(
                    stored_entries(watchlist::documents::load(content.as_slice()), list.id)
                        .map(|e| DocumentEntry { id: format!("{prefix}{}", e.id), ..e }),
                ),
            }
        }
        let index = tokio::task::spawn_blocking(move || Watchlists::new(persons, documents))
            .await
            .map_err(|e| StoreError::Conflict(format!("indexing national lists: {e}")))?;
        let built = Arc::new(ReaderNational { lists: key.clone(), index });
        if let Ok(mut cache) = self.national.lock() {
            if cache.len() >= NATIONAL_INDEXES_KEPT {
                cache.clear();
            }
            cache.insert(key, built.clone());
        }
        Ok(Some(built))
    }

    /// Drops the cached index of `subject`'s profile.
    fn forget(&self, subject: &Subject) {
        if let Ok(mut cache) = self.alerts.lock() {
            cache.by_reader.remove(&reader_key(subject));
        }
    }

    /// Compares the outbox head with the last one seen; returns the
    /// generation, new when the outbox has moved.
    async fn advance_outbox(&self, store: &Store) -> Result<u64, StoreError> {
        let head = store.outbox_head().await?;
        let Ok(mut cache) = self.alerts.lock() else {
            return Err(StoreError::Conflict("screening cache poisoned".into()));
        };
        if head > cache.outbox {
            cache.outbox = head;
            cache.generation += 1;
            cache.by_reader.clear();
        }
        Ok(cache.generation)
    }
}

/// What decides which alerts a reader sees among published ones.
fn reader_key(subject: &Subject) -> String {
    format!(
        "{}|{}|{}|{:?}|{:?}",
        subject.member, subject.organisation, subject.clearance.0, subject.roles, subject.member_groups
    )
}

fn build_screener(config: &ScreeningConfig) -> Result<Screener, ScreeningLoadError> {
    let mut persons = Vec::new();
    for path in &config.persons {
        persons.extend(load_list(path, watchlist::persons::load)?);
    }
    let mut documents = Vec::new();
    for path in &config.documents {
        documents.extend(load_list(path, watchlist::documents::load)?);
    }
    let rules = match &config.rules {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|source| ScreeningLoadError::Io { path: path.clone(), source })?;
            RuleSet::parse(&text).map_err(|source| ScreeningLoadError::Rules { path: path.clone(), source })?
        }
        None => RuleSet::default(),
    };
    let started = Instant::now();
    let screener = Screener::new(persons, documents, rules);
    tracing::info!(
        persons = screener.persons().len(),
        documents = screener.documents().len(),
        seconds = started.elapsed().as_secs_f64(),
        "screening lists indexed"
    );
    Ok(screener)
}

/// Loads a watchlist, refusing the file if any row is defective (as `godwit screen` does).
fn load_list<T>(
    path: &Path,
    load: fn(std::io::BufReader<std::fs::File>) -> Result<Loaded<T>, CsvError>,
) -> Result<Vec<T>, ScreeningLoadError> {
    let file = std::fs::File::open(path).map_err(|source| ScreeningLoadError::Io { path: path.into(), source })?;
    let loaded = load(std::io::BufReader::new(file))
        .map_err(|source| ScreeningLoadError::Header { path: path.into(), source })?;
    if !loaded.errors.is_empty() {
        return Err(ScreeningLoadError::Rows { path: path.into(), errors: loaded.errors });
    }
    Ok(loaded.entries)
}

/// The entries of a stored list (checked at upload, so whole unless the
/// formats changed since: defective rows are logged and left out).
fn stored_entries<T>(loaded: Result<Loaded<T>, CsvError>, list: Uuid) -> impl Iterator<Item = T> {
    let loaded = loaded.unwrap_or_else(|e| {
        tracing::error!(%list, error = %e, "a stored screening list cannot be read");
        Loaded::default()
    });
    if let Some(first) = loaded.errors.first() {
        tracing::warn!(%list, rows = loaded.errors.len(), first = %first, "stored screening list rows left out");
    }
    loaded.entries.into_iter()
}

async fn build_reader_alerts(store: &Store, subject: &Subject, generation: u64) -> Result<ReaderAlerts, StoreError> {
    let mut items: Vec<Item> = Vec::new();
    let mut before = None;
    loop {
        let filter = ItemFilter {
            kind: Some(ItemKind::Alert),
            state: Some(ItemState::Published),
            before,
            limit: 500,
            ..ItemFilter::default()
        };
        let (page, next) = store.list_full_items(subject, &filter).await?;
        items.extend(page);
        match next {
            Some(cursor) => before = Some(cursor),
            None => break,
        }
    }
    let mut entries = Vec::new();
    let mut envelopes = HashMap::new();
    for item in items {
        let Some(entry) = alert_entry(&item) else { continue };
        envelopes.insert(entry.id.clone(), item.envelope());
        entries.push(entry);
    }
    Ok(ReaderAlerts { generation, built: Instant::now(), index: AlertIndex::build(entries), envelopes })
}

/// The document numbers an alert names, if it names any.
fn alert_entry(item: &Item) -> Option<AlertEntry> {
    let ItemDetails::Alert { document: Some(document), .. } = &item.content.details else { return None };
    if document.series.is_empty() && document.number_ranges.is_empty() {
        return None;
    }
    let text = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
    Some(AlertEntry {
        id: item.id.to_string(),
        title: item.content.title.clone(),
        document_type: text(&document.document_type),
        issuing_state: text(&document.issuing_state),
        fraud_type: document.fraud_type.map(|f| f.as_str().to_string()),
        series: document.series.clone(),
        ranges: document.number_ranges.iter().map(|r| (r.from.clone(), r.to.clone())).collect(),
    })
}

/// The screening date: the node clock's day (UTC).
fn today(store: &Store) -> time::Date {
    let Timestamp(ms) = store.clock().now();
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .map(|t| t.date())
        .unwrap_or(time::Date::MIN)
}

fn require_screening_role(caller: &Caller) -> ApiResult<()> {
    if caller.subject.screens_travellers() {
        Ok(())
    } else {
        Err(ApiError::forbidden("screening is for front-line officers, analysts and authorising officers"))
    }
}

/// Ids of the document alerts among `matches`.
fn alert_ids<'a>(matches: impl Iterator<Item = &'a godwit_screening::matching::Match>) -> BTreeSet<String> {
    matches.filter(|m| m.list == ListKind::DocumentAlerts).map(|m| m.watchlist_id.clone()).collect()
}

/// Screens with the reader's alerts, and makes sure every alert reported is
/// one `decide` still allows now: if one no longer is (an agreement ended
/// since the index was built), the index is rebuilt and the work redone.
async fn with_alerts<T>(
    state: &AppState,
    subject: &Subject,
    run: impl Fn(&ReaderAlerts) -> T,
    matched: impl Fn(&T) -> BTreeSet<String>,
) -> ApiResult<(T, BTreeSet<String>)> {
    let store = &state.store;
    let alerts = state.screening.reader_alerts(store, subject).await?;
    let out = run(&alerts);
    let ids = matched(&out);
    if ids.is_empty() {
        return Ok((out, ids));
    }
    let agreements = store.agreements().await?;
    let now = store.clock().now();
    let still_allowed = ids
        .iter()
        .all(|id| alerts.envelopes.get(id).is_some_and(|e| decide(subject, e, &agreements, now).is_allowed()));
    if still_allowed {
        return Ok((out, ids));
    }
    state.screening.forget(subject);
    let alerts = state.screening.reader_alerts(store, subject).await?;
    let out = run(&alerts);
    let ids = matched(&out);
    Ok((out, ids))
}

/// How many travellers got which decision.
#[derive(Debug, Clone, Copy, Default, Serialize, ToSchema)]
pub struct Counts {
    pub travellers: usize,
    pub hit: usize,
    pub review: usize,
    pub clear: usize,
    /// Travellers that could not be read (counted under `review` too).
    pub unscreenable: usize,
}

impl Counts {
    fn of(results: &[ScreeningResult]) -> Self {
        let mut c = Counts { travellers: results.len(), ..Counts::default() };
        for r in results {
            match r.decision {
                Decision::Hit => c.hit += 1,
                Decision::Review => c.review += 1,
                Decision::Clear => c.clear += 1,
            }
            c.unscreenable += usize::from(r.unscreenable.is_some());
        }
        c
    }
}

/// The manifest formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ManifestFormat {
    Paxlst,
    Csv,
}

/// A screened manifest.
#[derive(Debug, Serialize)]
pub struct ManifestScreening {
    /// The audit record of this run has this target.
    pub run: Uuid,
    pub format: ManifestFormat,
    pub counts: Counts,
    /// PAXLST messages (flight, list kind).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<MessageInfo>,
    /// Defects of the manifest as a whole (control counts, trailers); the travellers were still screened.
    pub problems: Vec<ManifestProblem>,
    /// One per traveller, in manifest order, unscreenable travellers last.
    pub results: Vec<ScreeningResult>,
    /// The travellers as read, for pages that show who each result is about.
    #[serde(skip)]
    pub manifest: Arc<Manifest>,
}

/// The format the content type declares (`None`: find out from the content).
fn declared_format(headers: &HeaderMap) -> ApiResult<Option<ManifestFormat>> {
    let mime = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase());
    match mime.as_deref() {
        Some("text/csv" | "application/csv") => Ok(Some(ManifestFormat::Csv)),
        Some("application/edifact" | "application/x-edifact" | "text/edifact" | "application/paxlst") => {
            Ok(Some(ManifestFormat::Paxlst))
        }
        None | Some("text/plain" | "application/octet-stream") => Ok(None),
        Some(other) => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!("{other} is not a manifest type: send text/csv, application/edifact or text/plain"),
        )),
    }
}

/// An interchange starts with its service string advice or header.
fn looks_edifact(text: &str) -> bool {
    matches!(text.trim_start().get(..3), Some("UNA" | "UNB"))
}

/// The manifest as text: UTF-8, or ISO 8859-1 when the content type says so.
fn manifest_text(headers: &HeaderMap, body: &[u8]) -> ApiResult<String> {
    let latin1 = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.to_ascii_lowercase().replace(' ', ""))
        .is_some_and(|v| v.contains("charset=iso-8859-1") || v.contains("charset=latin1"));
    let text = if latin1 {
        body.iter().map(|b| char::from(*b)).collect()
    } else {
        String::from_utf8(body.to_vec()).map_err(|e| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_request",
                format!(
                    "the manifest is not UTF-8: invalid byte at offset {} (send charset=iso-8859-1 for Latin-1)",
                    e.utf8_error().valid_up_to()
                ),
            )
        })?
    };
    Ok(text.strip_prefix('\u{feff}').map(str::to_string).unwrap_or(text))
}

fn unprocessable(detail: impl Into<String>, errors: Vec<ValidationError>) -> ApiError {
    ApiError { status: StatusCode::UNPROCESSABLE_ENTITY, code: "invalid", detail: Some(detail.into()), errors }
}

/// Reads a manifest body, or says where it is unusable.
pub fn read_manifest(
    headers: &HeaderMap,
    body: &[u8],
    today: time::Date,
) -> ApiResult<(ManifestFormat, Manifest, Vec<MessageInfo>)> {
    let declared = declared_format(headers)?;
    let text = manifest_text(headers, body)?;
    let format = declared.unwrap_or(if looks_edifact(&text) { ManifestFormat::Paxlst } else { ManifestFormat::Csv });
    if text.trim().is_empty() {
        return Err(ApiError::invalid("manifest", "the manifest is empty"));
    }
    match format {
        ManifestFormat::Csv => match manifest::csv::parse(text.as_bytes()) {
            Ok(m) => Ok((format, m, Vec::new())),
            Err(e @ CsvError::Header { .. }) => Err(unprocessable(
                "the CSV manifest's header is not the expected one",
                vec![ValidationError { field: "row 1".into(), message: e.to_string() }],
            )),
        },
        ManifestFormat::Paxlst => {
            let parsed = paxlst::parse(&text, today);
            let m = parsed.manifest;
            if m.travellers.is_empty() && m.unscreenable.is_empty() {
                let mut errors: Vec<ValidationError> = m
                    .problems
                    .iter()
                    .map(|p| ValidationError { field: p.location.to_string(), message: p.message.clone() })
                    .collect();
                if errors.is_empty() {
                    errors.push(ValidationError {
                        field: "manifest".into(),
                        message: "no traveller (NAD segment)".into(),
                    });
                }
                let first = errors.first().map(|e| format!("{}: {}", e.field, e.message)).unwrap_or_default();
                return Err(unprocessable(
                    format!("no traveller could be read from the PAXLST interchange; {first}"),
                    errors,
                ));
            }
            Ok((format, m, parsed.messages))
        }
    }
}

/// Screens a manifest for `caller` and records the run.
pub async fn screen_manifest(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    body: &[u8],
) -> ApiResult<ManifestScreening> {
    require_screening_role(caller)?;
    let today = today(&state.store);
    let (format, manifest, messages) = read_manifest(headers, body, today)?;
    let screener = state.screening.screener().await?;
    let manifest = Arc::new(manifest);
    let national = state.screening.reader_national(&state.store, &caller.subject).await?;
    let (results, alert_matches) = {
        let subject = &caller.subject;
        let alerts = state.screening.reader_alerts(&state.store, subject).await?;
        let first = screen_blocking(screener.clone(), manifest.clone(), alerts, national.clone(), today).await?;
        // Re-judge matched alerts as `with_alerts` does, on the results computed off the runtime.
        let ids = alert_ids(first.iter().flat_map(|r| &r.matches));
        if ids.is_empty() || still_allowed(state, subject, &ids).await? {
            (first, ids)
        } else {
            state.screening.forget(subject);
            let alerts = state.screening.reader_alerts(&state.store, subject).await?;
            let again = screen_blocking(screener, manifest.clone(), alerts, national.clone(), today).await?;
            let ids = alert_ids(again.iter().flat_map(|r| &r.matches));
            (again, ids)
        }
    };
    let counts = Counts::of(&results);
    let run = Uuid::now_v7();
    let format_name = match format {
        ManifestFormat::Paxlst => "paxlst",
        ManifestFormat::Csv => "csv",
    };
    record(
        state,
        caller,
        "screening.manifest",
        run,
        serde_json::json!({
            "format": format_name,
            "travellers": counts.travellers,
            "hit": counts.hit,
            "review": counts.review,
            "clear": counts.clear,
            "unscreenable": counts.unscreenable,
            "watchlist_matches": node_list_matches(results.iter().flat_map(|r| &r.matches)),
            "national_matches": national_matches(results.iter().flat_map(|r| &r.matches)),
            "national_lists": national_lists(national.as_deref()),
            "alert_matches": alert_matches,
        }),
    )
    .await?;
    let problems = manifest.problems.clone();
    Ok(ManifestScreening { run, format, counts, messages, problems, results, manifest })
}

/// Matches on the node's own lists.
fn node_list_matches<'a>(matches: impl Iterator<Item = &'a godwit_screening::matching::Match>) -> usize {
    matches.filter(|m| matches!(m.list, ListKind::Persons | ListKind::Documents)).count()
}

/// Matches on national lists.
fn national_matches<'a>(matches: impl Iterator<Item = &'a godwit_screening::matching::Match>) -> usize {
    matches.filter(|m| matches!(m.list, ListKind::NationalPersons | ListKind::NationalDocuments)).count()
}

/// The ids of the national lists a run used (recorded in its audit record).
fn national_lists(national: Option<&ReaderNational>) -> Vec<Uuid> {
    national.map(|n| n.lists.clone()).unwrap_or_default()
}

fn reader_lists<'a>(alerts: &'a ReaderAlerts, national: Option<&'a ReaderNational>) -> ReaderLists<'a> {
    ReaderLists { alerts: Some(&alerts.index), national: national.map(|n| &n.index) }
}

async fn screen_blocking(
    screener: Arc<Screener>,
    manifest: Arc<Manifest>,
    alerts: Arc<ReaderAlerts>,
    national: Option<Arc<ReaderNational>>,
    today: time::Date,
) -> ApiResult<Vec<ScreeningResult>> {
    tokio::task::spawn_blocking(move || {
        screener.screen_manifest_with(&manifest, today, reader_lists(&alerts, national.as_deref()))
    })
    .await
    .map_err(|e| {
        tracing::error!(error = %e, "screening task failed");
        ApiError::internal()
    })
}

async fn still_allowed(state: &AppState, subject: &Subject, ids: &BTreeSet<String>) -> ApiResult<bool> {
    let alerts = state.screening.reader_alerts(&state.store, subject).await?;
    let agreements = state.store.agreements().await?;
    let now = state.store.clock().now();
    Ok(ids.iter().all(|id| alerts.envelopes.get(id).is_some_and(|e| decide(subject, e, &agreements, now).is_allowed())))
}

async fn record(
    state: &AppState,
    caller: &Caller,
    action: &str,
    run: Uuid,
    detail: serde_json::Value,
) -> ApiResult<()> {
    let event = AuditEvent::new(action).by(caller.user.id, &caller.user.member).on(run).with(detail);
    state.store.record(&[event]).await?;
    Ok(())
}

/// A screened manifest (see the text for the fields).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ManifestScreeningDoc {
    /// Target of this run's audit record.
    run: Uuid,
    format: ManifestFormat,
    counts: Counts,
    /// PAXLST messages: `reference`, `list` (`passengers`/`crew`), `flight`.
    #[schema(value_type = Vec<Object>)]
    messages: Vec<()>,
    /// Defects of the whole manifest: `{location, message}`.
    #[schema(value_type = Vec<Object>)]
    problems: Vec<()>,
    results: Vec<ScreeningResultDoc>,
}

/// The result for one traveller, as one line of `godwit screen --output`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ScreeningResultDoc {
    traveller_id: String,
    /// `clear`, `review` or `hit`.
    decision: String,
    /// 0 to 1: the best match, or the rule score if higher.
    score: f64,
    matches: Vec<MatchDoc>,
    /// Risk rules that fired: `{rule_id, weight, reason}` (absent when none).
    #[schema(value_type = Vec<Object>, required = false)]
    rules: Vec<()>,
    /// For a traveller that could not be read: `{location: {kind: segment, tag, index, offset} | {kind: cell, row, column} | {kind: byte, offset}, message}`.
    #[schema(value_type = Option<Object>)]
    unscreenable: Option<()>,
}

/// A watchlist entry or document alert the traveller may be.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct MatchDoc {
    /// Persons or documents list id, or the alert's item id.
    watchlist_id: String,
    /// `persons`, `documents`, `document_alerts`, `national_persons` or `national_documents`.
    list: String,
    score: f64,
    /// Which name parts matched how, which qualifiers added or took away.
    reasons: Vec<String>,
}

#[utoipa::path(post, path = "/api/v1/screening/manifests", tag = "screening",
    request_body(description = "A UN/EDIFACT PAXLST interchange or a CSV manifest (header `traveller_id,surname,given_names,date_of_birth,sex,nationality,document_type,document_number,issuing_state,expiry_date,origin,destination`). The format follows the content type (`text/csv`; `application/edifact`) or, for `text/plain` and none, the content. UTF-8, or `charset=iso-8859-1`.",
        content((String = "text/csv"), (String = "application/edifact"), (String = "text/plain"))),
    responses(
        (status = 200, description = "One result per traveller; malformed travellers are `review` with `unscreenable` saying where", body = ManifestScreeningDoc),
        (status = 400, description = "Not UTF-8 (the byte offset is named)", body = crate::error::Problem),
        (status = 401, body = crate::error::Problem),
        (status = 403, description = "The caller's roles do not screen", body = crate::error::Problem),
        (status = 413, body = crate::error::Problem),
        (status = 415, body = crate::error::Problem),
        (status = 422, description = "Empty, a wrong CSV header, or a PAXLST interchange with no readable traveller (the segment or byte offset is named)", body = crate::error::Problem),
    ))]
pub async fn manifest(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<ManifestScreening>> {
    let body = body.map_err(|e| {
        let code = if e.status() == StatusCode::PAYLOAD_TOO_LARGE { "too_large" } else { "bad_request" };
        ApiError::new(e.status(), code, e.body_text())
    })?;
    screen_manifest(&state, &caller, &headers, &body).await.map(Json)
}

/// One traveller to screen. Dates are `YYYY-MM-DD`; empty strings count as absent.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TravellerRequest {
    /// Echoed in the result; default `traveller`.
    #[serde(default)]
    pub traveller_id: String,
    pub surname: String,
    #[serde(default)]
    pub given_names: String,
    pub date_of_birth: Option<String>,
    /// `M`, `F`, `X` (or `U`).
    pub sex: Option<String>,
    pub nationality: Option<String>,
    #[serde(default)]
    pub documents: Vec<DocumentRequest>,
    pub origin: Option<String>,
    pub destination: Option<String>,
    #[serde(default)]
    pub transit: Vec<String>,
}

/// A document the traveller presents.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentRequest {
    /// `P` by default.
    #[serde(default)]
    pub document_type: String,
    pub number: String,
    pub issuing_state: Option<String>,
    pub expiry_date: Option<String>,
}

fn non_empty(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_string()).filter(|t| !t.is_empty())
}

impl TravellerRequest {
    /// The traveller, or every field that is wrong.
    pub fn into_traveller(self) -> Result<Traveller, ApiError> {
        let mut errors = Vec::new();
        let mut date = |field: String, text: Option<String>| match non_empty(text) {
            None => None,
            Some(t) => {
                let parsed = godwit_screening::dates::parse_iso(&t);
                if parsed.is_none() {
                    errors.push(ValidationError { field, message: format!("{t:?} is not a date YYYY-MM-DD") });
                }
                parsed
            }
        };
        let date_of_birth = date("date_of_birth".into(), self.date_of_birth);
        let documents: Vec<TravelDocument> = self
            .documents
            .into_iter()
            .enumerate()
            .map(|(i, d)| TravelDocument {
                document_type: non_empty(Some(d.document_type)).unwrap_or_else(|| "P".into()),
                number: d.number.trim().to_string(),
                issuing_state: non_empty(d.issuing_state),
                expiry_date: date(format!("documents[{i}].expiry_date"), d.expiry_date),
            })
            .collect();
        if self.surname.trim().is_empty() {
            errors.push(ValidationError { field: "surname".into(), message: "must not be empty".into() });
        }
        let sex = match non_empty(self.sex) {
            None => None,
            Some(code) => {
                let sex = Sex::from_code(&code);
                if sex.is_none() {
                    errors.push(ValidationError {
                        field: "sex".into(),
                        message: format!("{code:?} is not M, F, X or U"),
                    });
                }
                sex
            }
        };
        for (i, d) in documents.iter().enumerate() {
            if d.number.is_empty() {
                errors.push(ValidationError {
                    field: format!("documents[{i}].number"),
                    message: "must not be empty".into(),
                });
            }
        }
        if !errors.is_empty() {
            return Err(unprocessable("the request has invalid fields", errors));
        }
        Ok(Traveller {
            traveller_id: non_empty(Some(self.traveller_id)).unwrap_or_else(|| "traveller".into()),
            surname: self.surname.trim().to_string(),
            given_names: self.given_names.trim().to_string(),
            date_of_birth,
            sex,
            nationality: non_empty(self.nationality),
            documents,
            origin: non_empty(self.origin),
            destination: non_empty(self.destination),
            transit: self.transit.into_iter().map(|t| t.trim().to_string()).filter(|t| !t.is_empty()).collect(),
        })
    }
}

/// The result for one traveller, with the run it was recorded under.
#[derive(Debug, Serialize)]
pub struct TravellerScreening {
    pub run: Uuid,
    #[serde(flatten)]
    pub result: ScreeningResult,
}

/// Screens one traveller for `caller` and records the run.
pub async fn screen_traveller(
    state: &AppState,
    caller: &Caller,
    traveller: Traveller,
) -> ApiResult<TravellerScreening> {
    require_screening_role(caller)?;
    let screener = state.screening.screener().await?;
    let today = today(&state.store);
    let national = state.screening.reader_national(&state.store, &caller.subject).await?;
    let (result, alert_matches) = with_alerts(
        state,
        &caller.subject,
        |alerts| screener.screen_with(&traveller, today, reader_lists(alerts, national.as_deref())),
        |r: &ScreeningResult| alert_ids(r.matches.iter()),
    )
    .await?;
    let run = Uuid::now_v7();
    let decision = match result.decision {
        Decision::Hit => "hit",
        Decision::Review => "review",
        Decision::Clear => "clear",
    };
    record(
        state,
        caller,
        "screening.traveller",
        run,
        serde_json::json!({
            "travellers": 1,
            "decision": decision,
            "watchlist_matches": node_list_matches(result.matches.iter()),
            "national_matches": national_matches(result.matches.iter()),
            "national_lists": national_lists(national.as_deref()),
            "alert_matches": alert_matches,
        }),
    )
    .await?;
    Ok(TravellerScreening { run, result })
}

#[utoipa::path(post, path = "/api/v1/screening/travellers", tag = "screening", request_body = TravellerRequest,
    responses(
        (status = 200, description = "The result, with `run` (the audit record's target)", body = ScreeningResultDoc),
        (status = 401, body = crate::error::Problem),
        (status = 403, description = "The caller's roles do not screen", body = crate::error::Problem),
        (status = 422, description = "Invalid fields (surname empty, a date not YYYY-MM-DD, an unknown sex code)", body = crate::error::Problem),
    ))]
pub async fn traveller(
    State(state): State<AppState>,
    caller: Caller,
    Json(request): Json<TravellerRequest>,
) -> ApiResult<Json<TravellerScreening>> {
    require_screening_role(&caller)?;
    let traveller = request.into_traveller()?;
    screen_traveller(&state, &caller, traveller).await.map(Json)
}

/// A machine readable zone to check.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentCheckRequest {
    /// The MRZ lines separated by line breaks, or all on one line.
    pub mrz: String,
}

/// A document check, with the run it was recorded under.
#[derive(Debug, Serialize)]
pub struct DocumentCheckResponse {
    pub run: Uuid,
    #[serde(flatten)]
    pub check: DocumentCheck,
}

/// The result of a document check.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct DocumentCheckDoc {
    run: Uuid,
    /// The fields (`format`, `document_code`, `issuing_state {code, iso_alpha3, known}`, `surname`, `given_names`, `document_number`, `nationality`, `date_of_birth`, `sex`, `date_of_expiry`, `optional_data`), `checks[{field, position, found, expected, passed}]` and `problems[{field, position, message}]`.
    #[schema(value_type = Object)]
    mrz: (),
    /// Every check digit passes and no field has a problem.
    valid: bool,
    /// `YYYY-MM-DD`, the century decided on the check date.
    date_of_birth: Option<String>,
    date_of_expiry: Option<String>,
    expired: Option<bool>,
    /// Listed documents holding this number: on the node's list (`documents`), on the national lists the caller's member uses (`national_documents`), and document alerts (`document_alerts`).
    matches: Vec<MatchDoc>,
}

/// Checks an MRZ for `caller` and records the run.
pub async fn check_document(state: &AppState, caller: &Caller, mrz: &str) -> ApiResult<DocumentCheckResponse> {
    require_screening_role(caller)?;
    if mrz.chars().count() > MAX_MRZ_CHARS {
        return Err(ApiError::invalid(
            "mrz",
            format!("an MRZ has at most 132 characters; this text has {}", mrz.chars().count()),
        ));
    }
    let screener = state.screening.screener().await?;
    let today = today(&state.store);
    let national = state.screening.reader_national(&state.store, &caller.subject).await?;
    let (check, alert_matches) = with_alerts(
        state,
        &caller.subject,
        |alerts| {
            let reader = reader_lists(alerts, national.as_deref());
            document_check::check_with(mrz, Some(screener.documents()), reader, today)
        },
        |r| r.as_ref().map(|c| alert_ids(c.matches.iter())).unwrap_or_default(),
    )
    .await?;
    let check = check.map_err(|e| ApiError::invalid("mrz", e.to_string()))?;
    let run = Uuid::now_v7();
    record(
        state,
        caller,
        "screening.document",
        run,
        serde_json::json!({
            "format": check.mrz.format,
            "valid": check.valid,
            "expired": check.expired,
            "watchlist_matches": node_list_matches(check.matches.iter()),
            "national_matches": national_matches(check.matches.iter()),
            "national_lists": national_lists(national.as_deref()),
            "alert_matches": alert_matches,
        }),
    )
    .await?;
    Ok(DocumentCheckResponse { run, check })
}

#[utoipa::path(post, path = "/api/v1/screening/documents", tag = "screening", request_body = DocumentCheckRequest,
    responses(
        (status = 200, description = "Fields, check digits, validity and matches; an MRZ whose check digits fail is still 200 with `valid: false`", body = DocumentCheckDoc),
        (status = 401, body = crate::error::Problem),
        (status = 403, description = "The caller's roles do not screen", body = crate::error::Problem),
        (status = 422, description = "Not an MRZ (wrong line lengths, a character outside A-Z, 0-9, <; the position is named)", body = crate::error::Problem),
    ))]
pub async fn document(
    State(state): State<AppState>,
    caller: Caller,
    Json(request): Json<DocumentCheckRequest>,
) -> ApiResult<Json<DocumentCheckResponse>> {
    check_document(&state, &caller, &request.mrz).await.map(Json)
}
