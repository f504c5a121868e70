//! Full-text search over items: a tantivy index that is derived data.
//!
//! - The database is the source of truth. Every item change leaves a row in the
//!   store's outbox; the [`Indexer`] applies those rows in order and records the
//!   id of the last one it applied in the index's own commit payload, so that
//!   the documents and the cursor are committed together. [`Indexer::rebuild`]
//!   recreates the index from the items table.
//! - The access policy is applied inside the query ([`policy::filter`], a
//!   translation of `godwit_domain::policy::decide`), so that counts, facets and
//!   pages only ever consider what the reader may see; every hit is then judged
//!   again by `decide` on the item loaded from the store.
//! - [`SearchIndex`] is cheap to clone and `Send + Sync`: one per process,
//!   shared by HTTP handlers and the indexer's background task. A search runs
//!   its segments in parallel on the machine's cores.

mod cached_filter;
mod facet_tally;
mod indexer;
pub mod policy;
mod query;
pub mod schema;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use godwit_store::StoreError;
use serde::{Deserialize, Serialize};
use tantivy::directory::MmapDirectory;
use tantivy::{Index, IndexReader, ReloadPolicy};

pub use indexer::{CatchUp, Indexer, Rebuilt};
pub use query::{
    CountryFilter, DateRange, FacetCount, Filters, MAX_LIMIT, SearchHit, SearchQuery, SearchResults, Sort,
};

use schema::Fields;

/// What can go wrong while indexing or searching.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the search index at {0} is being written by another process (a running server?)")]
    Locked(PathBuf),
    #[error("search index directory {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("the search index at {0} is corrupt: {1}")]
    Corrupt(PathBuf, String),
    /// The request is not a valid search (field named, then what is wrong).
    #[error("{0}: {1}")]
    Invalid(&'static str, String),
    #[error("search task failed: {0}")]
    Task(String),
}

/// What is kept in the payload of every commit: the cursor travels with the
/// documents it describes.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
struct CommitPayload {
    schema_version: u32,
    /// The id of the last outbox entry applied.
    outbox_cursor: i64,
}

/// The state of the index, for `godwit index status` and health checks.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IndexStatus {
    pub directory: String,
    /// Documents in the last commit.
    pub documents: u64,
    pub segments: usize,
    /// The last outbox entry applied; 0 before the first catch-up or rebuild.
    pub outbox_cursor: i64,
    pub schema_version: u32,
}

struct Inner {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    dir: PathBuf,
    /// The policy filter per subject and segment (see [`cached_filter`]).
    filters: Arc<cached_filter::FilterCache>,
    /// Each segment's facet ordinals, decoded (see [`facet_tally`]).
    facets: Arc<facet_tally::FacetCache>,
}

/// An open search index. Cheap to clone; share one per process.
#[derive(Clone)]
pub struct SearchIndex {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex").field("dir", &self.inner.dir).finish()
    }
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> SearchError + '_ {
    move |source| SearchError::Io { path: path.to_owned(), source }
}

impl SearchIndex {
    /// Opens the index in `dir`, creating the directory and an empty index when
    /// there is none. An index written with another schema is derived data of
    /// no use: it is emptied and recreated, and the indexer fills it again.
    pub fn open(dir: &Path) -> Result<SearchIndex, SearchError> {
        std::fs::create_dir_all(dir).map_err(io_error(dir))?;
        let (schema, fields) = schema::build();
        let directory = MmapDirectory::open(dir).map_err(|e| SearchError::Corrupt(dir.to_owned(), e.to_string()))?;
        let mut index = if Index::exists(&directory).map_err(|e| SearchError::Corrupt(dir.to_owned(), e.to_string()))? {
            let index = Index::open(directory)?;
            let payload = read_payload(&index)?;
            if index.schema() == schema && payload.is_none_or(|p| p.schema_version == schema::SCHEMA_VERSION) {
                index
            } else {
                tracing::warn!(dir = %dir.display(), "search index of another version: recreating it");
                drop(index);
                clear_dir(dir)?;
                Index::create_in_dir(dir, schema)?
            }
        } else {
            Index::create_in_dir(dir, schema)?
        };
        // One search runs on every core, a segment per task: a query over
        // 1,000,000 items spans several segments.
        index.set_default_multithread_executor()?;
        schema::register_analyser(&index);
        let reader = index.reader_builder().reload_policy(ReloadPolicy::OnCommitWithDelay).try_into()?;
        Ok(SearchIndex {
            inner: Arc::new(Inner {
                index,
                reader,
                fields,
                dir: dir.to_owned(),
                filters: Arc::default(),
                facets: Arc::default(),
            }),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }

    /// Documents, segments and the outbox cursor of the last commit.
    pub fn status(&self) -> Result<IndexStatus, SearchError> {
        let metas = self.inner.index.load_metas()?;
        let payload = parse_payload(metas.payload.as_deref(), &self.inner.dir)?;
        Ok(IndexStatus {
            directory: self.inner.dir.display().to_string(),
            documents: metas.segments.iter().map(|s| u64::from(s.num_docs())).sum(),
            segments: metas.segments.len(),
            outbox_cursor: payload.map_or(0, |p| p.outbox_cursor),
            schema_version: schema::SCHEMA_VERSION,
        })
    }

    /// The outbox position that every search started after this call sees at
    /// least: the cursor of the last commit, once that commit is made visible.
    /// What a consumer matching new items against searches waits for.
    pub fn searchable_cursor(&self) -> Result<i64, SearchError> {
        let cursor = self.status()?.outbox_cursor;
        self.reload()?;
        Ok(cursor)
    }

    /// Takes the index's single writer; fails with [`SearchError::Locked`] while
    /// another process (or another indexer of this one) holds it.
    pub fn indexer(&self, store: godwit_store::Store) -> Result<Indexer, SearchError> {
        Indexer::new(self.clone(), store)
    }

    /// Makes the last commit visible to searches now rather than shortly.
    fn reload(&self) -> Result<(), SearchError> {
        Ok(self.inner.reader.reload()?)
    }
}

fn parse_payload(text: Option<&str>, dir: &Path) -> Result<Option<CommitPayload>, SearchError> {
    text.map(|t| {
        serde_json::from_str(t).map_err(|e| SearchError::Corrupt(dir.to_owned(), format!("commit payload: {e}")))
    })
    .transpose()
}

fn read_payload(index: &Index) -> Result<Option<CommitPayload>, SearchError> {
    let metas = index.load_metas()?;
    Ok(metas.payload.as_deref().and_then(|t| serde_json::from_str(t).ok()))
}

/// Removes the files of an index, and only those: the directory may hold others.
fn clear_dir(dir: &Path) -> Result<(), SearchError> {
    const EXTENSIONS: &[&str] = &["idx", "pos", "term", "store", "fast", "fieldnorm", "del"];
    for entry in std::fs::read_dir(dir).map_err(io_error(dir))? {
        let path = entry.map_err(io_error(dir))?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let ours = name == "meta.json"
            || name == ".managed.json"
            || name.starts_with(".tantivy-")
            || path.extension().and_then(|e| e.to_str()).is_some_and(|e| EXTENSIONS.contains(&e));
        if ours && path.is_file() {
            std::fs::remove_file(&path).map_err(io_error(&path))?;
        }
    }
    Ok(())
}
