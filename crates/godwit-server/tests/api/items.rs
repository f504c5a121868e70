//! Items through the API: the four-eyes workflow, release to exactly the right
//! readers, and the audit trail of it.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{Node, nodes};

fn alert(release_members: &[&str]) -> Value {
    json!({
        "title": "Counterfeit Fijian passports, series FP12",
        "summary": "A series of counterfeit passports seen at Nadi.",
        "body": "Seen at **NAN**. <script>alert(1)</script>",
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

async fn publish(node: &Node, release_members: &[&str]) -> String {
    node.publish_fiji(alert(release_members)).await
}

async fn status_for(node: &Node, username: &str, id: &str) -> (StatusCode, bool) {
    let token = node.login(username).await;
    let read = node.call(Method::GET, &format!("/api/v1/items/{id}"), Some(&token), None).await;
    let list = node.call(Method::GET, "/api/v1/items?limit=500", Some(&token), None).await;
    let listed = list.json["items"].as_array().is_some_and(|items| items.iter().any(|i| i["id"] == id));
    (read.status, listed)
}

#[tokio::test]
async fn an_alert_reaches_exactly_its_readers() {
    for node in nodes().await {
        let id = publish(&node, &["NZL"]).await;
        assert_eq!(status_for(&node, "ana.nzl", &id).await, (StatusCode::OK, true));
        assert_eq!(status_for(&node, "ana.fji", &id).await, (StatusCode::OK, true));
        assert_eq!(
            status_for(&node, "border.fji", &id).await,
            (StatusCode::OK, true),
            "front line sees published alerts"
        );
        for outsider in ["ana.ton", "low.nzl", "admin.fji", "auditor.fji", "police.fji", "customs.fji"] {
            assert_eq!(
                status_for(&node, outsider, &id).await,
                (StatusCode::NOT_FOUND, false),
                "{outsider} must not see it"
            );
        }
        let nzl = node.login("ana.nzl").await;
        let view = node.call(Method::GET, &format!("/api/v1/items/{id}"), Some(&nzl), None).await;
        assert_eq!(view.json["marking"]["banner"], "RESTRICTED // TLP:AMBER // NOT FOR JUDICIAL USE");
        assert_eq!(view.json["grading_explained"], "Source usually reliable; information probably true");
        let html = view.json["body_html"].as_str().unwrap();
        assert!(html.contains("<strong>NAN</strong>") && !html.contains("<script"), "{html}");

        let auditor = node.login("auditor.fji").await;
        let releases = node.call(Method::GET, "/api/v1/audit?action=release", Some(&auditor), None).await;
        assert_eq!(releases.status, StatusCode::OK);
        let release = &releases.json[0];
        assert_eq!(release["target"], id.as_str());
        let detail: Value = serde_json::from_str(release["detail"].as_str().unwrap()).unwrap();
        assert_eq!(detail["recipients"]["members"], json!(["NZL"]));
        assert_eq!(detail["method"], "api");
        let reads = node
            .call(Method::GET, &format!("/api/v1/audit?action=item.read&target={id}&limit=100"), Some(&auditor), None)
            .await;
        assert!(reads.json.as_array().unwrap().iter().any(|r| r["actor_member"] == "NZL"), "{}", reads.json);
        // Abroad, the history shows the published state only, not drafts or return comments.
        let history = node.call(Method::GET, &format!("/api/v1/items/{id}/history"), Some(&nzl), None).await;
        let actions: Vec<_> = history.json.as_array().unwrap().iter().map(|h| h["action"].as_str().unwrap()).collect();
        assert_eq!(actions, ["approve"]);
        let verify = node.call(Method::GET, "/api/v1/audit/verify", Some(&auditor), None).await;
        assert!(verify.json["first_broken"].is_null(), "{}", verify.json);
        let analyst = node.login("ana.fji").await;
        assert_eq!(node.call(Method::GET, "/api/v1/audit", Some(&analyst), None).await.status, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn the_author_cannot_approve_and_returns_need_a_comment() {
    for node in nodes().await {
        let analyst = node.login("ana.fji").await;
        let created = node.call(Method::POST, "/api/v1/items", Some(&analyst), Some(alert(&["NZL"]))).await;
        let id = created.json["id"].as_str().unwrap().to_owned();
        node.call(Method::POST, &format!("/api/v1/items/{id}/submit"), Some(&analyst), None).await;
        let own = node.call(Method::POST, &format!("/api/v1/items/{id}/approve"), Some(&analyst), None).await;
        assert_eq!(own.status, StatusCode::FORBIDDEN, "{}", own.json);
        let officer = node.login("officer.fji").await;
        let no_comment = node.call(Method::POST, &format!("/api/v1/items/{id}/return"), Some(&officer), None).await;
        assert_eq!(no_comment.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(no_comment.json["errors"][0]["field"], "comment");
        let returned = node
            .call(
                Method::POST,
                &format!("/api/v1/items/{id}/return"),
                Some(&officer),
                Some(json!({ "comment": "add the series" })),
            )
            .await;
        assert_eq!(returned.json["state"], "returned");
        assert_eq!(returned.json["return_comment"], "add the series");
        let history = node.call(Method::GET, &format!("/api/v1/items/{id}/history"), Some(&analyst), None).await;
        assert_eq!(history.json.as_array().unwrap().len(), 3);
    }
}

#[tokio::test]
async fn invalid_items_name_every_bad_field() {
    for node in nodes().await {
        let analyst = node.login("ana.fji").await;
        let mut bad = alert(&["XYZ"]);
        bad["title"] = json!("");
        bad["grading"]["source"] = json!("Z");
        bad["tags"] = json!(["colour:red"]);
        let response = node.call(Method::POST, "/api/v1/items", Some(&analyst), Some(bad)).await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(response.headers["content-type"], "application/problem+json");
        let fields: Vec<_> =
            response.json["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, ["title", "grading.source", "tags/0", "release/members/0"]);
    }
}

#[tokio::test]
async fn the_portal_refuses_an_oversize_attachment_with_a_message_and_attaches_nothing() {
    for node in nodes().await {
        let token = node.login("ana.fji").await;
        let created = node.call(Method::POST, "/api/v1/items", Some(&token), Some(alert(&["NZL"]))).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.json);
        let id = created.json["id"].as_str().unwrap().to_owned();
        let analyst = node.portal_login("ana.fji").await;
        let path = format!("/items/{id}/attachments");

        let big = vec![b'x'; godwit_store::items::MAX_ATTACHMENT_BYTES + 1];
        let refused = node.post_multipart(&analyst, &path, &[("file", Some("scan.pdf"), &big)]).await;
        assert_eq!(refused.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert!(refused.text().contains("larger than 20 MB") && refused.text().contains("Nothing was attached"));
        let empty = node.post_multipart(&analyst, &path, &[("file", Some("empty.pdf"), b"")]).await;
        assert_eq!(empty.status, StatusCode::BAD_REQUEST);
        assert!(empty.text().contains("The file is empty"));
        let listed = format!("/api/v1/items/{id}/attachments");
        let none = node.call(Method::GET, &listed, Some(&token), None).await;
        assert_eq!(none.json, serde_json::json!([]), "nothing was attached");

        let accepted = node.post_multipart(&analyst, &path, &[("file", Some("scan.pdf"), b"%PDF-1.7 a scan")]).await;
        assert_eq!((accepted.status, accepted.location()), (StatusCode::SEE_OTHER, format!("/items/{id}#attachments")));
        let one = node.call(Method::GET, &listed, Some(&token), None).await;
        assert_eq!(one.json[0]["filename"], "scan.pdf", "{}", one.json);
    }
}
