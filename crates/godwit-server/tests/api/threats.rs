//! Threat and risk registers (issue 5, points 1 and 2) through the API and the
//! portal: officers open and release their member's register, analysts assess
//! threats, other members read it only when it is released to them (and an
//! agreement covers it), and the regional picture shows exactly those members.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{call, nodes};

fn entry(likelihood: u8, consequence: u8) -> Value {
    json!({
        "assessment": "Counterfeit passports seen at Nadi",
        "likelihood": likelihood,
        "consequence": consequence,
        "trend": "rising",
        "mitigations": [{ "strategy": "Document examination training", "owner": "Border unit, Nadi airport" }],
        "review_on": "2026-10-01"
    })
}

fn members(picture: &Value) -> Vec<&str> {
    picture["members"].as_array().unwrap().iter().map(|m| m.as_str().unwrap()).collect()
}

#[tokio::test]
async fn registers_are_released_like_items_and_compared_in_the_picture() {
    for node in nodes().await {
        let (officer_fji, ana_fji) = (node.login("officer.fji").await, node.login("ana.fji").await);
        let (ana_nzl, ana_ton) = (node.login("ana.nzl").await, node.login("ana.ton").await);
        let open = json!({ "title": "Fiji threat register" });
        assert_eq!(
            call(&node, Method::POST, &ana_fji, "threat-registers", Some(open.clone())).await.status,
            StatusCode::FORBIDDEN
        );
        let opened = call(&node, Method::POST, &officer_fji, "threat-registers", Some(open.clone())).await;
        assert_eq!(opened.status, StatusCode::CREATED, "{}", opened.json);
        assert_eq!(opened.json["release"]["members"], json!([]), "released to nobody by default");
        assert_eq!(
            call(&node, Method::POST, &officer_fji, "threat-registers", Some(open)).await.status,
            StatusCode::CONFLICT
        );

        let put =
            call(&node, Method::PUT, &ana_fji, "threat-registers/FJI/entries/document-fraud", Some(entry(5, 4))).await;
        assert_eq!(put.status, StatusCode::OK, "{}", put.json);
        let bad =
            call(&node, Method::PUT, &ana_fji, "threat-registers/FJI/entries/document-fraud", Some(entry(9, 0))).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        let fields: Vec<&str> =
            bad.json["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, ["likelihood", "consequence"]);
        let view = call(&node, Method::GET, &ana_fji, "threat-registers/FJI", None).await;
        assert_eq!(view.json["entries"][0]["rating"], "extreme", "{}", view.json);
        assert_eq!(view.json["entries"][0]["review_overdue"], true);

        // Default deny: nobody outside Fiji reads it, and a bad path is simply not found.
        assert_eq!(
            call(&node, Method::GET, &ana_nzl, "threat-registers/FJI", None).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            call(&node, Method::GET, &ana_nzl, "threat-registers/fji", None).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(call(&node, Method::GET, &ana_nzl, "threat-registers", None).await.json, json!([]));

        // Released to PIDC, marked IN-CONFIDENCE under document fraud: New
        // Zealand reads it under its MoU with Fiji; Tonga, in PIDC without an
        // agreement, does not.
        let mut settings = opened.json.clone();
        settings["release"] = json!({ "groups": ["PIDC"] });
        settings["classification"] = json!(1);
        settings["category"] = json!("document_fraud");
        assert_eq!(
            call(&node, Method::PUT, &ana_fji, "threat-registers/FJI", Some(settings.clone())).await.status,
            StatusCode::FORBIDDEN
        );
        let released = call(&node, Method::PUT, &officer_fji, "threat-registers/FJI", Some(settings)).await;
        assert_eq!(released.status, StatusCode::OK, "{}", released.json);
        assert_eq!(call(&node, Method::GET, &ana_nzl, "threat-registers/FJI", None).await.status, StatusCode::OK);
        assert_eq!(
            call(&node, Method::GET, &ana_ton, "threat-registers/FJI", None).await.status,
            StatusCode::NOT_FOUND
        );
        let foreign =
            call(&node, Method::PUT, &ana_nzl, "threat-registers/FJI/entries/document-fraud", Some(entry(1, 1))).await;
        assert_eq!(foreign.status, StatusCode::FORBIDDEN);

        // New Zealand rates the same threat low and releases its register to Fiji.
        let officer_nzl = node.login("officer.nzl").await;
        let nzl =
            json!({ "title": "NZ register", "classification": 0, "tlp": "CLEAR", "release": { "members": ["FJI"] } });
        assert_eq!(
            call(&node, Method::POST, &officer_nzl, "threat-registers", Some(nzl)).await.status,
            StatusCode::CREATED
        );
        let low =
            call(&node, Method::PUT, &ana_nzl, "threat-registers/NZL/entries/document-fraud", Some(entry(1, 2))).await;
        assert_eq!(low.status, StatusCode::OK);
        // Airport design: high for Fiji, medium for New Zealand, one step apart.
        for (analyst, member, likelihood, consequence) in [(&ana_fji, "FJI", 3, 3), (&ana_nzl, "NZL", 3, 2)] {
            let path = format!("threat-registers/{member}/entries/airport-design");
            let put = call(&node, Method::PUT, analyst, &path, Some(entry(likelihood, consequence))).await;
            assert_eq!(put.status, StatusCode::OK, "{}", put.json);
        }

        let fiji_view = call(&node, Method::GET, &ana_fji, "threat-picture", None).await.json;
        assert_eq!(members(&fiji_view), ["FJI", "NZL"]);
        assert_eq!(fiji_view["differences"][0]["threat"], "document-fraud", "{fiji_view}");
        assert_eq!(fiji_view["differences"][0]["highest_members"], json!(["FJI"]));
        assert_eq!(fiji_view["differences"][0]["lowest"], "low");
        assert_eq!(fiji_view["differences"][0]["notable"], true);
        // A difference of one step is listed too, without emphasis.
        let slight = &fiji_view["differences"][1];
        assert_eq!(
            (&slight["threat"], &slight["highest"], &slight["lowest"], &slight["notable"]),
            (&json!("airport-design"), &json!("high"), &json!("medium"), &json!(false)),
            "{fiji_view}"
        );
        assert_eq!(members(&call(&node, Method::GET, &ana_nzl, "threat-picture", None).await.json), ["FJI", "NZL"]);
        assert_eq!(members(&call(&node, Method::GET, &ana_ton, "threat-picture", None).await.json), Vec::<&str>::new());

        // The history keeps who changed what, before and after.
        let history = call(&node, Method::GET, &ana_fji, "threat-registers/FJI/history", None).await.json;
        let actions: Vec<&str> = history.as_array().unwrap().iter().map(|c| c["action"].as_str().unwrap()).collect();
        assert_eq!(actions, ["entry.create", "settings", "entry.create", "create"]);
        assert_eq!(history[1]["before"]["release"]["groups"], json!([]));
        assert_eq!(history[1]["before"]["category"], "border_management");
        assert_eq!(history[1]["after"]["release"]["groups"], json!(["PIDC"]));

        // The portal draws the heat map with exactly the members released to the viewer.
        let session = node.portal_login("ana.fji").await;
        let page = node.page(&session, "/threats").await.text();
        let columns: Vec<&str> =
            page.match_indices(r#"class="member">"#).map(|(at, m)| &page[at + m.len()..at + m.len() + 3]).collect();
        assert_eq!(columns, ["FJI", "NZL"], "{page}");
        assert!(page.contains("Members rate these threats differently"));
        assert!(
            page.contains(
                "<strong>Document fraud and quality: extreme for FJI; low for NZL, two ratings or more apart</strong>"
            ),
            "{page}"
        );
        assert!(page.contains("<li>Airport design: high for FJI; medium for NZL, one rating apart</li>"), "{page}");
        assert!(page.contains("Document fraud and quality ◆") && page.contains("Airport design ◇"), "{page}");
        assert!(page.contains("2 reviews overdue"), "{page}");
        let register = node.page(&session, "/threats/FJI").await.text();
        assert!(register.contains("IN-CONFIDENCE") && register.contains("Assess a threat"), "{register}");
        let assessed = node
            .post_form(
                &session,
                "/threats/FJI/entries",
                &[
                    ("threat", "visa-regimes"),
                    ("likelihood", "2"),
                    ("consequence", "2"),
                    ("trend", "stable"),
                    ("mitigations", "Visa information sharing | Visa section"),
                    ("review_on", "2027-03-01"),
                ],
            )
            .await;
        assert_eq!(assessed.status, StatusCode::SEE_OTHER, "{}", assessed.text());
        let broken =
            node.post_form(&session, "/threats/FJI/entries", &[("threat", "visa-regimes"), ("likelihood", "x")]).await;
        assert_eq!(broken.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(node.page(&session, "/threats/FJI/history").await.text().contains("entry.create"));

        // The officer changes the scales and the matrix in the portal; an analyst may not.
        let officer = node.portal_login("officer.fji").await;
        assert!(node.page(&officer, "/threats/FJI").await.text().contains("Change the scales and the matrix"));
        assert!(!register.contains("Change the scales and the matrix"), "analysts do not see the form");
        let mut fields: Vec<(String, String)> = Vec::new();
        for p in 1..=5 {
            fields.push((format!("l{p}"), format!("L{p}")));
            fields.push((format!("c{p}"), format!("C{p}")));
            for c in 1..=5 {
                // A stricter matrix: high from a product of 6 up, extreme from 15.
                let rating = match p * c {
                    n if n >= 15 => "extreme",
                    n if n >= 6 => "high",
                    n if n >= 3 => "medium",
                    _ => "low",
                };
                fields.push((format!("m{p}{c}"), rating.to_owned()));
            }
        }
        let form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(node.post_form(&session, "/threats/FJI/method", &form).await.status, StatusCode::FORBIDDEN);
        let saved = node.post_form(&officer, "/threats/FJI/method", &form).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
        let view = call(&node, Method::GET, &ana_fji, "threat-registers/FJI", None).await;
        assert_eq!(view.json["register"]["method"]["likelihood"][0], "L1");
        assert_eq!(view.json["register"]["method"]["matrix"][1][2], "high", "likelihood 2 × consequence 3");
        let mut falling = form.clone();
        falling.retain(|(k, _)| *k != "m55");
        falling.push(("m55", "low"));
        assert_eq!(
            node.post_form(&officer, "/threats/FJI/method", &falling).await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        // A review reminder points at the register by its id.
        let id = view.json["register"]["id"].as_str().unwrap();
        assert_eq!(node.page(&session, &format!("/threat-registers/{id}")).await.location(), "/threats/FJI");
        let ton = node.portal_login("ana.ton").await;
        assert_eq!(node.page(&ton, &format!("/threat-registers/{id}")).await.status, StatusCode::NOT_FOUND);
        let page = node.page(&ton, "/threats").await.text();
        assert!(!page.contains("heat-map") && page.contains("No register is released to your member yet"), "{page}");
        assert_eq!(node.page(&ton, "/threats/FJI").await.status, StatusCode::NOT_FOUND);
        let border = node.portal_login("border.fji").await;
        assert_eq!(node.page(&border, "/threats").await.status, StatusCode::FORBIDDEN);
    }
}
