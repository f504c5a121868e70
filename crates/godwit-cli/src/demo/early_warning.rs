//! Incident records planted so that the demo's early-warning page has
//! something to show: a series rising in the last complete month (Sri Lankan
//! nationals landed clandestinely at Fiji, where there were none before), and a
//! scheme displaced from Papua New Guinea to Fiji (a counterfeit Singapore
//! passport seen by one, then by the other seven months later). All are
//! released to the PIDC group under its framework, so any PIDC member's
//! analyst (ana.fji, ana.png, ana.nzl…) may read both records of the pair.

use godwit_domain::Timestamp;
use godwit_domain::incident::{DocumentType, DocumentUsed, Method, PersonCount};
use godwit_domain::item::{Category, FraudType, Item, ItemDetails, ItemKind, ItemState, Releasability};
use godwit_domain::marking::{Caveats, Classification, Tlp};
use godwit_store::warning::YearMonth;
use rand::Rng;

use super::items::ItemFactory;
use super::region::spec;

/// A published incident record of `member` on `day`, with the facts `plant` sets.
fn record(
    factory: &ItemFactory<'_>,
    rng: &mut impl Rng,
    member: &str,
    day: time::Date,
    title: String,
    plant: impl FnOnce(&mut godwit_domain::incident::Incident),
) -> Option<Item> {
    let spec = spec(member)?;
    let when = Timestamp::from_datetime(day.midnight().assume_utc());
    let mut text = factory.text(rng, ItemKind::IncidentRecord, spec, when);
    if let ItemDetails::IncidentRecord(incident) = &mut text.details {
        incident.occurred_on = day.to_string();
        plant(incident);
    }
    text.title = title;
    let mut item = factory.item(rng, spec, text, when, ItemState::Published)?;
    item.content.classification = Classification(1);
    item.content.tlp = Tlp::Amber;
    item.content.caveats = Caveats::default();
    item.content.release = Releasability { groups: ["PIDC".to_owned()].into(), ..Default::default() };
    Some(item)
}

/// The planted records, relative to the factory's `now`.
pub fn items(factory: &ItemFactory<'_>, rng: &mut impl Rng) -> Vec<Item> {
    let last = YearMonth::of(factory.now().to_datetime().date()).plus(-1);
    let mut out = Vec::new();
    // The rise: six landings in the last complete month.
    for n in 0..6u8 {
        let day = last.first_day().replace_day(3 + 4 * n).unwrap_or(last.first_day());
        let landing =
            record(factory, rng, "FJI", day, format!("Clandestine landing: Sri Lankan nationals ({day})"), |i| {
                i.method_type = Some(Method::ClandestineLanding);
                i.route.origin = Some("LKA".into());
                for group in &mut i.profile {
                    group.nationality = "LKA".into();
                }
                if i.profile.is_empty() {
                    i.profile.push(PersonCount {
                        nationality: "LKA".into(),
                        sex: godwit_domain::incident::Sex::Unknown,
                        age_band: godwit_domain::incident::AgeBand::Unknown,
                        count: i.persons.max(1),
                    });
                }
            });
        out.extend(landing);
    }
    // The displacement: Papua New Guinea first, Fiji seven months later.
    let passport = || DocumentUsed {
        document_type: DocumentType::Passport,
        issuing_state: "SGP".into(),
        fraud_type: Some(FraudType::Counterfeit),
    };
    for (member, month) in [("PNG", last.plus(-7)), ("FJI", last)] {
        let day = month.first_day().replace_day(14).unwrap_or(month.first_day());
        let title = format!("Document fraud: counterfeit Singapore passport detected by {member}");
        let found = record(factory, rng, member, day, title, |i| {
            i.documents = vec![passport()];
            i.method_type = Some(Method::FraudulentDocuments);
        });
        out.extend(found.map(|mut item| {
            item.content.category = Category::DocumentFraud;
            item
        }));
    }
    out
}
