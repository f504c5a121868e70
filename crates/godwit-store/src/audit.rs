//! The audit trail: an append-only hash chain.
//!
//! Each record holds the SHA-256 of its own canonical form, which includes the
//! hash of the record before it; records are never updated. Changing, deleting
//! or reordering any row breaks the chain at that row, and [`Store::verify_audit`]
//! names the first broken record. The head row (newest seq and hash) also catches
//! records cut off the end.

use godwit_domain::Timestamp;
use godwit_domain::member::MemberCode;
use sea_query::{Expr, ExprTrait, LockType, Order, Query};
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::db::Tx;
use crate::schema::{Audit, AuditHead};
use crate::{Store, StoreError};

/// The hash before the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Something that happened, to be recorded.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct AuditEvent {
    pub actor_user: Option<Uuid>,
    pub actor_member: Option<MemberCode>,
    /// What happened: `login`, `item.approve`, `item.read`, `release`, …
    pub action: String,
    /// What it happened to: an item id, a username, an agreement id.
    pub target: Option<String>,
    /// Everything else worth keeping (recipients, method, reason…), as JSON.
    pub detail: serde_json::Value,
}

impl AuditEvent {
    pub fn new(action: &str) -> Self {
        AuditEvent {
            actor_user: None,
            actor_member: None,
            action: action.to_owned(),
            target: None,
            detail: serde_json::json!({}),
        }
    }

    pub fn by(mut self, user: Uuid, member: &MemberCode) -> Self {
        self.actor_user = Some(user);
        self.actor_member = Some(member.clone());
        self
    }

    pub fn on(mut self, target: impl ToString) -> Self {
        self.target = Some(target.to_string());
        self
    }

    pub fn with(mut self, detail: serde_json::Value) -> Self {
        self.detail = detail;
        self
    }
}

/// A stored audit record.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct AuditRecord {
    pub seq: i64,
    #[serde(serialize_with = "godwit_domain::wire_time::millis")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: i64,
    pub actor_user: Option<String>,
    pub actor_member: Option<String>,
    pub action: String,
    pub target: Option<String>,
    /// JSON text, hashed exactly as stored.
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditRecord {
    /// The hash this record must carry: SHA-256 over a JSON array of every field
    /// but the hash itself, so no two different records share a canonical form.
    pub fn compute_hash(&self) -> String {
        let canonical = serde_json::json!([
            self.seq,
            self.at,
            self.actor_user,
            self.actor_member,
            self.action,
            self.target,
            self.detail,
            self.prev_hash
        ]);
        hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
    }
}

/// Why the chain is broken at a record.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BrokenLink {
    pub seq: i64,
    pub reason: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    pub records: u64,
    pub head_seq: i64,
    pub first_broken: Option<BrokenLink>,
}

impl VerifyReport {
    pub fn is_intact(&self) -> bool {
        self.first_broken.is_none()
    }
}

const AUDIT_COLUMNS: [Audit; 9] = [
    Audit::Seq,
    Audit::At,
    Audit::ActorUser,
    Audit::ActorMember,
    Audit::Action,
    Audit::Target,
    Audit::Detail,
    Audit::PrevHash,
    Audit::Hash,
];

/// Locks the chain head for this transaction and returns (seq, hash) of the newest
/// record. SQLite's `BEGIN IMMEDIATE` already serialises writers; PostgreSQL takes a
/// row lock, so concurrent servers append one after the other.
pub(crate) async fn lock_head(tx: &mut Tx) -> Result<(i64, String), StoreError> {
    let head: Option<(i64, String)> = tx
        .target()
        .fetch_optional(
            Query::select()
                .columns([AuditHead::Seq, AuditHead::Hash])
                .from(AuditHead::Table)
                .and_where(Expr::col(AuditHead::Id).eq(1))
                .lock(LockType::Update),
        )
        .await?;
    match head {
        Some(head) => Ok(head),
        None => {
            tx.target()
                .execute(
                    Query::insert()
                        .into_table(AuditHead::Table)
                        .columns([AuditHead::Id, AuditHead::Seq, AuditHead::Hash])
                        .values_panic([1.into(), 0i64.into(), GENESIS.into()]),
                )
                .await?;
            Ok((0, GENESIS.to_owned()))
        }
    }
}

