//! Three nodes on loopback, each its own `godwit serve` process, port and
//! database (Tonga's on PostgreSQL when `GODWIT_TEST_DATABASE_URL` is set),
//! set up and federated with the CLI as administrators would: Fiji and Tonga
//! each connected to the Secretariat's hub, and to each other only through
//! it. The releasability matrix holds across them; the hub relays Fiji's and
//! Tonga's exchanges without holding a word of them in clear; a tampered
//! relayed page is refused; a withdrawal reaches every node that held the
//! item; a pull cut off mid-way resumes with nothing lost or applied twice.

use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use godwit_domain::Timestamp;
use godwit_domain::item::{Category, Envelope, Item, ItemKind, ItemState, Releasability};
use godwit_domain::marking::{Classification, Tlp};
use godwit_domain::member::MemberCode;
use godwit_domain::testing::report_from;
use godwit_store::Store;
use godwit_store::audit::{AuditEvent, AuditQuery};
use serde_json::json;
use sqlx::Connection;
use uuid::Uuid;

use crate::demo::{Client, Server, free_port};

const GODWIT: &str = env!("CARGO_BIN_EXE_godwit");
const MEMBERS: [&str; 3] = ["FJI", "PIDCSEC", "TON"];
const HUB: &str = "PIDCSEC";

struct Node {
    member: &'static str,
    dir: tempfile::TempDir,
    database_url: Option<String>,
    port: u16,
    server: Option<Server>,
}

impl Node {
    fn new(member: &'static str, database_url: Option<String>) -> Node {
        Node { member, dir: tempfile::tempdir().unwrap(), database_url, port: free_port(), server: None }
    }

    fn db_args(&self) -> Vec<String> {
        let mut args = vec!["--data-dir".to_owned(), self.dir.path().display().to_string()];
        if let Some(url) = &self.database_url {
            args.extend(["--database-url".to_owned(), url.clone()]);
        }
        args
    }

    fn url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| format!("sqlite:{}", self.dir.path().join("godwit.db").display()))
    }

    /// `godwit WORDS… --data-dir … REST…`, which must succeed; its output.
    fn run(&self, words: &[&str], rest: &[&str]) -> String {
        let output = Command::new(GODWIT)
            .args(words)
            .args(self.db_args())
            .args(rest)
            .env("GODWIT_NEW_PASSWORD", "correct horse battery staple 2026")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            output.status.success(),
            "godwit {words:?} {rest:?}: {}{text}",
            String::from_utf8_lossy(&output.stderr)
        );
        text
    }

    /// The region as every node records it, this node's identity (its
    /// signing and encryption keys), and an analyst.
    fn set_up(&self) -> (String, String) {
        for (code, name) in [("FJI", "Fiji"), ("TON", "Tonga")] {
            self.run(&["member", "add"], &[code, name]);
        }
        self.run(&["member", "add"], &[HUB, "PIDC Secretariat", "--kind", "secretariat"]);
        self.run(&["member", "add-organisation"], &[self.member, "Immigration"]);
        self.run(
            &["agreement", "add"],
            &[
                "--title",
                "Fiji and the Secretariat: people smuggling",
                "--parties",
                "FJI,PIDCSEC",
                "--categories",
                "people_smuggling",
                "--max-classification",
                "2",
                "--valid-from",
                "2026-01-01",
            ],
        );
        self.run(
            &["agreement", "add"],
            &[
                "--title",
                "Regional framework: document fraud",
                "--kind",
                "multilateral",
                "--parties",
                "FJI,PIDCSEC,TON",
                "--categories",
                "document_fraud",
                "--valid-from",
                "2026-01-01",
            ],
        );
        self.run(
            &["user", "add"],
            &[
                "--username",
                &format!("analyst-{}", self.member),
                "--display-name",
                "Analyst",
                "--email",
                "analyst@example.org",
                "--member",
                self.member,
                "--roles",
                "analyst",
                "--clearance",
                "3",
            ],
        );
        let identity = self.run(&["node", "init"], &["--member", self.member]);
        let key = |label: &str| identity.lines().find_map(|l| l.strip_prefix(label)).unwrap().to_owned();
        (key("signing key "), key("encryption key "))
    }

    fn start(&mut self) {
        let config = self.dir.path().join("godwit.toml");
        std::fs::write(&config, "[server]\nfederation_pull_seconds = 0\n").unwrap();
        let child = Command::new(GODWIT)
            .arg("serve")
            .args(self.db_args())
            .args(["--listen", &format!("127.0.0.1:{}", self.port), "--config", config.to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        self.server = Some(Server(child));
        Client::new(self.base()).wait_until_up();
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    async fn store(&self) -> Store {
        Store::open(&self.url()).await.unwrap()
    }
}

fn code(text: &str) -> MemberCode {
    MemberCode(text.into())
}

/// The items `originator` publishes: every subset of the other two members
/// × two categories × two levels, numbered from `base`.
fn matrix(originator: &'static str, base: u128) -> Vec<(Item, BTreeSet<&'static str>)> {
    let others: Vec<&str> = MEMBERS.into_iter().filter(|m| *m != originator).collect();
    let mut out = Vec::new();
    let mut n = base;
    for mask in 0..4 {
        let to: BTreeSet<&str> =
            others.iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, m)| *m).collect();
        for category in [Category::PeopleSmuggling, Category::DocumentFraud] {
            for level in [0u8, 1] {
                n += 1;
                let item = published(n, originator, category, level, &to);
                // Unclassified TLP:CLEAR needs no agreement; level 1 only
                // people smuggling between Fiji and the Secretariat.
                let released = to
                    .iter()
                    .copied()
                    .filter(|r| {
                        level == 0
                            || (category == Category::PeopleSmuggling
                                && [originator, *r].iter().all(|m| ["FJI", HUB].contains(m)))
                    })
                    .collect();
                out.push((item, released));
            }
        }
    }
    out
}

