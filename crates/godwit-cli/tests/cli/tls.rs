//! `godwit serve` over TLS with a certificate from files, seen by curl.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::demo::{Server, free_port};

fn curl(args: &[&str]) -> std::process::Output {
    Command::new("curl").args(["-s", "--max-time", "5"]).args(args).output().unwrap()
}

#[test]
fn serve_speaks_https_with_a_configured_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let made = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost"])
        .args(["-addext", "subjectAltName=IP:127.0.0.1"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(made.success(), "openssl made a test certificate");
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_godwit"))
        .args([
            "serve",
            "--data-dir",
            dir.path().join("data").to_str().unwrap(),
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .arg("--tls-cert")
        .arg(&cert)
        .arg("--tls-key")
        .arg(&key)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _server = Server(child);
    let url = format!("https://127.0.0.1:{port}/healthz");
    let cacert = cert.to_str().unwrap();
    let started = Instant::now();
    while curl(&["--cacert", cacert, &url]).stdout != b"ok" {
        assert!(started.elapsed() < Duration::from_secs(60), "the server did not answer over TLS");
        std::thread::sleep(Duration::from_millis(200));
    }
    let headers = String::from_utf8(curl(&["--cacert", cacert, "-D", "-", "-o", "/dev/null", &url]).stdout)
        .unwrap()
        .to_lowercase();
    assert!(headers.contains("strict-transport-security: max-age="), "{headers}");
    let plain = curl(&[&format!("http://127.0.0.1:{port}/healthz")]);
    assert_ne!(plain.stdout, b"ok", "plain HTTP is not served on the TLS port");
}
