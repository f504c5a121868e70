//! A fresh store on every backend under test, with an empty index beside it.

use std::sync::Arc;

use godwit_domain::{FixedClock, Timestamp};
use godwit_search::SearchIndex;
use godwit_store::Store;
use sqlx::Connection;

pub struct TestDb {
    pub store: Store,
    pub url: String,
    pub dir: tempfile::TempDir,
}

impl TestDb {
    /// Runs raw SQL behind the store's back.
    pub async fn raw(&self, sql: &str) {
        if self.url.starts_with("postgres") {
            let mut conn = sqlx::PgConnection::connect(&self.url).await.unwrap();
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned())).execute(&mut conn).await.unwrap();
        } else {
            let mut conn = sqlx::SqliteConnection::connect(&self.url).await.unwrap();
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned())).execute(&mut conn).await.unwrap();
        }
    }

    /// An index in a new directory of this database's temporary directory.
    pub fn index(&self, name: &str) -> SearchIndex {
        SearchIndex::open(&self.dir.path().join(name)).unwrap()
    }
}

/// One fresh store per backend under test, each with a clock standing at `now`.
pub async fn backends(now: Timestamp) -> Vec<TestDb> {
    let mut out = Vec::new();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("godwit.db").display());
    let clock = Arc::new(FixedClock::new(now));
    out.push(TestDb { store: Store::open_with_clock(&url, clock).await.unwrap(), url, dir });
    if let Ok(base) = std::env::var("GODWIT_TEST_DATABASE_URL") {
        let name = format!("godwit_t_{}", uuid::Uuid::now_v7().simple());
        let mut conn = sqlx::PgConnection::connect(&base)
            .await
            .expect("PostgreSQL named by GODWIT_TEST_DATABASE_URL is reachable");
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut conn).await.unwrap();
        let url = format!("{}/{name}", base.rsplit_once('/').unwrap().0);
        let clock = Arc::new(FixedClock::new(now));
        let store = Store::open_with_clock(&url, clock).await.unwrap();
        out.push(TestDb { store, url, dir: tempfile::tempdir().unwrap() });
    }
    out
}
