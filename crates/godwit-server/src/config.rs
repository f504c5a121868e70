//! Settings of the HTTP server.

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Minutes of inactivity after which a session ends.
    pub session_idle_minutes: i64,
    /// Hours after which a session ends whatever the activity.
    pub session_max_hours: i64,
    /// Mark cookies `Secure` and send HSTS: on whenever TLS is in front of the node.
    pub tls: bool,
    /// Failed sign-ins in a row that lock an account.
    pub lockout_after_failures: i64,
    pub lockout_minutes: i64,
    /// Sign-in attempts one address may make per minute.
    pub login_attempts_per_minute: u32,
    /// Largest JSON body accepted, in bytes.
    pub max_json_bytes: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            session_idle_minutes: 60,
            session_max_hours: 12,
            tls: false,
            lockout_after_failures: 5,
            lockout_minutes: 15,
            login_attempts_per_minute: 20,
            max_json_bytes: 1024 * 1024,
        }
    }
}
