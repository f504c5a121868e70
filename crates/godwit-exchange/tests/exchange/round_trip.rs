//! Export then import gives back every item's content and markings; exports
//! are deterministic.

use std::collections::BTreeSet;

use godwit_domain::Timestamp;
use godwit_domain::grading::{GradingScheme, SourceGrading};
use godwit_domain::item::{
    AlertType, AlertedDocument, BorderEnvironment, Category, CountryRef, CountryRole, ItemContent, ItemDetails,
    Releasability,
};
use godwit_domain::marking::{Caveats, Classification, Tlp};
use godwit_domain::member::MemberCode;
use godwit_exchange::stix::{
    Lineage, export_bundle, import_bundle, item_objects, item_of_report, report_id, tlp_marking_id,
};
use proptest::collection::{btree_set, vec};
use proptest::prelude::*;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::samples::{self, NOW, World};

fn objects_of<'a>(bundle: &'a Value, kind: &str) -> Vec<&'a Value> {
    let objects = bundle["objects"].as_array().map(Vec::as_slice).unwrap_or_default();
    objects.iter().filter(|o| o["type"] == kind).collect()
}

#[test]
fn every_sample_comes_back_as_it_left() {
    let world = World::new();
    let items = samples::items();
    let bundle = export_bundle(&items, &world.directory());
    let imported = import_bundle(&bundle, &world.scale, NOW).expect("the bundle imports");
    assert_eq!(imported.len(), items.len());
    let reports: Vec<&str> = objects_of(&bundle, "report").iter().filter_map(|r| r["id"].as_str()).collect();
    for item in &items {
        let back = imported.iter().find(|i| i.content.title == item.content.title).expect("imported");
        assert_eq!(back.content, item.content, "{}", item.content.title);
        assert!(reports.contains(&back.stix_id.as_str()));
    }
}

#[test]
fn the_same_items_give_the_same_bundle() {
    let world = World::new();
    let first = export_bundle(&samples::items(), &world.directory());
    let again = export_bundle(&samples::items(), &world.directory());
    assert_eq!(first, again);
}

#[test]
fn a_new_version_is_a_new_version_of_the_same_report() {
    let mut world = World::new();
    let mut first = samples::alert();
    first.id = Uuid::now_v7();
    let mut next = first.clone();
    next.id = Uuid::now_v7();
    next.version = 2;
    next.supersedes = Some(first.id);
    next.created_at = first.updated_at.plus_days(1);
    next.updated_at = next.created_at;
    world.lineages.insert(next.id, Lineage { first: first.id, created: first.created_at });
    let report = |item| {
        export_bundle(&[item], &world.directory())["objects"]
            .as_array()
            .and_then(|objects| objects.iter().find(|o| o["type"] == "report").cloned())
            .expect("a report")
    };
    let (before, after) = (report(first.clone()), report(next));
    assert_eq!(before["id"], after["id"]);
    assert_eq!(before["created"], after["created"]);
    assert!(after["modified"].as_str() > before["modified"].as_str());
    assert_eq!(before["id"].as_str().and_then(item_of_report), Some(first.id));
}

