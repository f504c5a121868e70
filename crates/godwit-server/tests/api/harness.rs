//! A small region behind the real router, and a client that speaks to it.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use godwit_domain::agreement::{Agreement, AgreementKind, AgreementStatus, ThirdPartyRule};
use godwit_domain::item::Category;
use godwit_domain::marking::Classification;
use godwit_domain::member::{AgencyKind, Member, MemberCode, MemberGroup, MemberKind, Organisation};
use godwit_domain::user::{Role, User};
use godwit_domain::{FixedClock, Timestamp};
use godwit_search::SearchIndex;
use godwit_server::auth::credentials::{hash_password, new_totp_secret, totp_code};
use godwit_server::{AppState, ServerConfig};
use godwit_store::Store;
use godwit_store::audit::AuditEvent;
use godwit_store::secret_key::SecretKey;
use http_body_util::BodyExt;
use serde_json::Value;
use sqlx::Connection;
use tower::ServiceExt;
use uuid::Uuid;

pub const PASSWORD: &str = "Pacific-Godwit-2026";
/// 2026-11-01T00:00:00Z
pub const NOW: Timestamp = Timestamp(1_793_491_200_000);

pub struct Node {
    pub app: Router,
    pub totp_secrets: std::collections::HashMap<String, String>,
    pub store: Store,
    /// The node's search index, brought up to date by [`Node::catch_up`].
    pub search: SearchIndex,
    _index_dir: tempfile::TempDir,
    _dir: Option<tempfile::TempDir>,
}

pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub json: Value,
    pub bytes: Vec<u8>,
}

fn code(c: &str) -> MemberCode {
    MemberCode(c.into())
}

async fn open_store(clock: Arc<FixedClock>) -> Vec<(Store, Option<tempfile::TempDir>)> {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("godwit.db").display());
    let key = || SecretKey::generate().unwrap();
    let sqlite = Store::open_with_clock(&url, clock.clone()).await.unwrap().with_secret_key(key()).await.unwrap();
    let mut out = vec![(sqlite, Some(dir))];
    if let Ok(base) = std::env::var("GODWIT_TEST_DATABASE_URL") {
        let name = format!("godwit_t_{}", Uuid::now_v7().simple());
        let mut conn = sqlx::PgConnection::connect(&base).await.unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut conn).await.unwrap();
        let url = format!("{}/{name}", base.rsplit_once('/').unwrap().0);
        out.push((Store::open_with_clock(&url, clock).await.unwrap().with_secret_key(key()).await.unwrap(), None));
    }
    out
}

/// Users of the test region: (username, member, organisation number, roles, clearance).
const USERS: &[(&str, &str, u128, &[Role], u8)] = &[
    ("ana.fji", "FJI", 1, &[Role::Analyst], 3),
    ("officer.fji", "FJI", 1, &[Role::AuthorisingOfficer], 3),
    ("police.fji", "FJI", 2, &[Role::Analyst], 3),
    ("customs.fji", "FJI", 3, &[Role::Analyst], 3),
    ("admin.fji", "FJI", 1, &[Role::Administrator], 3),
    ("nfp.fji", "FJI", 1, &[Role::NationalFocalPoint], 3),
    ("auditor.fji", "FJI", 1, &[Role::Auditor], 3),
    ("ana.nzl", "NZL", 4, &[Role::Analyst], 3),
    ("low.nzl", "NZL", 4, &[Role::Analyst], 1),
    ("ana.ton", "TON", 5, &[Role::Analyst], 3),
    ("border.fji", "FJI", 1, &[Role::FrontLineOfficer], 3),
    ("nfp.nzl", "NZL", 4, &[Role::NationalFocalPoint], 3),
    ("nfp.ton", "TON", 5, &[Role::NationalFocalPoint], 3),
    ("sec.pidc", "PIDCSEC", 7, &[Role::Secretariat], 3),
    ("officer.nzl", "NZL", 4, &[Role::AuthorisingOfficer], 3),
    ("officer.ton", "TON", 5, &[Role::AuthorisingOfficer], 3),
];

/// Fiji, New Zealand and Tonga in the PIDC group, with a Fiji–New Zealand MoU.
pub async fn nodes() -> Vec<Node> {
    nodes_with(ServerConfig::default()).await
}

