//! One connection type for both backends. Statements are built once with
//! sea-query and rendered for whichever database the node runs on.

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use sea_query::{PostgresQueryBuilder, SqliteQueryBuilder};
use sea_query_sqlx::{SqlxBinder, SqlxValues};
use sqlx::postgres::{PgPoolOptions, PgRow};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous};
use sqlx::{FromRow, PgPool, SqlitePool};

use crate::StoreError;

/// A row type that decodes from either backend.
pub trait Row: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}
impl<T> Row for T where T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}

/// SQLite's page cache per connection (negative: KiB).
const PAGE_CACHE_KIB: &str = "-65536";
/// SQLite's page cache during a bulk write ([`Tx::widen_page_cache`]): 1 GiB,
/// taken only as pages are read.
const BULK_PAGE_CACHE_KIB: &str = "-1048576";

/// Which database a node runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub(crate) enum Pool {
    Sqlite(SqlitePool, Arc<StatisticsEpoch>),
    Postgres(PgPool),
}

/// When SQLite's planner statistics were last collected. A connection loads
/// them when it opens and never again: one opened before an `ANALYZE` keeps
/// planning with the old ones (after a bulk load, those of a nearly empty
/// database: seconds per list page instead of milliseconds). The pool retires
/// such connections instead of handing them out.
#[derive(Debug)]
pub(crate) struct StatisticsEpoch {
    origin: Instant,
    /// Nanoseconds after `origin` of the last `ANALYZE`.
    analysed: AtomicU64,
}

impl StatisticsEpoch {
    fn new() -> Self {
        StatisticsEpoch { origin: Instant::now(), analysed: AtomicU64::new(0) }
    }

    /// Statistics were collected now.
    pub(crate) fn renewed(&self) {
        let nanos = u64::try_from(self.origin.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.analysed.store(nanos, Ordering::Release);
    }

    /// Was a connection of this `age` opened before the last collection?
    fn predates_statistics(&self, age: Duration) -> bool {
        let opened = self.origin.elapsed().saturating_sub(age);
        opened.as_nanos() < u128::from(self.analysed.load(Ordering::Acquire))
    }
}

/// An open transaction on either backend.
pub(crate) enum Tx {
    /// With whether [`Tx::widen_page_cache`] widened the connection's cache.
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>, bool),
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
            Target::Pool(Pool::Sqlite(pool, _)) => {
                let $ex = pool;
                let $backend = Backend::Sqlite;
                $body
            }
            Target::Pool(Pool::Postgres(pool)) => {
                let $ex = pool;
                let $backend = Backend::Postgres;
                $body
            }
            Target::Tx(Tx::Sqlite(tx, _)) => {
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
            Pool::Sqlite(..) => Backend::Sqlite,
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
            .busy_timeout(Duration::from_secs(10))
            // Large writes (an import of a million rows) touch index pages
            // all over: a page cache of 64 MiB per connection instead of
            // 2 MiB, and statement journals kept in memory, not temp files.
            .pragma("cache_size", PAGE_CACHE_KIB)
            .pragma("temp_store", "memory");
        let epoch = Arc::new(StatisticsEpoch::new());
        let checked = epoch.clone();
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .before_acquire(move |_, meta| {
                let current = !checked.predates_statistics(meta.age);
                Box::pin(async move { Ok(current) })
            })
            .connect_with(options)
            .await?;
        Ok(Pool::Sqlite(pool, epoch))
    }

    /// Begins a write transaction. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`), so two writers never deadlock upgrading a read lock.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        Ok(match self {
            Pool::Sqlite(pool, _) => Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?, false),
            Pool::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    pub async fn close(&self) {
        match self {
            Pool::Sqlite(pool, _) => pool.close().await,
            Pool::Postgres(pool) => pool.close().await,
        }
    }
}

impl Tx {
    pub fn target(&mut self) -> Target<'_> {
        Target::Tx(self)
    }

    /// Lets this transaction keep up to 1 GiB of SQLite pages in memory
    /// (PostgreSQL: nothing to do); [`Tx::commit`] and [`Tx::rollback`] give
    /// the connection its usual cache back. A bulk import inserts into indexes
    /// at random places (import keys, days, nationalities): with the usual
    /// 64 MiB, pages are written to the WAL, evicted, read back and written
    /// again (docs/benchmarks.md, *Incident import*).
    pub async fn widen_page_cache(&mut self) -> Result<(), StoreError> {
        if let Tx::Sqlite(tx, widened) = self {
            set_page_cache(tx, BULK_PAGE_CACHE_KIB).await?;
            *widened = true;
        }
        Ok(())
    }

    pub async fn commit(self) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(mut tx, widened) => {
                if widened {
                    // Pages beyond the usual limit are freed as the commit releases them.
                    set_page_cache(&mut tx, PAGE_CACHE_KIB).await?;
                }
                tx.commit().await?
            }
            Tx::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }

    /// Rolls back (as dropping the transaction does, but at once).
    pub async fn rollback(self) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(mut tx, widened) => {
                if widened {
                    set_page_cache(&mut tx, PAGE_CACHE_KIB).await?;
                }
                tx.rollback().await?;
            }
            Tx::Postgres(tx) => tx.rollback().await?,
        }
        Ok(())
    }
}

