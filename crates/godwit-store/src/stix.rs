//! STIX 2.1 bundles of items (docs/interoperability.md): what a user may
//! export, and bundles imported as new drafts of the user's member, all or
//! nothing. The mapping itself is `godwit_exchange::stix`.

use std::collections::{BTreeMap, BTreeSet};

use godwit_domain::Timestamp;
use godwit_domain::item::{Item, ItemState};
use godwit_domain::marking::{Classification, ClassificationScale};
use godwit_domain::member::{Member, Organisation};
use godwit_domain::user::Subject;
use godwit_domain::{ValidationErrors, error::ValidationError};
use godwit_exchange::stix::{self, Directory, Lineage};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::audit::AuditEvent;
use crate::items::{ItemFilter, Method};
use crate::{Store, StoreError};

/// The most items one bundle holds, newest first.
pub const MAX_STIX_ITEMS: usize = 100_000;

/// The most versions of one item followed back to its first.
const MAX_VERSIONS: usize = 10_000;

/// What the STIX mapping needs to know of the node for some items, read once.
pub struct StixDirectory {
    scale: ClassificationScale,
    members: Vec<Member>,
    organisations: Vec<Organisation>,
    lineages: BTreeMap<Uuid, Lineage>,
}

impl StixDirectory {
    pub fn borrow(&self) -> Directory<'_> {
        Directory {
            scale: &self.scale,
            members: &self.members,
            organisations: &self.organisations,
            lineages: &self.lineages,
        }
    }
}

impl Store {
    /// The published items `reader` may read, changed at or after `since`,
    /// as a STIX 2.1 bundle. Listed through the policy-checked path, so it
    /// holds nothing the reader could not open. A bundle leaves Godwit: every
    /// classified item in it is audited as read (method `export`), and the
    /// export as `stix.export` with the ids of everything it holds.
    pub async fn export_stix(&self, reader: &Subject, since: Option<Timestamp>) -> Result<Value, StoreError> {
        let mut filter =
            ItemFilter { state: Some(ItemState::Published), updated_since: since, limit: 500, ..Default::default() };
        let mut items: Vec<Item> = Vec::new();
        loop {
            let (page, next) = self.list_full_items(reader, &filter).await?;
            items.extend(page);
            match next {
                Some(cursor) if items.len() < MAX_STIX_ITEMS => filter.before = Some(cursor),
                _ => break,
            }
        }
        items.truncate(MAX_STIX_ITEMS);
        let bundle = stix::export_bundle(&items, &self.stix_directory(&items).await?.borrow());
        let event = AuditEvent::new("stix.export").with(json!({
            "bundle": bundle["id"],
            "since": since,
            "items": items.iter().map(|i| i.id).collect::<Vec<_>>(),
        }));
        self.audit_stix_release(reader, &items, event).await?;
        Ok(bundle)
    }

    /// Records that `items` left Godwit for `reader` as STIX: each classified
    /// one as read (method `export`), and `event` (by the reader) for them all.
    pub async fn audit_stix_release(
        &self,
        reader: &Subject,
        items: &[Item],
        event: AuditEvent,
    ) -> Result<(), StoreError> {
        let by = |event: AuditEvent| event.by(reader.user, &reader.member);
        let mut events: Vec<AuditEvent> = items
            .iter()
            .filter(|i| i.content.classification > Classification::LOWEST)
            .map(|i| {
                by(AuditEvent::new("item.read")).on(i.id).with(json!({
                    "method": Method::Export.as_str(),
                    "classification": i.content.classification,
                }))
            })
            .collect();
        events.push(by(event));
        self.record(&events).await
    }

    /// The node's scale, members and organisations, and the first version of
    /// each of `items`, for their STIX objects.
    pub async fn stix_directory(&self, items: &[Item]) -> Result<StixDirectory, StoreError> {
        Ok(StixDirectory {
            scale: self.scale(),
            members: self.members().await?,
            organisations: self.organisations(None).await?,
            lineages: self.lineages(items).await?,
        })
    }

