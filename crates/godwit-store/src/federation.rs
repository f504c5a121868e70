//! Federation between nodes (docs/federation.md): this node's identity, its
//! peers, the signed pages of changes it serves to a peer's member, and the
//! pages it receives from its peers.
//!
//! A node serves only what its own member originated, and of that only what
//! the access policy lets the peer's member read now, decided for a stand-in
//! reader of that member exactly as for a local user. What it served is
//! remembered per peer, so that a withdrawal or a narrowed release reaches
//! the peer as a revocation. A received page is checked whole before any of
//! it is written, then applied in one transaction: the same change twice
//! changes nothing.
//!
//! Members whose nodes are not directly connected exchange through a hub:
//! the originating node seals each page to the recipient's encryption key
//! and signs it; the hub keeps the sealed pages ([`Store::keep_relayed`])
//! and hands them on in order ([`Store::relayed_pages`]) without being able
//! to read them; the recipient opens and applies them like any other page.

use std::collections::{BTreeMap, BTreeSet};

use godwit_domain::document::stand_in_readers;
use godwit_domain::item::{Item, ItemState};
use godwit_domain::marking::Classification;
use godwit_domain::member::MemberCode;
use godwit_domain::policy::{decide, released_to_member};
use godwit_domain::{Timestamp, ValidationErrors};
use godwit_exchange::federation::{Bundle, Change, EncryptionKey, NodeKey, PublicKey, RelayEnvelope};
use sea_query::{Expr, ExprTrait, OnConflict, Order, Query};
use serde_json::json;
use uuid::Uuid;

use crate::audit::{self, AuditEvent};
use crate::db::Tx;
use crate::items::write_items;
use crate::outbox;
use crate::schema::{NodeIdentity as NodeIdentityTable, PeerReleases, Peers, RelayEnvelopes};
use crate::secret_key::SecretKey;
use crate::{Store, StoreError};

/// The row of the node's identity, and what its two secrets are sealed under.
const NODE_ROW: &str = "node";
const SIGNING_SEAL: &str = "node";
const ENCRYPTION_SEAL: &str = "node-encryption";
/// The nonce of relayed pages: no request reaches the originating node from
/// the recipient; the cursor check alone keeps old pages out.
pub const RELAY_NONCE: &str = "relay";

/// Who this node is to its peers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeIdentity {
    /// The member this node speaks for: the originator of what it serves.
    pub member: MemberCode,
    /// Ed25519: how peers recognise this node's requests and pages.
    pub public: PublicKey,
    /// X25519: what relayed pages for this node's member are sealed to.
    pub encryption: PublicKey,
    pub created_at: Timestamp,
}

/// A registered peer node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peer {
    pub member: MemberCode,
    pub route: Route,
    pub signing_key: PublicKey,
    /// What pages relayed to the peer are sealed to.
    pub encryption_key: Option<PublicKey>,
    /// The peer's outbox position this node has pulled to.
    pub cursor: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// What applying one received page did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Received {
    /// New items and new states of items held.
    pub applied: Vec<Uuid>,
    /// Items held already exactly so.
    pub unchanged: usize,
    /// Items whose content this node no longer holds.
    pub revoked: Vec<Uuid>,
    pub cursor: i64,
    pub more: bool,
}

/// How a peer is reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// Directly, at its base URL, e.g. `https://godwit.immigration.govt.nz`.
    Direct(String),
    /// Through the hub node of this member, itself a direct peer.
    Via(MemberCode),
}

/// What an administrator registers about a peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerRegistration {
    pub member: MemberCode,
    pub route: Route,
    pub signing_key: PublicKey,
    pub encryption_key: Option<PublicKey>,
}

#[derive(sqlx::FromRow)]
struct PeerRow {
    member: String,
    url: Option<String>,
    via: Option<String>,
    signing_key: String,
    encryption_key: Option<String>,
    cursor: i64,
    created_at: i64,
    updated_at: i64,
}

