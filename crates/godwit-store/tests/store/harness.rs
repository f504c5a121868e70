//! Opens a fresh store on every backend under test.

use std::sync::Arc;

use godwit_domain::marking::Classification;
use godwit_domain::member::{Member, MemberCode, MemberKind};
use godwit_domain::user::{Role, User};
use godwit_domain::{FixedClock, Timestamp};
use godwit_store::Store;
use godwit_store::audit::AuditEvent;
use sqlx::Connection;
use uuid::Uuid;

/// A fresh, empty database of one backend, and how to reach it with raw SQL.
pub struct TestDb {
    pub store: Store,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// The same database, its store sealing secrets with `key`.
    pub async fn sealing_with(self, key: godwit_store::secret_key::SecretKey) -> TestDb {
        TestDb { store: self.store.with_secret_key(key).await.unwrap(), ..self }
    }

    /// Runs raw SQL behind the store's back, as an attacker with database access would.
    pub async fn raw(&self, sql: &str) {
        if self.url.starts_with("postgres") {
            let mut conn = sqlx::PgConnection::connect(&self.url).await.unwrap();
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned())).execute(&mut conn).await.unwrap();
        } else {
            let mut conn = sqlx::SqliteConnection::connect(&self.url).await.unwrap();
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned())).execute(&mut conn).await.unwrap();
        }
    }
}

/// Creates a database named uniquely on the PostgreSQL server of `base_url`.
async fn fresh_postgres(base_url: &str) -> String {
    let name = format!("godwit_t_{}", uuid::Uuid::now_v7().simple());
    let mut conn =
        sqlx::PgConnection::connect(base_url).await.expect("PostgreSQL named by GODWIT_TEST_DATABASE_URL is reachable");
    drop_stale_databases(&mut conn).await;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut conn).await.unwrap();
    let (prefix, _) = base_url.rsplit_once('/').unwrap();
    format!("{prefix}/{name}")
}

/// One fresh store per backend under test, all with a clock standing at `now`.
pub async fn backends(now: Timestamp) -> Vec<TestDb> {
    let mut out = Vec::new();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("godwit.db").display());
    let clock = Arc::new(FixedClock::new(now));
    out.push(TestDb { store: Store::open_with_clock(&url, clock).await.unwrap(), url, _dir: Some(dir) });
    if let Ok(base) = std::env::var("GODWIT_TEST_DATABASE_URL") {
        let url = fresh_postgres(&base).await;
        let clock = Arc::new(FixedClock::new(now));
        out.push(TestDb { store: Store::open_with_clock(&url, clock).await.unwrap(), url, _dir: None });
    }
    out
}

/// Test databases are named with a UUID v7, which carries its creation time;
/// those older than an hour were left by earlier runs and are dropped.
async fn drop_stale_databases(conn: &mut sqlx::PgConnection) {
    let names: Vec<(String,)> = sqlx::query_as("SELECT datname FROM pg_database WHERE datname LIKE 'godwit_t_%'")
        .fetch_all(&mut *conn)
        .await
        .unwrap();
    let hour_ago =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs().saturating_sub(3600);
    for (name,) in names {
        let created = uuid::Uuid::parse_str(name.trim_start_matches("godwit_t_"))
            .ok()
            .and_then(|id| id.get_timestamp())
            .map(|ts| ts.to_unix().0);
        if created.is_some_and(|secs| secs < hour_ago) {
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
                .execute(&mut *conn)
                .await;
        }
    }
}

/// [`backends`] holding the member groups of `godwit_domain::testing::GROUPS`,
/// which the policy tests' generated worlds release to.
pub async fn backends_with_groups(now: Timestamp) -> Vec<TestDb> {
    let dbs = backends(now).await;
    for db in &dbs {
        for (code, members) in godwit_domain::testing::GROUPS {
            let group = godwit_domain::member::MemberGroup {
                code: code.into(),
                name: code.into(),
                members: members.iter().map(|m| godwit_domain::member::MemberCode((*m).into())).collect(),
            };
            db.store.put_group(&group).await.unwrap();
        }
    }
    dbs
}

/// User `n`, an analyst of Fiji cleared to level 3 (Fiji created if missing).
pub async fn user(store: &Store, n: u128) -> User {
    let member = MemberCode("FJI".into());
    store.upsert_member(&Member { code: member.clone(), name: "Fiji".into(), kind: MemberKind::State }).await.unwrap();
    let user = User {
        id: Uuid::from_u128(n),
        username: format!("user{n}"),
        display_name: format!("User {n}"),
        email: format!("user{n}@example.org"),
        member,
        organisation: Uuid::from_u128(1),
        roles: [Role::Analyst].into_iter().collect(),
        clearance: Classification(3),
        disabled: false,
    };
    store.create_user(&user, "not a hash", AuditEvent::new("user.create")).await.unwrap();
    user
}
