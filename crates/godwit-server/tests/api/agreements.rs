//! The agreements registry and the library in the portal: national focal
//! points propose, confirm and end agreements and attach the signed MoU;
//! library documents obey the access policy like any item.

use axum::http::{Method, StatusCode};
use godwit_store::audit::AuditQuery;
use serde_json::json;
use uuid::Uuid;

use crate::harness::{Node, nodes};

async fn audited(node: &Node, action: &str) -> Vec<String> {
    let query = AuditQuery { action: Some(action.into()), limit: 100, ..Default::default() };
    node.store.audit_records(&query).await.unwrap().into_iter().filter_map(|r| r.target).collect()
}

/// The id in a redirect to `/agreements/{id}`.
fn agreement_id(location: &str) -> Uuid {
    Uuid::parse_str(location.trim_start_matches("/agreements/").split('#').next().unwrap()).unwrap()
}

const PROPOSAL: &[(&str, &str)] = &[
    ("title", "New Zealand–Tonga arrangement on people smuggling"),
    ("kind", "bilateral"),
    ("parties", "TON"),
    ("categories", "people_smuggling"),
    ("categories", "document_fraud"),
    ("max_classification", "2"),
    ("third_party_rule", "originator_consent"),
    ("valid_from", "2026-10-01"),
    ("valid_until", ""),
];

#[tokio::test]
async fn a_proposal_comes_into_force_when_the_other_party_confirms() {
    for node in nodes().await {
        let nfp_nzl = node.portal_login("nfp.nzl").await;
        let created = node.post_form(&nfp_nzl, "/agreements", PROPOSAL).await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text());
        let id = agreement_id(&created.location());
        let stored = node.store.agreement(id).await.unwrap();
        assert_eq!(stored.status.as_str(), "proposed");
        assert!(!stored.in_force(node.store.clock().now()));
        assert!(audited(&node, "agreement.put").await.contains(&id.to_string()));

        // Tonga's NFP sees it waiting and confirms it; then it is in force.
        let nfp_ton = node.portal_login("nfp.ton").await;
        let dashboard = node.page(&nfp_ton, "/").await;
        assert!(dashboard.text().contains("1 agreement proposal awaits your member"), "{}", dashboard.text());
        let list = node.page(&nfp_ton, "/agreements").await;
        assert!(list.text().contains("Awaiting your member"), "{}", list.text());
        let page = node.page(&nfp_ton, &format!("/agreements/{id}")).await;
        assert!(page.text().contains("Confirm for your member"));
        let confirmed = node.post_form(&nfp_ton, &format!("/agreements/{id}/confirm"), &[]).await;
        assert_eq!(confirmed.status, StatusCode::SEE_OTHER, "{}", confirmed.text());
        assert!(node.store.agreement(id).await.unwrap().in_force(node.store.clock().now()));
        assert!(audited(&node, "agreement.in_force").await.contains(&id.to_string()));
        // A second confirmation is a conflict shown on the page, not an error.
        let again = node.post_form(&nfp_ton, &format!("/agreements/{id}/confirm"), &[]).await;
        assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);

        // A party's NFP changes the terms from a form filled with them; the
        // change needs the other party again, and until then it does not apply.
        let form = node.page(&nfp_nzl, &format!("/agreements/{id}/edit")).await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(form.text().contains("value=\"New Zealand–Tonga arrangement on people smuggling\""), "{}", form.text());
        assert!(form.text().contains("value=\"document_fraud\" checked"));
        let mut changed: Vec<(&str, &str)> = PROPOSAL.to_vec();
        changed.retain(|(k, _)| *k != "max_classification");
        changed.push(("max_classification", "1"));
        let amended = node.post_form(&nfp_nzl, &format!("/agreements/{id}/edit"), &changed).await;
        assert_eq!(amended.status, StatusCode::SEE_OTHER, "{}", amended.text());
        let stored = node.store.agreement(id).await.unwrap();
        assert_eq!((stored.status.as_str(), stored.max_classification.0), ("proposed", 1));
        assert!(!stored.in_force(node.store.clock().now()));
        let mut untitled: Vec<(&str, &str)> = changed.iter().filter(|(k, _)| *k != "title").copied().collect();
        untitled.push(("title", " "));
        let bad = node.post_form(&nfp_nzl, &format!("/agreements/{id}/edit"), &untitled).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.text().contains("id=\"title-error\""));
        let confirmed = node.post_form(&nfp_ton, &format!("/agreements/{id}/confirm"), &[]).await;
        assert_eq!(confirmed.status, StatusCode::SEE_OTHER, "{}", confirmed.text());
        assert!(node.store.agreement(id).await.unwrap().in_force(node.store.clock().now()));
        // Nobody else sees the form or changes it.
        let analyst = node.portal_login("ana.fji").await;
        assert_eq!(node.page(&analyst, &format!("/agreements/{id}/edit")).await.status, StatusCode::FORBIDDEN);
        let refused = node.post_form(&analyst, &format!("/agreements/{id}/edit"), PROPOSAL).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);

        // A party's NFP ends it at once.
        let ended = node.post_form(&nfp_ton, &format!("/agreements/{id}/terminate"), &[]).await;
        assert_eq!(ended.status, StatusCode::SEE_OTHER, "{}", ended.text());
        assert_eq!(node.store.agreement(id).await.unwrap().status.as_str(), "terminated");
        assert!(audited(&node, "agreement.terminate").await.contains(&id.to_string()));
        // An ended agreement is not changed: a new one is proposed.
        assert_eq!(node.page(&nfp_nzl, &format!("/agreements/{id}/edit")).await.status, StatusCode::CONFLICT);
    }
}

