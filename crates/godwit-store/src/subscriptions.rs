//! Saved searches, the notifications they raise and the deliveries of those
//! notifications by email and webhook.
//!
//! - A saved search keeps the search page's parameters as a query string (the
//!   server parses them) and a *mark*: the outbox position up to which new
//!   items were matched. Matching moves the mark forward with a compare-and-set,
//!   so two server processes never record the same batch twice, and the unique
//!   index on (search, item, version) backs that up.
//! - A notification carries only the item's id and its title as the owner could
//!   read it when it was matched; the owner's portal lists those with `portal`.
//!   Notifications that no saved search raised (early warning, collection
//!   plans) share the table and the deliveries: see [`crate::notices`].
//! - A delivery is one attempt chain for one channel (`email`, `webhook`): a
//!   worker claims it for a while (so that only one process sends it), records
//!   the outcome with an audit record in the same transaction, and retries with
//!   a growing delay until it gives up.

use godwit_domain::member::MemberCode;
use godwit_domain::{Timestamp, ValidationErrors};
use sea_query::{Alias, Expr, ExprTrait, Func, OnConflict, Order, Query};
use serde::Serialize;
use uuid::Uuid;

use crate::audit::{self, AuditEvent};
use crate::db::Tx;
use crate::notices::NoticeKind;
use crate::schema::{Deliveries, NoticeChannels, Notifications, SavedSearches, Users};
use crate::{Store, StoreError};

/// The longest name of a saved search, in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// The longest stored query string, in bytes.
pub const MAX_QUERY_BYTES: usize = 2_000;
/// The longest webhook URL, in bytes.
pub const MAX_WEBHOOK_BYTES: usize = 500;
/// Attempts per delivery before it is given up.
pub const MAX_ATTEMPTS: i64 = 5;
/// Saved searches one user may keep.
pub const MAX_PER_USER: usize = 50;

/// What a user asks to save (a new search, or the new state of one).
#[derive(Debug, Clone, Default)]
pub struct SavedSearchInput {
    pub name: String,
    /// The search page's parameters, `q=…&kind=…`, already checked by the caller.
    pub query: String,
    pub notify_portal: bool,
    pub notify_email: bool,
    pub webhook_url: Option<String>,
}

impl SavedSearchInput {
    /// Checks the name and the webhook URL (http or https, a host, no
    /// credentials); the query is the server's to check.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
            errors.push("name", format!("must be 1 to {MAX_NAME_CHARS} characters"));
        }
        if self.query.len() > MAX_QUERY_BYTES {
            errors.push("query", format!("must be at most {MAX_QUERY_BYTES} characters"));
        }
        if let Some(url) = &self.webhook_url
            && let Err(why) = check_webhook_url(url)
        {
            errors.push("webhook_url", why);
        }
        errors.into_result()
    }
}

/// Why a webhook URL is refused, if it is.
pub fn check_webhook_url(url: &str) -> Result<(), String> {
    if url.len() > MAX_WEBHOOK_BYTES {
        return Err(format!("must be at most {MAX_WEBHOOK_BYTES} characters"));
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("must not contain spaces".into());
    }
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err("must be an http:// or https:// URL".into());
    };
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return Err("must be an http:// or https:// URL".into());
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err("must not carry a user name or password".into());
    }
    let host = authority.rsplit_once(':').map_or(authority, |(h, port)| {
        if port.chars().all(|c| c.is_ascii_digit()) && !h.is_empty() { h } else { authority }
    });
    if host.is_empty() {
        return Err("must name a host".into());
    }
    Ok(())
}

/// A webhook URL as the audit trail keeps it: without its query string, which
/// may hold a secret of the receiver.
pub fn redact_webhook_url(url: &str) -> String {
    url.split(['?', '#']).next().unwrap_or_default().to_owned()
}

/// A stored saved search.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SavedSearch {
    pub id: Uuid,
    pub owner: Uuid,
    pub name: String,
    /// The search page's parameters, e.g. `q=passport&kind=alert`.
    pub query: String,
    pub notify_portal: bool,
    pub notify_email: bool,
    pub webhook_url: Option<String>,
    /// The outbox position up to which new items were matched.
    #[serde(skip)]
    pub mark: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl SavedSearch {
    /// Whether it notifies at all.
    pub fn notifies(&self) -> bool {
        self.notify_portal || self.notify_email || self.webhook_url.is_some()
    }
}

