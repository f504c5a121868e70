//! Incident analysis (issue 4, point 4) through the API and the portal: only
//! the published records the caller may read are counted (another member's
//! unreleased records and drafts are not), every result comes as CSV with the
//! same numbers as the JSON, CSV downloads are audited, bad parameters are
//! named with 422, and the page draws its charts, map and tables.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};

use crate::harness::{Node, nodes};

/// A people-smuggling record: `persons` of `nationality` on `route`
/// (origin, transits, destination), released to `release`.
fn record(occurred_on: &str, nationality: &str, persons: u32, route: (&str, &[&str], &str), release: &[&str]) -> Value {
    json!({
        "title": format!("{persons} {nationality} nationals"),
        "category": "people_smuggling",
        "details": {
            "kind": "incident_record",
            "occurred_on": occurred_on,
            "persons": persons,
            "profile": [{ "nationality": nationality, "count": persons }],
            "route": { "origin": route.0, "transit": route.1, "destination": route.2 },
            "method_type": "fraudulent_documents",
            "documents": [{ "document_type": "passport", "issuing_state": "NZL", "fraud_type": "counterfeit" }]
        },
        "classification": 1,
        "tlp": "AMBER",
        "release": { "members": release },
        "environment": "air"
    })
}

/// Fiji publishes one record released to New Zealand and one kept at home,
/// and leaves a third as a draft.
async fn seed(node: &Node) {
    node.publish_fiji(record("2026-09-14", "LKA", 3, ("LKA", &["SGP"], "NZL"), &["NZL"])).await;
    node.publish_fiji(record("2026-10-02", "AFG", 7, ("AFG", &["IDN", "SGP"], "AUS"), &[])).await;
    let ana = node.login("ana.fji").await;
    let draft = record("2026-10-20", "IRN", 20, ("IRN", &[], "AUS"), &["NZL"]);
    let created = node.call(Method::POST, "/api/v1/items", Some(&ana), Some(draft)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.json);
}

async fn get(node: &Node, token: &str, path: &str) -> crate::harness::Response {
    node.call(Method::GET, &format!("/api/v1/analysis/incidents/{path}"), Some(token), None).await
}

#[tokio::test]
async fn only_records_the_viewer_may_read_are_counted() {
    for node in nodes().await {
        seed(&node).await;
        let (fji, nzl, ton) = (node.login("ana.fji").await, node.login("ana.nzl").await, node.login("ana.ton").await);

        // Fiji sees both published records, not the draft.
        let top = get(&node, &fji, "top?by=origin").await;
        assert_eq!(top.status, StatusCode::OK, "{}", top.json);
        assert_eq!(top.json["totals"], json!({ "incidents": 2, "persons": 10 }));
        assert_eq!(
            top.json["rows"],
            json!([{ "key": "AFG", "incidents": 1, "persons": 7 }, { "key": "LKA", "incidents": 1, "persons": 3 }])
        );
        // New Zealand: only the record released to it; Fiji's own stays out.
        let top = get(&node, &nzl, "top?by=nationality").await;
        assert_eq!(top.json["totals"], json!({ "incidents": 1, "persons": 3 }));
        assert_eq!(top.json["rows"], json!([{ "key": "LKA", "incidents": 1, "persons": 3 }]));
        let trend = get(&node, &nzl, "trend?by=transit").await;
        assert_eq!(trend.json["points"], json!([{ "month": "2026-09", "key": "SGP", "incidents": 1, "persons": 3 }]));
        let routes = get(&node, &nzl, "routes").await;
        assert_eq!(
            routes.json["hops"],
            json!([
                { "from_role": "origin", "from": "LKA", "to_role": "transit", "to": "SGP", "incidents": 1, "persons": 3 },
                { "from_role": "transit", "from": "SGP", "to_role": "destination", "to": "NZL", "incidents": 1, "persons": 3 }
            ])
        );
        // Filters narrow, they never widen: asking for Afghanistan shows New Zealand nothing.
        let afg = get(&node, &nzl, "trend?nationality=AFG").await;
        assert_eq!(afg.json["totals"], json!({ "incidents": 0, "persons": 0 }));
        // Tonga has nothing released to it.
        let none = get(&node, &ton, "routes").await;
        assert_eq!(
            (none.json["totals"]["incidents"].as_u64(), none.json["hops"].as_array().unwrap().len()),
            (Some(0), 0)
        );
        // Fiji's routes: SGP → … counted once per record even where two records pass it.
        let routes = get(&node, &fji, "routes?country=SGP").await;
        let hops = routes.json["hops"].as_array().unwrap();
        assert_eq!(hops.len(), 5, "{}", routes.json);
        assert_eq!(hops.iter().map(|h| h["incidents"].as_u64().unwrap()).sum::<u64>(), 5);

        // Roles that read no content are refused, not shown zeros.
        for who in ["admin.fji", "auditor.fji", "border.fji"] {
            let token = node.login(who).await;
            assert_eq!(get(&node, &token, "trend").await.status, StatusCode::FORBIDDEN, "{who}");
        }
    }
}

/// `(header, rows)` of a CSV body.
fn csv(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    let mut lines = text.lines().map(|l| l.split(',').map(str::to_owned).collect::<Vec<_>>());
    (lines.next().unwrap(), lines.collect())
}

fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[tokio::test]
async fn every_chart_downloads_as_csv_with_the_numbers_of_the_json() {
    for node in nodes().await {
        seed(&node).await;
        let fji = node.login("ana.fji").await;
        for (path, list, columns) in [
            ("trend?by=nationality&from=2026-09&to=2026-10", "points", vec!["month", "key", "incidents", "persons"]),
            ("top?by=transit&limit=5", "rows", vec!["key", "incidents", "persons"]),
            ("routes?limit=10", "hops", vec!["from_role", "from", "to_role", "to", "incidents", "persons"]),
        ] {
            let as_json = get(&node, &fji, path).await;
            assert_eq!(as_json.status, StatusCode::OK, "{path}: {}", as_json.json);
            let from_json: Vec<Vec<String>> = as_json.json[list]
                .as_array()
                .unwrap()
                .iter()
                .map(|row| columns.iter().map(|c| cell(&row[*c])).collect())
                .collect();
            assert!(!from_json.is_empty(), "{path}");
            let by_format = get(&node, &fji, &format!("{path}&format=csv")).await;
            assert_eq!(by_format.status, StatusCode::OK);
            assert!(by_format.headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/csv"));
            assert!(by_format.headers[header::CONTENT_DISPOSITION].to_str().unwrap().contains("attachment"));
            let request = Request::builder()
                .uri(format!("/api/v1/analysis/incidents/{path}"))
                .header(header::AUTHORIZATION, format!("Bearer {fji}"))
                .header(header::ACCEPT, "text/csv");
            let by_accept = node.send(request.body(Body::empty()).unwrap()).await;
            assert_eq!(by_accept.bytes, by_format.bytes, "{path}");
            let (head, rows) = csv(&by_format.bytes);
            assert_eq!(head.len(), columns.len(), "{path}: {head:?}");
            assert_eq!(rows, from_json, "{path}");
        }
        let header = csv(&get(&node, &fji, "top?by=document_type&format=csv").await.bytes).0;
        assert_eq!(header, ["document_type", "incidents", "persons"]);

        // Downloads are audited with what was asked, views are not.
        let auditor = node.login("auditor.fji").await;
        let audit =
            node.call(Method::GET, "/api/v1/audit?action=analysis.export&limit=100", Some(&auditor), None).await;
        let records = audit.json.as_array().unwrap();
        assert_eq!(records.len(), 7, "{}", audit.json);
        let detail: Value =
            serde_json::from_str(records.iter().find(|r| r["target"] == "trend").unwrap()["detail"].as_str().unwrap())
                .unwrap();
        assert_eq!(detail["query"]["by"], "nationality");
        assert_eq!(detail["rows"], 2);
    }
}

#[tokio::test]
async fn bad_parameters_are_named_and_never_fail() {
    for node in nodes().await {
        let fji = node.login("ana.fji").await;
        for (query, field) in [
            ("trend?by=colour", "by"),
            ("trend?from=2026-13-01", "from"),
            ("top?to=last%20week", "to"),
            ("top?from=2026-10&to=2026-09", "to"),
            ("routes?country=ZZZ", "country"),
            ("routes?nationality=12", "nationality"),
            ("trend?member=not-a-member", "member"),
            ("trend?method=teleport", "method"),
            ("trend?category=weather", "category"),
            ("top?limit=100000", "limit"),
            ("top?limit=ten", "limit"),
            ("routes?format=pdf", "format"),
        ] {
            let answer = get(&node, &fji, query).await;
            assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {}", answer.json);
            assert_eq!(answer.json["errors"][0]["field"], field, "{query}");
        }
        let doc = node.call(Method::GET, "/api/openapi.json", None, None).await;
        for path in ["trend", "top", "routes"] {
            assert!(doc.json["paths"].get(format!("/api/v1/analysis/incidents/{path}")).is_some(), "{path}");
        }
    }
}

#[tokio::test]
async fn the_page_draws_charts_map_and_tables_for_readers_only() {
    for node in nodes().await {
        seed(&node).await;
        let nzl = node.portal_login("ana.nzl").await;
        let page = node.page(&nzl, "/analysis?by=origin").await;
        assert_eq!(page.status, StatusCode::OK);
        let html = page.text();
        assert!(html.contains(r#"href="/analysis" aria-current="page""#), "navigation link");
        assert!(html.contains(r#"<span class="stat">1</span> incident records"#));
        assert!(html.contains("Sri Lanka (LKA)"));
        assert!(!html.contains("Afghanistan (AFG)"), "Fiji's unreleased record shows on the page");
        for title in
            ["Incident records per month by origin", "Route map", "Flows from origin through transit to destination"]
        {
            assert!(html.contains(title), "{title}");
        }
        assert!(html.contains("Sri Lanka → Singapore: 1 records, 3 persons"));
        assert_eq!(html.matches("Download CSV").count(), 3);
        assert!(html.contains("/api/v1/analysis/incidents/routes?"));
        // Nothing fetched from elsewhere: no tiles, no remote script or image.
        assert!(!html.contains(r#"src="http"#) && !html.contains("<image"), "external assets");

        let bad = node.page(&nzl, "/analysis?from=someday").await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.text().contains("from: must be a date"));

        let border = node.portal_login("border.fji").await;
        assert_eq!(node.page(&border, "/analysis").await.status, StatusCode::FORBIDDEN);
        assert!(!node.page(&border, "/").await.text().contains(r#"href="/analysis""#));
    }
}
