//! Annual threat assessments (issue 5, point 4) through the API and the
//! portal: Fiji's analysts write one for the PIDC group, it cites only the
//! reports every PIDC member may read, New Zealand and Tonga open it, a
//! front-line officer does not, and a change made to an old version is refused.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{assert_marked, call, nodes, pdf_pages, report};

fn titles(doc: &Value) -> Vec<&str> {
    doc["reports"].as_array().unwrap().iter().map(|r| r["content"]["title"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn an_assessment_holds_only_what_its_whole_audience_may_read() {
    for node in nodes().await {
        let (ana_fji, ana_nzl, ana_ton) =
            (node.login("ana.fji").await, node.login("ana.nzl").await, node.login("ana.ton").await);
        let to_pidc =
            node.publish_fiji(report("Boats to the south", "people_smuggling", 0, "CLEAR", &["FJI"], &["PIDC"])).await;
        // Under the Fiji–New Zealand MoU only: Tonga may not read it.
        let to_nzl =
            node.publish_fiji(report("Recruiters in Suva", "people_smuggling", 1, "AMBER", &["FJI", "NZL"], &[])).await;
        let off_topic = node.publish_fiji(report("Forged seals", "document_fraud", 0, "CLEAR", &[], &["PIDC"])).await;

        let draft = |reports: &[&str]| {
            json!({
                "year": 2026,
                "title": "Regional threat assessment 2026",
                "audience": { "groups": ["PIDC"] },
                "classification": 0,
                "tlp": "CLEAR",
                "executive_summary": "Smuggling by sea **rose**.",
                "sections": [{ "heading": "Outlook", "body": "More departures expected." }],
                "reports": reports,
            })
        };
        let wrong = call(&node, Method::POST, &ana_fji, "assessments", Some(draft(&[&off_topic]))).await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", wrong.json);
        assert_eq!(wrong.json["errors"][0]["field"], "reports/0");
        let created = call(&node, Method::POST, &ana_fji, "assessments", Some(draft(&[&to_pidc, &to_nzl]))).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.json);
        let id = created.json["id"].as_str().unwrap().to_owned();

        let doc = call(&node, Method::GET, &ana_fji, &format!("assessments/{id}"), None).await;
        assert_eq!(doc.status, StatusCode::OK, "{}", doc.json);
        assert_eq!(titles(&doc.json), ["Boats to the south"], "Tonga may not read the other report");
        assert_eq!(doc.json["reaches"], json!(["FJI", "NZL", "TON"]));
        assert_eq!(doc.json["left_out"]["reports"][0]["title"], "Recruiters in Suva");
        assert_eq!(doc.json["marking"]["tlp"], "CLEAR");

        for reader in [&ana_nzl, &ana_ton] {
            let read = call(&node, Method::GET, reader, &format!("assessments/{id}"), None).await;
            assert_eq!(read.status, StatusCode::OK);
            assert_eq!(titles(&read.json), ["Boats to the south"]);
            assert!(read.json["left_out"].is_null(), "only its editors learn what was left out");
        }
        let border = node.login("border.fji").await;
        assert_eq!(
            call(&node, Method::GET, &border, &format!("assessments/{id}"), None).await.status,
            StatusCode::NOT_FOUND
        );
        let nzl_edit = json!({ "based_on": 1, "year": 2026, "title": "Ours now", "audience": { "groups": ["PIDC"] }, "classification": 0 });
        assert_eq!(
            call(&node, Method::PUT, &ana_nzl, &format!("assessments/{id}"), Some(nzl_edit)).await.status,
            StatusCode::FORBIDDEN
        );

        let mut change = draft(&[&to_pidc]);
        change["based_on"] = json!(1);
        change["executive_summary"] = json!("Smuggling by sea rose sharply.");
        let saved = call(&node, Method::PUT, &ana_fji, &format!("assessments/{id}"), Some(change.clone())).await;
        assert_eq!(saved.status, StatusCode::OK, "{}", saved.json);
        assert_eq!(saved.json["version"], 2);
        let stale = call(&node, Method::PUT, &ana_fji, &format!("assessments/{id}"), Some(change)).await;
        assert_eq!(stale.status, StatusCode::CONFLICT);
        let history = call(&node, Method::GET, &ana_nzl, &format!("assessments/{id}/history"), None).await;
        let versions: Vec<u64> =
            history.json.as_array().unwrap().iter().map(|v| v["version"].as_u64().unwrap()).collect();
        assert_eq!(versions, [2, 1]);

        let openapi = node.call(Method::GET, "/api/openapi.json", None, None).await;
        assert!(openapi.json["paths"]["/api/v1/assessments/{id}"].is_object());

        // The portal: the list, the document with its banners, the form and the history.
        let session = node.portal_login("ana.fji").await;
        assert!(node.page(&session, "/assessments").await.text().contains("Regional threat assessment 2026"));
        let page = node.page(&session, &format!("/assessments/{id}")).await.text();
        assert!(page.contains("Smuggling by sea rose sharply.") && page.contains("Boats to the south"), "{page}");
        assert_eq!(page.matches("class=\"banner").count(), 2, "a banner at the top and at the bottom");
        assert!(node.page(&session, "/assessments/new").await.text().contains("Boats to the south"));
        let form = node.page(&session, &format!("/assessments/{id}/edit")).await.text();
        assert!(form.contains("name=\"based_on\" value=\"2\""));
        let posted = node
            .post_form(
                &session,
                &format!("/assessments/{id}/edit"),
                &[
                    ("based_on", "2"),
                    ("year", "2026"),
                    ("title", "Regional threat assessment 2026"),
                    ("groups", "PIDC"),
                    ("classification", "UNCLASSIFIED"),
                    ("tlp", "CLEAR"),
                    ("executive_summary", "Written in the portal."),
                    ("sections", "## Outlook\n\nCalmer seas."),
                    ("reports", &to_pidc),
                ],
            )
            .await;
        assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.text());
        let page = node.page(&session, &format!("/assessments/{id}")).await.text();
        assert!(page.contains("Written in the portal.") && page.contains("Calmer seas."));
        assert!(
            node.page(&session, &format!("/assessments/{id}/history")).await.text().contains("Written in the portal.")
        );
        let ton = node.portal_login("ana.ton").await;
        assert!(!node.page(&ton, &format!("/assessments/{id}")).await.text().contains("Edit</a>"));
    }
}

#[tokio::test]
async fn an_assessment_prints_to_pdf_with_its_marking_on_every_page() {
    for node in nodes().await {
        let ana_fji = node.login("ana.fji").await;
        let cited =
            node.publish_fiji(report("Boats to the south", "people_smuggling", 0, "CLEAR", &["FJI"], &["PIDC"])).await;
        let long =
            "Departures from the south coast rose through the year, and organisers moved to smaller boats. ".repeat(40);
        let created = call(
            &node,
            Method::POST,
            &ana_fji,
            "assessments",
            Some(json!({
                "year": 2026,
                "title": "Regional threat assessment 2026",
                "audience": { "groups": ["PIDC"] },
                "classification": 0,
                "tlp": "CLEAR",
                "executive_summary": format!("{long}\n\n{long}"),
                "sections": [{ "heading": "Outlook", "body": long }],
                "reports": [cited],
            })),
        )
        .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.json);
        let id = created.json["id"].as_str().unwrap().to_owned();

        let pdf = node.pdf(&ana_fji, &format!("assessments/{id}/pdf?reason=for%20the%20PIDC%20meeting")).await;
        if let Some(pages) = pdf_pages("threat-assessment", &pdf.bytes) {
            assert!(pages.len() >= 2, "{} pages", pages.len());
            assert_marked(&pages, "UNCLASSIFIED // TLP:CLEAR", "REL TO FJI (originator), group PIDC");
            let all = pages.concat();
            for heading in [
                "Regional threat assessment 2026",
                "Executive summary",
                "Outlook",
                "The regional picture",
                "Incident trends in 2026",
                "Reports",
                "Boats to the south",
            ] {
                assert!(all.contains(heading), "{heading}");
            }
        }

        // Audited as an export, with its recipients and the reason.
        let auditor = node.login("auditor.fji").await;
        let records = node.audit_details(&auditor, "assessment.export").await;
        assert_eq!(records.len(), 1, "{records:?}");
        let detail = &records[0];
        assert_eq!(detail["format"], "pdf");
        assert_eq!(detail["reason"], "for the PIDC meeting");
        assert_eq!(detail["recipients"], json!(["FJI", "NZL", "TON"]));
        assert_eq!(detail["reports"], json!([cited]));

        // Those who may not open it get nothing, and nothing is recorded.
        let border = node.login("border.fji").await;
        node.assert_export_refused(&format!("assessments/{id}/pdf"), &border, &ana_fji).await;
        assert_eq!(node.audit_details(&auditor, "assessment.export").await.len(), 1);

        let openapi = node.call(Method::GET, "/api/openapi.json", None, None).await;
        assert!(openapi.json["paths"]["/api/v1/assessments/{id}/pdf"]["get"].is_object());

        // The portal links the PDF from the document, a reader of the audience downloads it.
        let session = node.portal_login("ana.ton").await;
        assert!(
            node.page(&session, &format!("/assessments/{id}")).await.text().contains(&format!("/assessments/{id}/pdf"))
        );
        let download = node.page(&session, &format!("/assessments/{id}/pdf")).await;
        assert_eq!(download.status, StatusCode::OK);
        assert!(download.bytes.starts_with(b"%PDF"));
        assert!(download.headers["content-disposition"].to_str().unwrap().contains("threat-assessment-2026-FJI.pdf"));
    }
}