#[derive(sqlx::FromRow)]
struct SavedSearchRow {
    id: String,
    owner_user: String,
    name: String,
    query: String,
    notify_portal: bool,
    notify_email: bool,
    webhook_url: Option<String>,
    mark: i64,
    created_at: i64,
    updated_at: i64,
}

const SAVED_SEARCH_COLUMNS: [SavedSearches; 10] = [
    SavedSearches::Id,
    SavedSearches::OwnerUser,
    SavedSearches::Name,
    SavedSearches::Query,
    SavedSearches::NotifyPortal,
    SavedSearches::NotifyEmail,
    SavedSearches::WebhookUrl,
    SavedSearches::Mark,
    SavedSearches::CreatedAt,
    SavedSearches::UpdatedAt,
];

impl SavedSearchRow {
    fn into_saved(self) -> Result<SavedSearch, StoreError> {
        Ok(SavedSearch {
            id: crate::parse_uuid(&self.id)?,
            owner: crate::parse_uuid(&self.owner_user)?,
            name: self.name,
            query: self.query,
            notify_portal: self.notify_portal,
            notify_email: self.notify_email,
            webhook_url: self.webhook_url,
            mark: self.mark,
            created_at: Timestamp(self.created_at),
            updated_at: Timestamp(self.updated_at),
        })
    }
}

/// A notification: an item that newly matched a saved search, or a notice
/// ([`crate::notices`]).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notification {
    pub id: Uuid,
    pub kind: NoticeKind,
    /// The saved search that matched (`saved_search` notifications only).
    pub saved_search: Option<Uuid>,
    /// The item notified of; for `requirement` notifications, the requirement.
    pub item_id: Uuid,
    /// The item's version that matched (0 for notices).
    pub item_version: i64,
    /// What the recipient could read when it was recorded.
    pub title: String,
    pub created_at: Timestamp,
    pub read_at: Option<Timestamp>,
}

#[derive(sqlx::FromRow)]
struct NotificationRow {
    id: String,
    kind: String,
    saved_search_id: String,
    item_id: String,
    item_version: i64,
    title: String,
    created_at: i64,
    read_at: Option<i64>,
}

/// Notices have no saved search: the column holds the empty string.
fn saved_search_of(text: &str) -> Result<Option<Uuid>, StoreError> {
    if text.is_empty() { Ok(None) } else { crate::parse_uuid(text).map(Some) }
}

impl NotificationRow {
    fn into_notification(self) -> Result<Notification, StoreError> {
        Ok(Notification {
            id: crate::parse_uuid(&self.id)?,
            kind: NoticeKind::parse(&self.kind)?,
            saved_search: saved_search_of(&self.saved_search_id)?,
            item_id: crate::parse_uuid(&self.item_id)?,
            item_version: self.item_version,
            title: self.title,
            created_at: Timestamp(self.created_at),
            read_at: self.read_at.map(Timestamp),
        })
    }
}

/// A notification to insert, with what makes it once: its user and topic.
pub(crate) struct NewNotification<'a> {
    pub user: Uuid,
    pub kind: NoticeKind,
    pub topic: &'a str,
    pub saved_search: Option<Uuid>,
    pub item_id: Uuid,
    pub item_version: i64,
    pub title: &'a str,
    /// Listed in the portal.
    pub portal: bool,
}

/// The topic of a saved search's match: once per search, item and version.
fn match_topic(search: Uuid, item: Uuid, version: i64) -> String {
    format!("saved_search:{search}:{item}:{version}")
}

/// Gives the notifications made before version 12 their topic, as
/// [`match_topic`] writes it.
pub(crate) async fn backfill_topics(tx: &mut Tx) -> Result<(), StoreError> {
    tx.target()
        .execute(Query::update().table(Notifications::Table).value(
            Notifications::Topic,
            Expr::cust("'saved_search:' || saved_search_id || ':' || item_id || ':' || item_version"),
        ))
        .await?;
    Ok(())
}

