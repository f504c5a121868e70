//! Collection plans (issue 4, point 7) through the API and the portal:
//! management sets requirements, their audience sees them, analysts link the
//! items they may read, and no list or count of links reveals an item the
//! viewer may not read. Bad input is named with 422; every change is audited.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{Node, nodes};

/// A Fiji people-smuggling record released to `release`.
fn record(title: &str, release: &[&str]) -> Value {
    json!({
        "title": title,
        "category": "people_smuggling",
        "details": {
            "kind": "incident_record",
            "occurred_on": "2026-10-14",
            "persons": 3,
            "profile": [{ "nationality": "LKA", "count": 3 }],
            "route": { "origin": "LKA", "transit": ["SGP"], "destination": "NZL" },
            "method_type": "fraudulent_documents"
        },
        "classification": 1,
        "tlp": "AMBER",
        "release": { "members": release },
        "environment": "air"
    })
}

fn requirement(reference: &str, release_groups: &[&str]) -> Value {
    json!({
        "reference": reference,
        "question": "Which routes do Sri Lankan nationals take towards New Zealand?",
        "priority": "high",
        "indicators": ["transit through Singapore", "fraudulent NZL passports"],
        "due_on": "2026-10-31",
        "requesting_members": ["NZL"],
        "release_groups": release_groups
    })
}

async fn create(node: &Node, token: &str, body: Value) -> crate::harness::Response {
    node.call(Method::POST, "/api/v1/requirements", Some(token), Some(body)).await
}

