//! The TAXII 2.1 server over real HTTP, read and written by OASIS's
//! `taxii2-client` from PyPI (pinned in `scripts/python-requirements.txt`,
//! installed by `scripts/test` into `target/venv`): discovery, collections as
//! the caller may see them, pages, the manifest, an object and its versions,
//! filters, submissions with their status, Basic authentication with an API
//! token; and the same policy as everywhere (nothing unreleased, audited).

use std::net::SocketAddr;
use std::process::Command;

use axum::http::{Method, StatusCode};
use godwit_exchange::stix::report_id;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::harness::{Node, nodes};
use crate::stix::alert;

/// Reads and writes the server as a partner's tool would; prints what it saw
/// as one JSON object. Arguments: base URL, user, API token, a report id.
const CLIENT: &str = r#"
import json, sys
from taxii2client.v21 import Server, as_pages
from requests.exceptions import HTTPError

base, user, token, report = sys.argv[1:5]
seen = {}
server = Server(base + "/taxii2/", user=user, password=token)
seen["title"] = server.title
root = server.default
seen["api_root_versions"] = root.versions
seen["collections"] = sorted((c.title, c.can_read, c.can_write) for c in root.collections)
published = next(c for c in root.collections if c.can_read)
submissions = next(c for c in root.collections if c.can_write)

pages = list(as_pages(published.get_objects, per_request=12))
objects = [o for page in pages for o in page.get("objects", [])]
seen["pages"] = len(pages)
seen["largest_page"] = max(len(p.get("objects", [])) for p in pages)
seen["reports"] = sorted(o["id"] for o in objects if o["type"] == "report")
seen["report_titles"] = sorted(o["name"] for o in objects if o["type"] == "report")
refs = {r for o in objects for r in o.get("object_refs", []) + o.get("object_marking_refs", [])}
seen["dangling_refs"] = sorted(refs - {o["id"] for o in objects})

manifest = [m for page in as_pages(published.get_manifest, per_request=12) for m in page.get("objects", [])]
seen["manifest_reports"] = sorted(m["id"] for m in manifest if m["id"].startswith("report--"))
seen["manifest_media_types"] = sorted({m["media_type"] for m in manifest})

one = published.get_object(report)
seen["object"] = [o["id"] for o in one.get("objects", [])]
seen["all_versions_of_object"] = len(published.get_object(report, version="all").get("objects", []))
seen["versions"] = published.object_versions(report).get("versions", [])
seen["future"] = len(published.get_objects(added_after="2099-01-01T00:00:00Z").get("objects", []))
seen["only_reports"] = sorted({o["type"] for o in published.get_objects(type="report").get("objects", [])})

# A page is whole items: the page of the PIDC item holds it with all it refers to.
mine = next(p["objects"] for p in pages if any(o.get("name") == "For the PIDC" for o in p.get("objects", [])))
mine = [o for o in mine if o["type"] != "report" or o["name"] == "For the PIDC"]
status = submissions.add_objects({"objects": mine})
seen["good_status"] = [status.status, status.success_count, status.failure_count, status.total_count]
bad = [dict(o) for o in mine]
for o in bad:
    if o["type"] == "report":
        o["object_marking_refs"] = ["marking-definition--00000000-0000-4000-8000-000000000000"]
status = submissions.add_objects({"objects": bad})
seen["bad_status"] = [status.status, status.success_count, status.failure_count]
seen["bad_messages"] = [f["message"] for f in status.failures if f["id"].startswith("report--")]

try:
    # The client itself refuses to read a collection that says it cannot be
    # read; ask the server anyway.
    submissions._conn.get(submissions.objects_url, headers={"Accept": "application/taxii+json;version=2.1"})
    seen["read_submissions"] = "allowed"
except HTTPError as e:
    seen["read_submissions"] = e.response.status_code
try:
    Server(base + "/taxii2/", user="someone.else", password=token).title
    seen["wrong_user"] = "allowed"
except HTTPError as e:
    seen["wrong_user"] = e.response.status_code
print(json.dumps(seen))
"#;