/// Inserts a notification unless its user already has its topic, and queues
/// a delivery for each of `channels`. Returns it when it is new.
pub(crate) async fn insert_notification(
    tx: &mut Tx,
    at: Timestamp,
    new: &NewNotification<'_>,
    channels: &[Channel],
) -> Result<Option<Notification>, StoreError> {
    let notification = Notification {
        id: Uuid::now_v7(),
        kind: new.kind,
        saved_search: new.saved_search,
        item_id: new.item_id,
        item_version: new.item_version,
        title: new.title.to_owned(),
        created_at: at,
        read_at: None,
    };
    let saved_search = new.saved_search.map(|s| s.to_string()).unwrap_or_default();
    let inserted = tx
        .target()
        .execute(
            Query::insert()
                .into_table(Notifications::Table)
                .columns([
                    Notifications::Id,
                    Notifications::UserId,
                    Notifications::Kind,
                    Notifications::Topic,
                    Notifications::SavedSearchId,
                    Notifications::ItemId,
                    Notifications::ItemVersion,
                    Notifications::Title,
                    Notifications::Portal,
                    Notifications::CreatedAt,
                ])
                .values_panic([
                    notification.id.to_string().into(),
                    new.user.to_string().into(),
                    new.kind.as_str().into(),
                    new.topic.into(),
                    saved_search.clone().into(),
                    new.item_id.to_string().into(),
                    new.item_version.into(),
                    new.title.into(),
                    new.portal.into(),
                    at.0.into(),
                ])
                .on_conflict(
                    OnConflict::columns([Notifications::UserId, Notifications::Topic]).do_nothing().to_owned(),
                ),
        )
        .await?;
    if inserted == 0 {
        return Ok(None);
    }
    for channel in channels {
        tx.target()
            .execute(
                Query::insert()
                    .into_table(Deliveries::Table)
                    .columns([
                        Deliveries::Id,
                        Deliveries::NotificationId,
                        Deliveries::SavedSearchId,
                        Deliveries::Channel,
                        Deliveries::State,
                        Deliveries::Attempts,
                        Deliveries::NextAt,
                        Deliveries::ClaimedUntil,
                        Deliveries::UpdatedAt,
                    ])
                    .values_panic([
                        Uuid::now_v7().to_string().into(),
                        notification.id.to_string().into(),
                        saved_search.clone().into(),
                        channel.as_str().into(),
                        "pending".into(),
                        0i64.into(),
                        at.0.into(),
                        0i64.into(),
                        at.0.into(),
                    ]),
            )
            .await?;
    }
    Ok(Some(notification))
}

/// An item that matched, as the matcher hands it over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    pub item_id: Uuid,
    pub item_version: i64,
    pub title: String,
}

/// Where a delivery goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Email,
    Webhook,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Webhook => "webhook",
        }
    }

    fn parse(text: &str) -> Result<Channel, StoreError> {
        match text {
            "email" => Ok(Channel::Email),
            "webhook" => Ok(Channel::Webhook),
            other => Err(StoreError::Corrupt(format!("delivery channel {other}"))),
        }
    }
}

/// A delivery due now, with what sending it needs.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub id: Uuid,
    pub channel: Channel,
    pub attempts: i64,
    pub notification: Uuid,
    pub kind: NoticeKind,
    /// The saved search and its name (`saved_search` notifications only).
    pub saved_search: Option<(Uuid, String)>,
    /// The item, or for `requirement` notifications the requirement.
    pub item_id: Uuid,
    pub title: String,
    pub owner: Uuid,
    pub owner_member: MemberCode,
    pub owner_email: String,
    pub owner_disabled: bool,
    /// The saved search's webhook, or for notices the owner's.
    pub webhook_url: Option<String>,
}

#[derive(sqlx::FromRow)]
struct DeliveryRow {
    id: String,
    channel: String,
    attempts: i64,
    notification_id: String,
    kind: String,
    saved_search_id: String,
    search_name: Option<String>,
    item_id: String,
    title: String,
    user_id: String,
    member_code: String,
    email: String,
    disabled: bool,
    search_webhook: Option<String>,
    notice_webhook: Option<String>,
}

