//! Import refuses, all or nothing, what Godwit cannot represent, naming the
//! object and property of each problem.

use godwit_domain::marking::Tlp;
use godwit_exchange::stix::{ImportError, export_bundle, import_bundle, tlp_marking_id};
use serde_json::{Value, json};

use crate::samples::{self, NOW, World};

fn find<'a>(bundle: &'a mut Value, kind: &str) -> &'a mut Value {
    let objects = bundle["objects"].as_array_mut().expect("objects");
    objects.iter_mut().find(|o| o["type"] == kind).expect("an object of the kind")
}

fn refused(bundle: &Value) -> Vec<ImportError> {
    let world = World::new();
    match import_bundle(bundle, &world.scale, NOW) {
        Ok(items) => panic!("imported {} item(s) from a bad bundle", items.len()),
        Err(errors) => errors.0,
    }
}

fn has(errors: &[ImportError], object: &str, property: &str, words: &str) -> bool {
    errors.iter().any(|e| e.object == object && e.property == property && e.message.contains(words))
}

#[test]
fn every_problem_is_listed_and_nothing_is_imported() {
    let world = World::new();
    let mut bundle = export_bundle(&samples::items(), &world.directory());
    let report = find(&mut bundle, "report");
    let report_id = report["id"].as_str().expect("id").to_owned();
    report["object_marking_refs"][0] = json!("marking-definition--00000000-0000-4000-8000-000000000000");
    report["granular_markings"] = json!([{ "marking_ref": tlp_marking_id(Tlp::Red), "selectors": ["description"] }]);
    report["extensions"]["extension-definition--11111111-1111-4111-8111-111111111111"] = json!({});
    let objects = bundle["objects"].as_array_mut().expect("objects");
    objects.push(json!({
        "type": "malware", "spec_version": "2.1", "id": "malware--31b940d4-6f7f-459a-80ea-9c1f17b58abc",
        "created": "2026-11-01T00:00:00.000Z", "modified": "2026-11-01T00:00:00.000Z", "name": "x", "is_family": false
    }));
    objects.push(json!({
        "type": "marking-definition", "spec_version": "2.1", "id": "marking-definition--2f4a2bd5-4a0a-4c4f-9b5b-2a1f5e6a4d11",
        "created": "2026-11-01T00:00:00.000Z", "definition_type": "statement",
        "definition": { "statement": "CLASSIFICATION: TOP SECRET" }
    }));
    let errors = refused(&bundle);
    assert!(has(&errors, &report_id, "object_marking_refs/0", "unknown marking"), "{errors:?}");
    assert!(has(&errors, &report_id, "granular_markings", "parts of an object"));
    assert!(has(
        &errors,
        &report_id,
        "extensions/extension-definition--11111111-1111-4111-8111-111111111111",
        "does not know"
    ));
    assert!(has(&errors, "malware--31b940d4-6f7f-459a-80ea-9c1f17b58abc", "type", "cannot represent a malware"));
    assert!(has(
        &errors,
        "marking-definition--2f4a2bd5-4a0a-4c4f-9b5b-2a1f5e6a4d11",
        "definition/statement",
        "not a level of this node's scale"
    ));
    let message = godwit_exchange::stix::ImportErrors(errors).to_string();
    assert!(message.contains(&report_id) && message.contains("granular_markings"), "{message}");
}

#[test]
fn a_bundle_needs_its_shape_and_stix_2_1() {
    let errors = refused(&json!({ "type": "report" }));
    assert!(has(&errors, "bundle", "type", "bundle"));
    let world = World::new();
    let mut bundle = export_bundle(&[samples::bulletin()], &world.directory());
    find(&mut bundle, "report")["spec_version"] = json!("2.0");
    let errors = refused(&bundle);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].property, "spec_version");
}

#[test]
fn a_report_without_tlp_or_with_two_is_refused() {
    let world = World::new();
    let mut bundle = export_bundle(&[samples::bulletin()], &world.directory());
    let report = find(&mut bundle, "report");
    let id = report["id"].as_str().expect("id").to_owned();
    let refs = report["object_marking_refs"].as_array_mut().expect("refs");
    refs.remove(0);
    assert!(has(&refused(&bundle), &id, "object_marking_refs", "no TLP marking"));
    find(&mut bundle, "report")["object_marking_refs"] = json!([tlp_marking_id(Tlp::Green), tlp_marking_id(Tlp::Red)]);
    assert!(has(&refused(&bundle), &id, "object_marking_refs/1", "different TLP"));
}