impl PeerRow {
    fn into_peer(self) -> Result<Peer, StoreError> {
        let key =
            |what: &str, text: &str| PublicKey::from_base64(text).map_err(|e| crate::error::corrupt("peer", what, e));
        let route = match (self.url, self.via) {
            (Some(url), None) => Route::Direct(url),
            (None, Some(hub)) => Route::Via(MemberCode(hub)),
            _ => return Err(crate::error::corrupt("peer", "route", &self.member)),
        };
        Ok(Peer {
            signing_key: key("signing key", &self.signing_key)?,
            encryption_key: self.encryption_key.as_deref().map(|k| key("encryption key", k)).transpose()?,
            member: MemberCode(self.member),
            route,
            cursor: self.cursor,
            created_at: Timestamp(self.created_at),
            updated_at: Timestamp(self.updated_at),
        })
    }
}

const PEER_COLUMNS: [Peers; 8] = [
    Peers::Member,
    Peers::Url,
    Peers::Via,
    Peers::SigningKey,
    Peers::EncryptionKey,
    Peers::Cursor,
    Peers::CreatedAt,
    Peers::UpdatedAt,
];

/// A refused page: nothing of it is written.
fn refused(why: impl std::fmt::Display) -> StoreError {
    StoreError::Forbidden(format!("bundle refused: {why}"))
}

/// An audit event of the node itself on behalf of `member` (no user acts).
fn node_event(action: &str, member: &MemberCode) -> AuditEvent {
    AuditEvent { actor_member: Some(member.clone()), ..AuditEvent::new(action) }
}

impl Store {
    /// This node's identity, if it has been given one.
    pub async fn node_identity(&self) -> Result<Option<NodeIdentity>, StoreError> {
        Ok(self.node_row().await?.map(|(identity, ..)| identity))
    }

    /// The member this node speaks for; `NotFound` until it has an identity.
    /// Reads no key: a page is built and checked with this, signed elsewhere.
    async fn node_member(&self) -> Result<MemberCode, StoreError> {
        let row: Option<(String,)> = self
            .pool
            .target()
            .fetch_optional(
                Query::select()
                    .column(NodeIdentityTable::Member)
                    .from(NodeIdentityTable::Table)
                    .and_where(Expr::col(NodeIdentityTable::Id).eq(NODE_ROW)),
            )
            .await?;
        row.map(|(member,)| MemberCode(member)).ok_or(StoreError::NotFound("node identity"))
    }

    /// The identity and both keys, opened.
    async fn node_row(&self) -> Result<Option<(NodeIdentity, NodeKey, EncryptionKey)>, StoreError> {
        let row: Option<(String, String, String, i64)> = self
            .pool
            .target()
            .fetch_optional(
                Query::select()
                    .columns([
                        NodeIdentityTable::Member,
                        NodeIdentityTable::SigningKey,
                        NodeIdentityTable::EncryptionKey,
                        NodeIdentityTable::CreatedAt,
                    ])
                    .from(NodeIdentityTable::Table)
                    .and_where(Expr::col(NodeIdentityTable::Id).eq(NODE_ROW)),
            )
            .await?;
        let Some((member, signing, encryption, created_at)) = row else { return Ok(None) };
        let secrets = self.secret_key()?;
        let corrupt = |e| crate::error::corrupt("node identity", "key", e);
        let signing = NodeKey::from_seed_base64(&secrets.open(SIGNING_SEAL, &signing)?).map_err(corrupt)?;
        let encryption = EncryptionKey::from_base64(&secrets.open(ENCRYPTION_SEAL, &encryption)?).map_err(corrupt)?;
        let identity = NodeIdentity {
            member: MemberCode(member),
            public: signing.public(),
            encryption: encryption.public(),
            created_at: Timestamp(created_at),
        };
        Ok(Some((identity, signing, encryption)))
    }

    /// The identity and signing key of this node; `NotFound` until it has one.
    pub async fn node_key(&self) -> Result<(NodeIdentity, NodeKey), StoreError> {
        let (identity, key, _) = self.node_row().await?.ok_or(StoreError::NotFound("node identity"))?;
        Ok((identity, key))
    }

