//! The saved-search notifier: a background task in every server process.
//!
//! Each run (1) matches: for every saved search that notifies and whose mark is
//! behind what the search index has applied, it runs the search **as its owner
//! now** (their current roles, clearance and member; agreements and item states
//! as the store holds them), restricted to the items changed between the mark
//! and the index's cursor, and records a notification per published item found,
//! moving the mark in the same transaction; then (2) records the notices of
//! early warning and collection plans ([`crate::notices`]: displacements
//! that new incident records create, requirements falling due or overdue);
//! then (3) delivers: it claims the email and webhook deliveries that are due
//! and sends them, recording every attempt in the audit trail.
//!
//! Several processes on one database may run it at once: moving a mark is a
//! compare-and-set and a delivery is claimed before it is sent, so an item is
//! notified and delivered once. A notification carries the item's id and title
//! only, and only what the owner may read: the search re-checks every hit with
//! `decide` on the stored item.

use std::sync::Arc;
use std::time::Duration;

use godwit_domain::item::ItemState;
use godwit_search::{SearchIndex, Sort};
use godwit_store::Store;
use godwit_store::audit::AuditEvent;
use godwit_store::notices::NoticeKind;
use godwit_store::subscriptions::{Channel, Delivery, Match, SavedSearch, redact_webhook_url};
use uuid::Uuid;

use crate::config::{ServerConfig, SmtpConfig, SmtpTls};

/// Outbox entries matched per saved search and run.
const OUTBOX_BATCH: u64 = 1_000;
/// Deliveries attempted per run.
const DELIVERY_BATCH: u64 = 50;
/// How long a webhook receiver or mail relay may take.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// What one run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Run {
    /// Notifications recorded.
    pub notified: u64,
    /// Deliveries sent.
    pub delivered: u64,
    /// Delivery attempts that failed.
    pub failed: u64,
}

