//! Early warning (issue 4, point 6) through the API and the portal: a rising
//! series is shown only to those who may read its records, a displacement
//! only to a viewer who may read both of its records (with both records'
//! provenance), bad parameters are named with 422, and the page renders both.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{Node, nodes};

/// A record of `nationality` using `document` (type, issuing state, fraud type), released to `release`.
fn record(occurred_on: &str, nationality: &str, document: (&str, &str, &str), release: &[&str]) -> Value {
    json!({
        "title": format!("{nationality} nationals on {occurred_on}"),
        "category": "document_fraud",
        "details": {
            "kind": "incident_record",
            "occurred_on": occurred_on,
            "persons": 1,
            "profile": [{ "nationality": nationality, "count": 1 }],
            "documents": [{ "document_type": document.0, "issuing_state": document.1, "fraud_type": document.2 }]
        },
        "classification": 1,
        "tlp": "AMBER",
        "release": { "members": release }
    })
}

const NZL_PASSPORT: (&str, &str, &str) = ("passport", "NZL", "counterfeit");
const AUS_VISA: (&str, &str, &str) = ("visa", "AUS", "forged");

/// Ids of Fiji's and New Zealand's records of each scheme.
struct Seeded {
    fji_passport: String,
    nzl_passport: String,
    fji_visa: String,
    nzl_visa: String,
}

/// The clock stands at 2026-11-01: October is the month judged by default.
async fn seed(node: &Node) -> Seeded {
    let (ana_fji, officer_fji) = (node.login("ana.fji").await, node.login("officer.fji").await);
    let (ana_nzl, officer_nzl) = (node.login("ana.nzl").await, node.login("officer.nzl").await);
    // Fiji saw the counterfeit NZ passport in March and told New Zealand;
    // New Zealand saw it in October and told Fiji.
    let fji_passport = node.publish(&ana_fji, &officer_fji, record("2026-03-10", "LKA", NZL_PASSPORT, &["NZL"])).await;
    let nzl_passport = node.publish(&ana_nzl, &officer_nzl, record("2026-10-02", "LKA", NZL_PASSPORT, &["FJI"])).await;
    // Fiji kept its forged visa to itself; New Zealand told Fiji of its own.
    let fji_visa = node.publish(&ana_fji, &officer_fji, record("2026-04-05", "IRN", AUS_VISA, &[])).await;
    let nzl_visa = node.publish(&ana_nzl, &officer_nzl, record("2026-10-05", "IRN", AUS_VISA, &["FJI"])).await;
    // Three Afghan cases in October at Fiji, kept at home: a new series.
    for day in ["2026-10-10", "2026-10-12", "2026-10-20"] {
        node.publish(&ana_fji, &officer_fji, record(day, "AFG", ("passport", "AFG", "impostor"), &[])).await;
    }
    Seeded { fji_passport, nzl_passport, fji_visa, nzl_visa }
}

async fn warnings(node: &Node, token: &str, query: &str) -> crate::harness::Response {
    node.call(Method::GET, &format!("/api/v1/analysis/incidents/warnings{query}"), Some(token), None).await
}