async fn api_token(node: &Node, username: &str) -> String {
    let session = node.login(username).await;
    let body = json!({ "name": "taxii", "scopes": ["read", "write"], "expires_in_days": 30 });
    let created = node.call(Method::POST, "/api/v1/auth/tokens", Some(&session), Some(body)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.json);
    created.json["token"].as_str().unwrap().to_owned()
}

/// Serves the node on a loopback port of its own; the server stops with the test.
async fn serve(node: &Node) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = node.app.clone().into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{address}")
}

/// Publishes a new version of Fiji's item `id`; returns the new version's id.
async fn new_version(node: &Node, (analyst, officer): (&str, &str), id: &str) -> String {
    let draft = node.call(Method::POST, &format!("/api/v1/items/{id}/versions"), Some(analyst), None).await;
    assert_eq!(draft.status, StatusCode::CREATED, "{}", draft.json);
    let draft = draft.json["id"].as_str().unwrap().to_owned();
    let submitted = node.call(Method::POST, &format!("/api/v1/items/{draft}/submit"), Some(analyst), None).await;
    assert_eq!(submitted.status, StatusCode::OK, "{}", submitted.json);
    let approve = json!({ "comment": "second version" });
    let approved =
        node.call(Method::POST, &format!("/api/v1/items/{draft}/approve"), Some(officer), Some(approve)).await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.json);
    draft
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_taxii_client_reads_what_is_released_and_submits_drafts() {
    for node in nodes().await {
        let (analyst, officer) = (node.login("ana.fji").await, node.login("officer.fji").await);
        let mut titles = Vec::new();
        for n in 0..30 {
            let title = format!("Series FP{n:02}, released to New Zealand");
            node.publish(&analyst, &officer, alert(&title, &["NZL"])).await;
            titles.push(title);
        }
        let mut for_pidc = alert("For the PIDC", &[]);
        for_pidc["release"] = json!({ "groups": ["PIDC"] });
        let first = node.publish(&analyst, &officer, for_pidc).await;
        let second = new_version(&node, (&analyst, &officer), &first).await;
        titles.push("For the PIDC".into());
        titles.sort();
        node.publish(&analyst, &officer, alert("Kept at home", &[])).await;
        let versioned = report_id(Uuid::parse_str(&first).unwrap());

        let token = api_token(&node, "ana.nzl").await;
        let base = serve(&node).await;
        let output = Command::new(godwit_domain::oracles::python())
            .args(["-W", "ignore", "-c", CLIENT, &base, "ana.nzl", &token, &versioned])
            .output()
            .expect("python runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "taxii2-client failed:\n{stderr}");
        let seen: Value = serde_json::from_slice(&output.stdout).expect("the client prints JSON");

        assert_eq!(seen["title"], "Godwit");
        assert_eq!(seen["api_root_versions"], json!(["application/taxii+json;version=2.1"]));
        assert_eq!(seen["collections"], json!([["Published items", true, false], ["Submissions", false, true]]));
        assert_eq!(seen["report_titles"], json!(titles), "every released item once, the newest version, nothing else");
        assert!(seen["pages"].as_u64().unwrap() > 3, "{seen}");
        assert!(seen["largest_page"].as_u64().unwrap() <= 12, "{seen}");
        assert_eq!(seen["dangling_refs"], json!([]), "each page carries what its reports refer to");
        assert_eq!(seen["manifest_reports"], seen["reports"]);
        assert_eq!(seen["manifest_media_types"], json!(["application/stix+json;version=2.1"]));
        assert_eq!(seen["object"], json!([versioned]));
        assert_eq!(seen["all_versions_of_object"], 2, "both versions of the PIDC item: {seen}");
        assert_eq!(seen["versions"].as_array().unwrap().len(), 2);
        assert_eq!(seen["future"], 0);
        assert_eq!(seen["only_reports"], json!(["report"]));
        assert_eq!(seen["good_status"][0], "complete");
        assert_eq!(seen["good_status"][2], 0, "{seen}");
        assert_eq!(seen["good_status"][1], seen["good_status"][3]);
        assert_eq!(seen["bad_status"], json!(["complete", 0, seen["good_status"][3]]));
        assert!(seen["bad_messages"][0].as_str().unwrap().contains("object_marking_refs"), "{seen}");
        assert_eq!(seen["read_submissions"], 403);
        assert_eq!(seen["wrong_user"], 401);

        let nzl = node.login("ana.nzl").await;
        let drafts = node.call(Method::GET, "/api/v1/items?state=draft&originator=NZL", Some(&nzl), None).await;
        let drafts = drafts.json["items"].as_array().unwrap().clone();
        assert_eq!(drafts.len(), 1, "the good envelope only: {drafts:?}");
        assert_eq!(drafts[0]["title"], "For the PIDC");

        let auditor = node.login("auditor.fji").await;
        let audit = node.call(Method::GET, "/api/v1/audit?action=taxii.objects&limit=1000", Some(&auditor), None).await;
        let sent: Vec<String> = audit
            .json
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|r| {
                let detail: Value = serde_json::from_str(r["detail"].as_str().unwrap()).unwrap();
                detail["items"].as_array().unwrap().iter().map(|i| i.as_str().unwrap().to_owned()).collect::<Vec<_>>()
            })
            .collect();
        assert!(sent.contains(&second) && sent.contains(&first), "both versions were sent and audited");
        assert_eq!(sent.iter().filter(|id| **id == second).count(), 3, "the listing, the object, all its versions");
        let statuses = node.call(Method::GET, "/api/v1/audit?action=taxii.status", Some(&auditor), None).await;
        assert_eq!(statuses.json.as_array().unwrap().len(), 2);
    }
}

