//! `godwit secret-key rotate` on a node whose key file the config file names:
//! the TOTP secrets re-sealed, the old key gone and useless, sign-in with the
//! second factor still working, the rotation in an intact audit trail.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

use crate::demo::{Client, Server, free_port};

const PASSWORD: &str = "Rotate-the-key-42";

/// Runs `godwit` with the key file given as administrators set it, in the environment.
fn godwit(key_file: &Path, args: &[&str]) -> Output {
    let output = Command::new(env!("CARGO_BIN_EXE_godwit"))
        .env("GODWIT_SECRET_KEY_FILE", key_file)
        .env("GODWIT_NEW_PASSWORD", PASSWORD)
        .args(args)
        .output()
        .unwrap();
    assert!(output.status.success(), "godwit {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    output
}

#[test]
fn rotating_the_secret_key_keeps_second_factors_working() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data_dir = data.to_str().unwrap();
    std::fs::create_dir_all(dir.path().join("keys")).unwrap();
    let key_file = dir.path().join("keys/node.key");
    let config = dir.path().join("godwit.toml");
    std::fs::write(&config, format!("secret_key_file = {:?}\n", key_file.to_str().unwrap())).unwrap();

    godwit(&key_file, &["member", "add", "--data-dir", data_dir, "FJI", "Fiji"]);
    godwit(&key_file, &["member", "add-organisation", "--data-dir", data_dir, "FJI", "Immigration"]);
    let added = godwit(
        &key_file,
        &[
            "user",
            "add",
            "--data-dir",
            data_dir,
            "--username",
            "auth.fji",
            "--display-name",
            "Officer",
            "--email",
            "auth@example.org",
            "--member",
            "FJI",
            "--roles",
            "authorising_officer",
        ],
    );
    let stdout = String::from_utf8(added.stdout).unwrap();
    let secret = stdout.rsplit(": ").next().unwrap().trim().to_owned();
    let old_key = std::fs::read(&key_file).unwrap();

    // The key file comes from the config file alone.
    let rotated = Command::new(env!("CARGO_BIN_EXE_godwit"))
        .args(["secret-key", "rotate", "--data-dir", data_dir, "--config", config.to_str().unwrap()])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&rotated.stdout);
    assert!(rotated.status.success(), "{}", String::from_utf8_lossy(&rotated.stderr));
    assert!(said.contains("1 sealed secrets (TOTP secrets, the node's keys) re-sealed"), "{said}");
    assert_ne!(std::fs::read(&key_file).unwrap(), old_key);
    assert!(!dir.path().join("keys/node.key.old").exists());
    assert!(!data.join("secret.key").exists(), "no key made in the data directory");

    // The old key opens nothing.
    let old_file = dir.path().join("old.key");
    std::fs::write(&old_file, &old_key).unwrap();
    let refused = Command::new(env!("CARGO_BIN_EXE_godwit"))
        .args(["user", "list", "--data-dir", data_dir, "--secret-key-file", old_file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("does not open with this node's key"));

    // `godwit serve`, given the same config file, signs the officer in with their code.
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_godwit"))
        .args(["serve", "--data-dir", data_dir, "--listen", &format!("127.0.0.1:{port}")])
        .args(["--config", config.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server(child);
    let client = Client::new(format!("http://127.0.0.1:{port}"));
    client.wait_until_up();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let code = godwit_server::auth::credentials::totp_code(&secret, now).unwrap();
    let login = json!({ "username": "auth.fji", "password": PASSWORD, "totp": code });
    let (status, body) = client.call("POST", "/api/v1/auth/login", None, Some(login));
    assert_eq!(status, 200, "{body}");
    drop(server);

    let exported = dir.path().join("audit.jsonl");
    godwit(&key_file, &["audit", "export", "--data-dir", data_dir, "-o", exported.to_str().unwrap()]);
    let records: Vec<Value> =
        std::fs::read_to_string(&exported).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let rotation = records.iter().find(|r| r["action"] == "secret_key.rotate").expect("the rotation is recorded");
    let detail: Value = serde_json::from_str(rotation["detail"].as_str().unwrap()).unwrap();
    assert_eq!(detail, json!({ "via": "cli", "resealed": 1 }));
    let verified = godwit(&key_file, &["audit", "verify", "--data-dir", data_dir]);
    assert!(String::from_utf8_lossy(&verified.stdout).contains("intact"));
}