/// Why a run stopped early.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error(transparent)]
    Store(#[from] godwit_store::StoreError),
    #[error(transparent)]
    Search(#[from] godwit_search::SearchError),
}

/// Matches saved searches against new items and delivers the notifications.
#[derive(Clone)]
pub struct Notifier {
    store: Store,
    index: SearchIndex,
    config: Arc<ServerConfig>,
}

impl Notifier {
    pub fn new(store: Store, index: SearchIndex, config: Arc<ServerConfig>) -> Self {
        Notifier { store, index, config }
    }

    /// Runs every `interval` until the task is dropped; errors are logged and
    /// the next run tries again.
    pub async fn run_forever(self, interval: Duration) {
        loop {
            match self.run_once().await {
                Ok(Run { notified: 0, delivered: 0, failed: 0 }) => {}
                Ok(run) => tracing::info!(?run, "saved-search notifier"),
                Err(e) => tracing::error!(error = %e, "saved-search notifier failed; retrying"),
            }
            tokio::time::sleep(interval).await;
        }
    }

    /// One matching pass, the notices, then one delivery pass.
    pub async fn run_once(&self) -> Result<Run, NotifyError> {
        let notified = self.match_new_items().await?
            + crate::notices::notify_displacements(&self.store).await?
            + self.store.remind().await?
            + self.store.remind_surveys().await?;
        let mut run = Run { notified, ..Run::default() };
        let (delivered, failed) = self.deliver().await?;
        run.delivered = delivered;
        run.failed = failed;
        Ok(run)
    }

    async fn match_new_items(&self) -> Result<u64, NotifyError> {
        let cursor = self.index.searchable_cursor()?;
        let mut notified = 0;
        for search in self.store.subscriptions_behind(cursor).await? {
            let entries = self.store.outbox_after(search.mark, OUTBOX_BATCH).await?;
            let entries: Vec<_> = entries.into_iter().filter(|e| e.id <= cursor).collect();
            let new_mark = entries.last().map_or(cursor, |e| e.id);
            let mut ids: Vec<Uuid> = entries.iter().filter_map(|e| Uuid::parse_str(&e.item_id).ok()).collect();
            ids.sort_unstable();
            ids.dedup();
            let matches = self.matches(&search, &ids).await?;
            if let Some(recorded) = self.store.record_matches(&search, new_mark, &matches).await? {
                notified += recorded.len() as u64;
            }
        }
        Ok(notified)
    }

    /// The published items among `ids` that `search` finds for its owner now.
    async fn matches(&self, search: &SavedSearch, ids: &[Uuid]) -> Result<Vec<Match>, NotifyError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let owner = match self.store.user(search.owner).await {
            Ok(record) if !record.user.disabled => record.user,
            // A disabled or removed owner is told nothing; the mark still moves.
            Ok(_) | Err(godwit_store::StoreError::NotFound(_)) => return Ok(Vec::new()),
            Err(e) => return Err(e.into()),
        };
        let subject = self.store.subject_for(&owner).await?;
        let mut query = match crate::api::saved_searches::search_query(&search.query, &self.store.scale()) {
            Ok(query) => query,
            Err(e) => {
                tracing::warn!(search = %search.id, error = ?e.errors, "saved search no longer parses; skipped");
                return Ok(Vec::new());
            }
        };
        query.sort = Sort::Newest;
        query.offset = 0;
        query.limit = godwit_search::MAX_LIMIT;
        let mut out = Vec::new();
        for chunk in ids.chunks(godwit_search::MAX_LIMIT) {
            query.only_items = Some(chunk.to_vec());
            let results = self.index.search(&self.store, &subject, &query).await?;
            out.extend(results.hits.into_iter().filter(|h| h.item.state == ItemState::Published).map(|h| Match {
                item_id: h.item.id,
                item_version: i64::from(h.item.version),
                title: h.item.title,
            }));
        }
        Ok(out)
    }

    async fn deliver(&self) -> Result<(u64, u64), NotifyError> {
        let (mut delivered, mut failed) = (0, 0);
        for delivery in self.store.due_deliveries(DELIVERY_BATCH).await? {
            if !self.store.claim_delivery(delivery.id).await? {
                continue;
            }
            let (outcome, endpoint) = self.send(&delivery).await;
            let event = AuditEvent::new("notification.deliver")
                .by(delivery.owner, &delivery.owner_member)
                .on(delivery.item_id)
                .with(serde_json::json!({
                    "kind": delivery.kind.as_str(),
                    "channel": delivery.channel.as_str(),
                    "endpoint": endpoint,
                    "saved_search": delivery.saved_search.as_ref().map(|(id, _)| id),
                    "notification": delivery.notification,
                    "attempt": delivery.attempts + 1,
                    "outcome": if outcome.is_ok() { "sent" } else { "failed" },
                    "error": outcome.as_ref().err(),
                }));
            if outcome.is_ok() {
                delivered += 1;
            } else {
                failed += 1;
            }
            self.store.finish_delivery(&delivery, outcome, event).await?;
        }
        Ok((delivered, failed))
    }

    /// Sends one delivery; returns the outcome and the endpoint as audited.
    async fn send(&self, delivery: &Delivery) -> (Result<(), String>, String) {
        if delivery.owner_disabled {
            return (Err("the owner's account is disabled".into()), String::new());
        }
        let url = self.url_of(delivery.kind, delivery.item_id);
        match delivery.channel {
            Channel::Webhook => {
                let Some(target) = delivery.webhook_url.clone() else {
                    let why = if delivery.saved_search.is_some() {
                        "the saved search no longer has a webhook"
                    } else {
                        "the owner no longer has a webhook for notices"
                    };
                    return (Err(why.into()), String::new());
                };
                let endpoint = redact_webhook_url(&target);
                let mut body = serde_json::json!({
                    "kind": delivery.kind.as_str(),
                    (delivery.kind.about_field()): delivery.item_id,
                    "title": delivery.title,
                    "url": url,
                });
                if let Some((search, _)) = &delivery.saved_search {
                    body["subscription"] = serde_json::json!(search);
                }
                (blocking(move || post_webhook(&target, &body)).await, endpoint)
            }
            Channel::Email => {
                let Some(smtp) = self.config.smtp.clone() else {
                    return (Err("this node has no SMTP relay configured".into()), String::new());
                };
                let to = delivery.owner_email.clone();
                let (subject, text) = email_text(delivery, &url);
                let endpoint = format!("mailto:{to}");
                (blocking(move || send_email(&smtp, &to, &subject, &text)).await, endpoint)
            }
        }
    }

    /// The page a notification points to.
    fn url_of(&self, kind: NoticeKind, id: Uuid) -> String {
        let base = self.config.public_url.as_deref().unwrap_or("").trim_end_matches('/');
        format!("{base}{}", crate::notices::path_of(kind, id))
    }
}