/// [`nodes`] with a server configuration of the test's own.
pub async fn nodes_with(config: ServerConfig) -> Vec<Node> {
    let clock = Arc::new(FixedClock::new(NOW));
    let mut out = Vec::new();
    for (store, dir) in open_store(clock).await {
        for (name, member, kind) in [
            ("Fiji", "FJI", MemberKind::State),
            ("New Zealand", "NZL", MemberKind::State),
            ("Tonga", "TON", MemberKind::State),
            ("Samoa", "WSM", MemberKind::State),
            ("PIDC Secretariat", "PIDCSEC", MemberKind::Secretariat),
        ] {
            store.upsert_member(&Member { code: code(member), name: name.into(), kind }).await.unwrap();
        }
        for (id, member, agency) in [
            (1, "FJI", AgencyKind::Immigration),
            (2, "FJI", AgencyKind::Police),
            (3, "FJI", AgencyKind::Customs),
            (4, "NZL", AgencyKind::Immigration),
            (5, "TON", AgencyKind::Immigration),
            (6, "WSM", AgencyKind::Immigration),
            (7, "PIDCSEC", AgencyKind::Secretariat),
        ] {
            let org = Organisation {
                id: Uuid::from_u128(id),
                member: code(member),
                name: format!("{member} {}", agency.as_str()),
                agency,
            };
            store.put_organisation(&org).await.unwrap();
        }
        store
            .put_group(&MemberGroup {
                code: "PIDC".into(),
                name: "PIDC".into(),
                members: vec![code("FJI"), code("NZL"), code("TON")],
            })
            .await
            .unwrap();
        let mou = Agreement {
            id: Uuid::from_u128(99),
            title: "Fiji–New Zealand MoU".into(),
            kind: AgreementKind::Bilateral,
            status: AgreementStatus::Active,
            parties: BTreeSet::from([code("FJI"), code("NZL")]),
            categories: BTreeSet::from([Category::DocumentFraud, Category::PeopleSmuggling]),
            max_classification: Classification(2),
            personal_data: false,
            third_party_rule: ThirdPartyRule::OriginatorConsent,
            valid_from: NOW.plus_days(-100),
            valid_until: Some(NOW.plus_days(100)),
        };
        store.put_agreement(&mou, AuditEvent::new("agreement.put")).await.unwrap();
        let hash = hash_password(PASSWORD).unwrap();
        let mut totp_secrets = std::collections::HashMap::new();
        for (n, (username, member, org, roles, clearance)) in USERS.iter().enumerate() {
            let user = User {
                id: Uuid::from_u128(1000 + n as u128),
                username: (*username).into(),
                display_name: (*username).into(),
                email: format!("{username}@example.org"),
                member: code(member),
                organisation: Uuid::from_u128(*org),
                roles: roles.iter().copied().collect(),
                clearance: Classification(*clearance),
                disabled: false,
            };
            store.create_user(&user, &hash, AuditEvent::new("user.create")).await.unwrap();
            if user.requires_totp() && *username != "nfp.fji" {
                let secret = new_totp_secret();
                store.set_totp(user.id, Some(&secret), true, AuditEvent::new("totp.enrol")).await.unwrap();
                totp_secrets.insert((*username).to_owned(), secret);
            }
        }
        let index_dir = tempfile::tempdir().unwrap();
        let search = SearchIndex::open(index_dir.path()).unwrap();
        let state = AppState::new(store.clone(), config.clone()).with_search(search.clone());
        let app = godwit_server::router(state);
        out.push(Node { app, totp_secrets, store, search, _index_dir: index_dir, _dir: dir });
    }
    out
}

impl Node {
    /// Applies the outbox to the search index, as the server's indexer task does.
    pub async fn catch_up(&self) {
        self.search.indexer(self.store.clone()).unwrap().catch_up().await.unwrap();
    }

    pub async fn call(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Response {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let body = match body {
            Some(json) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                Body::from(json.to_string())
            }
            None => Body::empty(),
        };
        self.send(request.body(body).unwrap()).await
    }

    pub async fn send(&self, request: Request<Body>) -> Response {
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes().to_vec();
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Response { status, headers, json, bytes }
    }

    pub fn totp_now(&self, username: &str) -> String {
        totp_code(&self.totp_secrets[username], u64::try_from(NOW.0 / 1000).unwrap()).unwrap()
    }

