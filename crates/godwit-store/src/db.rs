//! One connection type for both backends. Statements are built once with
//! sea-query and rendered for whichever database the node runs on.

use std::str::FromStr;
use std::time::Duration;

use sea_query::{PostgresQueryBuilder, SqliteQueryBuilder};
use sea_query_sqlx::{SqlxBinder, SqlxValues};
use sqlx::postgres::{PgPoolOptions, PgRow};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous};
use sqlx::{FromRow, PgPool, SqlitePool};

use crate::StoreError;

/// A row type that decodes from either backend.
pub trait Row: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}
impl<T> Row for T where T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}

/// Which database a node runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// An open transaction on either backend.
pub(crate) enum Tx {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

fn render<S: SqlxBinder>(stmt: &S, backend: Backend) -> (String, SqlxValues) {
    match backend {
        Backend::Sqlite => stmt.build_sqlx(SqliteQueryBuilder),
        Backend::Postgres => stmt.build_sqlx(PostgresQueryBuilder),
    }
}

/// Runs `$body` with `$ex` bound to the backend's executor and `$backend` to its kind.
macro_rules! on_executor {
    ($target:expr, |$ex:ident, $backend:ident| $body:expr) => {
        match $target {
            Target::Pool(Pool::Sqlite(pool)) => {
                let $ex = pool;
                let $backend = Backend::Sqlite;
                $body
            }
            Target::Pool(Pool::Postgres(pool)) => {
                let $ex = pool;
                let $backend = Backend::Postgres;
                $body
            }
            Target::Tx(Tx::Sqlite(tx)) => {
                let $ex = &mut **tx;
                let $backend = Backend::Sqlite;
                $body
            }
            Target::Tx(Tx::Postgres(tx)) => {
                let $ex = &mut **tx;
                let $backend = Backend::Postgres;
                $body
            }
        }
    };
}

/// Where a statement runs: straight on the pool, or inside a transaction.
pub(crate) enum Target<'a> {
    Pool(&'a Pool),
    Tx(&'a mut Tx),
}

impl Target<'_> {
    pub async fn execute<S: SqlxBinder>(self, stmt: &S) -> Result<u64, StoreError> {
        on_executor!(self, |ex, backend| {
            // sea-query renders the text and binds every value as a parameter.
            let (sql, values) = render(stmt, backend);
            Ok(sqlx::query_with(sqlx::AssertSqlSafe(sql), values).execute(ex).await?.rows_affected())
        })
    }

    pub async fn fetch_all<T: Row, S: SqlxBinder>(self, stmt: &S) -> Result<Vec<T>, StoreError> {
        on_executor!(self, |ex, backend| {
            // sea-query renders the text and binds every value as a parameter.
            let (sql, values) = render(stmt, backend);
            Ok(sqlx::query_as_with::<_, T, _>(sqlx::AssertSqlSafe(sql), values).fetch_all(ex).await?)
        })
    }

    pub async fn fetch_optional<T: Row, S: SqlxBinder>(self, stmt: &S) -> Result<Option<T>, StoreError> {
        on_executor!(self, |ex, backend| {
            // sea-query renders the text and binds every value as a parameter.
            let (sql, values) = render(stmt, backend);
            Ok(sqlx::query_as_with::<_, T, _>(sqlx::AssertSqlSafe(sql), values).fetch_optional(ex).await?)
        })
    }

    /// Runs SQL that needs no parameters (schema changes, pragmas, locks).
    pub async fn execute_raw(self, sql: &str) -> Result<(), StoreError> {
        on_executor!(self, |ex, _backend| {
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(ex).await?;
            Ok(())
        })
    }
}

impl Pool {
    pub fn backend(&self) -> Backend {
        match self {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    pub fn target(&self) -> Target<'_> {
        Target::Pool(self)
    }

    /// Opens a pool for a `sqlite:` path or a `postgres://` URL.
    pub async fn connect(url: &str) -> Result<Pool, StoreError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool =
                PgPoolOptions::new().max_connections(16).acquire_timeout(Duration::from_secs(10)).connect(url).await?;
            return Ok(Pool::Postgres(pool));
        }
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new().max_connections(8).connect_with(options).await?;
        Ok(Pool::Sqlite(pool))
    }

    /// Begins a write transaction. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`), so two writers never deadlock upgrading a read lock.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        Ok(match self {
            Pool::Sqlite(pool) => Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
            Pool::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    pub async fn close(&self) {
        match self {
            Pool::Sqlite(pool) => pool.close().await,
            Pool::Postgres(pool) => pool.close().await,
        }
    }
}

impl Tx {
    pub fn target(&mut self) -> Target<'_> {
        Target::Tx(self)
    }

    pub async fn commit(self) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await?,
            Tx::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }
}