fn published(n: u128, originator: &str, category: Category, level: u8, to: &BTreeSet<&str>) -> Item {
    let envelope = Envelope {
        id: Uuid::from_u128(n),
        kind: ItemKind::IntelligenceReport,
        category,
        originator_member: code(originator),
        originator_org: Uuid::from_u128(1),
        author: Uuid::from_u128(2),
        state: ItemState::Published,
        classification: Classification(level),
        tlp: if level == 0 { Tlp::Clear } else { Tlp::Amber },
        caveats: Default::default(),
        release: Releasability { members: to.iter().map(|m| code(m)).collect(), ..Default::default() },
        valid_from: None,
        valid_until: None,
    };
    let mut item = report_from(&envelope, 1_790_000_000_000 + n as i64);
    item.content.title = format!("{originator} report {n}");
    item.content.body = format!("secret body {n} of {originator}");
    item.published_at = Some(item.created_at);
    item
}

/// Foreign items a node holds, by id.
async fn foreign(node: &Node) -> BTreeSet<Uuid> {
    let store = node.store().await;
    store
        .items_for_index_after(None, 100_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|i| i.originator_member != code(node.member))
        .map(|i| i.id)
        .collect()
}

async fn fresh_postgres() -> Option<String> {
    let base = std::env::var("GODWIT_TEST_DATABASE_URL").ok()?;
    let name = format!("godwit_t_{}", Uuid::now_v7().simple());
    let mut conn = sqlx::PgConnection::connect(&base).await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut conn).await.unwrap();
    let (prefix, _) = base.rsplit_once('/').unwrap();
    Some(format!("{prefix}/{name}"))
}