fn pairs(body: &Value) -> Vec<(String, String, String)> {
    body["displacements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["signature"]["issuing_state"].as_str().unwrap_or_default().to_owned(),
                d["first"]["item_id"].as_str().unwrap().to_owned(),
                d["then"]["item_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn rises(body: &Value) -> Vec<(String, String)> {
    body["rises"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["dimension"].as_str().unwrap().to_owned(), r["key"].as_str().unwrap().to_owned()))
        .collect()
}

#[tokio::test]
async fn warnings_show_only_what_the_viewer_may_read() {
    for node in nodes().await {
        let s = seed(&node).await;
        let (fji, nzl, ton) = (node.login("ana.fji").await, node.login("ana.nzl").await, node.login("ana.ton").await);

        let seen = warnings(&node, &fji, "").await;
        assert_eq!(seen.status, StatusCode::OK, "{}", seen.json);
        assert_eq!(seen.json["month"], "2026-10");
        // Fiji reads all four: both schemes moved from Fiji to New Zealand.
        assert_eq!(
            pairs(&seen.json),
            vec![
                ("AUS".into(), s.fji_visa.clone(), s.nzl_visa.clone()),
                ("NZL".into(), s.fji_passport.clone(), s.nzl_passport.clone()),
            ],
            "{}",
            seen.json
        );
        let first = &seen.json["displacements"][1];
        assert_eq!((first["first"]["member"].as_str(), first["then"]["member"].as_str()), (Some("FJI"), Some("NZL")));
        assert_eq!((first["first"]["occurred_on"].as_str(), first["days"].as_i64()), (Some("2026-03-10"), Some(206)));
        assert!(rises(&seen.json).contains(&("nationality".into(), "AFG".into())), "{}", seen.json);

        // New Zealand may not read Fiji's visa record: that displacement, and
        // Fiji's Afghan cases, are not shown to it; the passport one is.
        let theirs = warnings(&node, &nzl, "").await;
        assert_eq!(
            pairs(&theirs.json),
            vec![("NZL".into(), s.fji_passport.clone(), s.nzl_passport.clone())],
            "{}",
            theirs.json
        );
        assert!(!theirs.json.to_string().contains(&s.fji_visa), "{}", theirs.json);
        assert!(!rises(&theirs.json).iter().any(|(_, key)| key == "AFG"), "{}", theirs.json);

        // Tonga reads none of them.
        let none = warnings(&node, &ton, "").await;
        assert_eq!((none.json["rises"].clone(), none.json["displacements"].clone()), (json!([]), json!([])));

        // Five months: too short to span March or April to October.
        let short = warnings(&node, &fji, "?window=5").await;
        assert_eq!(pairs(&short.json), vec![], "{}", short.json);
        // Judged in September, October's records are not there yet.
        let before = warnings(&node, &fji, "?month=2026-09").await;
        assert!(rises(&before.json).is_empty(), "{}", before.json);
    }
}

#[tokio::test]
async fn bad_parameters_are_named_and_some_roles_are_refused() {
    for node in nodes().await {
        let fji = node.login("ana.fji").await;
        for (query, field) in [
            ("?month=2026-13", "month"),
            ("?month=2027-01", "month"),
            ("?baseline=1", "baseline"),
            ("?window=x", "window"),
            ("?by=colour", "by"),
            ("?nationality=QQQ", "nationality"),
        ] {
            let bad = warnings(&node, &fji, query).await;
            assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {}", bad.json);
            assert!(bad.json.to_string().contains(field), "{query}: {}", bad.json);
        }
        let admin = node.login("admin.fji").await;
        assert_eq!(warnings(&node, &admin, "").await.status, StatusCode::FORBIDDEN);
        let doc = node.call(Method::GET, "/api/openapi.json", None, None).await;
        assert!(doc.json["paths"].get("/api/v1/analysis/incidents/warnings").is_some());
    }
}

#[tokio::test]
async fn the_page_shows_both_records_of_a_displacement() {
    for node in nodes().await {
        let s = seed(&node).await;
        let session = node.portal_login("ana.nzl").await;
        let page = node.page(&session, "/analysis/warnings").await;
        assert_eq!(page.status, StatusCode::OK);
        let html = page.text();
        assert!(html.contains("Early warning"));
        assert!(html.contains("Counterfeit passport of New Zealand (NZL)"), "{html}");
        assert!(html.contains(&format!(r#"href="/items/{}""#, s.fji_passport)));
        assert!(html.contains(&format!(r#"href="/items/{}""#, s.nzl_passport)));
        assert!(!html.contains(&s.fji_visa), "a record New Zealand may not read");
        // The members concerned find it among their notifications; Tonga,
        // which reads neither record, does not.
        let notices = node.page(&session, "/notifications").await.text();
        assert!(notices.contains("Schemes moving to or from your member"), "{notices}");
        assert!(notices.contains(&format!(r#"href="/items/{}""#, s.fji_passport)));
        assert!(!notices.contains(&s.fji_visa), "a record New Zealand may not read");
        let tonga = node.portal_login("ana.ton").await;
        let theirs = node.page(&tonga, "/notifications").await.text();
        assert!(!theirs.contains("Schemes moving") && !theirs.contains(&s.fji_passport), "{theirs}");
        let bad = node.page(&session, "/analysis/warnings?window=0").await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.text().contains("window"));
    }
}