/// The last delivery of a saved search that went wrong, for its owner to see.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeliveryProblem {
    pub channel: Channel,
    pub error: String,
    pub attempts: i64,
    /// True once no more attempts will be made.
    pub gave_up: bool,
    pub at: Timestamp,
}

#[derive(sqlx::FromRow)]
struct ProblemRow {
    channel: String,
    state: String,
    last_error: Option<String>,
    attempts: i64,
    updated_at: i64,
}

/// How long a claimed delivery stays with the process that claimed it.
const CLAIM_MS: i64 = 120_000;
/// The delay before the first retry; doubled for each attempt after.
const RETRY_MS: i64 = 60_000;

fn owner_event(action: &str, owner: Uuid, member: &MemberCode, id: Uuid) -> AuditEvent {
    AuditEvent::new(action).by(owner, member).on(id)
}

impl Store {
    /// Saves a search for `owner`; it matches items changed from now on.
    pub async fn create_saved_search(
        &self,
        owner: Uuid,
        member: &MemberCode,
        input: &SavedSearchInput,
    ) -> Result<SavedSearch, StoreError> {
        input.validate()?;
        if self.saved_searches_of(owner).await?.len() >= MAX_PER_USER {
            return Err(StoreError::Conflict(format!("at most {MAX_PER_USER} saved searches per user")));
        }
        let now = self.clock().now();
        let id = Uuid::now_v7();
        let mut tx = self.pool.begin().await?;
        // The audit append locks the head, which also fixes the outbox head: items
        // changed before this point are not news to this search.
        let event = owner_event("saved_search.create", owner, member, id)
            .with(serde_json::json!({ "name": input.name.trim(), "query": input.query, "webhook": input.webhook_url.as_deref().map(redact_webhook_url), "email": input.notify_email }));
        audit::append(&mut tx, now, &[event]).await?;
        let head: Option<(Option<i64>,)> = tx
            .target()
            .fetch_optional(
                Query::select()
                    .expr(Func::max(Expr::col(crate::schema::Outbox::Id)))
                    .from(crate::schema::Outbox::Table),
            )
            .await?;
        let mark = head.and_then(|(m,)| m).unwrap_or(0);
        tx.target()
            .execute(Query::insert().into_table(SavedSearches::Table).columns(SAVED_SEARCH_COLUMNS).values_panic([
                id.to_string().into(),
                owner.to_string().into(),
                input.name.trim().into(),
                input.query.clone().into(),
                input.notify_portal.into(),
                input.notify_email.into(),
                input.webhook_url.clone().into(),
                mark.into(),
                now.0.into(),
                now.0.into(),
            ]))
            .await?;
        tx.commit().await?;
        self.saved_search(owner, id).await
    }

    /// Changes a saved search of `owner`; its mark stays, so items already
    /// matched are not notified again.
    pub async fn update_saved_search(
        &self,
        owner: Uuid,
        member: &MemberCode,
        id: Uuid,
        input: &SavedSearchInput,
    ) -> Result<SavedSearch, StoreError> {
        input.validate()?;
        let now = self.clock().now();
        let mut tx = self.pool.begin().await?;
        let changed = tx
            .target()
            .execute(
                Query::update()
                    .table(SavedSearches::Table)
                    .values([
                        (SavedSearches::Name, input.name.trim().into()),
                        (SavedSearches::Query, input.query.clone().into()),
                        (SavedSearches::NotifyPortal, input.notify_portal.into()),
                        (SavedSearches::NotifyEmail, input.notify_email.into()),
                        (SavedSearches::WebhookUrl, input.webhook_url.clone().into()),
                        (SavedSearches::UpdatedAt, now.0.into()),
                    ])
                    .and_where(Expr::col(SavedSearches::Id).eq(id.to_string()))
                    .and_where(Expr::col(SavedSearches::OwnerUser).eq(owner.to_string())),
            )
            .await?;
        if changed == 0 {
            return Err(StoreError::NotFound("saved search"));
        }
        let event = owner_event("saved_search.update", owner, member, id)
            .with(serde_json::json!({ "name": input.name.trim(), "query": input.query, "webhook": input.webhook_url.as_deref().map(redact_webhook_url), "email": input.notify_email }));
        audit::append(&mut tx, now, &[event]).await?;
        tx.commit().await?;
        self.saved_search(owner, id).await
    }