#[tokio::test]
async fn only_a_partys_nfp_edits_and_fields_are_named() {
    for node in nodes().await {
        let analyst = node.portal_login("ana.fji").await;
        assert_eq!(node.page(&analyst, "/agreements/new").await.status, StatusCode::FORBIDDEN);
        assert_eq!(node.post_form(&analyst, "/agreements", PROPOSAL).await.status, StatusCode::FORBIDDEN);
        let mou = Uuid::from_u128(99);
        let ended = node.post_form(&analyst, &format!("/agreements/{mou}/terminate"), &[]).await;
        assert_eq!(ended.status, StatusCode::FORBIDDEN);
        // An NFP of a member that is not a party cannot end another's agreement.
        let nfp_ton = node.portal_login("nfp.ton").await;
        let ended = node.post_form(&nfp_ton, &format!("/agreements/{mou}/terminate"), &[]).await;
        assert_eq!(ended.status, StatusCode::FORBIDDEN);
        assert_eq!(node.page(&nfp_ton, &format!("/agreements/{mou}/edit")).await.status, StatusCode::FORBIDDEN);
        let changed = node.post_form(&nfp_ton, &format!("/agreements/{mou}/edit"), PROPOSAL).await;
        assert_eq!(changed.status, StatusCode::FORBIDDEN);
        assert_eq!(node.store.agreement(mou).await.unwrap().status.as_str(), "active");

        // Bad fields come back beside the fields.
        let nfp_nzl = node.portal_login("nfp.nzl").await;
        let bad = node
            .post_form(
                &nfp_nzl,
                "/agreements",
                &[
                    ("title", " "),
                    ("kind", "bilateral"),
                    ("max_classification", "1"),
                    ("third_party_rule", "x"),
                    ("valid_from", "soon"),
                ],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        let text = bad.text();
        for field in ["third_party_rule", "valid_from"] {
            assert!(text.contains(&format!("id=\"{field}-error\"")), "{field}: {text}");
        }
        let bad = node
            .post_form(
                &nfp_nzl,
                "/agreements",
                &[
                    ("title", " "),
                    ("kind", "bilateral"),
                    ("max_classification", "1"),
                    ("third_party_rule", "parties_only"),
                    ("valid_from", "2026-11-01"),
                ],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        let text = bad.text();
        for field in ["title", "parties", "categories"] {
            assert!(text.contains(&format!("id=\"{field}-error\"")), "{field}: {text}");
        }
    }
}

#[tokio::test]
async fn the_signed_mou_is_for_the_parties_users_and_downloads_are_audited() {
    for node in nodes().await {
        let mou = Uuid::from_u128(99);
        let pdf: &[u8] = b"%PDF-1.7\n% signed MoU\n";
        // Only a party's NFP attaches it.
        let analyst = node.portal_login("ana.fji").await;
        let refused = node
            .post_multipart(&analyst, &format!("/agreements/{mou}/documents"), &[("file", Some("mou.pdf"), pdf)])
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        let nfp_ton = node.portal_login("nfp.ton").await;
        let refused = node
            .post_multipart(&nfp_ton, &format!("/agreements/{mou}/documents"), &[("file", Some("mou.pdf"), pdf)])
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        let nfp_nzl = node.portal_login("nfp.nzl").await;
        let attached = node
            .post_multipart(
                &nfp_nzl,
                &format!("/agreements/{mou}/documents"),
                &[("file", Some("FJI-NZL signed.pdf"), pdf)],
            )
            .await;
        assert_eq!(attached.status, StatusCode::SEE_OTHER, "{}", attached.text());
        assert!(audited(&node, "agreement.document.add").await.contains(&mou.to_string()));
        let documents = node.store.agreement_documents(mou).await.unwrap();
        assert_eq!(documents.len(), 1);
        assert_eq!(documents[0].content_type, "application/pdf");
        let path = format!("/agreements/{mou}/documents/{}", documents[0].id);

        // A user of a party (Fiji's analyst) finds and downloads it.
        let page = node.page(&analyst, &format!("/agreements/{mou}")).await;
        assert!(page.text().contains(&path), "{}", page.text());
        let download = node.page(&analyst, &path).await;
        assert_eq!(download.status, StatusCode::OK);
        assert_eq!(download.bytes, pdf);
        assert_eq!(audited(&node, "agreement.document.download").await, vec![mou.to_string()]);

        // Tonga is not a party: it reads the registry, not the signed copy.
        let tonga = node.portal_login("ana.ton").await;
        let page = node.page(&tonga, &format!("/agreements/{mou}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.text().contains(&path));
        assert_eq!(node.page(&tonga, &path).await.status, StatusCode::FORBIDDEN);
        assert_eq!(audited(&node, "agreement.document.download").await.len(), 1);

        // The same rule through the API.
        let api = format!("/api/v1/agreements/{mou}/documents");
        let ton = node.login("ana.ton").await;
        assert_eq!(node.call(Method::GET, &api, Some(&ton), None).await.json, json!([]));
        let refused = node.call(Method::GET, &format!("{api}/{}", documents[0].id), Some(&ton), None).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        let nzl = node.login("ana.nzl").await;
        assert_eq!(node.call(Method::GET, &api, Some(&nzl), None).await.json.as_array().unwrap().len(), 1);
        let download = node.call(Method::GET, &format!("{api}/{}", documents[0].id), Some(&nzl), None).await;
        assert_eq!((download.status, download.bytes.as_slice()), (StatusCode::OK, pdf));
        assert_eq!(audited(&node, "agreement.document.download").await.len(), 2);
    }
}

fn library_document(release_members: &[&str]) -> serde_json::Value {
    json!({
        "title": "SOP: handling document-fraud alerts",
        "summary": "Steps from an alert hit to secondary examination.",
        "body": "## Purpose\n\nSteps.",
        "category": "document_fraud",
        "details": { "kind": "library_document", "document_type": "sop" },
        "classification": 1,
        "tlp": "GREEN",
        "release": { "members": release_members },
        "tags": ["library:sop"]
    })
}

#[tokio::test]
async fn library_documents_obey_the_access_policy() {
    for node in nodes().await {
        let id = node.publish_fiji(library_document(&["NZL"])).await;

        // Released to New Zealand: listed under its type, with its markings.
        let nzl = node.portal_login("ana.nzl").await;
        let shelf = node.page(&nzl, "/library?type=sop").await;
        assert_eq!(shelf.status, StatusCode::OK);
        assert!(shelf.text().contains(&id), "{}", shelf.text());
        assert!(shelf.text().contains("TLP:GREEN"));
        assert!(shelf.text().contains("REL TO FJI (originator), NZL"));
        assert!(!node.page(&nzl, "/library?type=training").await.text().contains(&id));
        assert_eq!(node.page(&nzl, &format!("/items/{id}")).await.status, StatusCode::OK);

        // Not released to Tonga: neither listed nor readable.
        let tonga = node.portal_login("ana.ton").await;
        assert!(!node.page(&tonga, "/library").await.text().contains(&id));
        assert_eq!(node.page(&tonga, &format!("/items/{id}")).await.status, StatusCode::NOT_FOUND);
        assert_eq!(node.page(&tonga, "/library?type=nonsense").await.status, StatusCode::BAD_REQUEST);
    }
}
