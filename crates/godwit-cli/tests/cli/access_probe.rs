//! The access-leak probe (issue 8, point 1): the demo region served over
//! HTTP, every demo user signed in, and everything an item can be reached
//! through — its API answer, its page, its history, its attachments, the item
//! list, the search and the TAXII collection — compared with what the access policy
//! (`godwit_domain::policy::decide`, judged here on the database itself)
//! allows that user. Zero differences; the audit trail refused to everyone
//! but auditors; and no password, TOTP secret or session token in the
//! server's log. docs/security-model.md, *Evidence*.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;
use std::sync::Mutex;
use std::time::Instant;

use godwit_domain::item::{Item, ItemState};
use godwit_domain::policy::decide;
use godwit_domain::user::{Role, Subject};
use godwit_domain::{Clock, SystemClock};
use godwit_store::Store;
use serde_json::Value;
use uuid::Uuid;

use crate::demo::{Client, Server, free_port, start_demo};

/// One demo user and what the policy lets them read.
struct Reader {
    username: String,
    auditor: bool,
    readable: BTreeSet<Uuid>,
}

/// What the probe knows from the database: the items, their attachments and
/// every user's readable items.
struct Truth {
    items: Vec<Item>,
    /// Per item, the attachments the probe added.
    attachments: BTreeMap<Uuid, Vec<Uuid>>,
    readers: Vec<Reader>,
}

/// Every item is asked for through the API by every user; its page and
/// history for every user who may read it and, to keep the run short, for
/// one in this many of the others (a different share of the items for each
/// user, so that together they cover every item).
const DENIED_PAGE_SAMPLE: usize = 3;

/// Attachments are added to the first drafts of this many members, so that
/// downloads are probed too (the demo region has none of its own).
const MEMBERS_WITH_ATTACHMENTS: usize = 6;

async fn truth(data: &Path) -> Truth {
    let store = Store::open(&format!("sqlite:{}", data.join("godwit.db").display())).await.unwrap();
    let mut items = Vec::new();
    let mut after = None;
    loop {
        let page = store.items_for_index_after(after, 500).await.unwrap();
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        items.extend(page);
    }
    let users = store.users(None).await.unwrap();
    let mut subjects = Vec::new();
    for user in &users {
        subjects.push((user, store.subject_for(user).await.unwrap()));
    }
    // An attachment on one draft of each of several members, added by its author.
    let mut attachments: BTreeMap<Uuid, Vec<Uuid>> = BTreeMap::new();
    let mut members = BTreeSet::new();
    let now = SystemClock.now();
    for item in items.iter().filter(|i| i.state == ItemState::Draft) {
        let (_, author) = subjects.iter().find(|(u, _)| u.id == item.author).unwrap();
        if members.len() == MEMBERS_WITH_ATTACHMENTS
            || !decide(author, &item.envelope(), &[], now).is_allowed()
            || !members.insert(item.originator_member.clone())
        {
            continue;
        }
        let meta = store.add_attachment(author, item.id, "route-sketch.txt", b"Nadi, then Suva by sea").await.unwrap();
        attachments.entry(item.id).or_default().push(meta.id);
    }
    assert_eq!(attachments.len(), MEMBERS_WITH_ATTACHMENTS, "drafts of enough members");
    let agreements = store.agreements().await.unwrap();
    let readers = subjects
        .iter()
        .map(|(user, subject): &(_, Subject)| Reader {
            username: user.username.clone(),
            auditor: user.has(Role::Auditor),
            readable: items
                .iter()
                .filter(|i| decide(subject, &i.envelope(), &agreements, now).is_allowed())
                .map(|i| i.id)
                .collect(),
        })
        .collect();
    Truth { items, attachments, readers }
}

/// Serves the data directory with `godwit serve`, sign-in throttling raised
/// so that every demo user can sign in within the minute, Godwit's own
/// crates logging at debug level (the most they would ever write) to `log`.
fn serve(data: &Path, config: &Path, log: &Path) -> (Server, Client) {
    std::fs::write(config, "[server]\nlogin_attempts_per_minute = 100000\n").unwrap();
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_godwit"))
        .args(["serve", "--data-dir", data.to_str().unwrap(), "--listen", &format!("127.0.0.1:{port}")])
        .args(["--config", config.to_str().unwrap()])
        .env("GODWIT_LOG", "info,sqlx=warn,godwit=debug,godwit_server=debug,godwit_store=debug,godwit_search=debug")
        .stdout(std::fs::File::create(log).unwrap())
        .stderr(std::fs::File::create(log.with_extension("err")).unwrap())
        .spawn()
        .unwrap();
    let server = Server(child);
    let client = Client::new(format!("http://127.0.0.1:{port}"));
    client.wait_until_up();
    (server, client)
}

