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
    /// The portal's address as people reach it (`https://godwit.example.org`),
    /// for the links in notification emails and webhooks; without it they carry
    /// the path alone.
    pub public_url: Option<String>,
    /// Seconds between two runs of the saved-search notifier.
    pub notify_interval_seconds: u64,
    /// Seconds between two pulls from every registered peer node; 0 pulls
    /// only when `godwit peer pull` is run.
    pub federation_pull_seconds: u64,
    /// The mail relay for notification emails (`[server.smtp]`); without it
    /// saved searches notify in the portal and by webhook only.
    pub smtp: Option<SmtpConfig>,
}

/// How the node sends notification emails.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    /// Default: 587 with `starttls`, 465 with `tls`, 25 with `none`.
    pub port: Option<u16>,
    /// The sender, `Godwit <godwit@example.org>`.
    pub from: String,
    pub username: Option<String>,
    pub password: Option<String>,
    #[serde(default)]
    pub tls: SmtpTls,
}

/// Transport security towards the mail relay.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS, which must succeed.
    #[default]
    Starttls,
    /// TLS from the first byte (SMTPS).
    Tls,
    /// No encryption: only for a relay on the same host or a test sink.
    None,
}

impl SmtpConfig {
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(match self.tls {
            SmtpTls::Starttls => 587,
            SmtpTls::Tls => 465,
            SmtpTls::None => 25,
        })
    }
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
            public_url: None,
            notify_interval_seconds: 5,
            federation_pull_seconds: 60,
            smtp: None,
        }
    }
}
