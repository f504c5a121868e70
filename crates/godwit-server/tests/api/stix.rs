//! STIX 2.1 bundles through the API: a reader's bundle holds exactly the
//! published items released to them, exports are audited, and imports create
//! drafts all or nothing, listing every problem.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{Node, nodes};

const EXTENSION: &str = godwit_exchange::stix::EXTENSION_ID;

pub(crate) fn alert(title: &str, release_members: &[&str]) -> Value {
    json!({
        "title": title,
        "summary": "Counterfeits seen at Nadi.",
        "body": "Check the laminate.",
        "category": "document_fraud",
        "details": { "kind": "alert", "alert_type": "document_fraud",
                     "document": { "document_type": "P", "issuing_state": "FJI", "fraud_type": "counterfeit", "series": ["FP12"] } },
        "classification": 2,
        "tlp": "AMBER",
        "caveats": { "not_for_judicial_use": true },
        "release": { "members": release_members },
        "grading": { "scheme": "admiralty", "source": "B", "information": "2" },
        "tags": ["godwit:document-fraud"],
        "countries": [{ "code": "FJI", "role": "issuing_state" }],
        "environment": "air"
    })
}

async fn bundle(node: &Node, username: &str) -> Value {
    let token = node.login(username).await;
    let response = node.call(Method::GET, "/api/v1/stix/bundle", Some(&token), None).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    assert_eq!(response.headers["content-type"], "application/stix+json;version=2.1");
    response.json
}

