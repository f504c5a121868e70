//! The portal in headless Chromium: `tests/browser/portal.mjs` (playwright-core
//! and axe-core, installed by `scripts/test`) against the demo region.
//! Set `GODWIT_SCREENSHOTS=DIR` to keep a screenshot of every main page.

use std::path::PathBuf;
use std::process::Command;

use crate::demo::start_demo;

fn browser_tests_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/browser")
}

#[test]
fn people_share_an_alert_through_the_portal_and_only_its_recipients_read_it() {
    let scripts = browser_tests_dir();
    assert!(
        scripts.join("node_modules/playwright-core").is_dir() && scripts.join("node_modules/axe-core").is_dir(),
        "the browser test needs playwright-core and axe-core: run scripts/test, which installs them"
    );
    let dir = tempfile::tempdir().unwrap();
    let credentials = dir.path().join("credentials.json");
    let data = dir.path().join("data");
    let (_server, client) = start_demo(&data, &credentials);
    let manifest = data.join("screening/manifest-FJ391.csv");
    let mut command = Command::new("node");
    command.current_dir(&scripts).arg("portal.mjs").arg(&client.base).arg(&credentials).arg(&manifest);
    if let Some(shots) = std::env::var_os("GODWIT_SCREENSHOTS") {
        command.arg(shots);
    }
    let output = command.output().expect("node runs (scripts/test checks it is installed)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the portal test failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("every step passed"), "{stdout}");
}
