//! Notices: notifications that no saved search raised — an early-warning
//! displacement, an event of a collection plan — kept in the same
//! `notifications` table as the saved searches' ones (so the portal's bell
//! counts them and the Notifications page lists them) and sent through the
//! same deliveries (claimed by one process, retried, audited; see
//! [`crate::subscriptions`]).
//!
//! - Every notification has a *topic*, unique per user: recording a topic a
//!   user already has does nothing, so two server processes, or one pass run
//!   twice, notify once.
//! - SECURITY: whoever records a notice must have judged, *as its recipient*,
//!   that they may read everything its title names. The store records what it
//!   is given; the requirement notices it raises itself follow that rule.
//! - Besides the portal, each user chooses whether notices also go by email
//!   and to a webhook ([`NoticeChannels`]); saved searches keep their own.

use std::collections::BTreeSet;

use godwit_domain::Timestamp;
use godwit_domain::item::{ItemKind, ItemState};
use godwit_domain::member::MemberCode;
use sea_query::{Expr, ExprTrait, OnConflict, Query, SelectStatement};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::audit::{self, AuditEvent};
use crate::db::Tx;
use crate::schema::{Items, NoticeChannels as Channels, Notifications, NotifierMarks};
use crate::subscriptions::{Channel, NewNotification, Notification, check_webhook_url, redact_webhook_url};
use crate::{Store, StoreError};

/// What raised a notification.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// A new item matched a saved search; about the item.
    SavedSearch,
    /// A scheme reported by one member was then reported by another; about the later record.
    Displacement,
    /// A collection-plan requirement was set, changed, falls due, is overdue or
    /// had an item linked; about the requirement.
    Requirement,
    /// A request for information was asked, assigned, answered, declined,
    /// rated or closed, or falls due; about the request.
    Rfi,
    /// A member capacity survey closes soon, or a response was submitted,
    /// returned or delegated; about the questionnaire.
    Survey,
    /// An entry of a threat register falls due for review or is overdue;
    /// about the register.
    ThreatReview,
}

impl NoticeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::SavedSearch => "saved_search",
            NoticeKind::Displacement => "displacement",
            NoticeKind::Requirement => "requirement",
            NoticeKind::Rfi => "rfi",
            NoticeKind::Survey => "survey",
            NoticeKind::ThreatReview => "threat_review",
        }
    }

    pub(crate) fn parse(text: &str) -> Result<NoticeKind, StoreError> {
        match text {
            "saved_search" => Ok(NoticeKind::SavedSearch),
            "displacement" => Ok(NoticeKind::Displacement),
            "requirement" => Ok(NoticeKind::Requirement),
            "rfi" => Ok(NoticeKind::Rfi),
            "survey" => Ok(NoticeKind::Survey),
            "threat_review" => Ok(NoticeKind::ThreatReview),
            other => Err(StoreError::Corrupt(format!("notification kind {other}"))),
        }
    }

    /// Whether it is about an item (otherwise a requirement or a request).
    pub fn about_item(self) -> bool {
        matches!(self, NoticeKind::SavedSearch | NoticeKind::Displacement)
    }

    /// The name of what it is about, in a webhook's body.
    pub fn about_field(self) -> &'static str {
        match self {
            NoticeKind::SavedSearch | NoticeKind::Displacement => "item_id",
            NoticeKind::Requirement => "requirement_id",
            NoticeKind::Rfi => "rfi_id",
            NoticeKind::Survey => "questionnaire_id",
            NoticeKind::ThreatReview => "register_id",
        }
    }
}

/// A notice to record for one user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub user: Uuid,
    pub kind: NoticeKind,
    /// Unique per user: the same topic is never notified twice.
    pub topic: String,
    /// The item, or for [`NoticeKind::Requirement`] the requirement, for
    /// [`NoticeKind::Rfi`] the request.
    pub about: Uuid,
    /// Only what the user may read.
    pub title: String,
}

/// How a user takes notices besides the portal.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoticeChannels {
    /// Also by email, to the address of the account.
    #[serde(default)]
    pub notify_email: bool,
    /// Also POSTed as JSON to this http(s) URL.
    #[serde(default)]
    pub webhook_url: Option<String>,
}