#[test]
fn an_items_objects_start_with_its_report_and_hold_what_it_refers_to() {
    let world = World::new();
    let item = samples::incident();
    let objects = item_objects(&item, &world.directory());
    assert_eq!(objects[0]["id"], json!(report_id(item.id)));
    let ids: BTreeSet<&str> = objects.iter().filter_map(|o| o["id"].as_str()).collect();
    assert_eq!(ids.len(), objects.len(), "each object once");
    for reference in objects[0]["object_refs"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(objects[0]["object_marking_refs"].as_array().into_iter().flatten())
    {
        assert!(ids.contains(reference.as_str().unwrap_or_default()), "{reference} is served beside the report");
    }
}

#[test]
fn markings_use_the_standard_tlp_ids_and_statements() {
    let world = World::new();
    let bundle = export_bundle(&[samples::incident()], &world.directory());
    let report = objects_of(&bundle, "report")[0];
    let refs: Vec<&str> =
        report["object_marking_refs"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    assert_eq!(refs[0], tlp_marking_id(Tlp::AmberStrict));
    assert_eq!(refs[0], "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003");
    let statements: BTreeSet<&str> = objects_of(&bundle, "marking-definition")
        .iter()
        .filter_map(|m| m["definition"]["statement"].as_str())
        .collect();
    assert_eq!(
        statements,
        BTreeSet::from([
            "CLASSIFICATION: RESTRICTED",
            "CAVEAT: NO THIRD-PARTY DISSEMINATION",
            "CAVEAT: CONTAINS PERSONAL DATA"
        ])
    );
    let tlp = objects_of(&bundle, "marking-definition").into_iter().find(|m| m["id"] == refs[0]).expect("defined");
    assert_eq!(tlp["name"], "TLP:AMBER+STRICT");
    assert_eq!(
        tlp["extensions"]["extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"]["tlp_2_0"],
        "amber+strict"
    );
}

#[test]
fn indicators_only_for_alerted_series_and_notes_only_for_grades() {
    let world = World::new();
    let bundle = export_bundle(&samples::items(), &world.directory());
    let indicators = objects_of(&bundle, "indicator");
    assert_eq!(indicators.len(), 1);
    assert_eq!(indicators[0]["pattern"], "^(?:LA12|LB3)");
    assert_eq!(indicators[0]["pattern_type"], "pcre");
    assert_eq!(objects_of(&bundle, "note").len(), 2, "the alert and the incident are graded");
    let alert = objects_of(&bundle, "report")
        .into_iter()
        .find(|r| r["name"].as_str().is_some_and(|n| n.starts_with("Counterfeit")));
    let alert = alert.expect("alert report");
    assert_eq!(alert["confidence"], 70, "Admiralty 2 is 'probably true'");
    let refs = alert["object_refs"].as_array().expect("refs");
    assert!(refs.contains(&indicators[0]["id"]));
    let countries: BTreeSet<&str> =
        objects_of(&bundle, "location").iter().filter_map(|l| l["country"].as_str()).collect();
    assert_eq!(countries, BTreeSet::from(["FJ", "ID", "LK", "NZ", "PG", "SG"]));
    let names: BTreeSet<&str> = objects_of(&bundle, "identity").iter().filter_map(|i| i["name"].as_str()).collect();
    assert!(names.contains("Fiji") && names.contains("Fiji Immigration Department"));
}

fn arb_text() -> impl Strategy<Value = String> {
    "[A-Za-z0-9 ,.*_#'\"<>&\n-]{0,40}"
}

fn arb_details() -> impl Strategy<Value = ItemDetails> {
    prop_oneof![
        Just(ItemDetails::Bulletin),
        Just(ItemDetails::ThreatAssessment),
        vec("[A-Z]{1,3}[0-9]{0,3}", 0..3).prop_map(|series| ItemDetails::Alert {
            alert_type: AlertType::DocumentFraud,
            document: Some(AlertedDocument { series, ..AlertedDocument::default() }),
        }),
        Just(ItemDetails::LibraryDocument { document_type: "sop".into() }),
        Just(ItemDetails::RfiResponse { request: Uuid::from_u128(9) }),
    ]
}

fn arb_grading() -> impl Strategy<Value = Option<SourceGrading>> {
    prop_oneof![
        Just(None),
        ("[A-F]", "[1-6]").prop_map(|(source, information)| Some(SourceGrading {
            scheme: GradingScheme::Admiralty,
            source,
            information,
            handling: None
        })),
    ]
}

fn arb_content() -> impl Strategy<Value = ItemContent> {
    (
        ("[A-Za-z][A-Za-z0-9 ]{0,30}", arb_text(), arb_text(), arb_details(), 0..4u8),
        (prop::sample::select(Tlp::ALL.to_vec()), any::<(bool, bool, bool)>(), arb_grading()),
        (
            vec("[a-z]{1,8}:[a-z0-9-]{1,8}", 0..3),
            btree_set(prop::sample::select(vec!["FJI", "NZL", "AUS", "TON"]), 0..3),
            prop::option::of(prop::sample::select(BorderEnvironment::ALL.to_vec())),
            btree_set("[A-Z]{3}", 0..3),
            any::<bool>(),
        ),
    )
        .prop_map(
            |(
                (title, summary, body, details, class),
                (tlp, caveats, grading),
                (tags, countries, environment, members, window),
            )| {
                ItemContent {
                    title,
                    summary,
                    body,
                    category: Category::ALL[usize::from(class) % Category::ALL.len()],
                    details,
                    classification: Classification(class),
                    tlp,
                    caveats: Caveats {
                        no_third_party: caveats.0,
                        not_for_judicial_use: caveats.1,
                        personal_data: caveats.2,
                    },
                    release: Releasability {
                        members: members.into_iter().map(MemberCode).collect(),
                        groups: BTreeSet::new(),
                        organisations: BTreeSet::new(),
                    },
                    grading,
                    tags,
                    countries: countries
                        .into_iter()
                        .map(|code| CountryRef { code: code.into(), role: CountryRole::Transit })
                        .collect(),
                    environment,
                    valid_from: window.then_some(Timestamp(NOW.0 - 1_000)),
                    valid_until: window.then_some(Timestamp(NOW.0 + 1_000)),
                }
            },
        )
}

proptest! {
    #[test]
    fn any_content_survives_export_and_import(contents in vec(arb_content(), 1..4)) {
        let world = World::new();
        let items: Vec<_> = contents.into_iter().zip(10u128..).map(|(c, n)| samples::published(n, c)).collect();
        let bundle = export_bundle(&items, &world.directory());
        let imported = import_bundle(&bundle, &world.scale, NOW).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut back: Vec<_> = imported.into_iter().map(|i| i.content).collect();
        let mut sent: Vec<_> = items.into_iter().map(|i| i.content).collect();
        let key = |c: &ItemContent| serde_json::to_string(c).unwrap_or_default();
        back.sort_by_key(key);
        sent.sort_by_key(key);
        prop_assert_eq!(back, sent);
    }
}
