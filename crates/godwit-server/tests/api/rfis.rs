//! Requests for information (issue 5, point 5) through the API, the portal and
//! the OpenAPI document, on both backends: New Zealand asks Fiji, Fiji's focal
//! point assigns, the analyst answers with a published response, New Zealand
//! rates it; who sees what; bad input named with 422; statistics as JSON and CSV.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::harness::{call, nodes};

fn request(title: &str, recipient: Value) -> Value {
    json!({
        "title": title,
        "question": "Were passports FQ4100200 to FQ4100260 issued, and to whom?",
        "priority": "high",
        "due_on": "2027-02-01",
        "classification": 1,
        "recipient": recipient
    })
}

/// Fiji's answer to `request`, released to New Zealand under their MoU.
fn response(request: &str) -> Value {
    json!({
        "title": "Response: passports in series FQ4",
        "summary": "Two genuine, three never issued.",
        "category": "document_fraud",
        "details": { "kind": "rfi_response", "request": request },
        "classification": 1,
        "tlp": "AMBER",
        "release": { "members": ["NZL"] }
    })
}

fn fields(problem: &Value) -> Vec<String> {
    problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn asked_assigned_answered_and_rated_through_the_api() {
    for node in nodes().await {
        // Fiji's police analyst is accredited as its RFI desk: a designated contact point.
        let desk = godwit_domain::member::ContactPoint {
            id: Uuid::from_u128(77),
            member: godwit_domain::member::MemberCode("FJI".into()),
            organisation: Some(Uuid::from_u128(2)),
            function: godwit_domain::member::ContactFunction::RfiDesk,
            name: "Fiji RFI desk".into(),
            email: "police.fji@example.org".into(),
            phone: None,
            accredited_until: crate::harness::NOW.plus_days(365),
        };
        node.store.put_contact_point(&desk).await.unwrap();
        let (nzl, fji, desk, ton) = (
            node.login("ana.nzl").await,
            node.login("ana.fji").await,
            node.login("police.fji").await,
            node.login("ana.ton").await,
        );
        let bad = call(&node, Method::POST, &nzl, "rfis", Some(request(" ", json!({ "member": "NZL" })))).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.json);
        assert_eq!(fields(&bad.json), ["title", "recipient"]);
        let asked =
            call(&node, Method::POST, &nzl, "rfis", Some(request("Passports FQ4", json!({ "member": "FJI" })))).await;
        assert_eq!(asked.status, StatusCode::CREATED, "{}", asked.json);
        let id = asked.json["id"].as_str().unwrap().to_owned();
        assert_eq!(asked.json["state"], "open");

        // Tonga was not asked; Fiji's analyst sees it among those received.
        assert_eq!(call(&node, Method::GET, &ton, &format!("rfis/{id}"), None).await.status, StatusCode::NOT_FOUND);
        let received = call(&node, Method::GET, &fji, "rfis?box=received", None).await;
        assert_eq!(received.json.as_array().unwrap().len(), 1, "{}", received.json);
        let sent = call(&node, Method::GET, &fji, "rfis?box=sent", None).await;
        assert_eq!(sent.json, json!([]));
        let wrong_filter = call(&node, Method::GET, &fji, "rfis?state=lost", None).await;
        assert_eq!(
            (wrong_filter.status, fields(&wrong_filter.json)),
            (StatusCode::UNPROCESSABLE_ENTITY, vec!["state".to_owned()])
        );

        let analyst = Uuid::from_u128(1000).to_string(); // ana.fji, the first user of the harness
        let by_analyst =
            call(&node, Method::POST, &fji, &format!("rfis/{id}/assign"), Some(json!({ "assignee": analyst }))).await;
        assert_eq!(by_analyst.status, StatusCode::FORBIDDEN, "{}", by_analyst.json);
        let assigned =
            call(&node, Method::POST, &desk, &format!("rfis/{id}/assign"), Some(json!({ "assignee": analyst }))).await;
        assert_eq!(
            (assigned.status, &assigned.json["state"]),
            (StatusCode::OK, &json!("assigned")),
            "{}",
            assigned.json
        );
        let no_reason =
            call(&node, Method::POST, &fji, &format!("rfis/{id}/decline"), Some(json!({ "reason": "" }))).await;
        assert_eq!(
            (no_reason.status, fields(&no_reason.json)),
            (StatusCode::UNPROCESSABLE_ENTITY, vec!["reason".to_owned()])
        );

        let item = node.publish_fiji(response(&id)).await;
        let answered =
            call(&node, Method::POST, &fji, &format!("rfis/{id}/answer"), Some(json!({ "item": item }))).await;
        assert_eq!(
            (answered.status, &answered.json["state"]),
            (StatusCode::OK, &json!("answered")),
            "{}",
            answered.json
        );
        let seen = call(&node, Method::GET, &nzl, &format!("rfis/{id}"), None).await;
        assert_eq!(seen.json["answer"]["id"], json!(item), "{}", seen.json);
        let timeline: Vec<&str> =
            seen.json["timeline"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert_eq!(timeline, ["created", "assigned", "answered"]);

        let rated = call(
            &node,
            Method::POST,
            &nzl,
            &format!("rfis/{id}/rate"),
            Some(json!({ "score": 4, "comment": "useful" })),
        )
        .await;
        assert_eq!((rated.status, &rated.json["state"]), (StatusCode::OK, &json!("closed")), "{}", rated.json);
        let again = call(&node, Method::POST, &nzl, &format!("rfis/{id}/close"), None).await;
        assert_eq!(again.status, StatusCode::CONFLICT);

        let stats = call(&node, Method::GET, &nzl, "rfis/statistics", None).await;
        assert_eq!(
            stats.json,
            json!([{ "from": "NZL", "to": "FJI", "requests": 1, "answered": 1, "declined": 0, "overdue": 0, "median_hours_to_answer": 0 }])
        );
        let csv = node.call(Method::GET, "/api/v1/rfis/statistics?format=csv", Some(&nzl), None).await;
        assert_eq!(
            csv.text(),
            "from,to,requests,answered,declined,overdue,median_hours_to_answer\n\"NZL\",\"FJI\",1,1,0,0,0\n"
        );
        assert!(
            call(&node, Method::GET, &ton, "rfis/statistics", None).await.json == json!([]),
            "Tonga counts nothing it may not see"
        );
        let xml = call(&node, Method::GET, &nzl, "rfis/statistics?format=xml", None).await;
        assert_eq!(xml.status, StatusCode::UNPROCESSABLE_ENTITY);

        let doc = node.call(Method::GET, "/api/openapi.json", None, None).await;
        for path in ["/api/v1/rfis", "/api/v1/rfis/{id}", "/api/v1/rfis/{id}/answer", "/api/v1/rfis/statistics"] {
            assert!(doc.json["paths"][path].is_object(), "{path} missing from the OpenAPI document");
        }
    }
}

#[tokio::test]
async fn portal_lists_asks_and_shows_the_steps_by_role() {
    for node in nodes().await {
        let nzl = node.portal_login("ana.nzl").await;
        let sent = node
            .post_form(
                &nzl,
                "/rfis",
                &[
                    ("title", "Vessel near Nuku'alofa"),
                    ("question", "Was a fishing vessel with passengers reported leaving Tonga for Fiji?"),
                    ("recipient", "group:PIDC"),
                    ("priority", "medium"),
                    ("due_on", "2026-01-10"),
                    ("classification", "0"),
                ],
            )
            .await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text());
        let path = sent.location();
        let id = path.trim_start_matches("/rfis/").split('?').next().unwrap().to_owned();
        let page = node.page(&nzl, "/rfis").await;
        assert_eq!(page.status, StatusCode::OK);
        let html = page.text();
        assert!(html.contains("Vessel near Nuku&#39;alofa") || html.contains("Vessel near Nuku&#x27;alofa"), "{html}");
        assert!(html.contains("overdue"), "a request past its due date is marked");
        assert!(html.contains("<svg"), "the heat map is drawn");
        assert!(html.contains(r#"<form method="get" action="/rfis" class="panel" aria-label="Filters">"#));
        // The dashboard lists the open request of the member and links to /rfis.
        let dashboard = node.page(&nzl, "/").await.text();
        assert!(dashboard.contains(r#"href="/rfis""#) && dashboard.contains(&format!("/rfis/{id}")), "{dashboard}");

        // Tonga's focal point declines it from the request's page; a reason is required.
        let ton = node.portal_login("nfp.ton").await;
        let shown = node.page(&ton, &format!("/rfis/{id}")).await.text();
        assert!(shown.contains("Decline") && shown.contains("Assign"), "the contact point's steps are offered");
        let asker_view = node.page(&nzl, &format!("/rfis/{id}")).await.text();
        assert!(
            !asker_view.contains("action=\"/rfis/{id}/decline\"".replace("{id}", &id).as_str()),
            "the asker cannot decline"
        );
        let empty = node.post_form(&ton, &format!("/rfis/{id}/decline"), &[("reason", " ")]).await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
        let declined =
            node.post_form(&ton, &format!("/rfis/{id}/decline"), &[("reason", "No such vessel in our records.")]).await;
        assert_eq!(declined.status, StatusCode::SEE_OTHER, "{}", declined.text());
        let after = node.page(&nzl, &format!("/rfis/{id}")).await.text();
        assert!(after.contains("No such vessel in our records."), "{after}");
        // A form without its CSRF token is refused.
        let forged = node
            .send(
                axum::http::Request::builder()
                    .method(Method::POST)
                    .uri(format!("/rfis/{id}/close"))
                    .header(axum::http::header::COOKIE, &nzl.cookie)
                    .header(axum::http::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(axum::body::Body::from(""))
                    .unwrap(),
            )
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        // Front-line officers have no requests page.
        let border = node.portal_login("border.fji").await;
        assert_eq!(node.page(&border, "/rfis").await.status, StatusCode::FORBIDDEN);
    }
}
