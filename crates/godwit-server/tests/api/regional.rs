//! Regional aggregates (issue 4, point 5) through the API and the portal:
//! national focal points opt their members in and out, contributors see
//! totals that include records not released to them (rounded, small cells
//! suppressed), everyone else is refused with how to opt in, and every read
//! and opt-in is audited.

use axum::http::{Method, StatusCode};
use godwit_store::audit::AuditQuery;
use serde_json::{Value, json};

use crate::harness::{Node, nodes};

/// A people-smuggling landing of three Sri Lankans via Indonesia, kept by its member.
fn record(occurred_on: &str) -> Value {
    json!({
        "title": format!("Landing on {occurred_on}"),
        "category": "people_smuggling",
        "details": {
            "kind": "incident_record",
            "occurred_on": occurred_on,
            "persons": 3,
            "profile": [{ "nationality": "LKA", "count": 3 }],
            "route": { "origin": "LKA", "transit": ["IDN"], "destination": "AUS" }
        },
        "classification": 1,
        "tlp": "AMBER",
        "release": { "members": [] }
    })
}

/// Two records each of Fiji, New Zealand and Tonga; their ids and titles.
async fn seed(node: &Node) -> Vec<String> {
    let mut written = Vec::new();
    for member in ["fji", "nzl", "ton"] {
        let (analyst, officer) =
            (node.login(&format!("ana.{member}")).await, node.login(&format!("officer.{member}")).await);
        for day in ["2026-10-03", "2026-10-17"] {
            written.push(node.publish(&analyst, &officer, record(day)).await);
            written.push(format!("Landing on {day}"));
        }
    }
    written
}

async fn get(node: &Node, token: &str, path: &str) -> crate::harness::Response {
    node.call(Method::GET, path, Some(token), None).await
}

/// Fiji, New Zealand and Tonga opt in up to RESTRICTED. `nfp.fji` has no
/// second factor in the harness (the API refuses it), so Fiji opts in
/// through the store, the others through the API.
async fn opt_in_all(node: &Node) {
    let users = node.store.users(None).await.unwrap();
    let nfp_fji = node.store.subject_for(users.iter().find(|u| u.username == "nfp.fji").unwrap()).await.unwrap();
    node.store.opt_in(&nfp_fji, "PIDC", godwit_domain::marking::Classification(2)).await.unwrap();
    for member in ["nzl", "ton"] {
        let nfp = node.login(&format!("nfp.{member}")).await;
        let body = json!({ "ceiling": "RESTRICTED" });
        let done = node.call(Method::PUT, "/api/v1/analysis/regional/PIDC/contribution", Some(&nfp), Some(body)).await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.json);
        assert_eq!(done.json["ceiling"], "RESTRICTED");
        assert_eq!(done.json["member"], member.to_uppercase());
    }
}