    /// Deletes a saved search of `owner` with its notifications and pending
    /// deliveries; false when there is no such search of theirs.
    pub async fn delete_saved_search(&self, owner: Uuid, member: &MemberCode, id: Uuid) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let deleted = tx
            .target()
            .execute(
                Query::delete()
                    .from_table(SavedSearches::Table)
                    .and_where(Expr::col(SavedSearches::Id).eq(id.to_string()))
                    .and_where(Expr::col(SavedSearches::OwnerUser).eq(owner.to_string())),
            )
            .await?;
        if deleted == 0 {
            return Ok(false);
        }
        tx.target()
            .execute(
                Query::delete()
                    .from_table(Notifications::Table)
                    .and_where(Expr::col(Notifications::SavedSearchId).eq(id.to_string())),
            )
            .await?;
        tx.target()
            .execute(
                Query::delete()
                    .from_table(Deliveries::Table)
                    .and_where(Expr::col(Deliveries::SavedSearchId).eq(id.to_string())),
            )
            .await?;
        audit::append(&mut tx, self.clock().now(), &[owner_event("saved_search.delete", owner, member, id)]).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// One saved search of `owner`.
    pub async fn saved_search(&self, owner: Uuid, id: Uuid) -> Result<SavedSearch, StoreError> {
        let row: Option<SavedSearchRow> = self
            .pool
            .target()
            .fetch_optional(
                Query::select()
                    .columns(SAVED_SEARCH_COLUMNS)
                    .from(SavedSearches::Table)
                    .and_where(Expr::col(SavedSearches::Id).eq(id.to_string()))
                    .and_where(Expr::col(SavedSearches::OwnerUser).eq(owner.to_string())),
            )
            .await?;
        row.ok_or(StoreError::NotFound("saved search"))?.into_saved()
    }

    /// The saved searches of `owner`, by name.
    pub async fn saved_searches_of(&self, owner: Uuid) -> Result<Vec<SavedSearch>, StoreError> {
        let rows: Vec<SavedSearchRow> = self
            .pool
            .target()
            .fetch_all(
                Query::select()
                    .columns(SAVED_SEARCH_COLUMNS)
                    .from(SavedSearches::Table)
                    .and_where(Expr::col(SavedSearches::OwnerUser).eq(owner.to_string()))
                    .order_by(SavedSearches::Name, Order::Asc)
                    .order_by(SavedSearches::Id, Order::Asc),
            )
            .await?;
        rows.into_iter().map(SavedSearchRow::into_saved).collect()
    }

    /// Saved searches that notify and have not been matched up to `cursor`.
    pub async fn subscriptions_behind(&self, cursor: i64) -> Result<Vec<SavedSearch>, StoreError> {
        let rows: Vec<SavedSearchRow> = self
            .pool
            .target()
            .fetch_all(
                Query::select()
                    .columns(SAVED_SEARCH_COLUMNS)
                    .from(SavedSearches::Table)
                    .and_where(Expr::col(SavedSearches::Mark).lt(cursor))
                    .cond_where(
                        sea_query::Cond::any()
                            .add(Expr::col(SavedSearches::NotifyPortal).eq(true))
                            .add(Expr::col(SavedSearches::NotifyEmail).eq(true))
                            .add(Expr::col(SavedSearches::WebhookUrl).is_not_null()),
                    )
                    .order_by(SavedSearches::Id, Order::Asc),
            )
            .await?;
        rows.into_iter().map(SavedSearchRow::into_saved).collect()
    }