async fn set_page_cache(tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>, kib: &str) -> Result<(), StoreError> {
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("PRAGMA cache_size = {kib}"))).execute(&mut **tx).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pool on a new database file, which lives as long as the directory.
    async fn temporary_pool() -> (tempfile::TempDir, Pool) {
        let dir = tempfile::tempdir().expect("a directory");
        let pool = Pool::connect(&format!("sqlite:{}", dir.path().join("t.db").display())).await.expect("a pool");
        (dir, pool)
    }

    /// `n` connections of the pool, held at once (so each is another one).
    async fn held_at_once(pool: &SqlitePool, n: usize) -> Vec<sqlx::pool::PoolConnection<sqlx::Sqlite>> {
        let mut held = Vec::new();
        for _ in 0..n {
            held.push(pool.acquire().await.expect("a connection"));
        }
        held
    }

    /// The query plan each of `n` connections held at once chooses.
    async fn plans(pool: &SqlitePool, n: usize) -> Vec<String> {
        let mut out = Vec::new();
        for mut connection in held_at_once(pool, n).await {
            let plan: Vec<(i64, i64, i64, String)> =
                sqlx::query_as("EXPLAIN QUERY PLAN SELECT * FROM t WHERE x = 1 AND y > 19990")
                    .fetch_all(&mut *connection)
                    .await
                    .expect("a plan");
            out.push(plan.into_iter().map(|row| row.3).collect::<Vec<_>>().join("; "));
        }
        out
    }

    #[tokio::test]
    async fn connections_opened_before_analyze_are_not_handed_out_again() {
        let (_dir, pool) = temporary_pool().await;
        let setup = "CREATE TABLE t (x INTEGER, y INTEGER); CREATE INDEX tx ON t (x); CREATE INDEX ty ON t (y);
                     INSERT INTO t VALUES (1, 1);";
        pool.target().execute_raw(setup).await.expect("SQL runs");
        crate::schema::refresh_statistics(&pool).await.expect("SQL runs");
        let Pool::Sqlite(sqlite, _) = &pool else { unreachable!("a sqlite: URL") };
        // Four connections that load the statistics of a one-row table, then go back to the pool.
        for plan in plans(sqlite, 4).await {
            assert!(!plan.contains("INDEX ty"), "{plan}");
        }
        let fill = "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
                    INSERT INTO t SELECT i % 2, i FROM n;";
        pool.target().execute_raw(fill).await.expect("SQL runs");
        crate::schema::refresh_statistics(&pool).await.expect("SQL runs");
        // Ten of 20,000 rows are past 19,990 and half have x = 1: the range on y is the better index.
        let all = plans(sqlite, 4).await;
        for plan in &all {
            assert!(plan.contains("INDEX ty"), "{all:?}");
        }
    }

    /// The page cache of every connection the pool has open, once all are back
    /// (a connection goes back to the pool in a task of its own).
    async fn cache_sizes(pool: &SqlitePool) -> Vec<i64> {
        while pool.num_idle() < pool.size() as usize {
            tokio::task::yield_now().await;
        }
        let mut sizes = Vec::new();
        for mut connection in held_at_once(pool, pool.size() as usize).await {
            let (kib,): (i64,) =
                sqlx::query_as("PRAGMA cache_size").fetch_one(&mut *connection).await.expect("a pragma");
            sizes.push(kib);
        }
        sizes
    }

    #[tokio::test]
    async fn a_widened_page_cache_is_given_back_on_commit_and_on_rollback() {
        let (_dir, pool) = temporary_pool().await;
        let Pool::Sqlite(sqlite, _) = &pool else { unreachable!("a sqlite: URL") };
        let usual: i64 = PAGE_CACHE_KIB.parse().expect("a number");
        assert!(cache_sizes(sqlite).await.iter().all(|kib| *kib == usual));
        for commit in [true, false] {
            let mut tx = pool.begin().await.expect("a transaction");
            tx.widen_page_cache().await.expect("a pragma");
            let Tx::Sqlite(inner, _) = &mut tx else { unreachable!("a sqlite: URL") };
            let (widened,): (i64,) =
                sqlx::query_as("PRAGMA cache_size").fetch_one(&mut **inner).await.expect("a pragma");
            assert_eq!(widened, BULK_PAGE_CACHE_KIB.parse::<i64>().expect("a number"));
            let ended = if commit { tx.commit().await } else { tx.rollback().await };
            ended.expect("the transaction ends");
            let sizes = cache_sizes(sqlite).await;
            assert!(!sizes.is_empty() && sizes.iter().all(|kib| *kib == usual), "commit {commit}: {sizes:?}");
        }
    }
}
