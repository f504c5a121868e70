//! Godwit's persistence: one schema and one set of queries that run on SQLite
//! (the embedded default) and PostgreSQL, the append-only audit chain and the
//! outbox that feeds derived data such as the search index.
//!
//! Every statement is built once with sea-query and rendered for the backend in
//! use ([`db`]). Timestamps are stored as milliseconds since the epoch and ids as
//! text, so both databases compare, sort and index them identically.

mod db;
mod error;
mod rollup;
mod schema;

pub mod agreements;
pub mod analysis;
pub mod assessments;
pub mod audit;
pub mod bulletins;
pub mod documents;
pub mod federation;
pub mod incidents;
pub mod items;
pub mod members;
pub mod notices;
pub mod outbox;
pub mod regional;
pub mod reminders;
pub mod requirement_notices;
pub mod requirements;
pub mod rfis;
pub mod screening_lists;
pub mod secret_key;
pub mod statistics;
pub mod stix;
pub mod subscriptions;
pub mod surveys;
pub mod templates;
pub mod threats;
pub mod users;
pub mod visibility;
pub mod warning;

use std::sync::Arc;

use godwit_domain::taxonomy::Taxonomies;
use godwit_domain::{Clock, SystemClock};

pub use db::Backend;
pub use error::StoreError;

use db::Pool;

/// A handle on the node's database. Cheap to clone; share one per process.
#[derive(Clone)]
pub struct Store {
    pool: Pool,
    clock: Arc<dyn Clock>,
    taxonomies: Arc<Taxonomies>,
    /// Seals TOTP secrets; without it they can be neither stored nor read.
    secret_key: Option<Arc<secret_key::SecretKey>>,
}

impl Store {
    /// Connects to `url` (`sqlite:path/godwit.db` or `postgres://…`) and brings the
    /// schema up to date.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        Self::open_with_clock(url, Arc::new(SystemClock)).await
    }

    pub async fn open_with_clock(url: &str, clock: Arc<dyn Clock>) -> Result<Store, StoreError> {
        let pool = Pool::connect(url).await?;
        schema::migrate(&pool).await?;
        schema::refresh_statistics_if_missing(&pool).await?;
        Ok(Store { pool, clock, taxonomies: Arc::new(Taxonomies::default()), secret_key: None })
    }

    /// Seals and opens TOTP secrets with `key`; seals those still stored in
    /// the clear (a database from before secrets were sealed) and fails if a
    /// sealed one does not open with it.
    pub async fn with_secret_key(mut self, key: secret_key::SecretKey) -> Result<Store, StoreError> {
        self.secret_key = Some(Arc::new(key));
        let sealed = self.seal_totp_secrets().await?;
        if sealed > 0 {
            tracing::info!(sealed, "sealed TOTP secrets stored in the clear");
        }
        Ok(self)
    }

    /// Uses these tag taxonomies (the defaults plus the node's own).
    pub fn with_taxonomies(mut self, taxonomies: Taxonomies) -> Self {
        self.taxonomies = Arc::new(taxonomies);
        self
    }

    pub fn taxonomies(&self) -> &Taxonomies {
        &self.taxonomies
    }

    pub fn backend(&self) -> Backend {
        self.pool.backend()
    }

    /// A handle on the same database that reads `clock` instead: for writing
    /// a history whose steps happened on earlier days (the demo).
    pub fn with_clock(&self, clock: Arc<dyn Clock>) -> Store {
        Store { clock, ..self.clone() }
    }

    pub fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    /// Refreshes the query planner's statistics; run after bulk loads, without
    /// which the planner sorts every visible item to show one page.
    pub async fn refresh_statistics(&self) -> Result<(), StoreError> {
        schema::refresh_statistics(&self.pool).await
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

pub(crate) fn parse_uuid(text: &str) -> Result<uuid::Uuid, StoreError> {
    uuid::Uuid::parse_str(text).map_err(|_| StoreError::Corrupt(format!("not a uuid: {text}")))
}

impl Store {
    /// Writes a consistent copy of an SQLite database to `path` while the node
    /// keeps running (`VACUUM INTO`). PostgreSQL nodes use `pg_dump` instead.
    pub async fn backup_sqlite(&self, path: &std::path::Path) -> Result<(), StoreError> {
        if self.backend() != Backend::Sqlite {
            return Err(StoreError::Conflict(
                "this node runs on PostgreSQL: back it up with pg_dump (docs/operations.md)".into(),
            ));
        }
        let target = path.to_str().ok_or_else(|| StoreError::Conflict("the backup path is not valid UTF-8".into()))?;
        self.pool.target().execute_raw(&format!("VACUUM INTO '{}'", target.replace('\'', "''"))).await
    }
}