    /// Gives this node its identity: a new key pair, speaking for `member`.
    /// Once only: peers know the node by its key.
    pub async fn init_node(&self, member: &MemberCode, audit_event: AuditEvent) -> Result<NodeIdentity, StoreError> {
        self.member(member).await?;
        let failed = |e: godwit_exchange::federation::FederationError| StoreError::SecretKey(e.to_string());
        let key = NodeKey::generate().map_err(failed)?;
        let encryption = EncryptionKey::generate().map_err(failed)?;
        let secrets = self.secret_key()?;
        let signing_sealed = secrets.seal(SIGNING_SEAL, &key.seed_base64())?;
        let encryption_sealed = secrets.seal(ENCRYPTION_SEAL, &encryption.to_base64())?;
        let now = self.clock().now();
        let mut tx = self.pool.begin().await?;
        tx.target()
            .execute(
                Query::insert()
                    .into_table(NodeIdentityTable::Table)
                    .columns([
                        NodeIdentityTable::Id,
                        NodeIdentityTable::Member,
                        NodeIdentityTable::SigningKey,
                        NodeIdentityTable::EncryptionKey,
                        NodeIdentityTable::CreatedAt,
                    ])
                    .values_panic([
                        NODE_ROW.into(),
                        member.as_str().into(),
                        signing_sealed.into(),
                        encryption_sealed.into(),
                        now.0.into(),
                    ]),
            )
            .await
            .map_err(|e| e.unique_as_conflict("the node's identity"))?;
        let identity = NodeIdentity {
            member: member.clone(),
            public: key.public(),
            encryption: encryption.public(),
            created_at: now,
        };
        audit::append(
            &mut tx,
            now,
            &[audit_event.with(json!({
                "member": member,
                "signing_key": identity.public.to_base64(),
                "encryption_key": identity.encryption.to_base64(),
            }))],
        )
        .await?;
        tx.commit().await?;
        Ok(identity)
    }

    /// Registers a peer node, or replaces the route and keys of one
    /// registered before (a key rotation: the cursor is kept).
    pub async fn put_peer(&self, peer: PeerRegistration, audit_event: AuditEvent) -> Result<Peer, StoreError> {
        let member = &peer.member;
        self.member(member).await?;
        let mut errors = ValidationErrors::default();
        let (url, via) = match &peer.route {
            Route::Direct(url) => {
                let url = url.trim().trim_end_matches('/');
                if !(url.starts_with("https://") || url.starts_with("http://")) {
                    errors.push("url", "must start with https:// (or http:// on a closed network)");
                }
                (Some(url.to_owned()), None)
            }
            Route::Via(hub) => {
                match self.peer(hub).await {
                    Ok(Peer { route: Route::Direct(_), .. }) => {}
                    Ok(_) => errors.push("via", format!("{hub} is itself reached through a hub")),
                    Err(StoreError::NotFound(_)) => errors.push("via", format!("{hub} is not a registered peer")),
                    Err(e) => return Err(e),
                }
                if peer.encryption_key.is_none() {
                    errors.push("encryption_key", "is needed to seal what is relayed to the peer");
                }
                (None, Some(hub.as_str().to_owned()))
            }
        };
        if let Some(node) = self.node_identity().await? {
            if &node.member == member {
                errors.push("member", "is this node's own member");
            }
            if node.public == peer.signing_key {
                errors.push("signing_key", "is this node's own key");
            }
        }
        errors.into_result()?;
        let now = self.clock().now();
        let signing_key = peer.signing_key.to_base64();
        let encryption_key = peer.encryption_key.map(PublicKey::to_base64);
        let mut tx = self.pool.begin().await?;
        tx.target()
            .execute(
                Query::insert()
                    .into_table(Peers::Table)
                    .columns(PEER_COLUMNS)
                    .values_panic([
                        member.as_str().into(),
                        url.clone().into(),
                        via.clone().into(),
                        signing_key.as_str().into(),
                        encryption_key.clone().into(),
                        0i64.into(),
                        now.0.into(),
                        now.0.into(),
                    ])
                    .on_conflict(
                        OnConflict::column(Peers::Member)
                            .update_columns([
                                Peers::Url,
                                Peers::Via,
                                Peers::SigningKey,
                                Peers::EncryptionKey,
                                Peers::UpdatedAt,
                            ])
                            .to_owned(),
                    ),
            )
            .await
            .map_err(|e| e.unique_as_conflict("a peer with this signing key"))?;
        audit::append(
            &mut tx,
            now,
            &[audit_event.on(member).with(json!({
                "url": url, "via": via, "signing_key": signing_key, "encryption_key": encryption_key,
            }))],
        )
        .await?;
        tx.commit().await?;
        self.peer(member).await
    }

