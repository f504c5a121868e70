//! Screening over HTTP: manifests (CSV and PAXLST), single travellers and MRZ
//! checks against the node's watchlist files and the document alerts each
//! caller may read; who may screen; bad input answered with problems; every
//! run in the audit trail without personal data; members' own national lists
//! uploaded, refused with their defects named, and used under the access policy.

use std::collections::HashMap;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use godwit_screening::mrz::check_digit::compute;
use godwit_server::ServerConfig;
use godwit_server::config::ScreeningConfig;
use serde_json::{Value, json};

use crate::harness::{Node, PortalSession, Response, nodes_with};

const PERSONS: &str = "id,name,aliases,date_of_birth,nationality,sex,reason
W-1,محمد يوسف,Mohamed Youssef,1980-05-03,SYR,M,facilitator
W-2,Иван Иванович Петров,,1975,RUS,M,document fraud
";

const DOCUMENTS: &str = "id,document_number,issuing_state,document_type,status,reason
D-1,L898902C3,UTO,P,stolen,blank stolen 2025
";

const MANIFEST: &str = "traveller_id,surname,given_names,date_of_birth,sex,nationality,document_type,document_number,issuing_state,expiry_date,origin,destination
T1,YUSUF,MUHAMMAD,1980-03-05,M,SYR,P,N1234567,SYR,2030-01-01,CGK,SYD
T2,ERIKSSON,ANNA MARIA,1974-08-12,F,UTO,P,L8989O2C3,UTO,2030-01-01,CGK,SYD
T3,SMITH,JOHN,1970-01-01,M,AUS,P,PA0000001,AUS,2030-01-01,CGK,SYD
T4,BROKEN,ROW,1985-02-31,F,SGP,P,K0000002,SGP,2030-01-01,CGK,SYD
";

const PAXLST: &str = "UNA:+.? '
UNB+UNOA:4+AIR+GOV+261101:0900+1'
UNH+1+PAXLST:D:05B:UN:IATA'
BGM+745'
TDT+20+GW7'
LOC+125+KUL'
LOC+87+SYD'
NAD+FL+++YUSUF:MUHAMMAD'
DTM+329:800305'
NAT+2+SYR'
DOC+P+N1234567'
NAD+FL+++GOOD:TRAVELLER'
DTM+329:751301'
CNT+42:2'
UNT+13+1'
UNZ+1+1'";

/// Nodes whose screening lists are the files above; the directory must
/// outlive the nodes.
async fn screening_nodes() -> (Vec<Node>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let persons = dir.path().join("persons.csv");
    let documents = dir.path().join("documents.csv");
    std::fs::write(&persons, PERSONS).unwrap();
    std::fs::write(&documents, DOCUMENTS).unwrap();
    let config = ServerConfig {
        screening: ScreeningConfig { persons: vec![persons], documents: vec![documents], rules: None },
        ..ServerConfig::default()
    };
    (nodes_with(config).await, dir)
}

async fn post_manifest(node: &Node, token: &str, content_type: Option<&str>, body: impl Into<Body>) -> Response {
    let mut request = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/screening/manifests")
        .header(header::AUTHORIZATION, format!("Bearer {token}"));
    if let Some(ct) = content_type {
        request = request.header(header::CONTENT_TYPE, ct);
    }
    node.send(request.body(body.into()).unwrap()).await
}

fn result<'a>(response: &'a Response, id: &str) -> &'a Value {
    response.json["results"].as_array().unwrap().iter().find(|r| r["traveller_id"] == id).unwrap()
}

async fn audit(node: &Node, action: &str) -> Vec<Value> {
    let auditor = node.login("auditor.fji").await;
    let trail =
        node.call(Method::GET, &format!("/api/v1/audit?action={action}&limit=1000"), Some(&auditor), None).await;
    assert_eq!(trail.status, StatusCode::OK, "{}", trail.json);
    let records = trail.json.as_array().or_else(|| trail.json["records"].as_array()).unwrap().clone();
    records.into_iter().filter(|r| r["action"] == action).collect()
}