/// Appends events to the chain inside `tx`; they commit or roll back with the
/// change they record.
pub(crate) async fn append(tx: &mut Tx, at: Timestamp, events: &[AuditEvent]) -> Result<(), StoreError> {
    if events.is_empty() {
        return Ok(());
    }
    let (mut seq, mut prev_hash) = lock_head(tx).await?;
    for chunk in events.chunks(500) {
        let mut insert = Query::insert();
        insert.into_table(Audit::Table).columns(AUDIT_COLUMNS);
        for event in chunk {
            seq += 1;
            let mut record = AuditRecord {
                seq,
                at: at.0,
                actor_user: event.actor_user.map(|u| u.to_string()),
                actor_member: event.actor_member.as_ref().map(|m| m.as_str().to_owned()),
                action: event.action.clone(),
                target: event.target.clone(),
                detail: event.detail.to_string(),
                prev_hash: prev_hash.clone(),
                hash: String::new(),
            };
            record.hash = record.compute_hash();
            prev_hash = record.hash.clone();
            insert.values_panic([
                record.seq.into(),
                record.at.into(),
                record.actor_user.into(),
                record.actor_member.into(),
                record.action.into(),
                record.target.into(),
                record.detail.into(),
                record.prev_hash.into(),
                record.hash.into(),
            ]);
        }
        tx.target().execute(&insert).await?;
    }
    tx.target()
        .execute(
            Query::update()
                .table(AuditHead::Table)
                .values([(AuditHead::Seq, seq.into()), (AuditHead::Hash, prev_hash.into())])
                .and_where(Expr::col(AuditHead::Id).eq(1)),
        )
        .await?;
    Ok(())
}

/// Filters for reading the trail.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub after_seq: Option<i64>,
    pub action: Option<String>,
    pub actor_member: Option<String>,
    pub target: Option<String>,
    pub limit: u64,
}

impl Store {
    /// Records events in their own transaction (for events with no other change:
    /// logins, reads, downloads).
    pub async fn record(&self, events: &[AuditEvent]) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        append(&mut tx, self.clock().now(), events).await?;
        tx.commit().await
    }

    /// Reads audit records in sequence order.
    pub async fn audit_records(&self, query: &AuditQuery) -> Result<Vec<AuditRecord>, StoreError> {
        let mut select = Query::select();
        select
            .columns(AUDIT_COLUMNS)
            .from(Audit::Table)
            .order_by(Audit::Seq, Order::Asc)
            .limit(query.limit.clamp(1, 10_000));
        if let Some(after) = query.after_seq {
            select.and_where(Expr::col(Audit::Seq).gt(after));
        }
        if let Some(action) = &query.action {
            select.and_where(Expr::col(Audit::Action).eq(action.as_str()));
        }
        if let Some(member) = &query.actor_member {
            select.and_where(Expr::col(Audit::ActorMember).eq(member.as_str()));
        }
        if let Some(target) = &query.target {
            select.and_where(Expr::col(Audit::Target).eq(target.as_str()));
        }
        self.pool.target().fetch_all(&select).await
    }

    /// Walks the whole chain and names the first record that does not hold.
    pub async fn verify_audit(&self) -> Result<VerifyReport, StoreError> {
        let head: Option<(i64, String)> = self
            .pool
            .target()
            .fetch_optional(
                Query::select()
                    .columns([AuditHead::Seq, AuditHead::Hash])
                    .from(AuditHead::Table)
                    .and_where(Expr::col(AuditHead::Id).eq(1)),
            )
            .await?;
        let (head_seq, head_hash) = head.unwrap_or((0, GENESIS.to_owned()));
        let mut expected_seq = 1;
        let mut prev_hash = GENESIS.to_owned();
        let mut records = 0u64;
        let broken = |seq: i64, reason: String, records: u64| VerifyReport {
            records,
            head_seq,
            first_broken: Some(BrokenLink { seq, reason }),
        };
        let mut after = None;
        loop {
            let page =
                self.audit_records(&AuditQuery { after_seq: after, limit: 5_000, ..AuditQuery::default() }).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.seq);
            for record in page {
                records += 1;
                if record.seq != expected_seq {
                    return Ok(broken(
                        expected_seq,
                        format!("record {expected_seq} is missing (next found is {})", record.seq),
                        records,
                    ));
                }
                if record.prev_hash != prev_hash {
                    return Ok(broken(record.seq, "does not link to the record before it".into(), records));
                }
                if record.compute_hash() != record.hash {
                    return Ok(broken(
                        record.seq,
                        "content does not match its hash (changed after writing)".into(),
                        records,
                    ));
                }
                prev_hash = record.hash;
                expected_seq += 1;
            }
        }
        let last_seq = expected_seq - 1;
        if last_seq != head_seq || prev_hash != head_hash {
            return Ok(broken(
                last_seq + 1,
                format!("the chain ends at {last_seq} but its head says {head_seq}: records were removed from the end"),
                records,
            ));
        }
        Ok(VerifyReport { records, head_seq, first_broken: None })
    }
}
