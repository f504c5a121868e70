//! A partner's TAXII 2.1 server for `godwit taxii pull` to read: OASIS's
//! `medallion` from PyPI (pinned in `scripts/python-requirements.txt`,
//! installed by `scripts/test` into `target/venv`) with its memory backend, on
//! a loopback port of its own, one collection, HTTP Basic.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::demo::{Server, free_port};

pub const COLLECTION: &str = "91a7b528-80eb-42ed-a74d-c6fbd5a26116";
pub const LOGIN: &str = "partner";
const PASSWORD: &str = "partner-secret-2026";
const TAXII: &str = "application/taxii+json;version=2.1";

pub struct Partner {
    _server: Server,
    pub api_root: String,
    /// A file holding the password, as `--password-file` takes it.
    pub password_file: PathBuf,
    agent: ureq::Agent,
}

fn medallion() -> PathBuf {
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/venv/bin/medallion");
    assert!(venv.exists(), "no {}: run scripts/test, which installs the PyPI oracles", venv.display());
    venv
}

impl Partner {
    /// Starts medallion with an empty collection and waits until it answers.
    pub fn start(dir: &Path) -> Partner {
        let data = dir.join("medallion-data.json");
        let root = json!({
            "/discovery": { "title": "Partner", "default": "/partner/", "api_roots": ["/partner/"] },
            "partner": {
                "information": { "title": "Partner", "versions": [TAXII], "max_content_length": 10_485_760 },
                "status": [],
                "collections": [{
                    "id": COLLECTION, "title": "Shared with Pacific partners", "can_read": true, "can_write": true,
                    "media_types": ["application/stix+json;version=2.1"], "objects": [], "manifest": []
                }]
            }
        });
        std::fs::write(&data, root.to_string()).unwrap();
        let config = dir.join("medallion.json");
        let settings = json!({
            "backend": { "module": "medallion.backends.memory_backend", "module_class": "MemoryBackend",
                         "filename": data },
            "users": { LOGIN: PASSWORD },
            "taxii": { "max_page_size": 100 }
        });
        std::fs::write(&config, settings.to_string()).unwrap();
        let password_file = dir.join("partner-password");
        std::fs::write(&password_file, PASSWORD).unwrap();
        let port = free_port();
        let child = Command::new(medallion())
            .args(["--host", "127.0.0.1", "--port", &port.to_string(), config.to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let partner = Partner {
            _server: Server(child),
            api_root: format!("http://127.0.0.1:{port}/partner/"),
            password_file,
            agent: ureq::Agent::config_builder().http_status_as_error(false).build().into(),
        };
        let started = Instant::now();
        while partner.get("collections/").is_none() {
            assert!(started.elapsed() < Duration::from_secs(60), "medallion did not start");
            std::thread::sleep(Duration::from_millis(200));
        }
        partner
    }

    fn basic(&self) -> String {
        use base64::Engine;
        format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{LOGIN}:{PASSWORD}")))
    }

    fn get(&self, path: &str) -> Option<Value> {
        let response = self
            .agent
            .get(format!("{}{path}", self.api_root))
            .header("accept", TAXII)
            .header("authorization", self.basic())
            .call();
        let mut response = response.ok().filter(|r| r.status() == 200)?;
        response.body_mut().read_json().ok()
    }

    /// Adds objects to the collection, as the partner's own tools would.
    pub fn add(&self, objects: &[Value]) {
        let mut response = self
            .agent
            .post(format!("{}collections/{COLLECTION}/objects/", self.api_root))
            .header("accept", TAXII)
            .header("content-type", TAXII)
            .header("authorization", self.basic())
            .send(json!({ "objects": objects }).to_string())
            .unwrap();
        let status: Value = response.body_mut().read_json().unwrap();
        assert_eq!(status["failure_count"], 0, "{status}");
    }
}