#[tokio::test]
async fn a_csv_manifest_gets_a_result_per_traveller_and_is_audited() {
    let (nodes, _dir) = screening_nodes().await;
    for node in nodes {
        let token = node.login("border.fji").await;
        let response = post_manifest(&node, &token, Some("text/csv"), MANIFEST).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.json);
        assert_eq!(response.json["format"], "csv");
        assert_eq!(
            response.json["counts"],
            json!({"travellers": 4, "hit": 2, "review": 1, "clear": 1, "unscreenable": 1})
        );

        // Arabic-script list entry, names reversed, day and month swapped.
        let t1 = result(&response, "T1");
        assert_eq!(t1["decision"], "hit", "{t1}");
        assert_eq!(t1["matches"][0]["watchlist_id"], "W-1");
        assert_eq!(t1["matches"][0]["list"], "persons");
        let reasons = t1["matches"][0]["reasons"].to_string();
        assert!(reasons.contains("day and month swapped"), "{reasons}");
        // Stolen document read with the letter O for a zero.
        let t2 = result(&response, "T2");
        assert_eq!((t2["decision"].as_str(), t2["score"].as_f64()), (Some("hit"), Some(0.9)), "{t2}");
        assert_eq!(t2["matches"][0]["watchlist_id"], "D-1");
        assert_eq!(
            result(&response, "T3"),
            &json!({"traveller_id": "T3", "decision": "clear", "score": 0.0, "matches": []})
        );
        // The malformed row is reviewed, with where it is wrong.
        let t4 = result(&response, "T4");
        assert_eq!(t4["decision"], "review");
        assert_eq!(t4["unscreenable"]["location"], json!({"kind": "cell", "row": 5, "column": "date_of_birth"}));

        let runs = audit(&node, "screening.manifest").await;
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0]["target"], response.json["run"]);
        assert_eq!(runs[0]["actor_member"], "FJI");
        let detail: Value = match &runs[0]["detail"] {
            Value::String(text) => serde_json::from_str(text).unwrap(),
            other => other.clone(),
        };
        assert_eq!(detail["travellers"], 4);
        assert_eq!(detail["hit"], 2);
        assert_eq!(detail["unscreenable"], 1);
        // The detail only: the record's hashes and ids are random hex, which may hold "1980".
        let recorded = detail.to_string();
        for personal in ["YUSUF", "ERIKSSON", "L8989O2C3", "N1234567", "1980"] {
            assert!(!recorded.contains(personal), "{personal} in the audit record: {recorded}");
        }
    }
}

#[tokio::test]
async fn a_paxlst_manifest_is_detected_and_a_bad_traveller_named_by_segment() {
    let (nodes, _dir) = screening_nodes().await;
    for node in nodes {
        let token = node.login("ana.fji").await;
        for content_type in [Some("application/edifact"), Some("text/plain; charset=utf-8"), None] {
            let response = post_manifest(&node, &token, content_type, PAXLST).await;
            assert_eq!(response.status, StatusCode::OK, "{content_type:?}: {}", response.json);
            assert_eq!(response.json["format"], "paxlst");
            assert_eq!(response.json["messages"][0]["flight"]["number"], "GW7");
            assert_eq!(response.json["results"][0]["traveller_id"], "1-1", "message reference and position");
            assert_eq!(response.json["results"][0]["decision"], "hit", "{}", response.json);
            let offset = PAXLST.find("DTM+329:751301").unwrap();
            let broken = &response.json["results"][1];
            assert_eq!(broken["decision"], "review");
            assert_eq!(
                broken["unscreenable"]["location"],
                json!({"kind": "segment", "tag": "DTM", "index": 11, "offset": offset})
            );
        }
        assert_eq!(audit(&node, "screening.manifest").await.len(), 3);
    }
}