    /// The registered peers, by member.
    pub async fn peers(&self) -> Result<Vec<Peer>, StoreError> {
        self.peers_where(None).await
    }

    pub async fn peer(&self, member: &MemberCode) -> Result<Peer, StoreError> {
        let found = self.peers_where(Some(Expr::col(Peers::Member).eq(member.as_str()))).await?;
        found.into_iter().next().ok_or(StoreError::NotFound("peer"))
    }

    /// The registered peer that signs with `key`, if any.
    pub async fn peer_by_key(&self, key: &PublicKey) -> Result<Option<Peer>, StoreError> {
        Ok(self.peers_where(Some(Expr::col(Peers::SigningKey).eq(key.to_base64()))).await?.into_iter().next())
    }

    async fn peers_where(&self, condition: Option<sea_query::SimpleExpr>) -> Result<Vec<Peer>, StoreError> {
        let mut select = Query::select();
        select.columns(PEER_COLUMNS).from(Peers::Table).order_by(Peers::Member, Order::Asc);
        if let Some(condition) = condition {
            select.and_where(condition);
        }
        let rows: Vec<PeerRow> = self.pool.target().fetch_all(&select).await?;
        rows.into_iter().map(PeerRow::into_peer).collect()
    }

    /// Removes a peer: it can pull nothing more, and nothing is pulled from it.
    pub async fn remove_peer(&self, member: &MemberCode, audit_event: AuditEvent) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let removed = tx
            .target()
            .execute(Query::delete().from_table(Peers::Table).and_where(Expr::col(Peers::Member).eq(member.as_str())))
            .await?;
        if removed == 0 {
            return Err(StoreError::NotFound("peer"));
        }
        audit::append(&mut tx, self.clock().now(), &[audit_event.on(member)]).await?;
        tx.commit().await
    }

    /// The page of changes after `after` (this node's outbox position) for
    /// `peer`'s member, at most `limit` outbox entries long, answering the
    /// request that sent `nonce`. Audited as `federation.release` when it
    /// holds any change.
    pub async fn federation_bundle(
        &self,
        peer: &Peer,
        after: i64,
        limit: u64,
        nonce: &str,
    ) -> Result<Bundle, StoreError> {
        let node = self.node_member().await?;
        let limit = Ord::max(limit, 1);
        let entries = self.outbox_after(after, limit).await?;
        let cursor = entries.last().map_or(after, |e| e.id);
        let more = entries.len() as u64 >= limit;
        let mut ids: Vec<Uuid> = Vec::new();
        for entry in &entries {
            let id = crate::parse_uuid(&entry.item_id)?;
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        let items: BTreeMap<Uuid, Item> = self
            .items_for_index(&ids)
            .await?
            .into_iter()
            .filter(|item| item.originator_member == node)
            .map(|item| (item.id, item))
            .collect();
        let held = self.released_to_peer(&peer.member, &ids).await?;
        let groups = self.groups_of(&peer.member).await?.into_iter().collect();
        let reader = stand_in_readers(&BTreeMap::from([(peer.member.clone(), groups)]), Classification(u8::MAX));
        let agreements = self.agreements().await?;
        let now = self.clock().now();

        let mut changes = Vec::new();
        let (mut released, mut revoked) = (Vec::new(), Vec::new());
        for id in ids {
            match items.get(&id) {
                Some(item) if reader.iter().all(|r| decide(r, &item.envelope(), &agreements, now).is_allowed()) => {
                    let mut sent = item.clone();
                    // Organisations and returns are the originator's own business.
                    sent.content.release.organisations.clear();
                    sent.return_comment = None;
                    // Released through a group as this node records it: named,
                    // so that a peer whose record of the group differs (or
                    // that has none) holds it for its member all the same.
                    sent.content.release.members.insert(peer.member.clone());
                    changes.push(Change::Item { item: Box::new(sent) });
                    released.push(id);
                }
                Some(item) if held.contains(&id) => {
                    let reason = match (&item.state, &item.withdrawn_reason) {
                        (ItemState::Withdrawn, Some(reason)) => format!("withdrawn: {reason}"),
                        (ItemState::Withdrawn, None) => "withdrawn".to_owned(),
                        _ => format!("no longer released to {}", peer.member),
                    };
                    changes.push(Change::Revoke { item_id: id, reason });
                    revoked.push(id);
                }
                None if held.contains(&id) => {
                    changes.push(Change::Revoke { item_id: id, reason: "deleted".to_owned() });
                    revoked.push(id);
                }
                _ => {}
            }
        }
        if !changes.is_empty() {
            let mut tx = self.pool.begin().await?;
            for chunk in released.chunks(500) {
                let mut insert = Query::insert();
                insert.into_table(PeerReleases::Table).columns([PeerReleases::PeerMember, PeerReleases::ItemId]);
                for id in chunk {
                    insert.values_panic([peer.member.as_str().into(), id.to_string().into()]);
                }
                insert.on_conflict(
                    OnConflict::columns([PeerReleases::PeerMember, PeerReleases::ItemId]).do_nothing().to_owned(),
                );
                tx.target().execute(&insert).await?;
            }
            for chunk in revoked.chunks(500) {
                tx.target()
                    .execute(
                        Query::delete()
                            .from_table(PeerReleases::Table)
                            .and_where(Expr::col(PeerReleases::PeerMember).eq(peer.member.as_str()))
                            .and_where(Expr::col(PeerReleases::ItemId).is_in(chunk.iter().map(Uuid::to_string))),
                    )
                    .await?;
            }
            audit::append(
                &mut tx,
                now,
                &[node_event("federation.release", &node).on(&peer.member).with(json!({
                    "after": after, "cursor": cursor, "items": released, "revoked": revoked,
                    "via": match &peer.route { Route::Via(hub) => Some(hub), Route::Direct(_) => None },
                    "reason": "released to the peer's member under the agreements in force",
                }))],
            )
            .await?;
            tx.commit().await?;
        }
        Ok(Bundle {
            from_member: node,
            to_member: peer.member.clone(),
            nonce: nonce.to_owned(),
            after,
            cursor,
            more,
            at: now,
            changes,
        })
    }

    /// Which of `ids` this node has released to `peer` and not revoked.
    /// Asked by item alone, the peer picked out here: with the peer in the
    /// query too, PostgreSQL plans (until it has analysed the table) to read
    /// every release to the peer and test each against the list.
    async fn released_to_peer(&self, peer: &MemberCode, ids: &[Uuid]) -> Result<BTreeSet<Uuid>, StoreError> {
        let mut held = BTreeSet::new();
        for chunk in ids.chunks(500) {
            let rows: Vec<(String, String)> = self
                .pool
                .target()
                .fetch_all(
                    Query::select()
                        .columns([PeerReleases::PeerMember, PeerReleases::ItemId])
                        .from(PeerReleases::Table)
                        .and_where(Expr::col(PeerReleases::ItemId).is_in(chunk.iter().map(Uuid::to_string))),
                )
                .await?;
            for (_, id) in rows.iter().filter(|(member, _)| member == peer.as_str()) {
                held.insert(crate::parse_uuid(id)?);
            }
        }
        Ok(held)
    }

    /// Checks and applies a page pulled from `peer_member`'s node: `body` as
    /// received, with the `signature` it came with, answering the request
    /// that sent `nonce`. Refused whole (`Forbidden`) if the signature does
    /// not verify with the peer's registered key, if it answers another
    /// request or starts elsewhere than this node's cursor, or if any item
    /// did not originate with the peer's member or was not released to this
    /// node's member. Audited as `federation.receive`.
    pub async fn receive_bundle(
        &self,
        peer_member: &MemberCode,
        body: &[u8],
        signature: &str,
        nonce: &str,
    ) -> Result<Received, StoreError> {
        let peer = self.peer(peer_member).await?;
        peer.signing_key.verify(body, signature).map_err(|e| refused(format!("from {}: {e}", peer.member)))?;
        self.apply_bundle(&self.node_member().await?, &peer, body, nonce).await
    }

    /// Opens and applies a page relayed from `envelope.from_member`'s node
    /// through a hub: signed by the originating node, sealed to this node.
    pub async fn receive_relayed(&self, envelope: &RelayEnvelope) -> Result<Received, StoreError> {
        let (node, _, encryption) = self.node_row().await?.ok_or(StoreError::NotFound("node identity"))?;
        let peer = self.peer(&envelope.from_member).await?;
        if !matches!(peer.route, Route::Via(_)) {
            return Err(refused(format!("{} is a direct peer: its pages come from its own node", peer.member)));
        }
        if envelope.to_member != node.member {
            return Err(refused(format!("it is sealed for {}, not {}", envelope.to_member, node.member)));
        }
        let body =
            envelope.open(&peer.signing_key, &encryption).map_err(|e| refused(format!("from {}: {e}", peer.member)))?;
        self.apply_bundle(&node.member, &peer, &body, RELAY_NONCE).await
    }

    /// Checks and applies a page to `node` (this node's member) from `peer`.
    async fn apply_bundle(
        &self,
        node: &MemberCode,
        peer: &Peer,
        body: &[u8],
        nonce: &str,
    ) -> Result<Received, StoreError> {
        let bundle: Bundle = serde_json::from_slice(body).map_err(|e| refused(format!("not a bundle: {e}")))?;
        if bundle.from_member != peer.member || bundle.to_member != *node {
            return Err(refused(format!(
                "it is from {} to {}, not from {} to {}",
                bundle.from_member, bundle.to_member, peer.member, node
            )));
        }
        if bundle.nonce != nonce {
            return Err(refused("it answers another request (a replay?)"));
        }
        if bundle.after != peer.cursor {
            return Err(refused(format!("it starts after {}, this node has pulled to {}", bundle.after, peer.cursor)));
        }
        let groups: BTreeSet<String> = self.groups_of(node).await?.into_iter().collect();
        let ids: Vec<Uuid> = bundle
            .changes
            .iter()
            .map(|c| match c {
                Change::Item { item } => item.id,
                Change::Revoke { item_id, .. } => *item_id,
            })
            .collect();
        let held: BTreeMap<Uuid, Item> =
            self.items_for_index(&ids).await?.into_iter().map(|item| (item.id, item)).collect();
        for (id, item) in &held {
            if item.originator_member != peer.member {
                return Err(refused(format!("item {id} is held here as {}'s", item.originator_member)));
            }
        }

        let mut received = Received { cursor: bundle.cursor, more: bundle.more, ..Received::default() };
        let mut writes = Vec::new();
        for change in bundle.changes {
            match change {
                Change::Item { item } => {
                    if item.originator_member != peer.member {
                        return Err(refused(format!("item {} originated with {}", item.id, item.originator_member)));
                    }
                    if !item.state.is_released() || !released_to_member(&item.envelope(), node, &groups) {
                        return Err(refused(format!("item {} is not released to {}", item.id, node)));
                    }
                    if held.get(&item.id) == Some(&*item) {
                        received.unchanged += 1;
                    } else {
                        received.applied.push(item.id);
                        writes.push(*item);
                    }
                }
                Change::Revoke { item_id, reason } => {
                    let Some(held) = held.get(&item_id) else { continue };
                    let mut copy = held.clone();
                    copy.state = ItemState::Withdrawn;
                    copy.withdrawn_reason = Some(reason);
                    copy.content.summary.clear();
                    copy.content.body.clear();
                    if &copy == held {
                        received.unchanged += 1;
                    } else {
                        received.revoked.push(item_id);
                        writes.push(copy);
                    }
                }
            }
        }

        let now = self.clock().now();
        let mut tx = self.pool.begin().await?;
        // Only from the cursor this page was checked against: a page applied
        // meanwhile by another process moves it, and this one stops here.
        let moved = tx
            .target()
            .execute(
                Query::update()
                    .table(Peers::Table)
                    .value(Peers::Cursor, bundle.cursor)
                    .and_where(Expr::col(Peers::Member).eq(peer.member.as_str()))
                    .and_where(Expr::col(Peers::Cursor).eq(bundle.after)),
            )
            .await?;
        if moved == 0 {
            return Err(StoreError::Conflict(format!("the pull from {} moved on meanwhile", peer.member)));
        }
        write_items(&mut tx, &writes).await?;
        let changed: Vec<Uuid> = writes.iter().map(|i| i.id).collect();
        if !changed.is_empty() {
            audit::append(
                &mut tx,
                now,
                &[node_event("federation.receive", &peer.member).on(&peer.member).with(json!({
                    "after": bundle.after, "cursor": bundle.cursor, "items": received.applied,
                    "revoked": received.revoked, "unchanged": received.unchanged,
                    "via": match &peer.route { Route::Via(hub) => Some(hub), Route::Direct(_) => None },
                }))],
            )
            .await?;
            outbox::append(&mut tx, now, &changed, "upsert").await?;
        }
        tx.commit().await?;
        Ok(received)
    }

    /// The originating side of a relay: the next page for `recipient` (a
    /// peer registered as reached through `hub`), sealed to it and signed.
    pub async fn relay_page(
        &self,
        hub: &Peer,
        recipient: &MemberCode,
        after: i64,
        limit: u64,
    ) -> Result<RelayEnvelope, StoreError> {
        let peer = self.peer(recipient).await?;
        let sealed_to = match (&peer.route, peer.encryption_key) {
            (Route::Via(via), Some(key)) if via == &hub.member => key,
            _ => return Err(StoreError::Forbidden(format!("{recipient} is not reached through {}", hub.member))),
        };
        let (_, key, _) = self.node_row().await?.ok_or(StoreError::NotFound("node identity"))?;
        let bundle = self.federation_bundle(&peer, after, limit, RELAY_NONCE).await?;
        let body = serde_json::to_vec(&bundle)?;
        RelayEnvelope::seal(&bundle, &body, &sealed_to, &key).map_err(|e| StoreError::SecretKey(e.to_string()))
    }

    /// Where the hub's copy of the pages from `from` to `to` ends: the
    /// originating node's outbox position to ask from next.
    pub async fn relay_head(&self, from: &MemberCode, to: &MemberCode) -> Result<i64, StoreError> {
        let row: Option<(Option<i64>,)> = self
            .pool
            .target()
            .fetch_optional(
                Query::select()
                    .expr(sea_query::Func::max(Expr::col(RelayEnvelopes::Cursor)))
                    .from(RelayEnvelopes::Table)
                    .and_where(Expr::col(RelayEnvelopes::FromMember).eq(from.as_str()))
                    .and_where(Expr::col(RelayEnvelopes::ToMember).eq(to.as_str())),
            )
            .await?;
        Ok(row.and_then(|(max,)| max).unwrap_or(0))
    }

    /// The hub keeps a sealed page from `from`'s node for a later pull by its
    /// recipient, if it follows on from the last one kept and its originator
    /// signed it (the hub cannot open it). A page that moves nothing is not kept.
    pub async fn keep_relayed(&self, from: &Peer, envelope: &RelayEnvelope) -> Result<bool, StoreError> {
        if envelope.from_member != from.member {
            return Err(refused(format!("it is from {}, asked of {}", envelope.from_member, from.member)));
        }
        from.signing_key
            .verify(&envelope.signed_bytes(), &envelope.signature)
            .map_err(|e| refused(format!("from {}: {e}", from.member)))?;
        let head = self.relay_head(&envelope.from_member, &envelope.to_member).await?;
        if envelope.after != head {
            return Err(refused(format!("it starts after {}, the hub holds pages to {head}", envelope.after)));
        }
        if envelope.cursor <= envelope.after {
            return Ok(false);
        }
        let now = self.clock().now();
        let text = serde_json::to_string(envelope)?;
        let mut tx = self.pool.begin().await?;
        tx.target()
            .execute(
                Query::insert()
                    .into_table(RelayEnvelopes::Table)
                    .columns([
                        RelayEnvelopes::FromMember,
                        RelayEnvelopes::ToMember,
                        RelayEnvelopes::After,
                        RelayEnvelopes::Cursor,
                        RelayEnvelopes::Envelope,
                        RelayEnvelopes::ReceivedAt,
                    ])
                    .values_panic([
                        envelope.from_member.as_str().into(),
                        envelope.to_member.as_str().into(),
                        envelope.after.into(),
                        envelope.cursor.into(),
                        text.into(),
                        now.0.into(),
                    ]),
            )
            .await
            .map_err(|e| e.unique_as_conflict("the relayed page"))?;
        audit::append(
            &mut tx,
            now,
            &[node_event("federation.relay", &envelope.from_member).on(&envelope.to_member).with(json!({
                "after": envelope.after, "cursor": envelope.cursor, "bytes": envelope.sealed.ciphertext.len(),
            }))],
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The sealed pages the hub holds from `from` to `to`, in order, the
    /// first starting at `after`; pages before it are dropped (the recipient
    /// has them), but for the last, which marks where the next page starts.
    /// At most `limit`.
    pub async fn relayed_pages(
        &self,
        from: &MemberCode,
        to: &MemberCode,
        after: i64,
        limit: u64,
    ) -> Result<Vec<RelayEnvelope>, StoreError> {
        self.pool
            .target()
            .execute(
                Query::delete()
                    .from_table(RelayEnvelopes::Table)
                    .and_where(Expr::col(RelayEnvelopes::FromMember).eq(from.as_str()))
                    .and_where(Expr::col(RelayEnvelopes::ToMember).eq(to.as_str()))
                    .and_where(Expr::col(RelayEnvelopes::Cursor).lt(after)),
            )
            .await?;
        let rows: Vec<(String,)> = self
            .pool
            .target()
            .fetch_all(
                Query::select()
                    .column(RelayEnvelopes::Envelope)
                    .from(RelayEnvelopes::Table)
                    .and_where(Expr::col(RelayEnvelopes::FromMember).eq(from.as_str()))
                    .and_where(Expr::col(RelayEnvelopes::ToMember).eq(to.as_str()))
                    .and_where(Expr::col(RelayEnvelopes::After).gte(after))
                    .order_by(RelayEnvelopes::After, Order::Asc)
                    .limit(limit),
            )
            .await?;
        rows.into_iter().map(|(text,)| Ok(serde_json::from_str(&text)?)).collect()
    }
}

/// Re-seals the node's two secrets from `old` to `new`, inside a rotation
/// of the secret key; returns how many it re-sealed (0 or 2).
pub(crate) async fn reseal_node_keys(tx: &mut Tx, old: &SecretKey, new: &SecretKey) -> Result<usize, StoreError> {
    let row: Option<(String, String)> = tx
        .target()
        .fetch_optional(
            Query::select()
                .columns([NodeIdentityTable::SigningKey, NodeIdentityTable::EncryptionKey])
                .from(NodeIdentityTable::Table)
                .and_where(Expr::col(NodeIdentityTable::Id).eq(NODE_ROW)),
        )
        .await?;
    let Some((signing, encryption)) = row else { return Ok(0) };
    tx.target()
        .execute(
            Query::update()
                .table(NodeIdentityTable::Table)
                .value(NodeIdentityTable::SigningKey, new.seal(SIGNING_SEAL, &old.open(SIGNING_SEAL, &signing)?)?)
                .value(
                    NodeIdentityTable::EncryptionKey,
                    new.seal(ENCRYPTION_SEAL, &old.open(ENCRYPTION_SEAL, &encryption)?)?,
                )
                .and_where(Expr::col(NodeIdentityTable::Id).eq(NODE_ROW)),
        )
        .await?;
    Ok(2)
}