impl NoticeChannels {
    fn channels(&self) -> Vec<Channel> {
        [self.notify_email.then_some(Channel::Email), self.webhook_url.is_some().then_some(Channel::Webhook)]
            .into_iter()
            .flatten()
            .collect()
    }
}

/// Records `notices` in `tx`, each with the deliveries its user's channels
/// ask for; topics a user already has are skipped. Returns those recorded.
pub(crate) async fn record(tx: &mut Tx, at: Timestamp, notices: &[Notice]) -> Result<Vec<Notification>, StoreError> {
    let mut recorded = Vec::new();
    for notice in notices {
        let channels = channels_in(tx, notice.user).await?.channels();
        let new = NewNotification {
            user: notice.user,
            kind: notice.kind,
            topic: &notice.topic,
            saved_search: None,
            item_id: notice.about,
            item_version: 0,
            title: &notice.title,
            portal: true,
        };
        if let Some(n) = crate::subscriptions::insert_notification(tx, at, &new, &channels).await? {
            recorded.push(n);
        }
    }
    Ok(recorded)
}

fn channels_query(user: Uuid) -> SelectStatement {
    Query::select()
        .columns([Channels::NotifyEmail, Channels::WebhookUrl])
        .from(Channels::Table)
        .and_where(Expr::col(Channels::UserId).eq(user.to_string()))
        .to_owned()
}

/// A user who never chose takes notices in the portal only.
fn channels_of(row: Option<(bool, Option<String>)>) -> NoticeChannels {
    row.map(|(notify_email, webhook_url)| NoticeChannels { notify_email, webhook_url }).unwrap_or_default()
}

async fn channels_in(tx: &mut Tx, user: Uuid) -> Result<NoticeChannels, StoreError> {
    Ok(channels_of(tx.target().fetch_optional(&channels_query(user)).await?))
}

impl Store {
    /// The channels `user` takes notices by (portal only until they choose).
    pub async fn notice_channels(&self, user: Uuid) -> Result<NoticeChannels, StoreError> {
        Ok(channels_of(self.pool.target().fetch_optional(&channels_query(user)).await?))
    }

    /// Sets the channels of `user`; the webhook URL is checked as a saved
    /// search's. Audited as `notice_channels.update` (without the URL's query).
    pub async fn set_notice_channels(
        &self,
        user: Uuid,
        member: &MemberCode,
        channels: &NoticeChannels,
    ) -> Result<NoticeChannels, StoreError> {
        let webhook_url = channels.webhook_url.as_deref().map(str::trim).filter(|u| !u.is_empty());
        if let Some(url) = webhook_url
            && let Err(why) = check_webhook_url(url)
        {
            let mut errors = godwit_domain::ValidationErrors::default();
            errors.push("webhook_url", why);
            return Err(errors.into());
        }
        let channels =
            NoticeChannels { notify_email: channels.notify_email, webhook_url: webhook_url.map(str::to_owned) };
        let now = self.clock().now();
        let mut tx = self.pool.begin().await?;
        tx.target()
            .execute(
                Query::insert()
                    .into_table(Channels::Table)
                    .columns([Channels::UserId, Channels::NotifyEmail, Channels::WebhookUrl, Channels::UpdatedAt])
                    .values_panic([
                        user.to_string().into(),
                        channels.notify_email.into(),
                        channels.webhook_url.clone().into(),
                        now.0.into(),
                    ])
                    .on_conflict(
                        OnConflict::column(Channels::UserId)
                            .update_columns([Channels::NotifyEmail, Channels::WebhookUrl, Channels::UpdatedAt])
                            .to_owned(),
                    ),
            )
            .await?;
        let event = AuditEvent::new("notice_channels.update").by(user, member).on(user).with(serde_json::json!({
            "email": channels.notify_email,
            "webhook": channels.webhook_url.as_deref().map(redact_webhook_url),
        }));
        audit::append(&mut tx, now, &[event]).await?;
        tx.commit().await?;
        Ok(channels)
    }

