//! Settings of the HTTP server.

use std::path::PathBuf;

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
    /// Watchlists and risk rules of the screening API (`[server.screening]`).
    pub screening: ScreeningConfig,
}

/// The node's own screening lists, read once when the node starts; document
/// alerts are added per reader from the items they may see.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScreeningConfig {
    /// Persons watchlist CSV files (`id,name,aliases,date_of_birth,nationality,sex,reason`).
    pub persons: Vec<PathBuf>,
    /// Documents watchlist CSV files (`id,document_number,issuing_state,document_type,status,reason`).
    pub documents: Vec<PathBuf>,
    /// Risk rules (TOML), as for `godwit screen --rules`.
    pub rules: Option<PathBuf>,
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
            screening: ScreeningConfig::default(),
        }
    }
}
