//! The commands that act as a user on the demo region, on SQLite and, when
//! `GODWIT_TEST_DATABASE_URL` names a PostgreSQL server, on PostgreSQL too: a
//! request for information asked, assigned, answered, rated between two
//! members, with the steps refused to those who may not take them; a threat
//! assessed in a member's register; an assessment and a bulletin edited in
//! versions, a change made to a stale version refused.

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};
use sqlx::Connection;

use crate::demo::{Client, start_demo_on};

const GODWIT: &str = env!("CARGO_BIN_EXE_godwit");

/// Where the demo's data lives: its data directory, and the database URL when not SQLite's.
struct Node<'a> {
    data_dir: &'a str,
    database: Vec<String>,
}

/// What a command printed, and whether it succeeded.
struct Run {
    ok: bool,
    stdout: String,
    stderr: String,
}

impl Node<'_> {
    /// `godwit ARGS --user USER` on this node's database.
    fn run(&self, args: &[&str], user: &str) -> Run {
        let output = Command::new(GODWIT)
            .args(args)
            .args(["--data-dir", self.data_dir, "--user", user])
            .args(&self.database)
            .output()
            .unwrap();
        Run {
            ok: output.status.success(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Runs a command that must succeed; its output.
    fn ok(&self, args: &[&str], user: &str) -> String {
        let run = self.run(args, user);
        assert!(run.ok, "godwit {args:?} as {user}: {}", run.stderr);
        run.stdout
    }

    /// Runs a command that must be refused; its message, which must hold `message` and no Debug dump.
    fn refused(&self, args: &[&str], user: &str, message: &str) {
        let run = self.run(args, user);
        assert!(!run.ok, "godwit {args:?} as {user} is refused: {}", run.stdout);
        assert!(run.stderr.contains(message), "godwit {args:?} as {user}: {}", run.stderr);
        assert!(!run.stderr.contains("panicked") && !run.stderr.contains("StoreError"), "{}", run.stderr);
    }
}

fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

/// The first field of the first line: the id a command printed.
fn first_id(stdout: &str) -> String {
    stdout.split('\t').next().unwrap().trim().to_owned()
}

/// A fresh database on the PostgreSQL server of `base`, by URL.
fn fresh_postgres(base: &str) -> String {
    let name = format!("godwit_t_{}", uuid::Uuid::now_v7().simple());
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
        let mut conn = sqlx::PgConnection::connect(base).await.expect("PostgreSQL of GODWIT_TEST_DATABASE_URL");
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut conn).await.unwrap();
    });
    let (prefix, _) = base.rsplit_once('/').unwrap();
    format!("{prefix}/{name}")
}

#[test]
fn requests_registers_assessments_and_bulletins_are_worked_from_the_command_line() {
    let mut databases = vec![None];
    if let Ok(base) = std::env::var("GODWIT_TEST_DATABASE_URL") {
        databases.push(Some(fresh_postgres(&base)));
    }
    for database in databases {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let credentials_file = dir.path().join("credentials.json");
        let database: Vec<String> = database.into_iter().flat_map(|url| ["--database-url".into(), url]).collect();
        let flags: Vec<&str> = database.iter().map(String::as_str).collect();
        let (_server, client) = start_demo_on(&data, &credentials_file, &flags);
        let credentials: Vec<Value> = serde_json::from_slice(&std::fs::read(&credentials_file).unwrap()).unwrap();
        let node = Node { data_dir: data.to_str().unwrap(), database };
        request_for_information(&node, &client, &credentials);
        threat_register(&node);
        versioned_documents(&node, dir.path());
    }
}