/// Everything one reader is answered, against the truth; differences go to
/// `found`. Returns the checks made and the session token.
fn probe_reader(
    client: &Client,
    credentials: &[Value],
    truth: &Truth,
    (index, reader): (usize, &Reader),
    found: &Mutex<Vec<String>>,
) -> (u64, String) {
    let token = client.login(credentials, &reader.username);
    let mut checks = 0u64;
    let differ = |what: String| found.lock().unwrap().push(format!("{}: {what}", reader.username));
    let expect = |allowed: bool| if allowed { 200 } else { 404 };
    for (i, item) in truth.items.iter().enumerate() {
        let allowed = reader.readable.contains(&item.id);
        let (status, json) = client.call("GET", &format!("/api/v1/items/{}", item.id), Some(&token), None);
        if status != expect(allowed) || (allowed && json["id"] != item.id.to_string()) {
            differ(format!("API item {} answered {status}, policy allows: {allowed}", item.id));
        }
        checks += 1;
        for attachment in truth.attachments.get(&item.id).into_iter().flatten() {
            let api = client.status(&format!("/api/v1/items/{}/attachments/{attachment}", item.id), Some(&token));
            let (page, _) = client.page(&format!("/items/{}/attachments/{attachment}", item.id), &token);
            if api != expect(allowed) || page != expect(allowed) {
                differ(format!(
                    "attachment {attachment} of item {} answered {api} (API), {page} (page), policy allows: {allowed}",
                    item.id
                ));
            }
            checks += 2;
        }
        if !allowed && (i + index) % DENIED_PAGE_SAMPLE != 0 {
            continue;
        }
        let (status, page) = client.page(&format!("/items/{}", item.id), &token);
        let shows_title = page.contains(&askama_escaped(&item.content.title));
        if status != expect(allowed) || allowed != shows_title {
            differ(format!(
                "page of item {} answered {status} (title shown: {shows_title}), policy allows: {allowed}",
                item.id
            ));
        }
        let status = client.status(&format!("/api/v1/items/{}/history", item.id), Some(&token));
        if status != expect(allowed) {
            differ(format!("history of item {} answered {status}, policy allows: {allowed}", item.id));
        }
        checks += 2;
    }
    // The item list lists exactly the readable items; the search no other.
    let mut listed = BTreeSet::new();
    let mut next: Option<String> = None;
    loop {
        let cursor = next.as_ref().map(|c| format!("&cursor={c}")).unwrap_or_default();
        let (status, page) = client.call("GET", &format!("/api/v1/items?limit=500{cursor}"), Some(&token), None);
        if status != 200 {
            differ(format!("item list answered {status}"));
            break;
        }
        listed.extend(
            page["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().parse::<Uuid>().unwrap()),
        );
        next = page["next"].as_str().map(str::to_owned);
        if next.is_none() {
            break;
        }
    }
    if listed != reader.readable {
        let extra: Vec<_> = listed.difference(&reader.readable).collect();
        let missing: Vec<_> = reader.readable.difference(&listed).collect();
        differ(format!("item list: {} not readable listed {extra:?}; {} readable missing", extra.len(), missing.len()));
    }
    // The TAXII collection serves exactly the readable published items.
    let published: BTreeSet<Uuid> = truth
        .items
        .iter()
        .filter(|i| i.state == ItemState::Published && reader.readable.contains(&i.id))
        .map(|i| i.id)
        .collect();
    let mut served = BTreeSet::new();
    let mut next: Option<String> = None;
    loop {
        let query = next.as_ref().map(|n| format!("&next={n}")).unwrap_or_default();
        let path = format!("/taxii2/godwit/collections/{}/objects/?limit=1000{query}", godwit_server::taxii::PUBLISHED);
        let (status, page) = client.call("GET", &path, Some(&token), None);
        if status != 200 {
            differ(format!("TAXII collection answered {status}"));
            break;
        }
        let reports = page["objects"].as_array().into_iter().flatten().filter(|o| o["type"] == "report");
        served.extend(reports.map(|r| {
            r["extensions"][godwit_exchange::stix::EXTENSION_ID]["item_id"].as_str().unwrap().parse::<Uuid>().unwrap()
        }));
        next = page["next"].as_str().map(str::to_owned);
        if next.is_none() {
            break;
        }
    }
    if served != published {
        let extra: Vec<_> = served.difference(&published).collect();
        let missing = published.difference(&served).count();
        differ(format!("TAXII collection: {} not readable served {extra:?}; {missing} missing", extra.len()));
    }
    checks += 1;
    let mut offset = Some(0);
    while let Some(at) = offset {
        let (status, results) =
            client.call("GET", &format!("/api/v1/search?limit=100&offset={at}"), Some(&token), None);
        if status != 200 {
            // Roles that read no content are refused the search.
            if reader.readable.is_empty() && status == 403 {
                break;
            }
            differ(format!("search answered {status}"));
            break;
        }
        for hit in results["hits"].as_array().unwrap() {
            let id: Uuid = hit["item"]["id"].as_str().unwrap().parse().unwrap();
            if !reader.readable.contains(&id) {
                differ(format!("search found {id}, which the policy does not allow"));
            }
            checks += 1;
        }
        offset = results["next_offset"].as_u64();
    }
    // The audit trail: auditors only.
    let audit = client.status("/api/v1/audit?limit=1", Some(&token));
    if audit != if reader.auditor { 200 } else { 403 } {
        differ(format!("audit trail answered {audit}"));
    }
    (checks + 2, token)
}

/// `text` as the portal's templates write it into HTML.
fn askama_escaped(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&#34;").replace('\'', "&#39;")
}

#[test]
fn every_demo_user_reads_over_http_exactly_what_the_policy_allows() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let credentials_file = dir.path().join("credentials.json");
    // The demo seeds the region; then the probe adds attachments and judges, with the server stopped.
    drop(start_demo(&data, &credentials_file));
    let credentials: Vec<Value> = serde_json::from_slice(&std::fs::read(&credentials_file).unwrap()).unwrap();
    let truth = tokio::runtime::Runtime::new().unwrap().block_on(truth(&data));
    let log = dir.path().join("server.log");
    let (server, client) = serve(&data, &dir.path().join("probe.toml"), &log);

    let started = Instant::now();
    let found = Mutex::new(Vec::new());
    let next_reader = Mutex::new(truth.readers.iter().enumerate());
    let tokens = Mutex::new(Vec::new());
    let checks: u64 = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..4)
            .map(|_| {
                scope.spawn(|| {
                    let client = client.fresh();
                    let mut checks = 0;
                    while let Some(reader) = next_reader.lock().unwrap().next() {
                        let (made, token) = probe_reader(&client, &credentials, &truth, reader, &found);
                        checks += made;
                        tokens.lock().unwrap().push(token);
                    }
                    checks
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).sum()
    });
    let found = found.into_inner().unwrap();
    let readable: usize = truth.readers.iter().map(|r| r.readable.len()).sum();
    eprintln!(
        "access probe: {} users × {} items ({} attachments), {checks} checks ({readable} readable pairs) in {:.0} s, {} differences",
        truth.readers.len(),
        truth.items.len(),
        truth.attachments.values().map(Vec::len).sum::<usize>(),
        started.elapsed().as_secs_f64(),
        found.len()
    );
    assert!(found.is_empty(), "{} differences, the first: {:#?}", found.len(), &found[..found.len().min(20)]);
    // The probe proves little unless users differ in what they may read.
    let distinct: BTreeSet<&BTreeSet<Uuid>> = truth.readers.iter().map(|r| &r.readable).collect();
    assert!(distinct.len() > 10 && readable > 0, "{} distinct readable sets", distinct.len());

    // No secret in the log: passwords, TOTP secrets, session tokens.
    drop(server);
    let logged =
        [std::fs::read_to_string(&log).unwrap(), std::fs::read_to_string(log.with_extension("err")).unwrap()].concat();
    assert!(!logged.is_empty(), "the server logs");
    let secrets = credentials
        .iter()
        .flat_map(|c| [c["password"].as_str(), c["totp_secret"].as_str()])
        .flatten()
        .map(str::to_owned)
        .chain(tokens.into_inner().unwrap());
    for secret in secrets {
        assert!(!logged.contains(&secret), "a secret in the server's log: {}…", &secret[..4]);
    }
}