/// The Godwit item ids of the reports in a bundle.
fn item_ids(bundle: &Value) -> Vec<String> {
    let objects = bundle["objects"].as_array().unwrap();
    objects
        .iter()
        .filter(|o| o["type"] == "report")
        .map(|o| o["extensions"][EXTENSION]["item_id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_bundle_holds_exactly_the_items_released_to_the_reader() {
    for node in nodes().await {
        let shared = node.publish_fiji(alert("Series FP12, released to New Zealand", &["NZL"])).await;
        let home = node.publish_fiji(alert("Series FP13, kept at home", &[])).await;
        let analyst = node.login("ana.fji").await;
        let draft = node.call(Method::POST, "/api/v1/items", Some(&analyst), Some(alert("A draft", &["NZL"]))).await;
        let draft = draft.json["id"].as_str().unwrap().to_owned();

        assert_eq!(item_ids(&bundle(&node, "ana.nzl").await), std::slice::from_ref(&shared));
        assert!(item_ids(&bundle(&node, "ana.ton").await).is_empty());
        assert!(item_ids(&bundle(&node, "low.nzl").await).is_empty(), "RESTRICTED is above low.nzl's clearance");
        let mut at_home = item_ids(&bundle(&node, "ana.fji").await);
        at_home.sort();
        let mut expected = vec![shared.clone(), home.clone()];
        expected.sort();
        assert_eq!(at_home, expected, "published items only, not the draft {draft}");

        let token = node.login("ana.nzl").await;
        let later = node.call(Method::GET, "/api/v1/stix/bundle?since=2027-01-01T00:00:00Z", Some(&token), None).await;
        assert_eq!(item_ids(&later.json), Vec::<String>::new());
        let bad = node.call(Method::GET, "/api/v1/stix/bundle?since=yesterday", Some(&token), None).await;
        assert!(bad.status.is_client_error(), "{}", bad.status);

        let auditor = node.login("auditor.fji").await;
        let exports = node.call(Method::GET, "/api/v1/audit?action=stix.export&limit=100", Some(&auditor), None).await;
        let by_nzl = exports.json.as_array().unwrap().iter().find(|r| r["actor_member"] == "NZL").unwrap();
        let detail: Value = serde_json::from_str(by_nzl["detail"].as_str().unwrap()).unwrap();
        assert_eq!(detail["items"], json!([shared]));
        let reads = node
            .call(
                Method::GET,
                &format!("/api/v1/audit?action=item.read&target={shared}&limit=100"),
                Some(&auditor),
                None,
            )
            .await;
        let exported = reads
            .json
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["actor_member"] == "NZL" && r["detail"].as_str().is_some_and(|d| d.contains("\"export\"")));
        assert!(exported, "the classified item read by export is audited: {}", reads.json);
    }
}

#[tokio::test]
async fn an_import_creates_drafts_of_the_importer_or_nothing() {
    for node in nodes().await {
        let id = node.publish_fiji(alert("Series FP12, released to New Zealand", &["NZL"])).await;
        let exported = bundle(&node, "ana.nzl").await;
        let nzl = node.login("ana.nzl").await;

        let imported = node.call(Method::POST, "/api/v1/stix/import", Some(&nzl), Some(exported.clone())).await;
        assert_eq!(imported.status, StatusCode::CREATED, "{}", imported.text());
        let items = imported.json["items"].as_array().unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0]["originator_member"], "NZL");
        assert_eq!(items[0]["state"], "draft");
        assert_ne!(items[0]["id"], id.as_str());
        let copy = items[0]["id"].as_str().unwrap();
        let read = node.call(Method::GET, &format!("/api/v1/items/{copy}"), Some(&nzl), None).await;
        assert_eq!(read.json["marking"]["banner"], "RESTRICTED // TLP:AMBER // NOT FOR JUDICIAL USE");
        assert_eq!(read.json["content"]["details"]["document"]["series"], json!(["FP12"]));

        // Every problem at once, and nothing created.
        let mut bad = exported.clone();
        let objects = bad["objects"].as_array_mut().unwrap();
        let report = objects.iter_mut().find(|o| o["type"] == "report").unwrap();
        let report_id = report["id"].as_str().unwrap().to_owned();
        report["object_marking_refs"][0] = json!("marking-definition--00000000-0000-4000-8000-000000000000");
        objects.push(json!({
            "type": "malware", "spec_version": "2.1", "id": "malware--31b940d4-6f7f-459a-80ea-9c1f17b58abc",
            "created": "2026-11-01T00:00:00.000Z", "modified": "2026-11-01T00:00:00.000Z", "name": "x", "is_family": false
        }));
        let refused = node.call(Method::POST, "/api/v1/stix/import", Some(&nzl), Some(bad)).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text());
        let fields: Vec<&str> =
            refused.json["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert!(fields.contains(&format!("{report_id}/object_marking_refs/0").as_str()), "{fields:?}");
        assert!(fields.contains(&"malware--31b940d4-6f7f-459a-80ea-9c1f17b58abc/type"), "{fields:?}");

        // What the importer could not have written is refused the same way.
        let low = node.login("low.nzl").await;
        let refused = node.call(Method::POST, "/api/v1/stix/import", Some(&low), Some(exported.clone())).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text());
        assert_eq!(refused.json["errors"][0]["field"], format!("{report_id}/object_marking_refs"));
        assert!(refused.json["errors"][0]["message"].as_str().unwrap().contains("clearance"));

        let auditor = node.login("auditor.fji").await;
        let refused = node.call(Method::POST, "/api/v1/stix/import", Some(&auditor), Some(exported)).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);

        let mine = node.call(Method::GET, "/api/v1/items?state=draft&originator=NZL", Some(&nzl), None).await;
        assert_eq!(mine.json["items"].as_array().unwrap().len(), 1, "only the first import created anything");
        let imports = node
            .call(Method::GET, "/api/v1/audit?action=stix.import", Some(&node.login("auditor.fji").await), None)
            .await;
        assert_eq!(imports.json.as_array().unwrap().len(), 1);
    }
}

#[tokio::test]
async fn a_body_that_is_no_bundle_is_refused() {
    for node in nodes().await {
        let nzl = node.login("ana.nzl").await;
        let refused = node.call(Method::POST, "/api/v1/stix/import", Some(&nzl), Some(json!({"type": "report"}))).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(refused.json["errors"][0]["field"], "bundle/type");
    }
}