/// New Zealand asks Fiji; Fiji's focal point assigns it to an analyst, who
/// answers with a published response item; New Zealand rates the answer.
fn request_for_information(node: &Node, client: &Client, credentials: &[Value]) {
    let due = (time::OffsetDateTime::now_utc().date() + time::Duration::days(14)).to_string();
    let ask = |to: &str, due: &str| {
        [
            "rfi",
            "ask",
            "--to",
            to,
            "--title",
            "Passports in series K4",
            "--question",
            "Were passports K4000100 to K4000199 issued by Fiji?",
            "--priority",
            "high",
            "--due",
            due,
        ]
        .map(str::to_owned)
    };
    node.refused(&strs(&ask("FJI", "in a fortnight")), "ana.nzl", "due_on: must be a date YYYY-MM-DD");
    node.refused(&strs(&ask("Atlantis", &due)), "ana.nzl", "Atlantis is neither a member nor a group of this node");
    node.refused(&strs(&ask("NZL", &due)), "ana.nzl", "a member does not ask itself");
    let asked = node.ok(&strs(&ask("fji", &due)), "ana.nzl");
    assert!(asked.contains("\topen\tPassports in series K4"), "{asked}");
    let id = first_id(&asked);

    node.refused(
        &["rfi", "assign", &id, "--to", "ana.fji"],
        "ana.fji",
        "forbidden: requests are assigned by the receiving member's contact point",
    );
    node.refused(&["rfi", "assign", &id, "--to", "nobody.fji"], "nfp.fji", "no user nobody.fji");
    let assigned = node.ok(&["rfi", "assign", &id, "--to", "ana.fji"], "nfp.fji");
    assert!(assigned.contains(&format!("{id}\tassigned\t")), "{assigned}");

    // Fiji's analyst writes the answer as an item released to New Zealand; Fiji's officer approves it.
    let analyst = client.login(credentials, "ana.fji");
    let response = json!({
        "title": "Response: passports in series K4", "category": "document_fraud",
        "details": { "kind": "rfi_response", "request": id },
        "classification": 0, "tlp": "AMBER", "release": { "members": ["NZL"] }
    });
    let (status, item) = client.call("POST", "/api/v1/items", Some(&analyst), Some(response));
    assert_eq!(status, 201, "{item}");
    let item = item["id"].as_str().unwrap().to_owned();
    node.refused(&["rfi", "answer", &id, "--item", &item], "ana.fji", "must be published (approved)");
    assert_eq!(client.call("POST", &format!("/api/v1/items/{item}/submit"), Some(&analyst), None).0, 200);
    let officer = client.login(credentials, "auth.fji");
    assert_eq!(client.call("POST", &format!("/api/v1/items/{item}/approve"), Some(&officer), None).0, 200);

    // Tonga is not asked and does not see the request; New Zealand asked and does not answer it.
    node.refused(&["rfi", "answer", &id, "--item", &item], "ana.ton", "request for information not found");
    node.refused(
        &["rfi", "answer", &id, "--item", &item],
        "ana.nzl",
        "forbidden: requests are answered by the assignee or the contact point",
    );
    node.refused(&["rfi", "rate", &id, "--score", "4"], "ana.nzl", "a request that is assigned cannot be rated");
    let answered = node.ok(&["rfi", "answer", &id, "--item", &item], "ana.fji");
    assert!(answered.contains(&format!("{id}\tanswered\t")), "{answered}");

    node.refused(&["rfi", "rate", &id, "--score", "9"], "ana.nzl", "score: must be 1 to 5");
    let rated = node.ok(&["rfi", "rate", &id, "--score", "4", "--comment", "Clear and quick."], "ana.nzl");
    assert!(rated.contains(&format!("{id}\tclosed\t")), "{rated}");
    node.refused(&["rfi", "close", &id], "ana.nzl", "a request that is closed cannot be closed");

    let shown = node.ok(&["rfi", "show", &id], "ana.nzl");
    assert!(shown.contains(&format!("answer: {item}")), "{shown}");
    for step in ["created", "assigned", "answered", "rated"] {
        assert!(shown.contains(&format!(" {step} ")), "{step}: {shown}");
    }
    let closed = node.ok(&["rfi", "list", "--state", "closed", "--box", "sent"], "ana.nzl");
    assert!(closed.contains(&id), "{closed}");

    // A second request, declined by Fiji's focal point and closed by New Zealand.
    let second = first_id(&node.ok(&strs(&ask("FJI", &due)), "ana.nzl"));
    node.refused(&["rfi", "decline", &second, "--reason", " "], "nfp.fji", "reason: give a reason");
    let declined = node.ok(&["rfi", "decline", &second, "--reason", "Not our records."], "nfp.fji");
    assert!(declined.contains(&format!("{second}\tdeclined\t")), "{declined}");
    assert!(node.ok(&["rfi", "close", &second], "ana.nzl").contains(&format!("{second}\tclosed\t")));
}