async fn get(node: &Node, token: &str, path: &str) -> crate::harness::Response {
    node.call(Method::GET, &format!("/api/v1/{path}"), Some(token), None).await
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array().unwrap().iter().map(|r| r["reference"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn management_sets_requirements_and_only_their_audience_sees_them() {
    for node in nodes().await {
        let (sec, nfp_ton, ana_fji) =
            (node.login("sec.pidc").await, node.login("nfp.ton").await, node.login("ana.fji").await);
        let regional = create(&node, &sec, requirement("PIDC-1", &["PIDC"])).await;
        assert_eq!(regional.status, StatusCode::CREATED, "{}", regional.json);
        assert_eq!(regional.json["owner_member"], "PIDCSEC");
        assert_eq!(regional.json["status"], "open");
        let national = create(&node, &nfp_ton, requirement("TON-1", &[])).await;
        assert_eq!(national.status, StatusCode::CREATED, "{}", national.json);
        // Analysts do not set requirements; the same reference twice is a conflict.
        assert_eq!(create(&node, &ana_fji, requirement("FJI-2", &[])).await.status, StatusCode::FORBIDDEN);
        assert_eq!(create(&node, &nfp_ton, requirement("TON-1", &[])).await.status, StatusCode::CONFLICT);

        // Tonga sees both (the regional one through the PIDC group); New Zealand
        // requested both; Fiji only the regional one; oversight and front line none.
        let ton = node.login("ana.ton").await;
        assert_eq!(ids(&get(&node, &ton, "requirements").await.json), ["PIDC-1", "TON-1"]);
        assert_eq!(ids(&get(&node, &node.login("ana.nzl").await, "requirements").await.json), ["PIDC-1", "TON-1"]);
        assert_eq!(ids(&get(&node, &ana_fji, "requirements").await.json), ["PIDC-1"]);
        let national_id = national.json["id"].as_str().unwrap();
        assert_eq!(get(&node, &ana_fji, &format!("requirements/{national_id}")).await.status, StatusCode::NOT_FOUND);
        for user in ["auditor.fji", "border.fji", "admin.fji"] {
            let token = node.login(user).await;
            assert_eq!(get(&node, &token, "requirements").await.json, json!([]), "{user}");
        }

        // Only the owning member's management changes it.
        let id = regional.json["id"].as_str().unwrap();
        let mut answered = requirement("PIDC-1", &["PIDC"]);
        answered["status"] = json!("answered");
        let path = format!("/api/v1/requirements/{id}");
        let by_nfp = node.call(Method::PUT, &path, Some(&node.login("nfp.nzl").await), Some(answered.clone())).await;
        assert_eq!(by_nfp.status, StatusCode::FORBIDDEN);
        let by_sec = node.call(Method::PUT, &path, Some(&sec), Some(answered)).await;
        assert_eq!(by_sec.status, StatusCode::OK, "{}", by_sec.json);
        assert_eq!(by_sec.json["status"], "answered");

        let auditor = node.login("auditor.fji").await;
        let audit = get(&node, &auditor, "audit?action=requirement.create&limit=10").await;
        assert_eq!(audit.json.as_array().unwrap().len(), 2, "{}", audit.json);
        let audit = get(&node, &auditor, "audit?action=requirement.update&limit=10").await;
        assert_eq!(audit.json.as_array().unwrap().len(), 1, "{}", audit.json);
    }
}

#[tokio::test]
async fn bad_input_is_named_never_a_server_error() {
    for node in nodes().await {
        let sec = node.login("sec.pidc").await;
        let mut bad = requirement(" ", &[]);
        bad["question"] = json!("");
        bad["due_on"] = json!("31/10/2026");
        bad["requesting_members"] = json!(["XYZ"]);
        bad["indicators"] = json!(["a", "a"]);
        let response = create(&node, &sec, bad).await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", response.json);
        let fields: Vec<&str> =
            response.json["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, ["reference", "question", "indicators/1", "due_on", "requesting_members"]);
        // Wrong types are a 422 too.
        let mut wrong = requirement("X", &[]);
        wrong["priority"] = json!("urgent");
        assert_eq!(create(&node, &sec, wrong).await.status, StatusCode::UNPROCESSABLE_ENTITY);
        for months in ["0", "61", "abc", "-1"] {
            let response = get(&node, &sec, &format!("measures?months={months}")).await;
            assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{months}");
            assert_eq!(response.json["errors"][0]["field"], "months");
        }
        // Linking an indicator the requirement does not list.
        let item = node.publish_fiji(record("Seen at Nadi", &["NZL"])).await;
        let created = create(&node, &sec, requirement("PIDC-1", &["PIDC"])).await;
        let id = created.json["id"].as_str().unwrap();
        let ana = node.login("ana.fji").await;
        let link = node
            .call(
                Method::PUT,
                &format!("/api/v1/requirements/{id}/links/{item}"),
                Some(&ana),
                Some(json!({ "indicators": ["something else"] })),
            )
            .await;
        assert_eq!(link.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", link.json);
        assert_eq!(link.json["errors"][0]["field"], "indicators/0");
    }
}

#[tokio::test]
async fn links_never_reveal_items_the_viewer_may_not_read() {
    for node in nodes().await {
        // Fiji publishes one record released to New Zealand and one kept at home.
        let shared = node.publish_fiji(record("Released to New Zealand", &["NZL"])).await;
        let home = node.publish_fiji(record("Kept in Fiji", &[])).await;
        let sec = node.login("sec.pidc").await;
        let created = create(&node, &sec, requirement("PIDC-1", &["PIDC"])).await;
        let id = created.json["id"].as_str().unwrap().to_owned();
        let link_path = |item: &str| format!("/api/v1/requirements/{id}/links/{item}");
        let (fji, nzl) = (node.login("ana.fji").await, node.login("ana.nzl").await);

        let with = |indicators: &[&str]| Some(json!({ "indicators": indicators }));
        let linked =
            node.call(Method::PUT, &link_path(&shared), Some(&fji), with(&["transit through Singapore"])).await;
        assert_eq!(linked.status, StatusCode::NO_CONTENT, "{}", linked.json);
        let linked = node.call(Method::PUT, &link_path(&home), Some(&fji), with(&[])).await;
        assert_eq!(linked.status, StatusCode::NO_CONTENT, "{}", linked.json);
        // New Zealand cannot link, nor unlink, what it may not read: the answer
        // is the same as for an item that does not exist.
        let refused = node.call(Method::PUT, &link_path(&home), Some(&nzl), with(&[])).await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND);
        let unknown = node.call(Method::PUT, &link_path(&uuid::Uuid::nil().to_string()), Some(&nzl), with(&[])).await;
        assert_eq!((unknown.status, &unknown.json["detail"]), (refused.status, &refused.json["detail"]));
        assert_eq!(node.call(Method::DELETE, &link_path(&home), Some(&nzl), None).await.status, StatusCode::NOT_FOUND);

        // Fiji sees both links and counts both.
        let coverage = get(&node, &fji, "requirements/coverage").await;
        assert_eq!(coverage.status, StatusCode::OK, "{}", coverage.json);
        let c = &coverage.json[0];
        assert_eq!((c["items"].clone(), c["incidents"].clone()), (json!(2), json!(2)));
        assert_eq!(c["by_member"], json!({ "FJI": 2 }));
        assert_eq!(c["by_month"], json!({ "2026-11": 2 }));
        assert_eq!(
            c["indicators"],
            json!([
                { "indicator": "transit through Singapore", "items": 1 },
                { "indicator": "fraudulent NZL passports", "items": 0 }
            ])
        );
        // Due 2026-10-31 and still open on 2026-11-01.
        assert_eq!(c["overdue"], true);

        // New Zealand: the released record only, in the list and in every count.
        let view = get(&node, &nzl, &format!("requirements/{id}")).await;
        let titles: Vec<&str> =
            view.json["links"].as_array().unwrap().iter().map(|l| l["item"]["title"].as_str().unwrap()).collect();
        assert_eq!(titles, ["Released to New Zealand"]);
        let c = &get(&node, &nzl, "requirements/coverage").await.json[0];
        assert_eq!((c["items"].clone(), c["by_member"].clone()), (json!(1), json!({ "FJI": 1 })));
        // The secretariat set the requirement but was released neither record.
        let c = &get(&node, &sec, "requirements/coverage").await.json[0];
        assert_eq!((c["items"].clone(), c["by_month"].clone()), (json!(0), json!({})));
        assert_eq!(get(&node, &sec, &format!("requirements/{id}")).await.json["links"], json!([]));

        // The Framework's measures count the same way.
        let measures = get(&node, &nzl, "measures?months=2").await;
        assert_eq!(
            measures.json,
            json!([{ "month": "2026-11", "member": "FJI", "records": 1, "alerts": 0, "reports": 0, "plan_links": 1 }])
        );
        let measures = get(&node, &fji, "measures").await;
        assert_eq!(
            measures.json,
            json!([{ "month": "2026-11", "member": "FJI", "records": 2, "alerts": 0, "reports": 0, "plan_links": 2 }])
        );
        assert_eq!(get(&node, &sec, "measures").await.json, json!([]));

        // A closed requirement takes no more links; the links made are audited.
        let mut closed = requirement("PIDC-1", &["PIDC"]);
        closed["status"] = json!("closed");
        let path = format!("/api/v1/requirements/{id}");
        assert_eq!(node.call(Method::PUT, &path, Some(&sec), Some(closed)).await.status, StatusCode::OK);
        let late = node.call(Method::PUT, &link_path(&shared), Some(&nzl), with(&[])).await;
        assert_eq!(late.status, StatusCode::CONFLICT);
        let unlinked = node.call(Method::DELETE, &link_path(&home), Some(&fji), None).await;
        assert_eq!(unlinked.status, StatusCode::NO_CONTENT);
        let auditor = node.login("auditor.fji").await;
        let audit = get(&node, &auditor, "audit?action=requirement.link&limit=10").await;
        assert_eq!(audit.json.as_array().unwrap().len(), 2, "{}", audit.json);
        let audit = get(&node, &auditor, "audit?action=requirement.unlink&limit=10").await;
        assert_eq!(audit.json.as_array().unwrap().len(), 1, "{}", audit.json);
    }
}

#[tokio::test]
async fn the_portal_shows_coverage_and_lets_analysts_link() {
    for node in nodes().await {
        let shared = node.publish_fiji(record("Released to New Zealand", &["NZL"])).await;
        let home = node.publish_fiji(record("Kept in Fiji", &[])).await;
        let sec = node.portal_login("sec.pidc").await;
        // Management sets a requirement through the form; a bad date is named.
        let form = [
            ("reference", "PIDC-9"),
            ("question", "Who organises the Sri Lankan voyages?"),
            ("priority", "high"),
            ("indicators", "transit through Singapore\r\nfacilitators named"),
            ("requesting", "nzl"),
            ("groups", "PIDC"),
        ];
        let bad = node.post_form(&sec, "/plans", &[&form[..], &[("due_on", "soon")]].concat()).await;
        assert_eq!(bad.status, StatusCode::OK);
        assert!(bad.text().contains("due_on: must be a date YYYY-MM-DD"), "{}", bad.text());
        let created = node.post_form(&sec, "/plans", &[&form[..], &[("due_on", "2026-12-31")]].concat()).await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text());
        let plan = created.location().split('?').next().unwrap().to_owned();

        // Fiji's analyst links both records through the requirement's page.
        let ana = node.portal_login("ana.fji").await;
        // The form offers the recent items; one is chosen, the other typed as an address.
        let form_page = node.page(&ana, &plan).await.text();
        assert!(form_page.contains(&format!(r#"<option value="{home}">"#)), "{form_page}");
        let address = format!("http://localhost/items/{home}");
        for fields in [
            [("item", shared.as_str()), ("item_id", ""), ("indicator", "transit through Singapore")],
            [("item", ""), ("item_id", address.as_str()), ("indicator", "transit through Singapore")],
        ] {
            let linked = node.post_form(&ana, &format!("{plan}/links"), &fields).await;
            assert_eq!(linked.status, StatusCode::SEE_OTHER, "{}", linked.text());
        }
        let page = node.page(&ana, "/plans").await.text();
        assert!(page.contains(r#"href="/plans""#) && page.contains("PIDC-9"), "{page}");
        assert!(page.contains("<svg") && page.contains("Items linked per month"));
        assert!(page.contains("✔ transit through Singapore (2)") && page.contains("– facilitators named"));

        // New Zealand sees the requirement and one linked record, never the other's title.
        let nzl = node.portal_login("ana.nzl").await;
        let page = node.page(&nzl, &plan).await.text();
        assert!(page.contains("Released to New Zealand") && !page.contains("Kept in Fiji"), "{page}");
        assert!(page.contains("transit through Singapore: 1 item"));
        let overview = node.page(&nzl, "/plans").await.text();
        assert!(overview.contains("✔ transit through Singapore (1)"), "{overview}");

        // Management closes it; the front line sees no collection plans.
        let closed = node.post_form(&sec, &format!("{plan}/status"), &[("status", "closed")]).await;
        assert_eq!(closed.status, StatusCode::SEE_OTHER);
        assert!(!node.page(&ana, &plan).await.text().contains("Link an item"));
        let border = node.portal_login("border.fji").await;
        assert_eq!(node.page(&border, "/plans").await.status, StatusCode::FORBIDDEN);
        assert!(!node.page(&border, "/").await.text().contains(r#"href="/plans""#));
    }
}
