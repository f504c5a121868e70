//! The benchmark's data: the demo region's members, groups, organisations and
//! agreements, and published items from the demo's item factory in batches,
//! produced on a blocking thread so that generating does not eat into the time
//! measured for the database.

use godwit_domain::Timestamp;
use godwit_domain::agreement::Agreement;
use godwit_domain::item::{Item, ItemDetails, ItemKind, Releasability};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::sync::mpsc;

use crate::demo::agreements::agreements;
use crate::demo::items::{ItemFactory, Staff};
use crate::demo::region::Region;

/// Share of each kind among the generated items, in percent.
const KIND_MIX: &[(ItemKind, u32)] = &[
    (ItemKind::Alert, 30),
    (ItemKind::IntelligenceReport, 20),
    (ItemKind::IncidentRecord, 25),
    (ItemKind::Bulletin, 2),
    (ItemKind::ThreatAssessment, 3),
    (ItemKind::RequestForInformation, 6),
    (ItemKind::RfiResponse, 5),
    (ItemKind::LibraryDocument, 9),
];

/// The fixed part of the benchmark world.
pub struct World {
    pub region: Region,
    pub agreements: Vec<Agreement>,
}

/// Builds the world for `seed` at `now`; the same seed gives the same ids, so a
/// second run on the same database replaces rather than duplicates it.
pub fn world(seed: u64, now: Timestamp) -> World {
    let mut rng = StdRng::seed_from_u64(seed);
    let region = Region::build(&mut rng);
    let agreements = agreements(&mut rng, now);
    World { region, agreements }
}

fn kind(rng: &mut impl Rng) -> ItemKind {
    let mut roll = rng.random_range(0..100);
    for (kind, share) in KIND_MIX {
        if roll < *share {
            return *kind;
        }
        roll -= share;
    }
    ItemKind::Alert
}

/// Starts generating `total` published items (of the kind mix, or all of kind
/// `only`) in batches of `batch`; the channel holds two batches so generation
/// runs ahead of the inserts.
pub fn spawn(
    region: Region,
    seed: u64,
    now: Timestamp,
    total: u64,
    batch: usize,
    only: Option<ItemKind>,
) -> mpsc::Receiver<Vec<Item>> {
    let (tx, rx) = mpsc::channel(2);
    tokio::task::spawn_blocking(move || {
        let mut rng = StdRng::seed_from_u64(seed.wrapping_add(1));
        let staff = Staff::synthetic(&region, &mut rng);
        let factory = ItemFactory::new(&region, staff, now);
        let mut left = total;
        while left > 0 {
            let size = left.min(batch as u64);
            let items: Vec<Item> = (0..size).filter_map(|_| published(&factory, &mut rng, only)).collect();
            left -= size;
            if tx.blocking_send(items).is_err() {
                break; // the consumer gave up
            }
        }
    });
    rx
}

fn published(factory: &ItemFactory<'_>, rng: &mut StdRng, only: Option<ItemKind>) -> Option<Item> {
    let kind = only.unwrap_or_else(|| kind(rng));
    let mut item = factory.published(rng, kind)?;
    if let ItemDetails::RequestForInformation { addressee, .. } = &item.content.details {
        item.content.release = Releasability { members: [addressee.clone()].into(), ..Default::default() };
    }
    Some(item)
}
