//! The demo's items: about 560 in all, incident records most (enough for the regional
//! monthly totals to clear suppression), mostly published, some in every
//! other workflow state, a few superseded by a newer version, and requests for
//! information with their responses.

use godwit_domain::Timestamp;
use godwit_domain::item::{Item, ItemDetails, ItemKind, ItemState, Releasability};
use rand::Rng;

use super::items::ItemFactory;
use super::region::uuid_v7_at;

/// How many items of each kind are written (new versions and responses come on top).
const PLAN: &[(ItemKind, usize)] = &[
    (ItemKind::Alert, 95),
    (ItemKind::IntelligenceReport, 55),
    (ItemKind::IncidentRecord, 300),
    (ItemKind::Bulletin, 12),
    (ItemKind::ThreatAssessment, 14),
    (ItemKind::RequestForInformation, 22),
    (ItemKind::LibraryDocument, 14),
];

const DAY: i64 = 86_400_000;

fn random_state(rng: &mut impl Rng, kind: ItemKind) -> ItemState {
    if matches!(kind, ItemKind::Bulletin | ItemKind::LibraryDocument) {
        return ItemState::Published;
    }
    match rng.random_range(0..100) {
        0..4 => ItemState::Draft,
        4..8 => ItemState::Submitted,
        8..11 => ItemState::Returned,
        11..14 => ItemState::Withdrawn,
        14..20 => ItemState::Superseded,
        _ => ItemState::Published,
    }
}

/// Every demo item, ready for `put_items`.
pub fn demo_items(factory: &ItemFactory<'_>, rng: &mut impl Rng) -> Vec<Item> {
    let now = factory.now();
    let mut items = Vec::new();
    for (kind, count) in PLAN {
        for _ in 0..*count {
            let state = random_state(rng, *kind);
            let when = match state {
                // Work in progress is recent; superseded items leave room for their successor.
                ItemState::Draft | ItemState::Submitted | ItemState::Returned => {
                    Timestamp(now.0 - rng.random_range(DAY..20 * DAY))
                }
                ItemState::Superseded => Timestamp(now.0 - rng.random_range(40 * DAY..500 * DAY)),
                _ => factory.random_time(rng),
            };
            let member = factory.writer(rng, *kind);
            let text = factory.text(rng, *kind, member, when);
            let Some(mut item) = factory.item(rng, member, text, when, state) else { continue };
            if let ItemDetails::RequestForInformation { addressee, .. } = &item.content.details {
                // A request goes to the member asked, by name.
                item.content.release = Releasability { members: [addressee.clone()].into(), ..Default::default() };
                if state == ItemState::Published && rng.random_bool(0.75) {
                    items.extend(response(factory, rng, &item));
                }
            }
            if state == ItemState::Superseded {
                items.push(new_version(rng, &mut item, now));
            }
            items.push(item);
        }
    }
    items
}

/// The addressee's published answer to `request`, released to the requester only.
fn response(factory: &ItemFactory<'_>, rng: &mut impl Rng, request: &Item) -> Option<Item> {
    let when = Timestamp((request.created_at.0 + rng.random_range(2 * DAY..10 * DAY)).min(factory.now().0 - DAY));
    let (member, text) = factory.response_text(rng, request, when)?;
    let mut item = factory.item(rng, member, text, when, ItemState::Published)?;
    item.content.release = Releasability { members: [request.originator_member.clone()].into(), ..Default::default() };
    Some(item)
}

/// A published version 2 of `old`, which becomes superseded by it.
fn new_version(rng: &mut impl Rng, old: &mut Item, now: Timestamp) -> Item {
    let published = old.published_at.unwrap_or(old.created_at);
    let created = Timestamp((published.0 + rng.random_range(5 * DAY..30 * DAY)).min(now.0 - DAY));
    let approved = Timestamp(created.0 + rng.random_range(3_600_000..DAY / 2));
    let mut new = old.clone();
    new.id = uuid_v7_at(rng, created.0);
    new.version = old.version + 1;
    new.supersedes = Some(old.id);
    new.state = ItemState::Published;
    new.created_at = created;
    new.updated_at = approved;
    new.published_at = Some(approved);
    new.content.summary = format!("Updated: {}", new.content.summary);
    new.content.body.push_str(
        "\n## Update\n\nFurther cases reported by other members confirm the assessment; the figures above have been \
         revised.\n",
    );
    old.state = ItemState::Superseded;
    old.superseded_by = Some(new.id);
    old.updated_at = approved;
    new
}