#[test]
fn godwit_fields_are_validated_and_named_in_stix_terms() {
    let world = World::new();
    let mut bundle = export_bundle(&[samples::incident()], &world.directory());
    let report = find(&mut bundle, "report");
    let id = report["id"].as_str().expect("id").to_owned();
    report["name"] = json!("");
    let extension = &mut report["extensions"][godwit_exchange::stix::EXTENSION_ID];
    extension["details"]["route"]["origin"] = json!("SRI");
    extension["colour"] = json!("blue");
    let errors = refused(&bundle);
    assert!(has(&errors, &id, "name", "needs a name"), "{errors:?}");
    assert!(has(&errors, &id, &format!("extensions/{}", godwit_exchange::stix::EXTENSION_ID), "colour"));
    extension_fix(&mut bundle);
    let errors = refused(&bundle);
    let field = format!("extensions/{}/details/route/origin", godwit_exchange::stix::EXTENSION_ID);
    assert!(has(&errors, &id, &field, "ISO 3166-1"), "{errors:?}");
}

fn extension_fix(bundle: &mut Value) {
    let report = find(bundle, "report");
    report["name"] = json!("Refused entry");
    let extension = report["extensions"][godwit_exchange::stix::EXTENSION_ID].as_object_mut().expect("extension");
    extension.remove("colour");
}

#[test]
fn a_report_from_another_tool_becomes_a_bulletin_of_its_category() {
    let bundle = json!({
        "type": "bundle",
        "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d",
        "objects": [
            {
                "type": "identity", "spec_version": "2.1", "id": "identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
                "created": "2026-11-01T00:00:00.000Z", "modified": "2026-11-01T00:00:00.000Z",
                "name": "Partner CERT", "identity_class": "organization"
            },
            {
                "type": "report", "spec_version": "2.1", "id": "report--84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3",
                "created": "2026-11-10T00:00:00.000Z", "modified": "2026-11-10T00:00:00.000Z",
                "name": "Smuggling network advertises on social media", "description": "Posts offer passage.",
                "published": "2026-11-10T00:00:00.000Z", "report_types": ["threat-report"],
                "labels": ["people_smuggling", "source:osint"],
                "object_refs": ["identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"],
                "object_marking_refs": ["marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"]
            }
        ]
    });
    let world = World::new();
    let items = import_bundle(&bundle, &world.scale, NOW).expect("imports");
    assert_eq!(items.len(), 1);
    let content = &items[0].content;
    assert_eq!(content.tlp, Tlp::Green, "TLP 1.0 GREEN reads as TLP 2.0 GREEN");
    assert_eq!(content.category, godwit_domain::item::Category::PeopleSmuggling);
    assert_eq!(content.details, godwit_domain::item::ItemDetails::Bulletin);
    assert_eq!(content.tags, ["source:osint"]);
    assert_eq!(content.classification, godwit_domain::marking::Classification::LOWEST);

    let mut unlabelled = bundle.clone();
    unlabelled["objects"][1]["labels"] = json!(["phishing"]);
    let errors = refused(&unlabelled);
    assert!(has(&errors, "report--84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3", "labels/0", "neither a Godwit category"));
    assert!(has(&errors, "report--84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3", "labels", "category"));
}

#[test]
fn notes_and_indicators_come_only_with_their_godwit_report() {
    let world = World::new();
    let mut bundle = export_bundle(&[samples::alert()], &world.directory());
    let objects = bundle["objects"].as_array_mut().expect("objects");
    objects.retain(|o| o["type"] != "report");
    let errors = refused(&bundle);
    assert!(errors.iter().any(|e| e.object.starts_with("note--") && e.property == "object_refs/0"), "{errors:?}");
    assert!(errors.iter().any(|e| e.object.starts_with("indicator--") && e.message.contains("part of a report")));
}
