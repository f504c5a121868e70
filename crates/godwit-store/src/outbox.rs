//! The outbox: every change to an item leaves a numbered row here, in the same
//! transaction, for derived data (search index, notifications, federation) to
//! apply in order. Numbers are handed out under the audit head lock, so they
//! follow commit order even with several server processes.

use godwit_domain::Timestamp;
use sea_query::{Expr, ExprTrait, Func, Order, Query};
use serde::Serialize;
use uuid::Uuid;

use crate::db::Tx;
use crate::schema::Outbox;
use crate::{Store, StoreError};

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct OutboxEntry {
    pub id: i64,
    pub item_id: String,
    /// `upsert` or `delete`.
    pub op: String,
    #[serde(serialize_with = "godwit_domain::wire_time::millis")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: i64,
}

/// Adds entries for changed items; the caller must hold the audit head lock
/// (every item change is audited, which takes it).
pub(crate) async fn append(tx: &mut Tx, at: Timestamp, items: &[Uuid], op: &str) -> Result<(), StoreError> {
    if items.is_empty() {
        return Ok(());
    }
    crate::audit::lock_head(tx).await?;
    let max: Option<(Option<i64>,)> =
        tx.target().fetch_optional(Query::select().expr(Func::max(Expr::col(Outbox::Id))).from(Outbox::Table)).await?;
    let mut next = max.and_then(|(m,)| m).unwrap_or(0);
    for chunk in items.chunks(500) {
        let mut insert = Query::insert();
        insert.into_table(Outbox::Table).columns([Outbox::Id, Outbox::ItemId, Outbox::Op, Outbox::At]);
        for item in chunk {
            next += 1;
            insert.values_panic([next.into(), item.to_string().into(), op.into(), at.0.into()]);
        }
        tx.target().execute(&insert).await?;
    }
    Ok(())
}

impl Store {
    /// Entries after `cursor`, oldest first.
    pub async fn outbox_after(&self, cursor: i64, limit: u64) -> Result<Vec<OutboxEntry>, StoreError> {
        self.pool
            .target()
            .fetch_all(
                Query::select()
                    .columns([Outbox::Id, Outbox::ItemId, Outbox::Op, Outbox::At])
                    .from(Outbox::Table)
                    .and_where(Expr::col(Outbox::Id).gt(cursor))
                    .order_by(Outbox::Id, Order::Asc)
                    .limit(limit),
            )
            .await
    }

    /// The id of the newest entry (0 when there is none): where a consumer that
    /// has just read everything from the tables starts following the outbox.
    pub async fn outbox_head(&self) -> Result<i64, StoreError> {
        let max: Option<(Option<i64>,)> = self
            .pool
            .target()
            .fetch_optional(Query::select().expr(Func::max(Expr::col(Outbox::Id))).from(Outbox::Table))
            .await?;
        Ok(max.and_then(|(m,)| m).unwrap_or(0))
    }
}