#[tokio::test]
async fn bad_manifests_get_problems_not_failures() {
    let (nodes, _dir) = screening_nodes().await;
    for node in nodes {
        let token = node.login("border.fji").await;
        let cases: Vec<(Option<&str>, Vec<u8>, StatusCode, &str)> = vec![
            (Some("text/csv"), Vec::new(), StatusCode::UNPROCESSABLE_ENTITY, "empty"),
            (Some("text/csv"), b"id,name\nx,y\n".to_vec(), StatusCode::UNPROCESSABLE_ENTITY, "row 1"),
            (
                Some("application/edifact"),
                b"UNB+UNOA:4+AIR+GOV+261101:0900+1'UNZ+0+1'".to_vec(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "no traveller",
            ),
            (
                Some("application/edifact"),
                b"UNA:+.? 'UNB+UNOA:4+AIR?".to_vec(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "byte",
            ),
            (Some("text/csv"), b"traveller_id,surname\n\xff\xfe".to_vec(), StatusCode::BAD_REQUEST, "offset 21"),
            (Some("image/png"), b"\x89PNG".to_vec(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "not a manifest type"),
        ];
        for (content_type, body, status, says) in cases {
            let response = post_manifest(&node, &token, content_type, body).await;
            assert_eq!(response.status, status, "{says}: {}", response.json);
            assert_eq!(response.headers[header::CONTENT_TYPE], "application/problem+json");
            assert!(response.json.to_string().contains(says), "{says}: {}", response.json);
        }
        // Latin-1 when the content type says so; the name is read, not refused.
        let latin1 = MANIFEST.replace("SMITH", "M\u{fc}LLER");
        let bytes: Vec<u8> = latin1.chars().map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?')).collect();
        let response = post_manifest(&node, &token, Some("text/csv; charset=ISO-8859-1"), bytes).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.json);
        assert_eq!(response.json["counts"]["travellers"], 4);
        // A body over the limit is refused before it is read whole.
        let huge = vec![b'a'; godwit_server::api::screening::MAX_MANIFEST_BYTES + 1];
        let response = post_manifest(&node, &token, Some("text/csv"), huge).await;
        assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", response.json);
        // Nothing was recorded for refused input, only the run that went through.
        assert_eq!(audit(&node, "screening.manifest").await.len(), 1);
    }
}

#[tokio::test]
async fn only_roles_that_screen_may_screen() {
    let (nodes, _dir) = screening_nodes().await;
    for node in nodes {
        let traveller = json!({ "surname": "SMITH", "given_names": "JOHN" });
        for user in ["border.fji", "ana.fji", "officer.fji", "ana.nzl"] {
            let token = node.login(user).await;
            let response =
                node.call(Method::POST, "/api/v1/screening/travellers", Some(&token), Some(traveller.clone())).await;
            assert_eq!(response.status, StatusCode::OK, "{user}: {}", response.json);
        }
        for user in ["nfp.fji", "auditor.fji", "admin.fji", "sec.pidc"] {
            let token = node.login(user).await;
            for path in ["/api/v1/screening/travellers", "/api/v1/screening/documents"] {
                let body = if path.ends_with("documents") { json!({ "mrz": "x" }) } else { traveller.clone() };
                let response = node.call(Method::POST, path, Some(&token), Some(body)).await;
                assert_eq!(response.status, StatusCode::FORBIDDEN, "{user} {path}: {}", response.json);
            }
            let response = post_manifest(&node, &token, Some("text/csv"), MANIFEST).await;
            assert_eq!(response.status, StatusCode::FORBIDDEN, "{user}: {}", response.json);
        }
        let anonymous = node.call(Method::POST, "/api/v1/screening/travellers", None, Some(traveller)).await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
        assert_eq!(audit(&node, "screening.traveller").await.len(), 4);
        assert_eq!(audit(&node, "screening.manifest").await.len(), 0);
    }
}

#[tokio::test]
async fn a_single_traveller_is_checked_and_bad_fields_are_named() {
    let (nodes, _dir) = screening_nodes().await;
    for node in nodes {
        let token = node.login("border.fji").await;
        let traveller = json!({
            "traveller_id": "desk-1", "surname": "Yusuf", "given_names": "Muhammad", "date_of_birth": "1980-05-03",
            "sex": "M", "nationality": "SYR", "documents": [{ "number": "N1234567", "issuing_state": "SYR" }]
        });
        let response = node.call(Method::POST, "/api/v1/screening/travellers", Some(&token), Some(traveller)).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.json);
        assert_eq!(response.json["traveller_id"], "desk-1");
        assert_eq!(response.json["decision"], "hit");
        assert_eq!(response.json["matches"][0]["watchlist_id"], "W-1");
        assert!(response.json["run"].is_string());

        let bad = json!({ "surname": " ", "date_of_birth": "1980-13-01", "sex": "Q", "documents": [{ "number": "", "expiry_date": "soon" }] });
        let response = node.call(Method::POST, "/api/v1/screening/travellers", Some(&token), Some(bad)).await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", response.json);
        let fields: Vec<&str> =
            response.json["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, ["date_of_birth", "documents[0].expiry_date", "surname", "sex", "documents[0].number"]);
        let unknown = json!({ "surname": "X", "passport": "L898902C3" });
        let response = node.call(Method::POST, "/api/v1/screening/travellers", Some(&token), Some(unknown)).await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", response.json);
        let response = node
            .send(
                Request::builder()
                    .method(Method::POST)
                    .uri("/api/v1/screening/travellers")
                    .header(header::AUTHORIZATION, format!("Bearer {token}"))
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from("{\"surname\": "))
                    .unwrap(),
            )
            .await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{}", response.json);
    }
}

/// A TD3 MRZ with correct check digits.
fn td3(number: &str, state: &str, surname: &str, given: &str) -> String {
    let line1 = format!("P<{state}{surname}<<{given}");
    let line1 = format!("{line1:<<44}");
    let number = format!("{number:<<9}");
    let (dob, expiry, optional) = ("800503", "300101", "<<<<<<<<<<<<<<");
    let parts = [
        format!("{number}{}", compute(&number)),
        format!("{dob}{}", compute(dob)),
        format!("{expiry}{}", compute(expiry)),
        format!("{optional}{}", compute(optional)),
    ];
    let composite = compute(&format!("{}{}{}{}", parts[0], parts[1], parts[2], parts[3]));
    let line2 = format!("{}{state}{}M{}{}{composite}", parts[0], parts[1], parts[2], parts[3]);
    format!("{line1}\n{line2}")
}

#[tokio::test]
async fn a_document_check_returns_fields_checks_and_listed_documents() {
    let (nodes, _dir) = screening_nodes().await;
    for node in nodes {
        let token = node.login("border.fji").await;
        let specimen = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10";
        let response = node
            .call(Method::POST, "/api/v1/screening/documents", Some(&token), Some(json!({ "mrz": specimen })))
            .await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.json);
        assert_eq!(response.json["valid"], true);
        assert_eq!(response.json["expired"], true);
        assert_eq!(response.json["mrz"]["format"], "TD3");
        assert_eq!(response.json["mrz"]["surname"], "ERIKSSON");
        assert_eq!(response.json["date_of_birth"], "1974-08-12");
        assert!(response.json["mrz"]["checks"].as_array().unwrap().iter().all(|c| c["passed"] == true));
        assert_eq!(response.json["matches"][0]["watchlist_id"], "D-1");
        assert_eq!(response.json["matches"][0]["list"], "documents");

        // A wrong check digit is a result, not an error.
        let tampered = specimen.replace("L898902C36", "L898902C37");
        let response = node
            .call(Method::POST, "/api/v1/screening/documents", Some(&token), Some(json!({ "mrz": tampered })))
            .await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.json);
        assert_eq!(response.json["valid"], false);
        let own = td3("N1234567", "SYR", "YUSUF", "MUHAMMAD");
        let response =
            node.call(Method::POST, "/api/v1/screening/documents", Some(&token), Some(json!({ "mrz": own }))).await;
        assert_eq!(
            (response.json["valid"].as_bool(), response.json["matches"].as_array().map(Vec::len)),
            (Some(true), Some(0)),
            "{}",
            response.json
        );

        for (mrz, says) in
            [("P<UTO", "line lengths"), (&*specimen.replace('E', "é"), "column"), (&*"A".repeat(400), "at most")]
        {
            let response =
                node.call(Method::POST, "/api/v1/screening/documents", Some(&token), Some(json!({ "mrz": mrz }))).await;
            assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", response.json);
            assert_eq!(response.json["errors"][0]["field"], "mrz");
            assert!(response.json.to_string().contains(says), "{says}: {}", response.json);
        }
        assert_eq!(audit(&node, "screening.document").await.len(), 3);
    }
}