    /// Records what `search` matched between its mark and `new_mark`, and moves
    /// the mark, in one transaction. Returns `None` when the mark had already
    /// moved (another process matched this batch, or the search was edited or
    /// deleted meanwhile): nothing is recorded then. Otherwise returns the
    /// notifications newly recorded, each with its deliveries queued.
    pub async fn record_matches(
        &self,
        search: &SavedSearch,
        new_mark: i64,
        matches: &[Match],
    ) -> Result<Option<Vec<Notification>>, StoreError> {
        let now = self.clock().now();
        let mut tx = self.pool.begin().await?;
        let moved = tx
            .target()
            .execute(
                Query::update()
                    .table(SavedSearches::Table)
                    .value(SavedSearches::Mark, new_mark)
                    .and_where(Expr::col(SavedSearches::Id).eq(search.id.to_string()))
                    .and_where(Expr::col(SavedSearches::Mark).eq(search.mark))
                    .and_where(Expr::col(SavedSearches::UpdatedAt).eq(search.updated_at.0)),
            )
            .await?;
        if moved == 0 {
            return Ok(None);
        }
        let channels: Vec<Channel> =
            [search.notify_email.then_some(Channel::Email), search.webhook_url.is_some().then_some(Channel::Webhook)]
                .into_iter()
                .flatten()
                .collect();
        let mut recorded = Vec::new();
        for m in matches {
            let topic = match_topic(search.id, m.item_id, m.item_version);
            let new = NewNotification {
                user: search.owner,
                kind: NoticeKind::SavedSearch,
                topic: &topic,
                saved_search: Some(search.id),
                item_id: m.item_id,
                item_version: m.item_version,
                title: &m.title,
                portal: search.notify_portal,
            };
            if let Some(notification) = insert_notification(&mut tx, now, &new, &channels).await? {
                recorded.push(notification);
            }
        }
        tx.commit().await?;
        Ok(Some(recorded))
    }

    /// The portal notifications of `user`, newest first.
    pub async fn notifications_of(
        &self,
        user: Uuid,
        unread_only: bool,
        limit: u64,
    ) -> Result<Vec<Notification>, StoreError> {
        let mut query = Query::select();
        query
            .columns([
                Notifications::Id,
                Notifications::Kind,
                Notifications::SavedSearchId,
                Notifications::ItemId,
                Notifications::ItemVersion,
                Notifications::Title,
                Notifications::CreatedAt,
                Notifications::ReadAt,
            ])
            .from(Notifications::Table)
            .and_where(Expr::col(Notifications::UserId).eq(user.to_string()))
            .and_where(Expr::col(Notifications::Portal).eq(true))
            .order_by(Notifications::CreatedAt, Order::Desc)
            .order_by(Notifications::Id, Order::Desc)
            .limit(limit);
        if unread_only {
            query.and_where(Expr::col(Notifications::ReadAt).is_null());
        }
        let rows: Vec<NotificationRow> = self.pool.target().fetch_all(&query).await?;
        rows.into_iter().map(NotificationRow::into_notification).collect()
    }

    /// How many portal notifications of `user` are unread.
    pub async fn unread_notifications(&self, user: Uuid) -> Result<i64, StoreError> {
        let count: Option<(i64,)> = self
            .pool
            .target()
            .fetch_optional(
                Query::select()
                    .expr(Func::count(Expr::col(Notifications::Id)))
                    .from(Notifications::Table)
                    .and_where(Expr::col(Notifications::UserId).eq(user.to_string()))
                    .and_where(Expr::col(Notifications::Portal).eq(true))
                    .and_where(Expr::col(Notifications::ReadAt).is_null()),
            )
            .await?;
        Ok(count.map_or(0, |(n,)| n))
    }

    /// Marks notifications of `user` read: those listed, or all with `None`.
    /// Returns how many changed.
    pub async fn mark_notifications_read(&self, user: Uuid, ids: Option<&[Uuid]>) -> Result<u64, StoreError> {
        let mut update = Query::update();
        update
            .table(Notifications::Table)
            .value(Notifications::ReadAt, self.clock().now().0)
            .and_where(Expr::col(Notifications::UserId).eq(user.to_string()))
            .and_where(Expr::col(Notifications::ReadAt).is_null());
        if let Some(ids) = ids {
            if ids.is_empty() {
                return Ok(0);
            }
            update.and_where(Expr::col(Notifications::Id).is_in(ids.iter().map(Uuid::to_string)));
        }
        self.pool.target().execute(&update).await
    }