    /// Records notices that need no mark (their topics make them once);
    /// returns how many were new. Those already recorded are left out
    /// before writing, so a pass repeated every few seconds (reminders)
    /// writes only when there is news.
    pub async fn record_notices(&self, notices: &[Notice]) -> Result<u64, StoreError> {
        let mut had: BTreeSet<(String, String)> = BTreeSet::new();
        let topics: BTreeSet<&str> = notices.iter().map(|n| n.topic.as_str()).collect();
        let topics: Vec<&str> = topics.into_iter().collect();
        for chunk in topics.chunks(500) {
            let rows: Vec<(String, String)> = self
                .pool
                .target()
                .fetch_all(
                    Query::select()
                        .columns([Notifications::UserId, Notifications::Topic])
                        .from(Notifications::Table)
                        .and_where(Expr::col(Notifications::Topic).is_in(chunk.iter().copied())),
                )
                .await?;
            had.extend(rows);
        }
        let new: Vec<Notice> =
            notices.iter().filter(|n| !had.contains(&(n.user.to_string(), n.topic.clone()))).cloned().collect();
        if new.is_empty() {
            return Ok(0);
        }
        let mut tx = self.pool.begin().await?;
        let recorded = record(&mut tx, self.clock().now(), &new).await?;
        tx.commit().await?;
        Ok(recorded.len() as u64)
    }

    /// The outbox position up to which the notifier pass `name` has looked;
    /// a pass seen for the first time starts at the head (what was written
    /// before it existed is not news).
    pub async fn notifier_mark(&self, name: &str) -> Result<i64, StoreError> {
        let head = self.outbox_head().await?;
        self.pool
            .target()
            .execute(
                Query::insert()
                    .into_table(NotifierMarks::Table)
                    .columns([NotifierMarks::Name, NotifierMarks::Mark])
                    .values_panic([name.into(), head.into()])
                    .on_conflict(OnConflict::column(NotifierMarks::Name).do_nothing().to_owned()),
            )
            .await?;
        let row: Option<(i64,)> = self
            .pool
            .target()
            .fetch_optional(
                Query::select()
                    .column(NotifierMarks::Mark)
                    .from(NotifierMarks::Table)
                    .and_where(Expr::col(NotifierMarks::Name).eq(name)),
            )
            .await?;
        row.map(|(m,)| m).ok_or(StoreError::NotFound("notifier mark"))
    }

    /// Moves the mark of pass `name` from `mark` to `new_mark` and records
    /// `notices`, in one transaction. `None` when the mark had already moved
    /// (another process did this batch): nothing is recorded then.
    pub async fn record_notices_at_mark(
        &self,
        name: &str,
        mark: i64,
        new_mark: i64,
        notices: &[Notice],
    ) -> Result<Option<u64>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let moved = tx
            .target()
            .execute(
                Query::update()
                    .table(NotifierMarks::Table)
                    .value(NotifierMarks::Mark, new_mark)
                    .and_where(Expr::col(NotifierMarks::Name).eq(name))
                    .and_where(Expr::col(NotifierMarks::Mark).eq(mark)),
            )
            .await?;
        if moved == 0 {
            return Ok(None);
        }
        let recorded = record(&mut tx, self.clock().now(), notices).await?;
        tx.commit().await?;
        Ok(Some(recorded.len() as u64))
    }

    /// Which of `ids` are published incident records (ids only: no content,
    /// for a notifier to know whether a batch may matter to early warning).
    pub async fn published_incidents_among(&self, ids: &[Uuid]) -> Result<Vec<Uuid>, StoreError> {
        let mut out = Vec::new();
        for chunk in ids.chunks(500) {
            let rows: Vec<(String,)> = self
                .pool
                .target()
                .fetch_all(
                    Query::select()
                        .column(Items::Id)
                        .from(Items::Table)
                        .and_where(Expr::col(Items::Id).is_in(chunk.iter().map(Uuid::to_string)))
                        .and_where(Expr::col(Items::Kind).eq(ItemKind::IncidentRecord.as_str()))
                        .and_where(Expr::col(Items::State).eq(ItemState::Published.as_str())),
                )
                .await?;
            for (id,) in rows {
                out.push(crate::parse_uuid(&id)?);
            }
        }
        Ok(out)
    }
}
