//! Incident records and their collection (issue 4): the full VRS-MSRC fields
//! through the items API, collection templates per member, imports that are
//! all-or-nothing and idempotent with every problem located, hostile sheets
//! refused without a 500, exports that hold only what the reader may see, and
//! the portal's pages for all of it.

use axum::body::Body;
use axum::http::{HeaderValue, Method, Request, StatusCode, header};
use serde_json::{Value, json};

use crate::harness::{Node, nodes};

fn incident(release_members: &[&str], occurred_on: &str) -> Value {
    json!({
        "title": "Three LKA nationals on counterfeit NZL passports",
        "category": "people_smuggling",
        "details": {
            "kind": "incident_record",
            "occurred_on": occurred_on,
            "place": "Nadi",
            "border_post": "Nadi International Airport",
            "persons": 3,
            "profile": [
                { "nationality": "LKA", "sex": "male", "age_band": "18_34", "count": 2 },
                { "nationality": "XXA", "sex": "female", "age_band": "under_18", "count": 1 }
            ],
            "route": { "origin": "LKA", "transit": ["SGP"], "destination": "NZL" },
            "transport": "commercial_flight",
            "method_type": "fraudulent_documents",
            "fee": { "amount": 4500, "currency": "USD" },
            "facilitators": { "count": 1, "nationalities": ["IND"] },
            "documents": [{ "document_type": "passport", "issuing_state": "NZL", "fraud_type": "counterfeit" }],
            "outcome_type": "refused_entry"
        },
        "classification": 1,
        "tlp": "AMBER",
        "release": { "members": release_members },
        "environment": "air"
    })
}