#[tokio::test]
async fn contributors_see_totals_of_records_not_released_to_them() {
    for node in nodes().await {
        let written = seed(&node).await;
        let (fji, ton) = (node.login("ana.fji").await, node.login("ana.ton").await);

        // Before anyone opts in: refused, saying how.
        let refused = get(&node, &fji, "/api/v1/analysis/regional/PIDC/top").await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        let why = refused.json["detail"].as_str().unwrap_or_default();
        assert!(why.contains("opt in") && why.contains("/analysis/regional"), "{why}");

        // Only a national focal point opts in, to a classification this node knows, in a region that exists.
        let contribution = "/api/v1/analysis/regional/PIDC/contribution";
        let analyst = node.call(Method::PUT, contribution, Some(&fji), Some(json!({ "ceiling": "RESTRICTED" }))).await;
        assert_eq!(analyst.status, StatusCode::FORBIDDEN);
        let nfp = node.login("nfp.nzl").await;
        let unknown = node.call(Method::PUT, contribution, Some(&nfp), Some(json!({ "ceiling": "TOP" }))).await;
        assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(unknown.json.to_string().contains("ceiling"));
        let nowhere = "/api/v1/analysis/regional/NOPE/contribution";
        let nowhere = node.call(Method::PUT, nowhere, Some(&nfp), Some(json!({ "ceiling": "RESTRICTED" }))).await;
        assert_eq!(nowhere.status, StatusCode::NOT_FOUND);
        opt_in_all(&node).await;
        let regions = get(&node, &fji, "/api/v1/analysis/regional").await;
        assert_eq!(regions.json[0]["contributors"], json!(["FJI", "NZL", "TON"]), "{}", regions.json);

        // Six records of three members: shown, rounded to five; Fiji reads only its two.
        let top = get(&node, &fji, "/api/v1/analysis/regional/PIDC/top?by=category").await;
        assert_eq!(top.status, StatusCode::OK, "{}", top.json);
        assert_eq!(top.json["totals"], json!({ "incidents": 5, "persons": 20, "suppressed": false }));
        assert_eq!(top.json["rows"][0]["key"], "people_smuggling");
        assert_eq!(top.json["rows"][0]["incidents"], 5);
        let own = get(&node, &fji, "/api/v1/analysis/incidents/top?by=category").await;
        assert_eq!(own.json["totals"]["incidents"], 2, "{}", own.json);
        let routes = get(&node, &fji, "/api/v1/analysis/regional/PIDC/routes").await;
        let step = |from: &str, from_role: &str, to: &str, to_role: &str| {
            json!({ "from": from, "from_role": from_role, "to": to, "to_role": to_role,
                    "incidents": 5, "persons": 20, "suppressed": false })
        };
        assert_eq!(
            routes.json["hops"],
            json!([step("IDN", "transit", "AUS", "destination"), step("LKA", "origin", "IDN", "transit")])
        );
        let trend =
            get(&node, &fji, "/api/v1/analysis/regional/PIDC/trend?by=nationality&from=2026-10&to=2026-10").await;
        assert_eq!(
            trend.json["points"],
            json!([{ "period": "2026-10", "key": "LKA", "incidents": 5, "persons": 20, "suppressed": false }])
        );
        // By quarter the same records pool into 2026-Q4; quarters must be whole.
        let quarter = get(&node, &fji, "/api/v1/analysis/regional/PIDC/trend?by=nationality&period=quarter").await;
        assert_eq!(quarter.json["period"], "quarter", "{}", quarter.json);
        assert_eq!(
            quarter.json["points"],
            json!([{ "period": "2026-Q4", "key": "LKA", "incidents": 5, "persons": 20, "suppressed": false }])
        );
        let cut = get(&node, &fji, "/api/v1/analysis/regional/PIDC/trend?period=quarter&from=2026-11").await;
        assert_eq!(cut.status, StatusCode::UNPROCESSABLE_ENTITY);
        let csv = get(&node, &fji, "/api/v1/analysis/regional/PIDC/trend?format=csv").await;
        assert!(csv.headers["content-type"].to_str().unwrap().starts_with("text/csv"));
        assert!(csv.text().contains("2026-10,people_smuggling,5,20"), "{}", csv.text());
        // No record's id or title in any answer.
        for answer in [&top.json, &routes.json, &trend.json] {
            for needle in &written {
                assert!(!answer.to_string().contains(needle.as_str()), "{needle} in {answer}");
            }
        }
        // Never a breakdown by member; whole months only.
        let by_member = get(&node, &fji, "/api/v1/analysis/regional/PIDC/top?by=member").await;
        assert_eq!(by_member.status, StatusCode::UNPROCESSABLE_ENTITY);
        let cut = get(&node, &fji, "/api/v1/analysis/regional/PIDC/top?from=2026-10-15").await;
        assert_eq!(cut.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(cut.json.to_string().contains("from"));
        // Roles that analyse nothing are refused.
        let admin = node.login("admin.fji").await;
        assert_eq!(get(&node, &admin, "/api/v1/analysis/regional/PIDC/top").await.status, StatusCode::FORBIDDEN);

        // Every read is audited: who, the region, the view and the query.
        let reads = node
            .store
            .audit_records(&AuditQuery { action: Some("regional.read".into()), limit: 100, ..AuditQuery::default() })
            .await
            .unwrap();
        assert_eq!(reads.len(), 5, "{reads:?}");
        assert!(reads.iter().all(|r| r.target.as_deref() == Some("PIDC") && r.actor_member.as_deref() == Some("FJI")));
        assert!(reads[2].detail.contains("\"by\":\"nationality\"") && reads[2].detail.contains("\"view\":\"trend\""));
        assert!(reads[3].detail.contains("\"period\":\"quarter\""), "{}", reads[3].detail);

        // Tonga opts out: its records leave the totals (two members left:
        // suppressed) and its users are refused.
        let nfp_ton = node.login("nfp.ton").await;
        let out = node.call(Method::DELETE, contribution, Some(&nfp_ton), None).await;
        assert_eq!(out.status, StatusCode::NO_CONTENT);
        let after = get(&node, &fji, "/api/v1/analysis/regional/PIDC/top").await;
        assert_eq!(after.json["totals"], json!({ "incidents": null, "persons": null, "suppressed": true }));
        assert_eq!(after.json["rows"][0]["suppressed"], true);
        assert_eq!(get(&node, &ton, "/api/v1/analysis/regional/PIDC/top").await.status, StatusCode::FORBIDDEN);
        let outs = node
            .store
            .audit_records(&AuditQuery { action: Some("regional.opt_out".into()), limit: 10, ..AuditQuery::default() })
            .await
            .unwrap();
        assert_eq!(outs.len(), 1);

        let doc = node.call(Method::GET, "/api/openapi.json", None, None).await;
        for path in ["", "/{region}/contribution", "/{region}/trend", "/{region}/top", "/{region}/routes"] {
            assert!(doc.json["paths"].get(format!("/api/v1/analysis/regional{path}")).is_some(), "{path}");
        }
    }
}

#[tokio::test]
async fn the_page_shows_the_totals_and_lets_the_focal_point_opt_out() {
    for node in nodes().await {
        seed(&node).await;
        opt_in_all(&node).await;
        let analyst = node.portal_login("ana.fji").await;
        let page = node.page(&analyst, "/analysis/regional").await;
        assert_eq!(page.status, StatusCode::OK);
        let html = page.text();
        assert!(html.contains("Regional aggregates") && html.contains("<svg"), "{html}");
        assert!(html.contains("People smuggling") && html.contains("Sri Lanka (LKA)"), "{html}");
        // The published route steps are drawn on the map, with their rounded counts.
        assert!(html.contains("Route map") && html.contains("Sri Lanka → Indonesia: 5 records, 20 persons"), "{html}");
        assert!(!html.contains("Opt out"), "only the focal point has the control");

        let nfp = node.portal_login("nfp.nzl").await;
        let theirs = node.page(&nfp, "/analysis/regional?region=PIDC").await.text();
        assert!(theirs.contains("Opt out") && theirs.contains("Contributes up to RESTRICTED"), "{theirs}");
        let out =
            node.post_form(&nfp, "/analysis/regional/contribution", &[("region", "PIDC"), ("action", "out")]).await;
        assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.text());
        // New Zealand's analysts are told how to opt in; Fiji sees two members' records, suppressed.
        let nzl = node.portal_login("ana.nzl").await;
        let refused = node.page(&nzl, "/analysis/regional").await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert!(refused.text().contains("opt in"), "{}", refused.text());
        let suppressed = node.page(&analyst, "/analysis/regional").await.text();
        // `<5`, escaped, where a published count would follow the tag's `>` directly.
        assert!(suppressed.contains("5</span> incident records"), "{suppressed}");
        assert!(!suppressed.contains("\">5</span> incident records"), "{suppressed}");
        // A suppressed step is not drawn: its count would show through the line.
        assert!(suppressed.contains("Route map") && !suppressed.contains("→ Indonesia:"), "{suppressed}");
        let fields = [("region", "PIDC"), ("action", "in"), ("ceiling", "RESTRICTED")];
        let back = node.post_form(&nfp, "/analysis/regional/contribution", &fields).await;
        assert_eq!(back.status, StatusCode::SEE_OTHER, "{}", back.text());
        assert_eq!(node.page(&nzl, "/analysis/regional").await.status, StatusCode::OK);
    }
}
