//! Every exported bundle passes OASIS's `stix2-validator` from PyPI (pinned in
//! `scripts/python-requirements.txt`, installed by `scripts/test` into
//! `target/venv`; `GODWIT_ORACLE_PYTHON` may name another interpreter), with
//! references enforced: every object referred to is in the bundle.

use std::io::Write;
use std::process::Command;

use godwit_exchange::stix::export_bundle;
use serde_json::Value;

use crate::samples::{self, World};

/// Prints one JSON line per object: its id, errors and warnings.
const VALIDATE: &str = r#"
import json, sys
from stix2validator import ValidationOptions, validate_file
options = ValidationOptions(version="2.1", enforce_refs=True, silent=True)
result = validate_file(sys.argv[1], options)
if result.fatal:
    print(json.dumps({"id": "(file)", "errors": [str(result.fatal)], "warnings": []}))
for o in result.object_results:
    print(json.dumps({"id": o.object_id, "errors": [str(e) for e in o.errors], "warnings": [str(w) for w in (o.warnings or [])]}))
"#;

fn validate(bundle: &Value) -> Vec<Value> {
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    write!(file, "{bundle}").expect("write");
    let output = Command::new(godwit_domain::oracles::python())
        .arg("-W")
        .arg("ignore")
        .arg("-c")
        .arg(VALIDATE)
        .arg(file.path())
        .output();
    let output = output.expect("python runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).lines().map(|l| serde_json::from_str(l).expect("json line")).collect()
}

/// The one warning allowed: STIX 2.1 says objects other than observables
/// SHOULD have UUIDv4 ids. Godwit's are UUIDv5 of the item id and version on
/// purpose, so that exporting the same items again gives the same objects
/// (and a receiver can tell a re-export from new information).
const UUID_V5_BY_DESIGN: &str = "is not a valid UUIDv4 ID";

#[test]
fn exported_bundles_pass_the_oasis_validator() {
    let world = World::new();
    let bundle = export_bundle(&samples::items(), &world.directory());
    let results = validate(&bundle);
    assert!(!results.is_empty(), "the validator reported nothing");
    for result in &results {
        let errors = result["errors"].as_array().map(Vec::len).unwrap_or_default();
        let warnings = result["warnings"].as_array().map(Vec::as_slice).unwrap_or_default();
        let unexplained =
            warnings.iter().filter(|w| !w.as_str().is_some_and(|w| w.contains(UUID_V5_BY_DESIGN))).count();
        assert!(errors == 0 && unexplained == 0, "{result}");
    }
}

#[test]
fn the_validator_does_catch_a_broken_report() {
    let world = World::new();
    let mut bundle = export_bundle(&[samples::bulletin()], &world.directory());
    let objects = bundle["objects"].as_array_mut().expect("objects");
    let report = objects.iter_mut().find(|o| o["type"] == "report").expect("report");
    report.as_object_mut().expect("object").remove("published");
    let errors: usize =
        validate(&bundle).iter().map(|r| r["errors"].as_array().map(Vec::len).unwrap_or_default()).sum();
    assert!(errors > 0, "a report without `published` passed");
}