#[tokio::test]
async fn the_portal_checks_a_documents_mrz() {
    let (nodes, _dir) = screening_nodes().await;
    for node in nodes {
        let officer = node.portal_login("border.fji").await;
        let specimen = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10";
        let page = node.post_form(&officer, "/screening/document", &[("mrz", specimen)]).await;
        assert_eq!(page.status, StatusCode::OK);
        let html = String::from_utf8(page.bytes).unwrap();
        for shown in ["TD3 (passport)", "ERIKSSON", "1974-08-12", "expired", "Documents watchlist D-1", "passes"] {
            assert!(html.contains(shown), "{shown} not on the page");
        }
        assert!(!html.contains("<strong>fails</strong>"));

        let tampered = specimen.replace("L898902C36", "L898902C37");
        let html =
            String::from_utf8(node.post_form(&officer, "/screening/document", &[("mrz", &tampered)]).await.bytes)
                .unwrap();
        assert!(html.contains("invalid") && html.contains("<strong>fails</strong>"), "a failed digit is shown");
        let html = String::from_utf8(node.post_form(&officer, "/screening/document", &[("mrz", "P<UTO")]).await.bytes)
            .unwrap();
        assert!(
            html.contains("aria-invalid=\"true\"") && html.contains("line lengths"),
            "the error is beside the field"
        );
        assert_eq!(audit(&node, "screening.document").await.len(), 2);
    }
}

/// Publishes a document-fraud alert by Fiji naming series FP12, released to `members`.
async fn publish_alert(node: &Node, members: &[&str]) -> String {
    let analyst = node.login("ana.fji").await;
    let alert = json!({
        "title": "Counterfeit Fijian passports, series FP12",
        "summary": "Seen at Nadi.",
        "category": "document_fraud",
        "details": { "kind": "alert", "alert_type": "document_fraud",
                     "document": { "document_type": "P", "issuing_state": "FJI", "fraud_type": "counterfeit",
                                   "series": ["FP12"], "number_ranges": [{ "from": "FQ0001000", "to": "FQ0001999" }] } },
        "classification": 2,
        "tlp": "AMBER",
        "release": { "members": members },
    });
    let created = node.call(Method::POST, "/api/v1/items", Some(&analyst), Some(alert)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.json);
    let id = created.json["id"].as_str().unwrap().to_owned();
    let submitted = node.call(Method::POST, &format!("/api/v1/items/{id}/submit"), Some(&analyst), None).await;
    assert_eq!(submitted.status, StatusCode::OK, "{}", submitted.json);
    let officer = node.login("officer.fji").await;
    let approved = node.call(Method::POST, &format!("/api/v1/items/{id}/approve"), Some(&officer), None).await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.json);
    id
}