    /// Deliveries due now that nobody holds, oldest first.
    pub async fn due_deliveries(&self, limit: u64) -> Result<Vec<Delivery>, StoreError> {
        let now = self.clock().now();
        let rows: Vec<DeliveryRow> = self
            .pool
            .target()
            .fetch_all(
                Query::select()
                    .column((Deliveries::Table, Deliveries::Id))
                    .column((Deliveries::Table, Deliveries::Channel))
                    .column((Deliveries::Table, Deliveries::Attempts))
                    .column((Deliveries::Table, Deliveries::NotificationId))
                    .column((Notifications::Table, Notifications::Kind))
                    .column((Deliveries::Table, Deliveries::SavedSearchId))
                    .expr_as(Expr::col((SavedSearches::Table, SavedSearches::Name)), Alias::new("search_name"))
                    .column((Notifications::Table, Notifications::ItemId))
                    .column((Notifications::Table, Notifications::Title))
                    .column((Notifications::Table, Notifications::UserId))
                    .column((Users::Table, Users::MemberCode))
                    .column((Users::Table, Users::Email))
                    .column((Users::Table, Users::Disabled))
                    .expr_as(Expr::col((SavedSearches::Table, SavedSearches::WebhookUrl)), Alias::new("search_webhook"))
                    .expr_as(
                        Expr::col((NoticeChannels::Table, NoticeChannels::WebhookUrl)),
                        Alias::new("notice_webhook"),
                    )
                    .from(Deliveries::Table)
                    .inner_join(
                        Notifications::Table,
                        Expr::col((Notifications::Table, Notifications::Id))
                            .equals((Deliveries::Table, Deliveries::NotificationId)),
                    )
                    .left_join(
                        SavedSearches::Table,
                        Expr::col((SavedSearches::Table, SavedSearches::Id))
                            .equals((Deliveries::Table, Deliveries::SavedSearchId)),
                    )
                    .left_join(
                        NoticeChannels::Table,
                        Expr::col((NoticeChannels::Table, NoticeChannels::UserId))
                            .equals((Notifications::Table, Notifications::UserId)),
                    )
                    .inner_join(
                        Users::Table,
                        Expr::col((Users::Table, Users::Id)).equals((Notifications::Table, Notifications::UserId)),
                    )
                    .and_where(Expr::col((Deliveries::Table, Deliveries::State)).eq("pending"))
                    .and_where(Expr::col((Deliveries::Table, Deliveries::NextAt)).lte(now.0))
                    .and_where(Expr::col((Deliveries::Table, Deliveries::ClaimedUntil)).lte(now.0))
                    .order_by((Deliveries::Table, Deliveries::NextAt), Order::Asc)
                    .limit(limit),
            )
            .await?;
        rows.into_iter()
            .map(|r| {
                let kind = NoticeKind::parse(&r.kind)?;
                let saved_search = saved_search_of(&r.saved_search_id)?;
                // A saved search's deliveries go to its webhook, a notice's to its user's.
                let (saved_search, webhook_url) = match saved_search {
                    Some(id) => (Some((id, r.search_name.unwrap_or_default())), r.search_webhook),
                    None => (None, r.notice_webhook),
                };
                Ok(Delivery {
                    id: crate::parse_uuid(&r.id)?,
                    channel: Channel::parse(&r.channel)?,
                    attempts: r.attempts,
                    notification: crate::parse_uuid(&r.notification_id)?,
                    kind,
                    saved_search,
                    item_id: crate::parse_uuid(&r.item_id)?,
                    title: r.title,
                    owner: crate::parse_uuid(&r.user_id)?,
                    owner_member: MemberCode(r.member_code),
                    owner_email: r.email,
                    owner_disabled: r.disabled,
                    webhook_url,
                })
            })
            .collect()
    }

