//! `godwit demo` end to end over HTTP, then the offline commands on its data.

use std::path::Path;
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sqlx::Connection;

const GODWIT: &str = env!("CARGO_BIN_EXE_godwit");

/// Kills the server when the test ends, however it ends.
pub struct Server(pub Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn godwit(args: &[&str]) -> Output {
    Command::new(GODWIT).args(args).output().unwrap()
}

pub struct Client {
    agent: ureq::Agent,
    pub base: String,
}

impl Client {
    pub fn new(base: String) -> Client {
        let agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
        Client { agent, base }
    }

    /// Waits for the server to answer, two minutes at most.
    pub fn wait_until_up(&self) {
        let started = Instant::now();
        while self.agent.get(format!("{}/healthz", self.base)).call().is_err() {
            assert!(started.elapsed() < Duration::from_secs(120), "the server did not start");
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Another client of the same server, with its own connections.
    pub fn fresh(&self) -> Client {
        Client::new(self.base.clone())
    }

    /// The status of a GET, the body unread.
    pub fn status(&self, path: &str, token: Option<&str>) -> u16 {
        let mut request = self.agent.get(format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        request.call().unwrap().status().as_u16()
    }

    /// A portal page as a signed-in browser gets it (the session token as its cookie).
    pub fn page(&self, path: &str, token: &str) -> (u16, String) {
        let cookie = format!("{}={token}", godwit_server::auth::session::SESSION_COOKIE);
        let mut response = self.agent.get(format!("{}{path}", self.base)).header("Cookie", cookie).call().unwrap();
        (response.status().as_u16(), response.body_mut().read_to_string().unwrap_or_default())
    }

    pub fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> (u16, Value) {
        let url = format!("{}{path}", self.base);
        let auth = token.map(|t| format!("Bearer {t}"));
        let mut response = match (method, body) {
            ("GET", _) => {
                let mut request = self.agent.get(&url);
                if let Some(auth) = &auth {
                    request = request.header("Authorization", auth);
                }
                request.call().unwrap()
            }
            (_, body) => {
                let mut request = self.agent.post(&url);
                if let Some(auth) = &auth {
                    request = request.header("Authorization", auth);
                }
                request.send_json(body.unwrap_or(json!({}))).unwrap()
            }
        };
        let status = response.status().as_u16();
        let json = response.body_mut().read_json::<Value>().unwrap_or(Value::Null);
        (status, json)
    }

    pub fn login(&self, credentials: &[Value], username: &str) -> String {
        let user = credentials
            .iter()
            .find(|u| u["username"] == username)
            .unwrap_or_else(|| panic!("{username} is a demo user"));
        let totp = user["totp_secret"].as_str().map(|secret| {
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
            godwit_server::auth::credentials::totp_code(secret, now).unwrap()
        });
        let body = json!({ "username": username, "password": user["password"], "totp": totp });
        let (status, json) = self.call("POST", "/api/v1/auth/login", None, Some(body));
        assert_eq!(status, 200, "login {username}: {json}");
        json["token"].as_str().unwrap().to_owned()
    }
}

pub fn start_demo(data_dir: &Path, credentials: &Path) -> (Server, Client) {
    start_demo_on(data_dir, credentials, &[])
}

/// [`start_demo`] with further arguments: `--database-url` for PostgreSQL.
pub fn start_demo_on(data_dir: &Path, credentials: &Path, database: &[&str]) -> (Server, Client) {
    let port = free_port();
    let child = Command::new(GODWIT)
        .args(["demo", "--data-dir", data_dir.to_str().unwrap(), "--listen", &format!("127.0.0.1:{port}")])
        .args(["--credentials-file", credentials.to_str().unwrap()])
        .args(database)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let server = Server(child);
    let client = Client::new(format!("http://127.0.0.1:{port}"));
    client.wait_until_up();
    (server, client)
}

#[test]
fn the_demo_region_shares_exactly_what_is_released_and_keeps_an_intact_audit_trail() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let credentials_file = dir.path().join("credentials.json");
    let (server, client) = start_demo(&data, &credentials_file);
    let credentials: Vec<Value> = serde_json::from_slice(&std::fs::read(&credentials_file).unwrap()).unwrap();
    let roles: std::collections::BTreeSet<&str> =
        credentials.iter().flat_map(|u| u["roles"].as_array().unwrap().iter().map(|r| r.as_str().unwrap())).collect();
    assert_eq!(roles.len(), 8, "every role has a demo user: {roles:?}");

    // An analyst of Fiji writes an alert released to New Zealand; Fiji's authorising officer approves it.
    let analyst = client.login(&credentials, "ana.fji");
    let alert = json!({
        "title": "Fraudulently obtained passports via Nadi", "category": "document_fraud",
        "details": { "kind": "alert", "alert_type": "document_fraud" },
        "classification": 1, "tlp": "AMBER", "release": { "members": ["NZL"] }
    });
    let (status, created) = client.call("POST", "/api/v1/items", Some(&analyst), Some(alert));
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(client.call("POST", &format!("/api/v1/items/{id}/submit"), Some(&analyst), None).0, 200);
    let officer = client.login(&credentials, "auth.fji");
    let (status, approved) = client.call("POST", &format!("/api/v1/items/{id}/approve"), Some(&officer), None);
    assert_eq!(status, 200, "{approved}");

    let reader = client.login(&credentials, "ana.nzl");
    assert_eq!(client.call("GET", &format!("/api/v1/items/{id}"), Some(&reader), None).0, 200);
    for outsider in ["ana.ton", "admin", "auditor.aus"] {
        let token = client.login(&credentials, outsider);
        assert_eq!(
            client.call("GET", &format!("/api/v1/items/{id}"), Some(&token), None).0,
            404,
            "{outsider} must not read it"
        );
    }
    let auditor = client.login(&credentials, "auditor.aus");
    let (_, releases) = client.call("GET", &format!("/api/v1/audit?action=release&target={id}"), Some(&auditor), None);
    assert_eq!(releases.as_array().unwrap().len(), 1, "{releases}");

    // The demo flight's manifest, screened against the demo's watchlists, has its planted hits.
    let manifest = std::fs::read(data.join("screening/manifest-FJ391.csv")).unwrap();
    let border = client.login(&credentials, "officer.fji");
    let mut screened = client
        .agent
        .post(&format!("{}/api/v1/screening/manifests", client.base))
        .header("Authorization", &format!("Bearer {border}"))
        .header("Content-Type", "text/csv")
        .send(&manifest[..])
        .unwrap();
    let screened: Value = screened.body_mut().read_json().unwrap();
    assert_eq!(screened["counts"]["travellers"], 240, "{}", screened["counts"]);
    assert!(screened["counts"]["hit"].as_u64().unwrap() >= 3, "{}", screened["counts"]);
    drop(server);

    // Offline, as a user: New Zealand's STIX bundle holds the alert; importing it makes a New Zealand draft.
    let data_dir = data.to_str().unwrap();
    let bundle = dir.path().join("bundle.json");
    let since = approved["updated_at"].as_str().unwrap();
    let user = ["--data-dir", data_dir, "--user", "ana.nzl"];
    let out = ["--out", bundle.to_str().unwrap(), "--since", since];
    let exported = godwit(&[&["stix", "export"][..], &user, &out].concat());
    assert!(exported.status.success(), "{}", String::from_utf8_lossy(&exported.stderr));
    let stix: Value = serde_json::from_slice(&std::fs::read(&bundle).unwrap()).unwrap();
    let objects = stix["objects"].as_array().unwrap();
    let item_ids = objects.iter().map(|o| &o["extensions"][godwit_exchange::stix::EXTENSION_ID]["item_id"]);
    assert!(item_ids.into_iter().any(|i| i == id.as_str()), "{stix}");
    let imported = godwit(&[&["stix", "import"][..], &user, &[bundle.to_str().unwrap()]].concat());
    assert!(imported.status.success(), "{}", String::from_utf8_lossy(&imported.stderr));
    let stdout = String::from_utf8_lossy(&imported.stdout);
    assert!(
        stdout.contains("Fraudulently obtained passports via Nadi") && stdout.contains("drafts created"),
        "{stdout}"
    );
    let refused = godwit(&[&["stix", "import"][..], &user, &[credentials_file.to_str().unwrap()]].concat());
    assert!(!refused.status.success() && String::from_utf8_lossy(&refused.stderr).contains("bundle/type"));

    // A partner's TAXII server (medallion) holds the same objects; a pull makes them drafts, a second finds nothing new.
    let partner = crate::taxii_pull::Partner::start(dir.path());
    partner.add(objects);
    let password = partner.password_file.to_str().unwrap();
    let from = ["taxii", "pull", &partner.api_root, crate::taxii_pull::COLLECTION];
    let pull = [&from[..], &user, &["--login", crate::taxii_pull::LOGIN, "--password-file", password]].concat();
    let pulled = godwit(&pull);
    let stdout = String::from_utf8_lossy(&pulled.stdout);
    assert!(pulled.status.success(), "{}", String::from_utf8_lossy(&pulled.stderr));
    assert!(
        stdout.contains("Fraudulently obtained passports via Nadi") && stdout.contains("drafts created"),
        "{stdout}"
    );
    let again = godwit(&pull);
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("nothing new"),
        "{}",
        String::from_utf8_lossy(&again.stdout)
    );
    let wrong = godwit(&[&from[..], &user, &["--login", "someone", "--password-file", password]].concat());
    assert!(!wrong.status.success() && String::from_utf8_lossy(&wrong.stderr).contains("401"));

    // The capacity survey as New Zealand sees it: listed, its findings read and written as XLSX and PDF.
    let listed = godwit(&[&["survey", "list"][..], &user].concat());
    let listed = String::from_utf8_lossy(&listed.stdout).into_owned();
    // Rounds are named by year; this year's is the current one.
    let this_year = time::OffsetDateTime::now_utc().year().to_string();
    let line =
        listed.lines().find(|l| l.split('\t').nth(3) == Some(this_year.as_str())).unwrap_or_else(|| panic!("{listed}"));
    let survey = line.split('\t').next().unwrap();
    let workbook = dir.path().join("findings.xlsx");
    let found = godwit(&[&["survey", "findings", survey][..], &user, &["--xlsx", workbook.to_str().unwrap()]].concat());
    let stdout = String::from_utf8_lossy(&found.stdout);
    assert!(
        found.status.success()
            && stdout.contains("6 responding members of 8 asked; counted: the 5 whose answers are released to you"),
        "{stdout}"
    );
    assert!(std::fs::read(&workbook).unwrap().starts_with(b"PK"));
    let report = dir.path().join("findings.pdf");
    let printed = godwit(
        &[
            &["survey", "findings", survey][..],
            &user,
            &["--pdf", report.to_str().unwrap(), "--reason", "the annual meeting"],
        ]
        .concat(),
    );
    assert!(printed.status.success(), "{}", String::from_utf8_lossy(&printed.stderr));
    assert!(std::fs::read(&report).unwrap().starts_with(b"%PDF"));

    // Offline: the chain verifies, a backup restores, and tampering is named.
    let verify = godwit(&["audit", "verify", "--data-dir", data_dir]);
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stderr));
    assert!(String::from_utf8_lossy(&verify.stdout).contains("intact"));
    let backup = dir.path().join("backup.db");
    let made = godwit(&["backup", "--data-dir", data_dir, backup.to_str().unwrap()]);
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let restored_dir = dir.path().join("restored");
    let restored = godwit(&["restore", backup.to_str().unwrap(), "--data-dir", restored_dir.to_str().unwrap()]);
    assert!(restored.status.success(), "{}", String::from_utf8_lossy(&restored.stderr));

    let exported = dir.path().join("audit.jsonl");
    assert!(godwit(&["audit", "export", "--data-dir", data_dir, "-o", exported.to_str().unwrap()]).status.success());
    let lines: Vec<Value> =
        std::fs::read_to_string(&exported).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(
        lines.iter().any(|r| r["action"] == "release" && r["target"] == id.as_str()),
        "the release is in the export"
    );
    let after_export = godwit(&["audit", "verify", "--data-dir", data_dir]);
    assert!(
        String::from_utf8_lossy(&after_export.stdout).contains(&format!("{} records", lines.len() + 1)),
        "the export is itself recorded"
    );

    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
        let url = format!("sqlite:{}", data.join("godwit.db").display());
        let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::raw_sql("UPDATE audit SET action = 'nothing to see' WHERE seq = 7").execute(&mut conn).await.unwrap();
    });
    let broken = godwit(&["audit", "verify", "--data-dir", data_dir]);
    assert!(!broken.status.success());
    assert!(
        String::from_utf8_lossy(&broken.stderr).contains("broken at record 7"),
        "{}",
        String::from_utf8_lossy(&broken.stderr)
    );

    let damaged = std::fs::OpenOptions::new().append(true).open(&backup).unwrap();
    damaged.set_len(damaged.metadata().unwrap().len() - 1).unwrap();
    let refused =
        godwit(&["restore", backup.to_str().unwrap(), "--data-dir", dir.path().join("again").to_str().unwrap()]);
    assert!(!refused.status.success() && String::from_utf8_lossy(&refused.stderr).contains("SHA-256"));
}