async fn alert_matches(node: &Node, user: &str, number: &str) -> Vec<String> {
    let token = node.login(user).await;
    let traveller =
        json!({ "surname": "DOE", "given_names": "JANE", "documents": [{ "number": number, "issuing_state": "FJI" }] });
    let response = node.call(Method::POST, "/api/v1/screening/travellers", Some(&token), Some(traveller)).await;
    assert_eq!(response.status, StatusCode::OK, "{user}: {}", response.json);
    let matches = response.json["matches"].as_array().unwrap();
    matches
        .iter()
        .filter(|m| m["list"] == "document_alerts")
        .map(|m| m["watchlist_id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn document_alerts_match_only_for_their_readers_and_stop_when_withdrawn() {
    let (nodes, _dir) = screening_nodes().await;
    for node in nodes {
        // Before the alert exists: nothing (and an index is cached for ana.nzl).
        assert!(alert_matches(&node, "ana.nzl", "FP1234567").await.is_empty());
        let id = publish_alert(&node, &["NZL"]).await;

        // Released to New Zealand under the MoU: found there, and at home.
        assert_eq!(
            alert_matches(&node, "ana.nzl", "FP1234567").await,
            vec![id.as_str()],
            "index rebuilt after publication"
        );
        assert_eq!(alert_matches(&node, "ana.nzl", "FQ0001500").await, vec![id.as_str()], "number range");
        assert_eq!(alert_matches(&node, "ana.nzl", "FPI234567").await, vec![id.as_str()], "OCR confusion");
        assert_eq!(alert_matches(&node, "border.fji", "FP1234567").await, vec![id.as_str()]);
        // Not released to Tonga; New Zealand reader cleared below RESTRICTED.
        assert!(alert_matches(&node, "ana.ton", "FP1234567").await.is_empty());
        assert!(alert_matches(&node, "low.nzl", "FP1234567").await.is_empty());
        // Another series is no match.
        assert!(alert_matches(&node, "ana.nzl", "FX1234567").await.is_empty());

        // The run records which alert was matched, by id only.
        let runs = audit(&node, "screening.traveller").await;
        let recorded: Vec<String> = runs.iter().map(|r| r["detail"].to_string()).collect();
        assert!(recorded.iter().any(|d| d.contains(&id)), "{recorded:?}");

        // The MRZ check finds it too.
        let token = node.login("ana.nzl").await;
        let mrz = td3("FP1234567", "FJI", "DOE", "JANE");
        let response =
            node.call(Method::POST, "/api/v1/screening/documents", Some(&token), Some(json!({ "mrz": mrz }))).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.json);
        assert_eq!(response.json["valid"], true, "{}", response.json);
        assert_eq!(response.json["matches"][0]["watchlist_id"], id.as_str());
        assert_eq!(response.json["matches"][0]["list"], "document_alerts");
        let reasons = response.json["matches"][0]["reasons"].to_string();
        assert!(reasons.contains("series FP12") && reasons.contains("counterfeit"), "{reasons}");

        // Withdrawn: the outbox moves and the alert no longer matches.
        let officer = node.login("officer.fji").await;
        let withdrawn = node
            .call(
                Method::POST,
                &format!("/api/v1/items/{id}/withdraw"),
                Some(&officer),
                Some(json!({ "comment": "recalled" })),
            )
            .await;
        assert_eq!(withdrawn.status, StatusCode::OK, "{}", withdrawn.json);
        assert!(alert_matches(&node, "ana.nzl", "FP1234567").await.is_empty());
        assert!(alert_matches(&node, "border.fji", "FP1234567").await.is_empty());
    }
}

#[tokio::test]
async fn unreadable_lists_make_screening_unavailable_not_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let persons = dir.path().join("persons.csv");
    std::fs::write(&persons, "id,name,aliases,date_of_birth,nationality,sex,reason\nW-1,,,,,,\n").unwrap();
    let config = ServerConfig {
        screening: ScreeningConfig {
            persons: vec![persons],
            documents: vec![dir.path().join("missing.csv")],
            rules: None,
        },
        ..ServerConfig::default()
    };
    for node in nodes_with(config).await {
        let token = node.login("border.fji").await;
        let response = node
            .call(Method::POST, "/api/v1/screening/travellers", Some(&token), Some(json!({ "surname": "X" })))
            .await;
        assert_eq!(response.status, StatusCode::SERVICE_UNAVAILABLE, "{}", response.json);
        assert_eq!(response.json["code"], "unavailable");
        assert!(!response.json.to_string().contains("persons.csv"), "no paths to callers: {}", response.json);
    }
}