/// The subject and plain text of a notification's email.
fn email_text(delivery: &Delivery, url: &str) -> (String, String) {
    let title = &delivery.title;
    match (&delivery.saved_search, delivery.kind) {
        (Some((_, name)), _) => (
            format!("Godwit: new match for \"{name}\""),
            format!(
                "A new item matches your saved search \"{name}\":\n\n{title}\n{url}\n\nSign in to read it. Change or stop these emails on the Saved searches page.\n"
            ),
        ),
        (None, NoticeKind::Displacement) => (
            "Godwit early warning: a scheme moved between members".into(),
            format!("{title}\n{url}\n\nSign in to read both records. {STOP_NOTICES}\n"),
        ),
        (None, NoticeKind::Rfi) => (
            "Godwit: request for information".into(),
            format!("{title}\n{url}\n\nSign in to see the request. {STOP_NOTICES}\n"),
        ),
        (None, NoticeKind::Survey) => (
            "Godwit: member capacity survey".into(),
            format!("{title}\n{url}\n\nSign in to see the questionnaire. {STOP_NOTICES}\n"),
        ),
        (None, NoticeKind::ThreatReview) => (
            "Godwit: threat register review".into(),
            format!("{title}\n{url}\n\nSign in to review the assessment. {STOP_NOTICES}\n"),
        ),
        (None, _) => (
            "Godwit: collection plan".into(),
            format!("{title}\n{url}\n\nSign in to see the requirement. {STOP_NOTICES}\n"),
        ),
    }
}

const STOP_NOTICES: &str = "Change or stop these emails on the Notifications page.";

async fn blocking(f: impl FnOnce() -> Result<(), String> + Send + 'static) -> Result<(), String> {
    tokio::task::spawn_blocking(f).await.unwrap_or_else(|e| Err(format!("the sending task failed: {e}")))
}

/// POSTs the JSON to a webhook; any status other than 2xx is a failure.
/// Redirects are not followed: the URL the owner gave is the only endpoint.
fn post_webhook(url: &str, body: &serde_json::Value) -> Result<(), String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(SEND_TIMEOUT))
        .max_redirects(0)
        .http_status_as_error(false)
        .user_agent("Godwit-notifier")
        .build()
        .into();
    let response = agent.post(url).send_json(body).map_err(|e| format!("webhook: {e}"))?;
    let status = response.status();
    if status.is_success() { Ok(()) } else { Err(format!("webhook answered HTTP {}", status.as_u16())) }
}

/// Sends a plain-text email through the configured relay.
fn send_email(smtp: &SmtpConfig, to: &str, subject: &str, text: &str) -> Result<(), String> {
    use lettre::message::header::ContentType;
    use lettre::transport::smtp::authentication::Credentials;
    use lettre::{Message, SmtpTransport, Transport};

    let message = Message::builder()
        .from(smtp.from.parse().map_err(|e| format!("smtp from {:?}: {e}", smtp.from))?)
        .to(to.parse().map_err(|e| format!("recipient {to:?}: {e}"))?)
        .subject(subject)
        .header(ContentType::TEXT_PLAIN)
        .body(text.to_owned())
        .map_err(|e| format!("email: {e}"))?;
    let builder = match smtp.tls {
        SmtpTls::Starttls => SmtpTransport::starttls_relay(&smtp.host).map_err(|e| format!("smtp: {e}"))?,
        SmtpTls::Tls => SmtpTransport::relay(&smtp.host).map_err(|e| format!("smtp: {e}"))?,
        SmtpTls::None => SmtpTransport::builder_dangerous(&smtp.host),
    };
    let mut builder = builder.port(smtp.port()).timeout(Some(SEND_TIMEOUT));
    if let (Some(user), Some(password)) = (&smtp.username, &smtp.password) {
        builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
    }
    builder.build().send(&message).map(|_| ()).map_err(|e| format!("smtp: {e}"))
}