#[tokio::test]
async fn taxii_errors_are_taxii_error_messages() {
    for node in nodes().await {
        let token = api_token(&node, "ana.nzl").await;
        let collections = "/taxii2/godwit/collections";

        let missing = node
            .call(
                Method::GET,
                &format!("{collections}/00000000-0000-4000-8000-000000000000/objects/"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        assert_eq!(missing.headers["content-type"], "application/taxii+json;version=2.1");
        assert_eq!(missing.json["http_status"], "404");
        assert!(missing.json["title"].is_string() && missing.json["description"].is_string());

        let published = godwit_server::taxii::PUBLISHED;
        let bad =
            node.call(Method::GET, &format!("{collections}/{published}/objects/?limit=0"), Some(&token), None).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert!(bad.json["description"].as_str().unwrap().contains("limit"));
        let other = node
            .call(
                Method::GET,
                &format!("{collections}/{published}/objects/note--00000000-0000-4000-8000-000000000000/"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(other.status, StatusCode::NOT_FOUND);

        let anonymous = node.call(Method::GET, "/taxii2/", None, None).await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
        assert!(anonymous.headers["www-authenticate"].to_str().unwrap().starts_with("Basic"));

        // An account's password is never taken by Basic.
        let basic = format!("Basic {}", base64_of("ana.nzl:Pacific-Godwit-2026"));
        let request = axum::http::Request::get("/taxii2/")
            .header("authorization", basic)
            .body(axum::body::Body::empty())
            .unwrap();
        let refused = node.send(request).await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
        assert!(refused.json["description"].as_str().unwrap().contains("API token"));

        let html = axum::http::Request::get("/taxii2/")
            .header("authorization", format!("Bearer {token}"))
            .header("accept", "text/html")
            .body(axum::body::Body::empty())
            .unwrap();
        assert_eq!(node.send(html).await.status, StatusCode::NOT_ACCEPTABLE);

        let submissions = godwit_server::taxii::SUBMISSIONS;
        let wrong_type = axum::http::Request::post(format!("{collections}/{submissions}/objects/"))
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .body(axum::body::Body::from("{\"objects\": []}"))
            .unwrap();
        assert_eq!(node.send(wrong_type).await.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let read_only = axum::http::Request::post(format!("{collections}/{published}/objects/"))
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/taxii+json;version=2.1")
            .body(axum::body::Body::from("{\"objects\": []}"))
            .unwrap();
        assert_eq!(node.send(read_only).await.status, StatusCode::FORBIDDEN);

        // Someone else's status is not there for them.
        let auditor = api_token(&node, "sec.pidc").await;
        let status = Uuid::new_v4();
        let other = node.call(Method::GET, &format!("/taxii2/godwit/status/{status}/"), Some(&auditor), None).await;
        assert_eq!(other.status, StatusCode::NOT_FOUND);
    }
}

fn base64_of(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}