/// Fiji adds a threat to the taxonomy and assesses it; the register lists one
/// entry more, its export the rating and the owners, its history the change.
fn threat_register(node: &Node) {
    let entries = |listed: &str| -> usize {
        let line = listed.lines().find(|l| l.starts_with("FJI\t")).unwrap_or_else(|| panic!("{listed}"));
        let counted = line.rsplit('\t').next().unwrap();
        counted.split(' ').next().unwrap().parse().unwrap()
    };
    let before = entries(&node.ok(&["threats", "list"], "ana.fji"));
    let add = ["threats", "add", "unannounced-yachts", "--name", "Yachts arriving without notice"];
    assert!(node.ok(&add, "ana.fji").contains("unannounced-yachts\tYachts arriving without notice\tadded by FJI"));
    node.refused(&add, "ana.fji", "conflict: the threat unannounced-yachts already exists");
    assert!(node.ok(&["threats", "taxonomy"], "ana.nzl").contains("unannounced-yachts"));

    let set = ["threats", "set", "unannounced-yachts"];
    node.refused(&[&set[..], &["--likelihood", "4"]].concat(), "ana.fji", "a new entry needs --likelihood");
    node.refused(&[&set[..], &["--likelihood", "4"]].concat(), "officer.fji", "not found");
    let fields = [
        "--likelihood",
        "7",
        "--consequence",
        "4",
        "--trend",
        "rising",
        "--review-on",
        "2027-01-31",
        "--mitigation",
        "Border Operations, Nadi: patrols of the outer islands",
        "--mitigation",
        "Fiji Navy: radar watch",
    ];
    node.refused(&[&set[..], &fields].concat(), "ana.fji", "likelihood: must be a point from 1 to 5");
    node.refused(&[&set[..], &["--trend", "sideways"]].concat(), "ana.fji", "must be one of rising, stable, falling");
    let mut fields = fields;
    fields[1] = "5";
    let written = node.ok(&[&set[..], &fields].concat(), "ana.fji");
    assert!(written.starts_with("FJI\tunannounced-yachts\tlikelihood 5 consequence 4\t"), "{written}");
    let changed = node.ok(&[&set[..], &["--consequence", "3", "--assessment", "Seen at Lau."]].concat(), "ana.fji");
    assert!(changed.contains("likelihood 5 consequence 3") && changed.contains("\trising\treview 2027-01-31"));

    assert_eq!(entries(&node.ok(&["threats", "list"], "ana.fji")), before + 1);
    let csv = node.ok(&["threats", "export", "--member", "FJI"], "ana.fji");
    let row = csv.lines().find(|l| l.contains("unannounced-yachts")).unwrap_or_else(|| panic!("{csv}"));
    assert!(row.contains(",5,3,") && row.contains("patrols of the outer islands (Border Operations, Nadi)"), "{row}");
    let history = node.ok(&["threats", "history"], "ana.fji");
    let newest = history.lines().next().unwrap();
    assert!(newest.contains("\tentry.update\tunannounced-yachts\tFJI\t"), "{history}");
    assert!(history.contains("\tentry.create\tunannounced-yachts\t"), "{history}");
    // New Zealand releases its register to PIDC: Thailand, outside it, does not read its history.
    node.refused(&["threats", "history", "--member", "NZL"], "ana.tha", "threat register not found");
}

