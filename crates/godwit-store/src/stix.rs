//! STIX 2.1 bundles of items (docs/interoperability.md): what a user may
//! export, and bundles imported as new drafts of the user's member, all or
//! nothing. The mapping itself is `godwit_exchange::stix`.

use godwit_domain::Timestamp;
use godwit_domain::item::{Item, ItemState};
use godwit_domain::marking::Classification;
use godwit_domain::user::Subject;
use godwit_domain::{ValidationErrors, error::ValidationError};
use godwit_exchange::stix::{self, Directory};
use serde_json::{Value, json};

use crate::audit::AuditEvent;
use crate::items::{ItemFilter, Method};
use crate::{Store, StoreError};

/// The most items one bundle holds, newest first.
pub const MAX_STIX_ITEMS: usize = 100_000;

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
        let (members, organisations, scale) = (self.members().await?, self.organisations(None).await?, self.scale());
        let bundle =
            stix::export_bundle(&items, &Directory { scale: &scale, members: &members, organisations: &organisations });
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
        events.push(by(AuditEvent::new("stix.export")).with(json!({
            "bundle": bundle["id"],
            "since": since,
            "items": items.iter().map(|i| i.id).collect::<Vec<_>>(),
        })));
        self.record(&events).await?;
        Ok(bundle)
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
