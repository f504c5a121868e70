//! The demo's agreements: bilateral MoUs, the PIDC framework, the Bali Process
//! arrangement, one that has expired and one suspended, so that every branch of
//! the sharing rule shows up in the data.

use godwit_domain::Timestamp;
use godwit_domain::agreement::{Agreement, AgreementKind, AgreementStatus, ThirdPartyRule};
use godwit_domain::item::Category;
use godwit_domain::marking::Classification;
use godwit_domain::member::MemberCode;
use rand::Rng;

use super::region::{GROUPS, random_uuid};

use Category::*;

const ALL_CATEGORIES: &[Category] = Category::ALL;
const MIGRATION: &[Category] =
    &[DocumentFraud, PeopleSmuggling, TraffickingInPersons, IrregularMigration, ImmigrationFraud, BorderManagement];

struct Plan {
    title: &'static str,
    kind: AgreementKind,
    status: AgreementStatus,
    parties: Vec<&'static str>,
    categories: &'static [Category],
    max: u8,
    personal_data: bool,
    rule: ThirdPartyRule,
    /// Days from now: start (negative: in the past) and optional end.
    from: i64,
    until: Option<i64>,
}

fn bilateral(
    title: &'static str,
    a: &'static str,
    b: &'static str,
    categories: &'static [Category],
    max: u8,
    personal_data: bool,
    from: i64,
) -> Plan {
    Plan {
        title,
        kind: AgreementKind::Bilateral,
        status: AgreementStatus::Active,
        parties: vec![a, b],
        categories,
        max,
        personal_data,
        rule: ThirdPartyRule::OriginatorConsent,
        from,
        until: None,
    }
}

fn group_members(code: &str) -> Vec<&'static str> {
    GROUPS.iter().find(|(c, _, _)| *c == code).map(|(_, _, m)| m.to_vec()).unwrap_or_default()
}

/// The agreements of the region, relative to `now`.
pub fn agreements(rng: &mut impl Rng, now: Timestamp) -> Vec<Agreement> {
    let mut plans = vec![
        bilateral(
            "Australia–Indonesia MoU on people smuggling and document fraud",
            "AUS",
            "IDN",
            ALL_CATEGORIES,
            3,
            true,
            -900,
        ),
        bilateral("Australia–Papua New Guinea border security MoU", "AUS", "PNG", ALL_CATEGORIES, 2, true, -700),
        bilateral("New Zealand–Fiji immigration information-sharing MoU", "NZL", "FJI", MIGRATION, 2, false, -600),
        bilateral("New Zealand–Samoa immigration cooperation MoU", "NZL", "WSM", MIGRATION, 1, false, -500),
        bilateral("New Zealand–Tonga immigration cooperation MoU", "NZL", "TON", MIGRATION, 1, false, -480),
        bilateral(
            "Australia–Fiji MoU on transnational crime at the border",
            "AUS",
            "FJI",
            ALL_CATEGORIES,
            3,
            true,
            -800,
        ),
        bilateral("Thailand–Malaysia border liaison MoU", "THA", "MYS", MIGRATION, 2, true, -650),
        bilateral("Indonesia–Malaysia MoU on irregular migration", "IDN", "MYS", MIGRATION, 2, false, -400),
        bilateral("Australia–Solomon Islands border cooperation MoU", "AUS", "SLB", MIGRATION, 1, false, -300),
        bilateral("Fiji–Vanuatu immigration cooperation MoU", "FJI", "VUT", MIGRATION, 1, false, -200),
        bilateral(
            "Australia–Thailand MoU on trafficking in persons",
            "AUS",
            "THA",
            &[TraffickingInPersons, PeopleSmuggling, DocumentFraud],
            2,
            true,
            -750,
        ),
    ];
    plans.push(Plan {
        title: "PIDC Regional Framework for Information Sharing",
        kind: AgreementKind::Multilateral,
        status: AgreementStatus::Active,
        parties: group_members("PIDC"),
        categories: ALL_CATEGORIES,
        max: 2,
        personal_data: false,
        rule: ThirdPartyRule::PartiesOnly,
        from: -730,
        until: None,
    });
    plans.push(Plan {
        title: "Bali Process arrangement on sharing information about people smuggling and trafficking",
        kind: AgreementKind::Arrangement,
        status: AgreementStatus::Active,
        parties: group_members("BALI"),
        categories: &[PeopleSmuggling, TraffickingInPersons, IrregularMigration, DocumentFraud],
        max: 1,
        personal_data: false,
        rule: ThirdPartyRule::PartiesOnly,
        from: -1000,
        until: Some(800),
    });
    plans.push(Plan {
        title: "Papua New Guinea–Indonesia border liaison MoU (2019–2025)",
        until: Some(-45),
        ..bilateral("", "PNG", "IDN", MIGRATION, 2, false, -2200)
    });
    plans.push(Plan {
        title: "Philippines–Malaysia MoU on irregular movement in the Sulu Sea (suspended)",
        status: AgreementStatus::Suspended,
        ..bilateral("", "PHL", "MYS", MIGRATION, 1, false, -900)
    });
    plans.push(Plan {
        title: "IOM–Fiji arrangement on document examination support",
        kind: AgreementKind::Arrangement,
        ..bilateral("", "IOM", "FJI", &[DocumentFraud, BorderManagement], 1, false, -365)
    });

    plans
        .into_iter()
        .map(|p| Agreement {
            id: random_uuid(rng),
            title: p.title.to_owned(),
            kind: p.kind,
            status: p.status,
            parties: p.parties.iter().map(|m| MemberCode((*m).to_owned())).collect(),
            categories: p.categories.iter().copied().collect(),
            max_classification: Classification(p.max),
            personal_data: p.personal_data,
            third_party_rule: p.rule,
            valid_from: now.plus_days(p.from),
            valid_until: p.until.map(|d| now.plus_days(d)),
        })
        .collect()
}