#[tokio::test]
async fn the_portal_page_shows_a_manifests_hits_first() {
    let (nodes, _dir) = screening_nodes().await;
    for node in nodes {
        let officer = node.portal_login("border.fji").await;
        let form = node.page(&officer, "/screening").await;
        assert_eq!(form.status, StatusCode::OK);

        let page =
            node.post_multipart(&officer, "/screening", &[("file", Some("fj391.csv"), MANIFEST.as_bytes())]).await;
        assert_eq!(page.status, StatusCode::OK);
        let html = String::from_utf8(page.bytes).unwrap();
        assert!(html.contains("2 hit") && html.contains("1 to review") && html.contains("1 clear"), "{html}");
        // Hits, then the traveller to review, then (folded away) the clear one.
        let at = |needle: &str| html.find(needle).unwrap_or_else(|| panic!("{needle} not on the page"));
        let (hit, review, clear) = (at("MUHAMMAD YUSUF"), at("Not screened"), at("JOHN SMITH"));
        assert!(hit < review && review < clear, "order: {hit} {review} {clear}");
        assert!(html.contains("day and month swapped"), "a hit explains itself");
        assert!(html.contains("row 5, column date_of_birth"), "the bad row is named");
        assert!(html.contains("Documents watchlist D-1"));
        assert_eq!(audit(&node, "screening.manifest").await.len(), 1, "the portal run is audited");

        // Pasted text works too; an unreadable manifest is a message on the page, not a failure.
        let pasted = node.post_multipart(&officer, "/screening", &[("text", None, PAXLST.as_bytes())]).await;
        assert!(String::from_utf8(pasted.bytes).unwrap().contains("UN/EDIFACT PAXLST · GW7"));
        let bad = node.post_multipart(&officer, "/screening", &[("text", None, b"id,name\nx,y\n")]).await;
        assert_eq!(bad.status, StatusCode::OK);
        let bad = String::from_utf8(bad.bytes).unwrap();
        assert!(bad.contains("header is not the expected one") && bad.contains("row 1"), "{bad}");
        let empty = node.post_multipart(&officer, "/screening", &[("file", Some("empty.csv"), b"")]).await;
        assert!(String::from_utf8(empty.bytes).unwrap().contains("Choose a manifest file or paste one."));

        // Without the form's CSRF token nothing is screened; roles that do not screen are refused.
        let forged = PortalSession { cookie: officer.cookie.clone(), csrf: "forged".into() };
        let refused = node.post_multipart(&forged, "/screening", &[("text", None, MANIFEST.as_bytes())]).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        let auditor = node.portal_login("auditor.fji").await;
        assert_eq!(node.page(&auditor, "/screening").await.status, StatusCode::FORBIDDEN);
        assert_eq!(audit(&node, "screening.manifest").await.len(), 2, "unread manifests screen nobody");
    }
}

const NATIONAL_PERSONS: &str = "id,name,aliases,date_of_birth,nationality,sex,reason
N-1,Sefanaia Koroi,,1971-04-02,FJI,M,wanted by Fiji police
";

const NATIONAL_DOCUMENTS: &str = "id,document_number,issuing_state,document_type,status,reason
ND-1,FN7654321,FJI,P,stolen,blank stolen in Suva
";

async fn upload_list(node: &Node, user: &str, query: &str, csv: &str) -> Response {
    let token = node.login(user).await;
    let request = Request::builder()
        .method(Method::POST)
        .uri(format!("/api/v1/screening/lists?{query}"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "text/csv");
    node.send(request.body(Body::from(csv.to_owned())).unwrap()).await
}

/// Tokens signed in once per user: sign-ins are rate-limited.
#[derive(Default)]
struct Tokens(HashMap<String, String>);

impl Tokens {
    async fn of(&mut self, node: &Node, user: &str) -> String {
        if let Some(token) = self.0.get(user) {
            return token.clone();
        }
        let token = node.login(user).await;
        self.0.insert(user.to_owned(), token.clone());
        token
    }
}

/// The national list matches (list and id) of a traveller screened with `token`.
async fn national_matches(node: &Node, token: &str) -> Vec<(String, String)> {
    let traveller = json!({ "surname": "KOROI", "given_names": "SEFANAIA", "date_of_birth": "1971-04-02",
                            "sex": "M", "nationality": "FJI",
                            "documents": [{ "number": "FN7654321", "issuing_state": "FJI" }] });
    let response = node.call(Method::POST, "/api/v1/screening/travellers", Some(token), Some(traveller)).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.json);
    let matches = response.json["matches"].as_array().unwrap();
    matches
        .iter()
        .filter(|m| m["list"].as_str().unwrap().starts_with("national_"))
        .map(|m| (m["list"].as_str().unwrap().to_owned(), m["watchlist_id"].as_str().unwrap().to_owned()))
        .collect()
}

