//! Bulletins (issue 5, point 3) through the API: Fiji compiles the monthly
//! intelligence bulletin of November 2026 for PIDC; it holds only the items
//! published that month that every PIDC member may read, its editors learn
//! what was left out, New Zealand and Tonga open it, a front-line officer
//! does not; its PDF carries the marking on every page and its distribution
//! is audited with the recipients.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{assert_marked, call, nodes, pdf_pages, report};

fn titles(doc: &Value) -> Vec<&str> {
    doc["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["items"].as_array().unwrap())
        .map(|i| i["content"]["title"].as_str().unwrap())
        .collect()
}

fn draft(period: &str, foreword: &str) -> Value {
    json!({
        "edition": "monthly_intelligence",
        "period": period,
        "title": "PIDC monthly intelligence bulletin",
        "audience": { "groups": ["PIDC"] },
        "classification": 0,
        "tlp": "CLEAR",
        "foreword": foreword,
    })
}

#[tokio::test]
async fn a_bulletin_holds_only_what_its_whole_audience_may_read_and_prints_with_its_marking() {
    for node in nodes().await {
        let (ana_fji, ana_nzl, ana_ton) =
            (node.login("ana.fji").await, node.login("ana.nzl").await, node.login("ana.ton").await);
        // Published now, in November 2026.
        node.publish_fiji(report("Boats to the south", "people_smuggling", 0, "CLEAR", &["FJI"], &["PIDC"])).await;
        // Under the Fiji–New Zealand MoU only: Tonga may not read it.
        node.publish_fiji(report("Recruiters in Suva", "people_smuggling", 1, "AMBER", &["FJI", "NZL"], &[])).await;

        for bad in [draft("2026-13", ""), json!({ "period": "2026-11" })] {
            let refused = call(&node, Method::POST, &ana_fji, "bulletins", Some(bad)).await;
            assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.json);
        }
        let mut nobody = draft("2026-11", "");
        nobody["audience"] = json!({});
        let refused = call(&node, Method::POST, &ana_fji, "bulletins", Some(nobody)).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.json);
        assert_eq!(refused.json["errors"][0]["field"], "audience");

        let long = "Departures from the south coast rose through the month, and organisers moved to smaller boats. "
            .repeat(40);
        let created =
            call(&node, Method::POST, &ana_fji, "bulletins", Some(draft("2026-11", &format!("{long}\n\n{long}"))))
                .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.json);
        let id = created.json["id"].as_str().unwrap().to_owned();

        let doc = call(&node, Method::GET, &ana_fji, &format!("bulletins/{id}"), None).await;
        assert_eq!(doc.status, StatusCode::OK, "{}", doc.json);
        assert_eq!(titles(&doc.json), ["Boats to the south"], "Tonga may not read the other report");
        assert_eq!(doc.json["reaches"], json!(["FJI", "NZL", "TON"]));
        assert_eq!(doc.json["period"], "November 2026");
        assert_eq!(doc.json["left_out"][0]["title"], "Recruiters in Suva");
        for reader in [&ana_nzl, &ana_ton] {
            let read = call(&node, Method::GET, reader, &format!("bulletins/{id}"), None).await;
            assert_eq!(read.status, StatusCode::OK);
            assert_eq!(titles(&read.json), ["Boats to the south"]);
            assert!(read.json["left_out"].is_null(), "only its editors learn what was left out");
        }
        let border = node.login("border.fji").await;
        assert_eq!(
            call(&node, Method::GET, &border, &format!("bulletins/{id}"), None).await.status,
            StatusCode::NOT_FOUND
        );

        // The foreword is edited; a change to an old version is refused.
        let mut change = draft("2026-11", &long);
        change["based_on"] = json!(1);
        let saved = call(&node, Method::PUT, &ana_fji, &format!("bulletins/{id}"), Some(change.clone())).await;
        assert_eq!(saved.status, StatusCode::OK, "{}", saved.json);
        assert_eq!(saved.json["version"], 2);
        let stale = call(&node, Method::PUT, &ana_fji, &format!("bulletins/{id}"), Some(change)).await;
        assert_eq!(stale.status, StatusCode::CONFLICT);
        let history = call(&node, Method::GET, &ana_nzl, &format!("bulletins/{id}/history"), None).await;
        assert_eq!(history.json.as_array().unwrap().len(), 2);

        let pdf = node.pdf(&ana_ton, &format!("bulletins/{id}/pdf?reason=for%20the%20PIDC%20meeting")).await;
        if let Some(pages) = pdf_pages("bulletin", &pdf.bytes) {
            assert!(pages.len() >= 2, "{} pages", pages.len());
            assert_marked(&pages, "UNCLASSIFIED // TLP:CLEAR", "REL TO FJI (originator), group PIDC");
            let all = pages.concat();
            for heading in [
                "PIDC monthly intelligence bulletin",
                "Foreword",
                "Alerts",
                "Intelligence reports",
                "Boats to the south",
                "Incidents",
            ] {
                assert!(all.contains(heading), "{heading}");
            }
            assert!(!all.contains("Recruiters in Suva"));
        }

        // Audited as a distribution, with its recipients, the method and the reason.
        let auditor = node.login("auditor.fji").await;
        let records = node.audit_details(&auditor, "bulletin.distribute").await;
        assert_eq!(records.len(), 1, "{records:?}");
        let detail = &records[0];
        assert_eq!(detail["method"], "pdf");
        assert_eq!(detail["reason"], "for the PIDC meeting");
        assert_eq!(detail["recipients"], json!(["FJI", "NZL", "TON"]));

        // Those who may not open it get nothing, and nothing is recorded.
        node.assert_export_refused(&format!("bulletins/{id}/pdf"), &border, &ana_fji).await;
        assert_eq!(node.audit_details(&auditor, "bulletin.distribute").await.len(), 1);

        let openapi = node.call(Method::GET, "/api/openapi.json", None, None).await;
        assert!(openapi.json["paths"]["/api/v1/bulletins/{id}/pdf"]["get"].is_object());
        assert!(openapi.json["paths"]["/api/v1/bulletins"]["post"].is_object());

        // The portal: the list, the bulletin with its banners, the foreword written in place, the PDF.
        let session = node.portal_login("ana.fji").await;
        assert!(node.page(&session, "/bulletins").await.text().contains("PIDC monthly intelligence bulletin"));
        let page = node.page(&session, &format!("/bulletins/{id}")).await.text();
        assert!(page.contains("Boats to the south"), "{page}");
        assert_eq!(page.matches("Recruiters in Suva").count(), 1, "its editor is told what was left out, once");
        assert_eq!(page.matches("class=\"banner").count(), 2, "a banner at the top and at the bottom");
        assert!(page.contains(&format!("action=\"/bulletins/{id}/pdf\"")));
        let posted = node
            .post_form(
                &session,
                &format!("/bulletins/{id}/foreword"),
                &[("based_on", "2"), ("foreword", "Written **in place**.")],
            )
            .await;
        assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.text());
        let page = node.page(&session, &format!("/bulletins/{id}")).await.text();
        assert!(page.contains("Written <strong>in place</strong>."), "{page}");
        assert!(node.page(&session, "/bulletins/new").await.text().contains("name=\"period\""));
        let started = node
            .post_form(
                &session,
                "/bulletins",
                &[
                    ("edition", "bimonthly_information"),
                    ("period", "2026-12"),
                    ("title", ""),
                    ("groups", "PIDC"),
                    ("classification", "UNCLASSIFIED"),
                    ("tlp", "GREEN"),
                    ("foreword", ""),
                ],
            )
            .await;
        assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.text());
        let list = node.page(&session, "/bulletins").await.text();
        assert!(list.contains("Bi-monthly information bulletin, November–December 2026"), "{list}");
        let wrong = node.post_form(&session, "/bulletins", &[("edition", "weekly"), ("period", "2026-12")]).await;
        assert!(wrong.text().contains("The bulletin was not saved"), "{}", wrong.text());
        let ton = node.portal_login("ana.ton").await;
        let theirs = node.page(&ton, &format!("/bulletins/{id}")).await.text();
        assert!(!theirs.contains("Write the foreword") && !theirs.contains("Recruiters in Suva"));
        let download = node.page(&ton, &format!("/bulletins/{id}/pdf?reason=for%20our%20team")).await;
        assert_eq!(download.status, StatusCode::OK);
        assert!(download.bytes.starts_with(b"%PDF"));
        assert!(
            download.headers["content-disposition"].to_str().unwrap().contains("monthly-intelligence-2026-11-PIDC.pdf")
        );
    }
}
