//! No secret in the logs (issue 8, point 7): everything the node and its
//! libraries log at every level, while users sign in with password and TOTP,
//! fail to, create and use an API token and post a portal form, holds none of
//! the password, the TOTP secret, the session token, the CSRF token or the
//! API token.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::harness::{PASSWORD, nodes};

/// The log output, shared with the subscriber.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// Whether the subscriber records: only while this test runs.
static CAPTURING: AtomicBool = AtomicBool::new(false);

/// Stops capturing when the test ends, however it ends.
struct StopCapturing;

impl Drop for StopCapturing {
    fn drop(&mut self) {
        CAPTURING.store(false, Ordering::SeqCst);
    }
}

#[tokio::test]
async fn no_secret_reaches_the_logs() {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::{Layer, filter, fmt};

    let captured = Captured::default();
    let writer = captured.clone();
    // Global, not per thread: SQLite's statements run on sqlx's worker threads.
    // Other tests running meanwhile log into it too, with the same password.
    let layer = fmt::layer()
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .with_filter(filter::filter_fn(|_| CAPTURING.load(Ordering::SeqCst)));
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer)).unwrap();
    CAPTURING.store(true, Ordering::SeqCst);
    let _stop = StopCapturing;

    for node in nodes().await {
        let secret = node.totp_secrets["officer.fji"].clone();
        let wrong = json!({ "username": "officer.fji", "password": "Not-the-Password-1", "totp": node.totp_now("officer.fji") });
        let refused = node.call(Method::POST, "/api/v1/auth/login", None, Some(wrong)).await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED);

        let session = node.portal_login("officer.fji").await;
        let bearer = node.login("officer.fji").await;
        let new_token = json!({ "name": "logs", "scopes": ["read"], "expires_in_days": 1 });
        let created = node.call(Method::POST, "/api/v1/auth/tokens", Some(&bearer), Some(new_token)).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.json);
        let api_token = created.json["token"].as_str().unwrap().to_owned();
        assert_eq!(node.call(Method::GET, "/api/v1/items", Some(&api_token), None).await.status, StatusCode::OK);
        assert_eq!(node.page(&session, "/").await.status, StatusCode::OK);
        let logged_out = node.post_form(&session, "/logout", &[]).await;
        assert!(logged_out.status.is_redirection(), "{}", logged_out.status);

        let logs = captured.text();
        assert!(logs.contains("sqlx::query"), "the subscriber captures the node's logs: {logs}");
        let cookie = session.cookie.split_once('=').unwrap().1;
        for (what, value) in [
            ("password", PASSWORD),
            ("wrong password", "Not-the-Password-1"),
            ("TOTP secret", secret.as_str()),
            ("session cookie", cookie),
            ("session token", bearer.as_str()),
            ("CSRF token", session.csrf.as_str()),
            ("API token", api_token.as_str()),
        ] {
            assert!(!value.is_empty());
            assert!(!logs.contains(value), "the {what} is in the logs");
        }
    }
}