    /// Signs in with the password (and TOTP when enrolled); the answer holds
    /// a bearer token, a session cookie and its CSRF token.
    async fn signed_in(&self, username: &str) -> Response {
        let totp = self.totp_secrets.get(username).map(|_| self.totp_now(username));
        let response = self
            .call(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(serde_json::json!({ "username": username, "password": PASSWORD, "totp": totp })),
            )
            .await;
        assert_eq!(response.status, StatusCode::OK, "login {username}: {}", response.json);
        response
    }

    /// Enrols a second factor for `username` (the harness leaves `nfp.fji`
    /// without one), so that it may sign in and call the API.
    pub async fn enrol_totp(&mut self, username: &str) {
        let record = self.store.user_by_username(username).await.unwrap().unwrap();
        let secret = new_totp_secret();
        self.store.set_totp(record.user.id, Some(&secret), true, AuditEvent::new("totp.enrol")).await.unwrap();
        self.totp_secrets.insert(username.to_owned(), secret);
    }

    /// Signs in and returns the bearer token.
    pub async fn login(&self, username: &str) -> String {
        self.signed_in(username).await.json["token"].as_str().unwrap().to_owned()
    }

    /// Fiji publishes `content` with four eyes (ana.fji writes and submits it,
    /// officer.fji approves it); returns the item's id.
    pub async fn publish_fiji(&self, content: Value) -> String {
        let (analyst, officer) = (self.login("ana.fji").await, self.login("officer.fji").await);
        self.publish(&analyst, &officer, content).await
    }

    /// Creates an item as `analyst`, submits it and has `officer` approve it.
    pub async fn publish(&self, analyst: &str, officer: &str, content: Value) -> String {
        let created = self.call(Method::POST, "/api/v1/items", Some(analyst), Some(content)).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.json);
        let id = created.json["id"].as_str().unwrap().to_owned();
        let submitted = self.call(Method::POST, &format!("/api/v1/items/{id}/submit"), Some(analyst), None).await;
        assert_eq!(submitted.status, StatusCode::OK, "{}", submitted.json);
        let approve = serde_json::json!({ "comment": "approved" });
        let approved =
            self.call(Method::POST, &format!("/api/v1/items/{id}/approve"), Some(officer), Some(approve)).await;
        assert_eq!(approved.status, StatusCode::OK, "{}", approved.json);
        assert_eq!(approved.json["state"], "published");
        id
    }
}

/// A signed-in portal session: the cookie to send and the CSRF token its forms carry.
pub struct PortalSession {
    pub cookie: String,
    pub csrf: String,
}

impl Node {
    /// Signs in as the portal does (password, and TOTP when enrolled) and keeps the session cookie.
    pub async fn portal_login(&self, username: &str) -> PortalSession {
        let login = self.signed_in(username).await;
        let set_cookie = login.headers[header::SET_COOKIE].to_str().unwrap();
        PortalSession {
            cookie: set_cookie.split(';').next().unwrap().to_owned(),
            csrf: login.json["csrf_token"].as_str().unwrap().to_owned(),
        }
    }

    /// Reads a portal page as `session`.
    pub async fn page(&self, session: &PortalSession, path: &str) -> Response {
        let request = Request::builder().uri(path).header(header::COOKIE, &session.cookie);
        self.send(request.body(Body::empty()).unwrap()).await
    }

    /// Posts a portal form (`application/x-www-form-urlencoded`) with the session's CSRF token.
    pub async fn post_form(&self, session: &PortalSession, path: &str, fields: &[(&str, &str)]) -> Response {
        let mut pairs = vec![("csrf", session.csrf.as_str())];
        pairs.extend_from_slice(fields);
        let body = serde_html_form::to_string(&pairs).unwrap();
        let request = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::COOKIE, &session.cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        self.send(request.body(Body::from(body)).unwrap()).await
    }

    /// Posts a `multipart/form-data` portal form: the CSRF token first, then `fields` (name, file name, content).
    pub async fn post_multipart(
        &self,
        session: &PortalSession,
        path: &str,
        fields: &[(&str, Option<&str>, &[u8])],
    ) -> Response {
        self.send(Self::multipart(session, path, fields)).await
    }