    /// Takes a due delivery for this process for a while; false when another
    /// process took it first.
    pub async fn claim_delivery(&self, id: Uuid) -> Result<bool, StoreError> {
        let now = self.clock().now();
        let claimed = self
            .pool
            .target()
            .execute(
                Query::update()
                    .table(Deliveries::Table)
                    .value(Deliveries::ClaimedUntil, now.0 + CLAIM_MS)
                    .and_where(Expr::col(Deliveries::Id).eq(id.to_string()))
                    .and_where(Expr::col(Deliveries::State).eq("pending"))
                    .and_where(Expr::col(Deliveries::ClaimedUntil).lte(now.0)),
            )
            .await?;
        Ok(claimed == 1)
    }

    /// Records the outcome of one attempt, with `event` in the audit trail in
    /// the same transaction. A failure is retried later until
    /// [`MAX_ATTEMPTS`], then given up; both stay visible to the owner.
    pub async fn finish_delivery(
        &self,
        delivery: &Delivery,
        outcome: Result<(), String>,
        event: AuditEvent,
    ) -> Result<(), StoreError> {
        let now = self.clock().now();
        let attempts = delivery.attempts + 1;
        let (state, error, next_at) = match outcome {
            Ok(()) => ("sent", None, now.0),
            Err(e) if attempts >= MAX_ATTEMPTS => ("failed", Some(e), now.0),
            Err(e) => ("pending", Some(e), now.0 + RETRY_MS * (1 << (attempts - 1).clamp(0, 10))),
        };
        let mut tx = self.pool.begin().await?;
        tx.target()
            .execute(
                Query::update()
                    .table(Deliveries::Table)
                    .values([
                        (Deliveries::State, state.into()),
                        (Deliveries::Attempts, attempts.into()),
                        (Deliveries::LastError, error.into()),
                        (Deliveries::NextAt, next_at.into()),
                        (Deliveries::ClaimedUntil, 0i64.into()),
                        (Deliveries::UpdatedAt, now.0.into()),
                    ])
                    .and_where(Expr::col(Deliveries::Id).eq(delivery.id.to_string())),
            )
            .await?;
        audit::append(&mut tx, now, &[event]).await?;
        tx.commit().await
    }

    /// The newest delivery of `search` that went wrong (still retrying or given
    /// up), if its latest attempt failed.
    pub async fn delivery_problem(&self, search: Uuid) -> Result<Option<DeliveryProblem>, StoreError> {
        let row: Option<ProblemRow> = self
            .pool
            .target()
            .fetch_optional(
                Query::select()
                    .columns([
                        Deliveries::Channel,
                        Deliveries::State,
                        Deliveries::LastError,
                        Deliveries::Attempts,
                        Deliveries::UpdatedAt,
                    ])
                    .from(Deliveries::Table)
                    .and_where(Expr::col(Deliveries::SavedSearchId).eq(search.to_string()))
                    .and_where(Expr::col(Deliveries::Attempts).gt(0))
                    .order_by(Deliveries::UpdatedAt, Order::Desc)
                    .order_by(Deliveries::Id, Order::Desc)
                    .limit(1),
            )
            .await?;
        let Some(row) = row else { return Ok(None) };
        let Some(error) = row.last_error.filter(|_| row.state != "sent") else { return Ok(None) };
        Ok(Some(DeliveryProblem {
            channel: Channel::parse(&row.channel)?,
            error,
            attempts: row.attempts,
            gave_up: row.state == "failed",
            at: Timestamp(row.updated_at),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhook_urls_are_http_or_https_with_a_host() {
        for ok in ["https://hooks.example.org/godwit", "http://127.0.0.1:8080/in?key=1", "HTTPS://example.org"] {
            assert_eq!(check_webhook_url(ok), Ok(()), "{ok}");
        }
        for bad in [
            "ftp://example.org/",
            "file:///etc/passwd",
            "javascript:alert(1)",
            "https://",
            "https://user:pw@example.org/",
            "https://exa mple.org/",
            "example.org/hook",
        ] {
            assert!(check_webhook_url(bad).is_err(), "{bad}");
        }
        assert_eq!(redact_webhook_url("https://h.example/in?token=s3cret"), "https://h.example/in");
    }
}
