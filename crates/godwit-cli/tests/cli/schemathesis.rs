//! Hostile input over HTTP (issue 8, point 2): schemathesis, from PyPI (pinned
//! in `scripts/python-requirements.txt`, installed by `scripts/test` into
//! `target/venv`), generates requests from `/api/openapi.json` — valid ones and
//! invalid ones — and sends them, signed in, to the demo region. Every answer
//! must be a documented status that is not a 5xx, with a body that fits the
//! documented schema. docs/security-model.md, *Evidence*.

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use serde_json::Value;

use crate::demo::start_demo;

fn schemathesis() -> PathBuf {
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/venv/bin/schemathesis");
    assert!(venv.exists(), "no {}: run scripts/test, which installs the PyPI oracles", venv.display());
    venv
}

/// Operations left out, and why: each would end the run's own sign-in (the
/// token schemathesis sends) or lock the user out, so that every later request
/// would test only the 401 answer.
const EXCLUDED: &[(&str, &str)] = &[
    ("POST /api/v1/auth/logout", "ends the session the run is signed in with"),
    ("DELETE /api/v1/auth/sessions/{id}", "may end the session the run is signed in with"),
    ("DELETE /api/v1/auth/tokens/{id}", "may revoke the token the run is signed in with"),
    ("POST /api/v1/auth/password", "may change the password the run signs in with"),
];

/// Examples per operation and phase: enough to hit every parameter with a bad
/// value, few enough to keep the run well under a minute in a debug build.
const MAX_EXAMPLES: &str = "5";

#[test]
fn schemathesis_finds_no_server_error_and_no_answer_outside_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let credentials_file = dir.path().join("credentials.json");
    let (_server, client) = start_demo(&dir.path().join("data"), &credentials_file);
    let credentials: Vec<Value> = serde_json::from_slice(&std::fs::read(&credentials_file).unwrap()).unwrap();
    let token = client.login(&credentials, "ana.fji");

    let started = Instant::now();
    let mut run = Command::new(schemathesis());
    run.current_dir(dir.path())
        .args(["--no-color", "run", &format!("{}/api/openapi.json", client.base)])
        .args(["--url", &client.base])
        .args(["--header", &format!("Authorization: Bearer {token}")])
        .args(["--checks", "not_a_server_error,status_code_conformance,response_schema_conformance"])
        .args(["--max-examples", MAX_EXAMPLES, "--seed", "8", "--workers", "2", "--no-shrink"])
        .args(["--phases", "examples,coverage,fuzzing", "--generation-database", "none"])
        .args(["--request-timeout", "20"]);
    for (operation, _why) in EXCLUDED {
        run.args(["--exclude-name", operation]);
    }
    let output = run.output().expect("schemathesis runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    eprintln!("schemathesis: {:.0} s", started.elapsed().as_secs_f64());
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
}