    /// A portal form post with files, as a browser sends it.
    pub fn multipart(session: &PortalSession, path: &str, fields: &[(&str, Option<&str>, &[u8])]) -> Request<Body> {
        const BOUNDARY: &str = "godwit-test-boundary";
        let mut body = Vec::new();
        let csrf = [("csrf", None, session.csrf.as_bytes())];
        for (name, file_name, content) in csrf.iter().chain(fields) {
            body.extend_from_slice(
                format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"").as_bytes(),
            );
            if let Some(file_name) = file_name {
                body.extend_from_slice(format!("; filename=\"{file_name}\"").as_bytes());
            }
            body.extend_from_slice(b"\r\n\r\n");
            body.extend_from_slice(content);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        let request = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::COOKIE, &session.cookie)
            .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={BOUNDARY}"));
        request.body(Body::from(body)).unwrap()
    }
}

/// `method /api/v1/{path}` as `token`.
pub async fn call(node: &Node, method: Method, token: &str, path: &str, body: Option<Value>) -> Response {
    node.call(method, &format!("/api/v1/{path}"), Some(token), body).await
}

/// A strategic report of `category`, released to `members` and `groups`
/// (Fiji's own whole member among them, as a document reaches it too).
pub fn report(title: &str, category: &str, classification: u8, tlp: &str, members: &[&str], groups: &[&str]) -> Value {
    serde_json::json!({
        "title": title,
        "summary": "Boats leave from the south coast.",
        "body": "Departures rose in **March**.",
        "category": category,
        "details": { "kind": "intelligence_report", "level": "strategic" },
        "classification": classification,
        "tlp": tlp,
        "release": { "members": members, "groups": groups },
    })
}

/// The pages of `pdf` as poppler's `pdftotext` reads them, or `None` when it
/// is not installed (scripts/test installs it). The PDF is kept as
/// `NAME.pdf` in cargo's temporary directory for tests
/// (`target/tmp`), to look at (`pdftoppm -png`).
pub fn pdf_pages(name: &str, pdf: &[u8]) -> Option<Vec<String>> {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}.pdf"));
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext").arg("-layout").arg(&path).arg("-").output().ok()?;
    assert!(out.status.success(), "pdftotext: {}", String::from_utf8_lossy(&out.stderr));
    // A form feed ends each page.
    let text = String::from_utf8(out.stdout).unwrap();
    Some(text.split('\u{c}').filter(|p| !p.trim().is_empty()).map(str::to_owned).collect())
}

/// Checks that every page of a marked document carries `banner` as a line
/// of its own at its top and bottom (a report quoted carries its own
/// marking, not on a line alone) and names `release`.
pub fn assert_marked(pages: &[String], banner: &str, release: &str) {
    for page in pages {
        assert_eq!(page.lines().filter(|l| l.trim() == banner).count(), 2, "{page}");
        assert!(page.contains(release), "{page}");
    }
}

impl Node {
    /// A PDF `token` downloads from `/api/v1/{path}`, checked to be one.
    pub async fn pdf(&self, token: &str, path: &str) -> Response {
        let pdf = call(self, Method::GET, token, path, None).await;
        assert_eq!(pdf.status, StatusCode::OK, "{}", pdf.json);
        assert_eq!(pdf.headers["content-type"], "application/pdf");
        assert!(pdf.bytes.starts_with(b"%PDF"));
        pdf
    }

    /// The details of the audit records of `action`, as `auditor` reads them.
    pub async fn audit_details(&self, auditor: &str, action: &str) -> Vec<Value> {
        let audit = self.call(Method::GET, &format!("/api/v1/audit?action={action}"), Some(auditor), None).await;
        audit
            .json
            .as_array()
            .unwrap()
            .iter()
            .map(|r| serde_json::from_str(r["detail"].as_str().unwrap()).unwrap())
            .collect()
    }

    /// Checks that an export at `/api/v1/{path}` (a document's PDF) is not
    /// found for `outsider`, and that `editor` must give a reason of at most
    /// 500 characters.
    pub async fn assert_export_refused(&self, path: &str, outsider: &str, editor: &str) {
        assert_eq!(call(self, Method::GET, outsider, path, None).await.status, StatusCode::NOT_FOUND);
        let too_long = format!("{path}?reason={}", "x".repeat(501));
        let refused = call(self, Method::GET, editor, &too_long, None).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(refused.json["errors"][0]["field"], "reason");
    }
}

impl Response {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    /// Where a redirect goes.
    pub fn location(&self) -> String {
        self.headers.get(header::LOCATION).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default()
    }
}