async fn import(node: &Node, token: &str, query: &str, body: Vec<u8>) -> crate::harness::Response {
    let request = Request::builder()
        .method(Method::POST)
        .uri(format!("/api/v1/imports/incidents?{query}"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "text/csv");
    node.send(request.body(Body::from(body)).unwrap()).await
}

const SHEET: &str = "Date,Border post,Persons,Nationality,Origin,Transit,Destination,Fee,Currency,Vessel\n\
2026-10-20,Nadi Airport,3,LKA,LKA,SGP,AUS,\"4,500\",USD,\n\
21/10/2026,Suva Wharf,12,BGD,BGD,MYS-IDN,AUS,,,MV Star\n\
45950,Lautoka,1,FJI,,,,,,\n";

#[tokio::test]
async fn incident_records_carry_the_full_fields_and_refuse_bad_ones() {
    for node in nodes().await {
        let id = node.publish_fiji(incident(&["NZL"], "2026-10-30")).await;
        let nzl = node.login("ana.nzl").await;
        let read = node.call(Method::GET, &format!("/api/v1/items/{id}"), Some(&nzl), None).await;
        assert_eq!(read.status, StatusCode::OK);
        assert_eq!(read.json["content"]["details"]["profile"][1]["nationality"], "XXA");
        assert_eq!(read.json["content"]["details"]["route"]["transit"][0], "SGP");
        assert_eq!(read.json["content"]["details"]["fee"]["currency"], "USD");

        let ana = node.login("ana.fji").await;
        let mut bad = incident(&[], "2026-11-02");
        bad["details"]["profile"][0]["nationality"] = json!("SRI");
        bad["details"]["fee"]["currency"] = json!("DOLLARS");
        bad["details"]["route"]["transit"] = json!(["sg"]);
        let refused = node.call(Method::POST, "/api/v1/items", Some(&ana), Some(bad)).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.json);
        let fields: Vec<&str> =
            refused.json["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        for field in
            ["details/occurred_on", "details/profile/0/nationality", "details/route/transit/0", "details/fee/currency"]
        {
            assert!(fields.contains(&field), "{field} not named in {fields:?}");
        }
        let mut negative = incident(&[], "2026-10-01");
        negative["details"]["persons"] = json!(-3);
        let refused = node.call(Method::POST, "/api/v1/items", Some(&ana), Some(negative)).await;
        assert!(refused.status.is_client_error(), "{}", refused.status);
    }
}

#[tokio::test]
async fn a_sheet_imports_all_or_nothing_and_again_changes_nothing() {
    for node in nodes().await {
        let ana = node.login("ana.fji").await;
        let dry = import(&node, &ana, "template=people_smuggling&dry_run=true", SHEET.into()).await;
        assert_eq!(dry.status, StatusCode::OK, "{}", dry.json);
        assert_eq!((dry.json["records"].as_u64(), dry.json["created"].as_u64()), (Some(3), Some(3)));
        assert_eq!(dry.json["committed"], false);
        assert_eq!(dry.json["ignored_columns"], json!(["Vessel"]));

        let done = import(&node, &ana, "template=people_smuggling&release=NZL", SHEET.into()).await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.json);
        assert_eq!((done.json["created"].as_u64(), done.json["committed"].as_bool()), (Some(3), Some(true)));
        let again = import(&node, &ana, "template=people_smuggling&release=NZL", SHEET.into()).await;
        assert_eq!((again.json["created"].as_u64(), again.json["already_imported"].as_u64()), (Some(0), Some(3)));

        let drafts = node.call(Method::GET, "/api/v1/items?kind=incident_record&limit=100", Some(&ana), None).await;
        let drafts = drafts.json["items"].as_array().unwrap();
        assert_eq!(drafts.len(), 3);
        assert!(drafts.iter().all(|i| i["state"] == "draft"));
        // Drafts are the member's own until an officer approves them.
        let nzl = node.login("ana.nzl").await;
        let theirs = node.call(Method::GET, "/api/v1/items?kind=incident_record", Some(&nzl), None).await;
        assert_eq!(theirs.json["items"].as_array().unwrap().len(), 0);

        let bad = format!(
            "{SHEET}2026-12-01,Nadi,-2,SRI,LKA,,AUS,100,,\n2026-10-20,Nadi Airport,3,LKA,LKA,SGP,AUS,\"4,500\",USD,\n"
        );
        let refused = import(&node, &ana, "template=people_smuggling", bad.into_bytes()).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.json);
        assert_eq!(refused.json["committed"], false);
        let errors: Vec<(u64, &str, &str)> = refused.json["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["row"].as_u64().unwrap(), e["column"].as_str().unwrap(), e["reason"].as_str().unwrap()))
            .collect();
        assert_eq!(
            errors,
            [
                (5, "Date", "is in the future"),
                (5, "Persons", "is a negative count"),
                (5, "Nationality", "is not a nationality code (ISO 3166-1 alpha-3)"),
                (6, "(row)", "duplicates row 2"),
            ]
        );
        let after = node.call(Method::GET, "/api/v1/items?kind=incident_record&limit=100", Some(&ana), None).await;
        assert_eq!(after.json["items"].as_array().unwrap().len(), 3, "a refused import writes nothing");

        let reader = node.login("border.fji").await;
        assert_eq!(
            import(&node, &reader, "template=people_smuggling", SHEET.into()).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(import(&node, &ana, "template=no_such", SHEET.into()).await.status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn hostile_sheets_are_refused_without_a_server_error() {
    // A zip whose one part inflates to 520 MB: refused from its directory.
    let bomb = zip_bomb();
    assert!(bomb.len() < 1024 * 1024, "the bomb is small: {} bytes", bomb.len());
    for node in nodes().await {
        let ana = node.login("ana.fji").await;
        for (body, want) in [
            (Vec::new(), "the file is empty"),
            (b",,,\n1,2,3\n".to_vec(), "the sheet has no header row"),
            (b"PK\x03\x04garbage".to_vec(), "not an XLSX workbook"),
            (bomb.clone(), "would inflate to"),
        ] {
            let response = import(&node, &ana, "template=people_smuggling", body).await;
            assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", response.json);
            assert_eq!(response.json["code"], "unreadable_sheet");
            assert!(response.json["detail"].as_str().unwrap().contains(want), "{}", response.json);
        }
        // Mixed encodings: a Windows-1252 place name beside UTF-8 ones.
        let mut mixed = b"Date,Place,Persons\n2026-10-01,Asunci\xc3\xb3n,1\n".to_vec();
        mixed.extend_from_slice(b"2026-10-02,Mal\xe9,2\n");
        let response = import(&node, &ana, "template=people_smuggling", mixed).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.json);
        let items = node.call(Method::GET, "/api/v1/items?kind=incident_record&limit=10", Some(&ana), None).await;
        let titles: Vec<&str> =
            items.json["items"].as_array().unwrap().iter().map(|i| i["title"].as_str().unwrap()).collect();
        assert!(titles.iter().any(|t| t.contains("Malé")), "{titles:?}");
    }
}

/// A zip with one stored-as-deflated part of zeros that inflates to 520 MB.
fn zip_bomb() -> Vec<u8> {
    use std::io::Write;
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated).large_file(true);
    writer.start_file("xl/worksheets/sheet1.xml", options).unwrap();
    let zeros = vec![0u8; 1024 * 1024];
    for _ in 0..520 {
        writer.write_all(&zeros).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

#[tokio::test]
async fn templates_are_the_members_own_and_exports_hold_only_what_the_reader_sees() {
    for node in nodes().await {
        let ana = node.login("ana.fji").await;
        let list = node.call(Method::GET, "/api/v1/collection-templates", Some(&ana), None).await;
        assert_eq!(list.json.as_array().unwrap().len(), 9);
        let mut cruise =
            node.call(Method::GET, "/api/v1/collection-templates/cruise_ships", Some(&ana), None).await.json;
        cruise["name"] = json!("Cruise ships (Fiji)");
        let put = node.call(Method::PUT, "/api/v1/collection-templates/cruise_ships", Some(&ana), Some(cruise)).await;
        assert_eq!(put.status, StatusCode::OK, "{}", put.json);
        let nzl = node.login("ana.nzl").await;
        let theirs = node.call(Method::GET, "/api/v1/collection-templates/cruise_ships", Some(&nzl), None).await;
        assert_eq!(theirs.json["name"], "Cruise ships");
        let mut broken = put.json.clone();
        broken["fields"] = json!([]);
        let refused =
            node.call(Method::PUT, "/api/v1/collection-templates/cruise_ships", Some(&ana), Some(broken)).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        let deleted = node.call(Method::DELETE, "/api/v1/collection-templates/cruise_ships", Some(&ana), None).await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT);

        node.publish_fiji(incident(&["NZL"], "2026-10-30")).await;
        node.publish_fiji(incident(&[], "2026-10-29")).await;
        for (who, rows) in [("ana.fji", 2), ("ana.nzl", 1), ("ana.ton", 0)] {
            let token = node.login(who).await;
            let csv = node.call(Method::GET, "/api/v1/exports/incidents?format=csv", Some(&token), None).await;
            assert_eq!(csv.status, StatusCode::OK);
            let sheet = godwit_sheets::read::read(&csv.bytes).unwrap();
            assert_eq!(sheet.rows.len(), rows, "{who}");
            let xlsx = node.call(Method::GET, "/api/v1/exports/incidents?format=xlsx", Some(&token), None).await;
            assert_eq!(godwit_sheets::read::read(&xlsx.bytes).unwrap().rows.len(), rows, "{who} (xlsx)");
        }
    }
}

#[tokio::test]
async fn the_portal_writes_incidents_imports_sheets_and_lists_templates() {
    for node in nodes().await {
        let session = node.portal_login("ana.fji").await;
        let form = node.page(&session, "/items/new?kind=incident_record").await;
        assert_eq!(form.status, StatusCode::OK);
        for field in ["profile_nationality", "route_transit", "fee_currency", "used_doc_type", "outcome_type"] {
            assert!(form.text().contains(&format!("name=\"{field}\"")), "no {field}");
        }
        let created = node
            .post_form(
                &session,
                "/items",
                &[
                    ("kind", "incident_record"),
                    ("title", "Two on forged visas"),
                    ("category", "people_smuggling"),
                    ("classification", "1"),
                    ("tlp", "AMBER"),
                    ("occurred_on", "2026-10-10"),
                    ("profile_nationality", "lka"),
                    ("profile_sex", "male"),
                    ("profile_age", "18_34"),
                    ("profile_count", "2"),
                    ("route_origin", "LKA"),
                    ("route_destination", "FJI"),
                    ("used_doc_type", "visa"),
                    ("used_doc_state", "FJI"),
                    ("used_doc_fraud", "forged"),
                ],
            )
            .await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text());
        let page = node.page(&session, &created.location()).await;
        assert!(page.text().contains("LKA → FJI"), "route shown");
        assert!(page.text().contains("Visa of FJI, forged"), "document shown");

        let future = node
            .post_form(
                &session,
                "/items",
                &[
                    ("kind", "incident_record"),
                    ("title", "t"),
                    ("category", "people_smuggling"),
                    ("classification", "1"),
                    ("tlp", "AMBER"),
                    ("occurred_on", "2027-01-01"),
                ],
            )
            .await;
        assert_eq!(future.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(future.text().contains("must not be in the future"));

        let incidents = node.page(&session, "/incidents").await;
        assert_eq!(incidents.status, StatusCode::OK);
        assert!(incidents.text().contains("Outlaw motorcycle gangs"));
        let bad = b"Date,Persons\n2026-10-01,-1\n".as_slice();
        let refused = node
            .post_multipart(
                &session,
                "/incidents/import",
                &[("template", None, b"people_smuggling"), ("file", Some("s.csv"), bad)],
            )
            .await;
        // The page is sent as the import goes (status first), so problems are in its report.
        assert_eq!(refused.status, StatusCode::OK);
        assert!(refused.text().contains("Not imported") && refused.text().contains("is a negative count"));
        // A browser asks for compression; the portal's other pages get it, this one is sent in parts.
        let mut request = Node::multipart(
            &session,
            "/incidents/import",
            &[("template", None, b"people_smuggling"), ("file", Some("s.csv"), SHEET.as_bytes())],
        );
        request.headers_mut().insert(header::ACCEPT_ENCODING, HeaderValue::from_static("gzip"));
        let imported = node.send(request).await;
        assert_eq!(imported.status, StatusCode::OK, "{}", imported.text());
        assert_eq!(imported.headers.get(header::CONTENT_ENCODING), None);
        let text = imported.text();
        assert!(text.contains("3 created"), "{text}");
        let progress =
            ["Reading and checking the sheet", "<progress max=\"3\" value=\"3\">", "Finished in", "3 created"];
        let at: Vec<usize> = progress.iter().map(|p| text.find(p).unwrap_or_else(|| panic!("{p}: {text}"))).collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "progress, then the report: {at:?}");
        let page = Request::get("/incidents")
            .header(header::COOKIE, &session.cookie)
            .header(header::ACCEPT_ENCODING, "gzip")
            .body(Body::empty())
            .unwrap();
        assert_eq!(node.send(page).await.headers[header::CONTENT_ENCODING], "gzip");
        // A column the template does not know is mapped once, and then imported.
        let pax = b"Date of detection,Pax\n2026-10-03,7\n".as_slice();
        let unmapped = node
            .post_multipart(
                &session,
                "/incidents/import",
                &[("template", None, b"people_smuggling"), ("dry_run", None, b"on"), ("file", Some("p.csv"), pax)],
            )
            .await;
        assert!(unmapped.text().contains("Not imported"), "the date has no column");
        assert!(unmapped.text().contains("name=\"header\" value=\"Date of detection\""), "{}", unmapped.text());
        let mapped = node
            .post_form(
                &session,
                "/incidents/templates/people_smuggling/mapping",
                &[("header", "Date of detection"), ("field", "date"), ("header", "Pax"), ("field", "persons")],
            )
            .await;
        assert_eq!(mapped.status, StatusCode::SEE_OTHER);
        let again = node
            .post_multipart(
                &session,
                "/incidents/import",
                &[("template", None, b"people_smuggling"), ("file", Some("p.csv"), pax)],
            )
            .await;
        assert_eq!(again.status, StatusCode::OK, "{}", again.text());
        let ana = node.login("ana.fji").await;
        let saved =
            node.call(Method::GET, "/api/v1/collection-templates/people_smuggling/mapping", Some(&ana), None).await;
        assert_eq!(saved.json["dateofdetection"], "date");
        let bad = node
            .call(
                Method::PUT,
                "/api/v1/collection-templates/people_smuggling/mapping",
                Some(&ana),
                Some(json!({ "Pax": "passengers" })),
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

        let blank = node.page(&session, "/incidents/templates/cruise_ships.csv").await;
        assert!(blank.text().starts_with("Date,Place,Border post"));
        let export = node.page(&session, "/incidents/export?format=xlsx").await;
        assert_eq!(godwit_sheets::read::read(&export.bytes).unwrap().rows.len(), 5);

        let edit = node.page(&session, "/incidents/templates/cruise_ships/edit").await;
        assert_eq!(edit.status, StatusCode::OK);
        assert!(edit.text().contains("name=\"field_label\" value=\"Ship\""));
        let fields = [
            ("name", "Cruise ships (Fiji)"),
            ("field_key", "date"),
            ("field_label", "Date of event"),
            ("field_allowed", ""),
            ("field_required", "date"),
            ("field_key", "ship"),
            ("field_label", "Vessel"),
            ("field_allowed", ""),
            ("field_remove", "flag_state"),
            ("add_key", "cabin_class"),
            ("add_label", "Cabin class"),
            ("add_type", "choice"),
            ("add_allowed", "inside, balcony, suite"),
        ];
        let saved = node.post_form(&session, "/incidents/templates/cruise_ships", &fields).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
        let ana = node.login("ana.fji").await;
        let adapted = node.call(Method::GET, "/api/v1/collection-templates/cruise_ships", Some(&ana), None).await.json;
        let labels: Vec<&str> =
            adapted["fields"].as_array().unwrap().iter().map(|f| f["label"].as_str().unwrap()).collect();
        assert!(labels.contains(&"Date of event") && labels.contains(&"Vessel") && labels.contains(&"Cabin class"));
        assert!(!labels.contains(&"Flag state"));
        let bad = node
            .post_form(&session, "/incidents/templates/cruise_ships", &[("name", "x"), ("new_code", "Bad Code")])
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.text().contains("code: must be lower-case letters"), "{}", bad.text());
        let reset = node.post_form(&session, "/incidents/templates/cruise_ships/reset", &[]).await;
        assert_eq!(reset.status, StatusCode::SEE_OTHER);

        let reader = node.portal_login("border.fji").await;
        assert_eq!(node.page(&reader, "/incidents").await.status, StatusCode::FORBIDDEN);
    }
}
