//! `GET /api/v1/search`: an alert released to New Zealand is found by New
//! Zealand, with its facets, and by nobody the policy keeps out; bad parameters
//! are named.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use godwit_server::ServerConfig;

use crate::harness::{Node, nodes, nodes_with};

/// A published Fiji alert released to New Zealand; returns its id.
async fn publish(node: &Node) -> String {
    let content = json!({
        "title": "Counterfeit Fijian passports, series FP12",
        "summary": "A series of counterfeit passports seen at Nadi.",
        "body": "Forged biodata pages on passports presented at **NAN**.",
        "category": "document_fraud",
        "details": { "kind": "alert", "alert_type": "document_fraud" },
        "classification": 2,
        "tlp": "AMBER",
        "release": { "members": ["NZL"] },
        "tags": ["godwit:document-fraud"],
        "countries": [{ "code": "FJI", "role": "issuing_state" }],
        "environment": "air"
    });
    node.publish_fiji(content).await
}

async fn search(node: &Node, username: &str, query: &str) -> (StatusCode, Value) {
    let token = node.login(username).await;
    let response = node.call(Method::GET, &format!("/api/v1/search?{query}"), Some(&token), None).await;
    (response.status, response.json)
}

fn hit_ids(json: &Value) -> Vec<String> {
    json["hits"]
        .as_array()
        .map_or(vec![], |hits| hits.iter().map(|h| h["item"]["id"].as_str().unwrap_or_default().to_owned()).collect())
}

#[tokio::test]
async fn search_finds_exactly_what_the_reader_may_see() {
    // Each search signs in afresh: more sign-ins than the default throttle allows a minute.
    let config = ServerConfig { login_attempts_per_minute: 1_000, ..ServerConfig::default() };
    for node in nodes_with(config).await {
        let id = publish(&node).await;
        // Before the indexer catches up, nothing is found.
        let (status, json) = search(&node, "ana.nzl", "q=passports").await;
        assert_eq!((status, json["total"].as_u64()), (StatusCode::OK, Some(0)));
        node.catch_up().await;

        let (status, json) = search(&node, "ana.nzl", "q=forging+passport").await;
        assert_eq!(status, StatusCode::OK, "{json}");
        assert_eq!(hit_ids(&json), std::slice::from_ref(&id));
        assert_eq!(json["total"], 1);
        assert_eq!(json["hits"][0]["item"]["title"], "Counterfeit Fijian passports, series FP12");
        assert!(json["hits"][0]["snippet_html"].as_str().unwrap_or_default().contains("<b>Forged</b>"), "{json}");
        assert_eq!(json["facets"]["kind"], json!([{ "value": "alert", "count": 1 }]));
        assert_eq!(json["facets"]["country_issuing_state"], json!([{ "value": "FJI", "count": 1 }]));
        assert_eq!(json["facets"]["environment"], json!([{ "value": "air", "count": 1 }]));

        // Filters: matching and not matching.
        let (_, json) = search(
            &node,
            "ana.nzl",
            "kind=alert,incident_record&country=fji&country_role=issuing_state&tlp=amber&classification=RESTRICTED",
        )
        .await;
        assert_eq!(hit_ids(&json), std::slice::from_ref(&id), "{json}");
        let (_, json) = search(&node, "ana.nzl", "environment=sea").await;
        assert_eq!(json["total"], 0);
        let (_, json) =
            search(&node, "ana.nzl", "published_from=2026-10-01T00:00:00Z&published_until=2026-12-01T00:00:00Z").await;
        assert_eq!(hit_ids(&json), std::slice::from_ref(&id), "{json}");

        // Released to NZL only: others find nothing, and their facet counts are empty.
        for outsider in ["ana.ton", "low.nzl", "admin.fji", "auditor.fji", "sec.pidc"] {
            let (status, json) = search(&node, outsider, "q=passports").await;
            assert_eq!(status, StatusCode::OK, "{outsider}: {json}");
            assert_eq!((json["total"].as_u64(), hit_ids(&json).len()), (Some(0), 0), "{outsider} must not find it");
            assert_eq!(json["facets"], json!({}), "{outsider}");
        }
        // The originating member finds it too.
        assert_eq!(hit_ids(&search(&node, "ana.fji", "q=passports").await.1), std::slice::from_ref(&id));

        // Bad parameters are named; no session, no search.
        for (query, field) in [
            ("kind=spaceship", "kind"),
            ("limit=1000", "limit"),
            ("limit=0", "limit"),
            ("country_role=nowhere", "country_role"),
            ("published_from=yesterday", "published_from"),
            ("sort=random", "sort"),
            ("classification=TOP-SECRET", "classification"),
            ("offset=20000", "offset"),
        ] {
            let (status, json) = search(&node, "ana.nzl", query).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {json}");
            assert_eq!(json["errors"][0]["field"], field, "{query}: {json}");
        }
        let (status, _) = search(&node, "ana.nzl", "limit=abc").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let anonymous = node.call(Method::GET, "/api/v1/search?q=passports", None, None).await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn a_node_without_an_index_says_so() {
    use tower::ServiceExt;
    let node = nodes().await.remove(0);
    let token = node.login("ana.nzl").await;
    let app = godwit_server::router(godwit_server::AppState::new(node.store.clone(), Default::default()));
    let request = axum::http::Request::get("/api/v1/search?q=x")
        .header("authorization", format!("Bearer {token}"))
        .body(axum::body::Body::empty())
        .unwrap();
    let response = app.oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
}