/// Fiji's analyst writes an assessment in two versions; an officer's change
/// to the first version is refused. A bulletin's foreword likewise.
fn versioned_documents(node: &Node, dir: &Path) {
    let created = node.ok(
        &[
            "assessment",
            "create",
            "--year",
            "2026",
            "--title",
            "Fiji threat assessment 2026",
            "--audience",
            "PIDC",
            "--summary",
            "Smuggling by sea is rising.",
        ],
        "ana.fji",
    );
    assert!(created.contains("\tFJI\tversion 1\tFiji threat assessment 2026"), "{created}");
    let id = first_id(&created);
    node.refused(&["assessment", "create", "--year", "1900", "--title", "Old"], "ana.fji", "year: must be from 2000");
    let change = ["assessment", "update", &id, "--based-on", "1", "--title", "Ours"];
    node.refused(&change, "ana.nzl", "forbidden: assessments are written by the analysts, officers and focal points");
    node.refused(&change, "ana.idn", "assessment not found");
    let summary = dir.join("summary.md");
    std::fs::write(&summary, "Smuggling by sea is rising; yachts arrive unannounced.").unwrap();
    let updated = node
        .ok(&["assessment", "update", &id, "--based-on", "1", "--summary-file", summary.to_str().unwrap()], "ana.fji");
    assert!(updated.contains("\tversion 2\t"), "{updated}");
    node.refused(
        &["assessment", "update", &id, "--based-on", "1", "--title", "A stale change"],
        "auth.fji",
        "the assessment was changed by someone else (now version 2); reload it",
    );
    let history = node.ok(&["assessment", "history", &id], "auth.fji");
    let versions: Vec<&str> = history.lines().map(|l| l.split('\t').next().unwrap()).collect();
    assert_eq!(versions, ["version 2", "version 1"], "{history}");
    assert!(history.contains("\tana.fji (FJI)\tFiji threat assessment 2026"), "{history}");
    assert!(node.ok(&["assessment", "list"], "ana.fji").contains(&id));

    let today = time::OffsetDateTime::now_utc().date();
    let period = format!("{}-{:02}", today.year(), u8::from(today.month()));
    let json_file = dir.join("bulletin.json");
    let compiled = node
        .ok(&["bulletin", "--period", &period, "--audience", "PIDC", "--json", json_file.to_str().unwrap()], "ana.fji");
    let bulletin = first_id(&compiled);
    let listed = node.ok(&["bulletin", "list"], "ana.fji");
    let line = listed.lines().find(|l| l.starts_with(&bulletin)).unwrap_or_else(|| panic!("{listed}"));
    let version: u32 = line.split('\t').nth(2).unwrap().trim_start_matches("version ").parse().unwrap();
    let based_on = version.to_string();
    let foreword = ["bulletin", "foreword", &bulletin, "--based-on", &based_on, "--text", "A quiet month at sea."];
    let saved = node.ok(&foreword, "ana.fji");
    assert!(saved.contains(&format!("\tversion {}\t", version + 1)), "{saved}");
    node.refused(&foreword, "auth.fji", "the bulletin was changed by someone else");
    let history = node.ok(&["bulletin", "history", &bulletin], "ana.fji");
    assert_eq!(history.lines().count(), version as usize + 1, "{history}");
    node.ok(&["bulletin", "--period", &period, "--audience", "PIDC", "--json", json_file.to_str().unwrap()], "ana.fji");
    let assembled: Value = serde_json::from_slice(&std::fs::read(&json_file).unwrap()).unwrap();
    assert_eq!(assembled["bulletin"]["foreword"], "A quiet month at sea.", "{}", assembled["bulletin"]);
}