    /// The first version of every item of `items` that has an earlier one,
    /// found by following `supersedes` back. Ids only: nothing of the earlier
    /// versions' content leaves the store.
    async fn lineages(&self, items: &[Item]) -> Result<BTreeMap<Uuid, Lineage>, StoreError> {
        let mut lineages = BTreeMap::new();
        let mut walking: Vec<(Uuid, Uuid)> = items.iter().filter_map(|i| Some((i.id, i.supersedes?))).collect();
        for _ in 0..MAX_VERSIONS {
            if walking.is_empty() {
                break;
            }
            let earlier: Vec<Uuid> = walking.iter().map(|(_, e)| *e).collect::<BTreeSet<_>>().into_iter().collect();
            let found: BTreeMap<Uuid, Item> =
                self.items_for_index(&earlier).await?.into_iter().map(|i| (i.id, i)).collect();
            walking.retain_mut(|(item, earlier)| match found.get(earlier) {
                Some(Item { supersedes: Some(before), .. }) => {
                    *earlier = *before;
                    true
                }
                Some(first) => {
                    lineages.insert(*item, Lineage { first: first.id, created: first.created_at });
                    false
                }
                // An earlier version that is gone: the item starts its own lineage.
                None => false,
            });
        }
        Ok(lineages)
    }

    /// A page of the published items `reader` may read, oldest change first:
    /// changed after `added_after` and after the cursor `after` (the last
    /// item of the previous page), at most `limit`; and whether more follow.
    /// Listed through the policy-checked path; not audited (whoever sends
    /// them out audits that, [`Store::audit_stix_release`]).
    pub async fn stix_items_page(
        &self,
        reader: &Subject,
        added_after: Option<Timestamp>,
        after: Option<(Timestamp, Uuid)>,
        limit: usize,
    ) -> Result<(Vec<Item>, bool), StoreError> {
        let mut filter = ItemFilter {
            state: Some(ItemState::Published),
            // Times are kept to the millisecond: "after" is the next one on.
            updated_since: added_after.map(|t| Timestamp(t.0 + 1)),
            oldest_first: true,
            after,
            ..Default::default()
        };
        let mut items: Vec<Item> = Vec::new();
        loop {
            filter.limit = u64::try_from(limit - items.len()).unwrap_or(u64::MAX);
            let (page, next) = self.list_full_items(reader, &filter).await?;
            items.extend(page);
            match next {
                Some(cursor) if items.len() < limit => filter.after = Some(cursor),
                Some(_) => return Ok((items, true)),
                None => return Ok((items, false)),
            }
        }
    }

    /// Every released version (published or superseded) of the item whose
    /// first version is `first` that `reader` may read, oldest first.
    pub async fn stix_versions(&self, reader: &Subject, first: Uuid) -> Result<Vec<Item>, StoreError> {
        let mut ids = Vec::new();
        let mut next = Some(first);
        while let Some(id) = next.filter(|_| ids.len() < MAX_VERSIONS) {
            let Some(item) = self.items_for_index(&[id]).await?.pop() else { break };
            ids.push(item.id);
            next = item.superseded_by;
        }
        let mut versions = self.readable_items(reader, &ids).await?;
        versions.retain(|i| i.state.is_released());
        versions.sort_by_key(|i| i.version);
        Ok(versions)
    }

    /// Creates every report of `bundle` as a draft of `author`'s member, or
    /// nothing: refused with every problem listed, each named
    /// `<STIX object>/<property>`, when the bundle holds anything Godwit
    /// cannot represent or any content `author` could not have written.
    /// Audited as `stix.import` beside each item's `item.create`.
    pub async fn import_stix(&self, author: &Subject, bundle: &Value) -> Result<Vec<Item>, StoreError> {
        Self::check_author(author)?;
        let imported = stix::import_bundle(bundle, &self.scale(), self.clock().now()).map_err(|refused| {
            let errors = refused.0.into_iter().map(|e| ValidationError {
                field: if e.property.is_empty() { e.object } else { format!("{}/{}", e.object, e.property) },
                message: e.message,
            });
            ValidationErrors(errors.collect())
        })?;
        let mut errors = ValidationErrors::default();
        for item in &imported {
            match self.validate_content(author, &item.content).await {
                Ok(()) => {}
                Err(StoreError::Invalid(invalid)) => {
                    for e in invalid.0 {
                        errors.push(format!("{}/{}", item.stix_id, stix::stix_property(&e.field)), e.message);
                    }
                }
                Err(other) => return Err(other),
            }
        }
        errors.into_result()?;
        let event = AuditEvent::new("stix.import").by(author.user, &author.member).with(json!({
            "bundle": bundle.get("id"),
            "reports": imported.iter().map(|i| &i.stix_id).collect::<Vec<_>>(),
        }));
        self.create_items(author, imported.into_iter().map(|i| i.content).collect(), Some(event)).await
    }
}
