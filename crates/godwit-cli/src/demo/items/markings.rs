//! Markings for generated items: classification, TLP, caveats, source grading and
//! releasability, drawn so that every branch of the access policy is exercised
//! (group and named releases, domestic releases, RED items, items that need an
//! agreement and items that need none).

use std::collections::BTreeSet;

use godwit_domain::grading::{GradingScheme, SourceGrading};
use godwit_domain::item::{AlertType, ItemDetails, Releasability, ReportLevel};
use godwit_domain::marking::{Caveats, Classification, Tlp};
use godwit_domain::member::MemberCode;
use rand::Rng;

use super::text::Text;
use crate::demo::region::{MEMBERS, MemberSpec, Region};

pub struct Markings {
    pub classification: Classification,
    pub tlp: Tlp,
    pub caveats: Caveats,
    pub release: Releasability,
    pub grading: Option<SourceGrading>,
}

/// Picks an index by integer weights.
fn weighted(rng: &mut impl Rng, weights: &[u32]) -> usize {
    let total: u32 = weights.iter().sum();
    let mut roll = rng.random_range(0..total.max(1));
    for (i, w) in weights.iter().enumerate() {
        if roll < *w {
            return i;
        }
        roll -= w;
    }
    0
}

fn codes<'a>(list: impl IntoIterator<Item = &'a str>) -> BTreeSet<MemberCode> {
    list.into_iter().map(|m| MemberCode(m.to_owned())).collect()
}

/// Chooses the markings for an item `text` written by `member`.
pub fn choose(rng: &mut impl Rng, region: &Region, member: &MemberSpec, text: &Text) -> Markings {
    let all_groups: BTreeSet<String> = region.groups.iter().map(|g| g.code.clone()).collect();
    let own_groups: BTreeSet<String> = region.groups_of(member.code).into_iter().map(str::to_owned).collect();
    match &text.details {
        ItemDetails::LibraryDocument { .. } => {
            return Markings {
                classification: Classification::LOWEST,
                tlp: Tlp::Clear,
                caveats: Caveats::default(),
                release: Releasability { groups: all_groups, ..Default::default() },
                grading: None,
            };
        }
        ItemDetails::Bulletin => {
            return Markings {
                classification: Classification(u8::from(rng.random_bool(0.4))),
                tlp: if rng.random_bool(0.5) { Tlp::Green } else { Tlp::Amber },
                caveats: Caveats { no_third_party: true, ..Default::default() },
                release: Releasability { groups: own_groups, ..Default::default() },
                grading: None,
            };
        }
        _ => {}
    }
    let classification = Classification(weighted(rng, &[35, 30, 25, 10]) as u8);
    let tlp = Tlp::ALL[weighted(rng, &[15, 30, 35, 10, 10])];
    let sensitive = matches!(
        text.details,
        ItemDetails::IntelligenceReport { level: ReportLevel::Tactical }
            | ItemDetails::Alert { alert_type: AlertType::Facilitator, .. }
    );
    let caveats = Caveats {
        no_third_party: rng.random_bool(0.4),
        not_for_judicial_use: rng.random_bool(if sensitive { 0.7 } else { 0.25 }),
        personal_data: !matches!(text.details, ItemDetails::IncidentRecord { .. })
            && rng.random_bool(if sensitive { 0.5 } else { 0.05 }),
    };
    Markings {
        classification,
        tlp,
        caveats,
        release: release(rng, region, member, tlp, own_groups),
        grading: grading(rng),
    }
}

/// Who receives the item: a group, named members, domestic partners only, or
/// the whole member plus its groups. TLP:RED goes to named members only.
fn release(
    rng: &mut impl Rng,
    region: &Region,
    member: &MemberSpec,
    tlp: Tlp,
    own_groups: BTreeSet<String>,
) -> Releasability {
    let others: Vec<&str> = MEMBERS.iter().map(|m| m.code).filter(|c| *c != member.code).collect();
    let choice = weighted(rng, &[40, 30, 15, 15]);
    match choice {
        0 if tlp != Tlp::Red && !own_groups.is_empty() => Releasability { groups: own_groups, ..Default::default() },
        2 => Releasability {
            organisations: region.partner_orgs(member.code).take(1).map(|o| o.id).collect(),
            ..Default::default()
        },
        3 if tlp != Tlp::Red => {
            let mut members = codes([member.code]);
            members.extend(named(rng, &others));
            Releasability { members, groups: own_groups, ..Default::default() }
        }
        _ => Releasability { members: named(rng, &others), ..Default::default() },
    }
}

/// One to four members other than the originator.
fn named(rng: &mut impl Rng, others: &[&str]) -> BTreeSet<MemberCode> {
    let count = rng.random_range(1..=4);
    codes((0..count).map(|_| others[rng.random_range(0..others.len())]))
}

/// Admiralty for most items; Europol 4×4 and UK 3×5×2 for some members' habits.
fn grading(rng: &mut impl Rng) -> Option<SourceGrading> {
    let scheme = GradingScheme::ALL[weighted(rng, &[80, 12, 8])];
    let source_weights: &[u32] = match scheme {
        GradingScheme::Admiralty => &[5, 40, 35, 8, 2, 10],
        GradingScheme::Europol4x4 => &[15, 55, 10, 20],
        GradingScheme::Uk3x5x2 => &[50, 40, 10],
    };
    let information_weights: &[u32] = match scheme {
        GradingScheme::Admiralty => &[10, 40, 30, 10, 3, 7],
        GradingScheme::Europol4x4 => &[15, 40, 30, 15],
        GradingScheme::Uk3x5x2 => &[20, 35, 30, 10, 5],
    };
    let source = scheme.source_scale()[weighted(rng, source_weights)].0;
    let information = scheme.information_scale()[weighted(rng, information_weights)].0;
    let handling = (scheme == GradingScheme::Uk3x5x2).then(|| if rng.random_bool(0.7) { "P" } else { "C" }.to_owned());
    Some(SourceGrading { scheme, source: source.to_owned(), information: information.to_owned(), handling })
}