/// Whether any of `needles` is anywhere in the SQLite database files of `node`.
fn in_files(node: &Node, needles: &[String]) -> Vec<String> {
    let mut bytes = Vec::new();
    for name in ["godwit.db", "godwit.db-wal"] {
        bytes.extend(std::fs::read(node.dir.path().join(name)).unwrap_or_default());
    }
    let text = String::from_utf8_lossy(&bytes);
    needles.iter().filter(|n| text.contains(n.as_str())).cloned().collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn three_nodes_share_exactly_what_is_released_through_a_hub_that_reads_none_of_it() {
    let mut nodes = [Node::new("FJI", None), Node::new(HUB, None), Node::new("TON", fresh_postgres().await)];
    let keys: Vec<(String, String)> = nodes.iter().map(Node::set_up).collect();
    let (fiji, hub, tonga) = (0, 1, 2);
    // Everyone to the hub and the hub to everyone directly; Fiji and Tonga to each other through it.
    for (from, to) in [(fiji, hub), (tonga, hub), (hub, fiji), (hub, tonga)] {
        let url = nodes[to].base();
        nodes[from].run(&["peer", "add"], &["--member", nodes[to].member, "--url", &url, "--signing-key", &keys[to].0]);
    }
    for (from, to) in [(fiji, tonga), (tonga, fiji)] {
        let (signing, encryption) = &keys[to];
        nodes[from].run(
            &["peer", "add"],
            &["--member", nodes[to].member, "--via", HUB, "--signing-key", signing, "--encryption-key", encryption],
        );
    }
    let mut expected: Vec<(Item, BTreeSet<&str>)> = Vec::new();
    for (i, node) in nodes.iter().enumerate() {
        let items = matrix(node.member, 100 * (i as u128 + 1));
        node.store()
            .await
            .put_items(&items.iter().map(|(item, _)| item.clone()).collect::<Vec<_>>(), AuditEvent::new("test.seed"))
            .await
            .unwrap();
        expected.extend(items);
    }
    for node in &mut nodes {
        node.start();
    }
    let relayed = nodes[hub].run(&["peer", "relay"], &["--page", "7"]);
    assert!(!relayed.starts_with("0 "), "{relayed}");
    for node in &nodes {
        let out = node.run(&["peer", "pull"], &["--page", "7"]);
        assert_eq!(out.lines().count(), 2, "{out}");
    }

    // The matrix: each node holds exactly what was released to its member.
    for node in &nodes {
        let wanted: BTreeSet<Uuid> =
            expected.iter().filter(|(_, to)| to.contains(node.member)).map(|(item, _)| item.id).collect();
        assert_eq!(foreign(node).await, wanted, "{} holds", node.member);
    }
    // The hub relayed Fiji's and Tonga's reports to each other: not a title
    // or body of those not released to the Secretariat is in its files.
    let private: Vec<String> = expected
        .iter()
        .filter(|(item, to)| item.originator_member != code(HUB) && !to.contains(HUB) && !to.is_empty())
        .flat_map(|(item, _)| [item.content.title.clone(), item.content.body.clone()])
        .collect();
    assert!(private.len() >= 8);
    assert_eq!(in_files(&nodes[hub], &private), Vec::<String>::new(), "plaintext on the hub");
    let shared: Vec<String> = expected
        .iter()
        .filter(|(item, to)| item.originator_member == code("FJI") && to.contains(HUB))
        .map(|(item, _)| item.content.body.clone())
        .collect();
    assert!(!in_files(&nodes[hub], &shared).is_empty(), "the scan finds what the hub may hold");

    // Tonga's analyst reads a Fiji report over Tonga's API; what was not
    // released to Tonga is not there to read.
    let client = Client::new(nodes[tonga].base());
    let credentials = [json!({ "username": "analyst-TON", "password": "correct horse battery staple 2026" })];
    let token = client.login(&credentials, "analyst-TON");
    let from_fiji: Vec<&(Item, BTreeSet<&str>)> =
        expected.iter().filter(|(item, _)| item.originator_member == code("FJI")).collect();
    let readable = from_fiji.iter().find(|(_, to)| to.contains("TON")).unwrap().0.id;
    let withheld = from_fiji.iter().find(|(_, to)| !to.contains("TON") && to.contains(HUB)).unwrap().0.id;
    let (status, body) = client.call("GET", &format!("/api/v1/items/{readable}"), Some(&token), None);
    assert_eq!((status, body["originator_member"].as_str()), (200, Some("FJI")), "{body}");
    assert_eq!(client.status(&format!("/api/v1/items/{withheld}"), Some(&token)), 404);
    assert!(nodes[tonga].run(&["peer", "pull"], &["FJI"]).contains(": 0 new or changed, 0 revoked"));

    // Fiji withdraws a report it had released to both: the hub hears it
    // directly, Tonga through the hub.
    let (withdrawn, _) = from_fiji.iter().find(|(_, to)| to.len() == 2).map(|pair| (*pair).clone()).unwrap();
    let mut change = withdrawn.clone();
    change.state = ItemState::Withdrawn;
    change.withdrawn_reason = Some("superseded by a joint assessment".into());
    nodes[fiji].store().await.put_items(&[change], AuditEvent::new("test.withdraw")).await.unwrap();
    nodes[hub].run(&["peer", "relay"], &[]);
    // A relayed page altered on the hub is refused, and nothing of it applied.
    let tamper = |from: &str, to: &str| {
        format!("UPDATE relay_envelopes SET envelope = replace(envelope, '\"more\":{from}', '\"more\":{to}')")
    };
    raw_sqlite(&nodes[hub], &tamper("false", "true")).await;
    let refused = Command::new(GODWIT).args(["peer", "pull"]).args(nodes[tonga].db_args()).arg("FJI").output().unwrap();
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("signature"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    raw_sqlite(&nodes[hub], &tamper("true", "false")).await;
    for node in [&nodes[hub], &nodes[tonga]] {
        assert!(node.run(&["peer", "pull"], &["FJI"]).contains("0 new or changed, 1 revoked"), "{}", node.member);
        let copy = node.store().await.items_for_index(&[withdrawn.id]).await.unwrap().remove(0);
        assert_eq!(copy.state, ItemState::Withdrawn);
        assert!(!copy.content.body.contains("secret body"), "{} keeps no content", node.member);
    }

    // Tonga publishes 600 reports for the Secretariat; the hub's pull is cut
    // off mid-way by Tonga's server going down, and resumes when it is back.
    let burst: Vec<Item> =
        (0..600).map(|n| published(10_000 + n, "TON", Category::DocumentFraud, 0, &[HUB].into())).collect();
    nodes[tonga].store().await.put_items(&burst, AuditEvent::new("test.burst")).await.unwrap();
    let mut pull = Command::new(GODWIT)
        .args(["peer", "pull"])
        .args(nodes[hub].db_args())
        .args(["TON", "--page", "2"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let burst_ids: BTreeSet<Uuid> = burst.iter().map(|i| i.id).collect();
    let started = Instant::now();
    while foreign(&nodes[hub]).await.is_disjoint(&burst_ids) {
        assert!(started.elapsed() < Duration::from_secs(120), "the pull did not start");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    nodes[tonga].server = None;
    assert!(!pull.wait().unwrap().success(), "the pull fails when the peer goes away");
    let partial = foreign(&nodes[hub]).await.intersection(&burst_ids).count();
    assert!(0 < partial && partial < burst.len(), "cut off after {partial} of {}", burst.len());
    // A relay round with Tonga down asks Fiji all the same, and names Tonga.
    let relay = Command::new(GODWIT).args(["peer", "relay"]).args(nodes[hub].db_args()).output().unwrap();
    assert!(!relay.status.success());
    assert!(String::from_utf8_lossy(&relay.stdout).starts_with("0 sealed pages"));
    let stderr = String::from_utf8_lossy(&relay.stderr);
    assert!(stderr.contains("TON: not relayed from") && !stderr.contains("FJI:"), "{stderr}");
    nodes[tonga].start();
    nodes[hub].run(&["peer", "pull"], &["TON", "--page", "50"]);
    assert!(foreign(&nodes[hub]).await.is_superset(&burst_ids));
    // Every report applied exactly once, across the cut.
    let received = nodes[hub]
        .store()
        .await
        .audit_records(&AuditQuery {
            action: Some("federation.receive".into()),
            limit: 10_000,
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    let mut applied: Vec<Uuid> = Vec::new();
    for record in received {
        let detail: serde_json::Value = serde_json::from_str(&record.detail).unwrap();
        let ids = detail["items"].as_array().unwrap().iter().map(|id| id.as_str().unwrap().parse::<Uuid>().unwrap());
        applied.extend(ids.filter(|id| burst_ids.contains(id)));
    }
    assert_eq!(applied.len(), burst.len(), "applied once each");
    assert_eq!(applied.iter().collect::<BTreeSet<_>>().len(), burst.len());

    // A request signed by a node nobody registered, or not signed, is refused.
    let stranger = godwit_exchange::federation::NodeKey::generate().unwrap();
    let path = "/federation/v1/items?after=0&limit=10&nonce=0123456789abcdef0123";
    let signed = stranger.sign_request("GET", path, b"", Timestamp::from_datetime(time::OffsetDateTime::now_utc()));
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let response = agent
        .get(format!("{}{path}", nodes[fiji].base()))
        .header("godwit-node", &signed.node)
        .header("godwit-date", &signed.date)
        .header("godwit-signature", &signed.signature)
        .call()
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
    assert_eq!(Client::new(nodes[fiji].base()).status(path, None), 401, "unsigned");
}

/// Raw SQL on a node's SQLite database, as an intruder on that machine would.
async fn raw_sqlite(node: &Node, sql: &str) {
    let mut conn = sqlx::SqliteConnection::connect(&node.url()).await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned())).execute(&mut conn).await.unwrap();
}