/// The national list matches (ids) of the MRZ of Fiji's stolen blank checked with `token`.
async fn national_document_matches(node: &Node, token: &str) -> Vec<String> {
    let mrz = td3("FN7654321", "FJI", "KOROI", "SEFANAIA");
    let response =
        node.call(Method::POST, "/api/v1/screening/documents", Some(token), Some(json!({ "mrz": mrz }))).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.json);
    let matches = response.json["matches"].as_array().unwrap();
    assert!(matches.iter().all(|m| m["list"] == "national_documents"), "{}", response.json);
    matches.iter().map(|m| m["watchlist_id"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn a_members_own_lists_screen_its_officers_and_released_lists_follow_the_policy() {
    let (nodes, _dir) = screening_nodes().await;
    for node in nodes {
        let mut tokens = Tokens::default();
        assert!(
            national_matches(&node, &tokens.of(&node, "border.fji").await).await.is_empty(),
            "no national list yet"
        );

        // A Fiji analyst uploads Fiji's persons list: every Fiji officer is screened against it.
        let persons = upload_list(&node, "ana.fji", "kind=persons&name=wanted", NATIONAL_PERSONS).await;
        assert_eq!(persons.status, StatusCode::CREATED, "{}", persons.json);
        assert_eq!(persons.json["entries"], 1);
        assert_eq!(persons.json["tlp"], "AMBER");
        let persons_id = persons.json["id"].as_str().unwrap().to_owned();
        let fiji = vec![("national_persons".to_owned(), "FJI/wanted/N-1".to_owned())];
        assert_eq!(national_matches(&node, &tokens.of(&node, "border.fji").await).await, fiji);
        assert_eq!(national_matches(&node, &tokens.of(&node, "ana.fji").await).await, fiji);
        assert_eq!(
            national_matches(&node, &tokens.of(&node, "police.fji").await).await,
            fiji,
            "another Fiji organisation"
        );
        // Not released: New Zealand is not screened against it.
        assert!(national_matches(&node, &tokens.of(&node, "ana.nzl").await).await.is_empty());

        // A documents list released to New Zealand under the MoU (document fraud, up to RESTRICTED).
        let documents = upload_list(
            &node,
            "ana.fji",
            "kind=documents&name=stolen%20blanks&category=document_fraud&classification=RESTRICTED&release=NZL",
            NATIONAL_DOCUMENTS,
        )
        .await;
        assert_eq!(documents.status, StatusCode::CREATED, "{}", documents.json);
        let stolen = ("national_documents".to_owned(), "FJI/stolen blanks/ND-1".to_owned());
        assert_eq!(national_matches(&node, &tokens.of(&node, "ana.nzl").await).await, vec![stolen.clone()]);
        assert!(national_matches(&node, &tokens.of(&node, "ana.ton").await).await.is_empty(), "not released to Tonga");
        assert!(
            national_matches(&node, &tokens.of(&node, "low.nzl").await).await.is_empty(),
            "cleared below RESTRICTED"
        );
        // The same lists answer a document check of the blank's MRZ.
        for user in ["border.fji", "ana.nzl"] {
            assert_eq!(
                national_document_matches(&node, &tokens.of(&node, user).await).await,
                vec![stolen.1.clone()],
                "{user}"
            );
        }
        for user in ["ana.ton", "low.nzl"] {
            assert!(national_document_matches(&node, &tokens.of(&node, user).await).await.is_empty(), "{user}");
        }
        let mut both = national_matches(&node, &tokens.of(&node, "border.fji").await).await;
        both.sort();
        assert_eq!(both, vec![stolen.clone(), fiji[0].clone()]);

        // A persons list released to New Zealand is not used there: the MoU does not cover personal data.
        let released = upload_list(
            &node,
            "ana.fji",
            "kind=persons&name=wanted&category=document_fraud&release=NZL",
            NATIONAL_PERSONS,
        )
        .await;
        assert_eq!(released.status, StatusCode::CREATED, "{}", released.json);
        assert_eq!(national_matches(&node, &tokens.of(&node, "ana.nzl").await).await, vec![stolen.clone()]);
        // Uploading under the same name replaced the first persons list.
        let token = tokens.of(&node, "ana.fji").await;
        let lists = node.call(Method::GET, "/api/v1/screening/lists", Some(&token), None).await;
        let names: Vec<&str> =
            lists.json["lists"].as_array().unwrap().iter().map(|l| l["name"].as_str().unwrap()).collect();
        assert_eq!(names.len(), 2, "{}", lists.json);
        assert!(!lists.json.to_string().contains(&persons_id), "replaced");
        let nzl = tokens.of(&node, "ana.nzl").await;
        let seen = node.call(Method::GET, "/api/v1/screening/lists", Some(&nzl), None).await;
        let seen: Vec<&str> =
            seen.json["lists"].as_array().unwrap().iter().map(|l| l["name"].as_str().unwrap()).collect();
        assert_eq!(seen, vec!["stolen blanks"], "New Zealand sees the list it uses only");

        // Uploads and uses are in the audit trail, without personal data.
        let uploads = audit(&node, "screening.list.upload").await;
        assert_eq!(uploads.len(), 3);
        let detail = |record: &Value| serde_json::from_str::<Value>(record["detail"].as_str().unwrap()).unwrap();
        assert!(detail(&uploads[2])["replaced"].to_string().contains(&persons_id), "{}", uploads[2]);
        let runs = audit(&node, "screening.traveller").await;
        let last = detail(runs.last().unwrap());
        assert_eq!(last["national_matches"], 1, "{last}");
        assert_eq!(last["national_lists"].as_array().unwrap().len(), 1, "{last}");
        assert!(!runs.iter().any(|r| r.to_string().contains("KOROI") || r.to_string().contains("FN7654321")));
        let checks = audit(&node, "screening.document").await;
        let uses: Vec<(Value, usize)> = checks
            .iter()
            .map(detail)
            .map(|d| (d["national_matches"].clone(), d["national_lists"].as_array().map_or(0, Vec::len)))
            .collect();
        let expected = [(json!(1), 2), (json!(1), 1), (json!(0), 0), (json!(0), 0)];
        assert_eq!(uses, expected, "Fiji's officer uses both lists, New Zealand's analyst the released one");
        assert!(!checks.iter().any(|r| r.to_string().contains("KOROI") || r.to_string().contains("FN7654321")));

        // Only the member's focal point and analysts manage its lists; a deleted list no longer screens.
        let refused = upload_list(&node, "border.fji", "kind=persons&name=x", NATIONAL_PERSONS).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        let list_id = documents.json["id"].as_str().unwrap();
        let path = format!("/api/v1/screening/lists/{list_id}");
        let other = node.call(Method::DELETE, &path, Some(&nzl), None).await;
        assert_eq!(other.status, StatusCode::NOT_FOUND, "another member's list");
        let deleted = node.call(Method::DELETE, &path, Some(&token), None).await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT);
        assert!(national_matches(&node, &tokens.of(&node, "ana.nzl").await).await.is_empty());
        assert!(national_document_matches(&node, &tokens.of(&node, "ana.nzl").await).await.is_empty());
        assert_eq!(audit(&node, "screening.list.delete").await.len(), 1);
    }
}

#[tokio::test]
async fn a_defective_list_is_refused_with_every_bad_row_named() {
    let (nodes, _dir) = screening_nodes().await;
    for node in nodes {
        let bad = "id,name,aliases,date_of_birth,nationality,sex,reason
N-1,Sefanaia Koroi,,1971-13-02,FJI,M,wanted
N-2,,,1971,FJI,M,wanted
N-3,Good Name,,1980,FJI,Q,wanted
";
        let response = upload_list(&node, "nfp.nzl", "kind=persons&name=wanted", bad).await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", response.json);
        let fields: Vec<&str> =
            response.json["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, vec!["row 2, column date_of_birth", "row 3, column name", "row 4, column sex"]);

        let header = upload_list(&node, "nfp.nzl", "kind=documents&name=x", NATIONAL_PERSONS).await;
        assert_eq!(header.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(header.json["errors"][0]["field"], "row 1", "{}", header.json);
        let markings =
            upload_list(&node, "nfp.nzl", "kind=people&name=&classification=SECRET&tlp=PINK", NATIONAL_PERSONS).await;
        let fields: Vec<&str> =
            markings.json["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, vec!["kind", "name", "classification", "tlp"], "{}", markings.json);
        let empty = upload_list(&node, "nfp.nzl", "kind=persons&name=x", "").await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);

        let token = node.login("nfp.nzl").await;
        let lists = node.call(Method::GET, "/api/v1/screening/lists", Some(&token), None).await;
        assert_eq!(lists.json["lists"], json!([]), "nothing stored");
        assert!(audit(&node, "screening.list.upload").await.is_empty());
    }
}

#[tokio::test]
async fn the_portal_uploads_a_members_list_and_screens_manifests_with_it() {
    let (nodes, _dir) = screening_nodes().await;
    for node in nodes {
        let nfp = node.portal_login("nfp.nzl").await;
        let page = node.page(&nfp, "/").await;
        assert!(page.text().contains("href=\"/screening/lists\""), "the focal point's navigation links the lists");
        assert_eq!(node.page(&nfp, "/screening/lists").await.status, StatusCode::OK);
        let bad = "id,name,aliases,date_of_birth,nationality,sex,reason\nN-1,Sefanaia Koroi,,1971-02-31,FJI,M,x\n";
        let refused = node
            .post_multipart(
                &nfp,
                "/screening/lists",
                &[("kind", None, b"persons"), ("name", None, b"wanted"), ("file", Some("wanted.csv"), bad.as_bytes())],
            )
            .await;
        assert_eq!(refused.status, StatusCode::OK);
        let html = refused.text();
        assert!(html.contains("row 2, column date_of_birth"), "{html}");
        assert!(html.contains("value=\"wanted\""), "the form keeps what was typed");

        let stored = node
            .post_multipart(
                &nfp,
                "/screening/lists",
                &[
                    ("kind", None, b"persons"),
                    ("name", None, b"wanted"),
                    ("classification", None, b"IN-CONFIDENCE"),
                    ("tlp", None, b"AMBER"),
                    ("file", Some("wanted.csv"), NATIONAL_PERSONS.as_bytes()),
                ],
            )
            .await;
        assert_eq!(stored.status, StatusCode::SEE_OTHER, "{}", stored.text());
        let listed = node.page(&nfp, &stored.location()).await.text();
        assert!(listed.contains("wanted") && listed.contains("IN-CONFIDENCE"), "{listed}");

        let officer = node.portal_login("ana.nzl").await;
        let manifest = format!(
            "{}T9,KOROI,SEFANAIA,1971-04-02,M,FJI,P,FX0000009,FJI,2030-01-01,NAN,SYD\n",
            MANIFEST.lines().next().unwrap().to_owned() + "\n"
        );
        let screened =
            node.post_multipart(&officer, "/screening", &[("file", Some("fj9.csv"), manifest.as_bytes())]).await;
        let html = screened.text();
        assert!(html.contains("1 hit") && html.contains("National persons list NZL/wanted/N-1"), "{html}");
        let border = node.portal_login("border.fji").await;
        let lists = node.page(&border, "/screening/lists").await.text();
        assert!(lists.contains("No list yet") && !lists.contains("Upload a list"), "not released to Fiji; no form");
    }
}
