//! Proptest strategies for small, dense worlds of members, organisations, users,
//! agreements and items, where collisions (same member, same author, an agreement
//! that just expired) are frequent enough to exercise every branch of the policy.

use std::collections::{BTreeMap, BTreeSet};

use proptest::collection::{btree_set, vec};
use proptest::prelude::*;
use uuid::Uuid;

use crate::Timestamp;
use crate::agreement::{Agreement, AgreementKind, AgreementStatus, ThirdPartyRule};
use crate::item::{
    Category, Envelope, Item, ItemContent, ItemDetails, ItemKind, ItemState, Releasability, ReportLevel,
};
use crate::marking::{Caveats, Classification, Tlp};
use crate::member::MemberCode;
use crate::user::{Role, Subject};

/// Member codes of the generated worlds.
pub const MEMBERS: [&str; 5] = ["AAA", "BBB", "CCC", "DDD", "EEE"];
/// Groups of the generated worlds; they overlap on CCC.
pub const GROUPS: [(&str, &[&str]); 2] = [("G1", &["AAA", "BBB", "CCC"]), ("G2", &["CCC", "DDD", "EEE"])];
/// The moment "now" in generated worlds; agreements start and end around it.
pub const NOW: Timestamp = Timestamp(1_800_000_000_000);
const DAY: i64 = 86_400_000;

/// The item behind `envelope`: an operational intelligence report with its
/// markings, release and state, titled `item {n}`, written at `n` (ms), with
/// no text; tests set what else they need.
pub fn report_from(envelope: &Envelope, n: i64) -> Item {
    Item {
        id: envelope.id,
        kind: envelope.kind,
        originator_member: envelope.originator_member.clone(),
        originator_org: envelope.originator_org,
        author: envelope.author,
        state: envelope.state,
        content: ItemContent {
            title: format!("item {n}"),
            summary: String::new(),
            body: String::new(),
            category: envelope.category,
            details: ItemDetails::IntelligenceReport { level: ReportLevel::Operational },
            classification: envelope.classification,
            tlp: envelope.tlp,
            caveats: envelope.caveats,
            release: envelope.release.clone(),
            grading: None,
            tags: vec![],
            countries: vec![],
            environment: None,
            valid_from: envelope.valid_from,
            valid_until: envelope.valid_until,
        },
        version: 1,
        supersedes: None,
        superseded_by: None,
        created_at: Timestamp(n),
        updated_at: Timestamp(n),
        published_at: None,
        approved_by: None,
        return_comment: None,
        withdrawn_reason: None,
    }
}

pub fn member(index: usize) -> MemberCode {
    MemberCode(MEMBERS[index % MEMBERS.len()].to_owned())
}

/// Two organisations per member: `org(m, 0)` and `org(m, 1)`.
pub fn org(member_index: usize, n: usize) -> Uuid {
    Uuid::from_u128(0x0a00 + (member_index % MEMBERS.len()) as u128 * 2 + (n % 2) as u128)
}

/// Users are numbered; a small range makes "the subject is the author" common.
pub fn user_id(n: u8) -> Uuid {
    Uuid::from_u128(0x0b00 + u128::from(n % 8))
}

/// [`GROUPS`] with their members.
pub fn node_groups() -> BTreeMap<String, BTreeSet<MemberCode>> {
    GROUPS
        .iter()
        .map(|(g, members)| ((*g).to_owned(), members.iter().map(|m| MemberCode((*m).into())).collect()))
        .collect()
}

pub fn groups_of(member: &MemberCode) -> BTreeSet<String> {
    GROUPS
        .iter()
        .filter(|(_, members)| members.contains(&member.as_str()))
        .map(|(code, _)| (*code).to_owned())
        .collect()
}

pub fn arb_role() -> impl Strategy<Value = Role> {
    prop::sample::select(Role::ALL.to_vec())
}

pub fn arb_tlp() -> impl Strategy<Value = Tlp> {
    prop::sample::select(Tlp::ALL.to_vec())
}

pub fn arb_state() -> impl Strategy<Value = ItemState> {
    prop::sample::select(ItemState::ALL.to_vec())
}

pub fn arb_category() -> impl Strategy<Value = Category> {
    prop::sample::select(Category::ALL[..4].to_vec())
}

pub fn arb_kind() -> impl Strategy<Value = ItemKind> {
    prop::sample::select(vec![ItemKind::Alert, ItemKind::IntelligenceReport, ItemKind::IncidentRecord])
}

pub fn arb_subject() -> impl Strategy<Value = Subject> {
    (0..MEMBERS.len(), 0..2usize, any::<u8>(), btree_set(arb_role(), 0..3), 0..4u8).prop_map(
        |(m, o, u, roles, clearance)| {
            let member = member(m);
            Subject {
                user: user_id(u),
                member_groups: groups_of(&member),
                member,
                organisation: org(m, o),
                roles,
                clearance: Classification(clearance),
            }
        },
    )
}

fn arb_caveats() -> impl Strategy<Value = Caveats> {
    (any::<bool>(), any::<bool>(), any::<bool>()).prop_map(|(no_third_party, not_for_judicial_use, personal_data)| {
        Caveats { no_third_party, not_for_judicial_use, personal_data }
    })
}

fn arb_release() -> impl Strategy<Value = Releasability> {
    (
        btree_set((0..MEMBERS.len()).prop_map(member), 0..3),
        btree_set(prop::sample::select(vec!["G1".to_owned(), "G2".to_owned()]), 0..2),
        btree_set((0..MEMBERS.len(), 0..2usize).prop_map(|(m, o)| org(m, o)), 0..3),
    )
        .prop_map(|(members, groups, organisations)| Releasability { members, groups, organisations })
}

/// A validity window around [`NOW`]: none, past, current or future.
fn arb_window() -> impl Strategy<Value = (Option<Timestamp>, Option<Timestamp>)> {
    prop_oneof![
        Just((None, None)),
        Just((Some(NOW.plus_days(-30)), Some(NOW.plus_days(-1)))),
        Just((Some(NOW.plus_days(-30)), Some(NOW.plus_days(30)))),
        Just((Some(NOW.plus_days(1)), None)),
    ]
}

pub fn arb_envelope() -> impl Strategy<Value = Envelope> {
    (
        (any::<u128>(), arb_kind(), arb_category(), 0..MEMBERS.len(), 0..2usize, any::<u8>()),
        (arb_state(), 0..4u8, arb_tlp(), arb_caveats(), arb_release(), arb_window()),
    )
        .prop_map(|((id, kind, category, m, o, author), (state, class, tlp, caveats, release, window))| Envelope {
            id: Uuid::from_u128(id),
            kind,
            category,
            originator_member: member(m),
            originator_org: org(m, o),
            author: user_id(author),
            state,
            classification: Classification(class),
            tlp,
            caveats,
            release,
            valid_from: window.0,
            valid_until: window.1,
        })
}

pub fn arb_agreement() -> impl Strategy<Value = Agreement> {
    (
        any::<u128>(),
        btree_set((0..MEMBERS.len()).prop_map(member), 2..4),
        btree_set(arb_category(), 1..3),
        0..4u8,
        any::<bool>(),
        prop_oneof![6 => Just(AgreementStatus::Active), 1 => Just(AgreementStatus::Proposed), 1 => Just(AgreementStatus::Suspended), 1 => Just(AgreementStatus::Terminated)],
        prop_oneof![
            Just((NOW.plus_days(-400), Some(NOW.plus_days(-1)))),
            Just((NOW.plus_days(-400), None)),
            Just((NOW.plus_days(-400), Some(NOW.plus_days(400)))),
            Just((NOW.plus_days(2), Some(NOW.plus_days(400)))),
            Just((NOW, Some(NOW.plus_days(1)))),
            Just((NOW.plus_days(-1), Some(NOW))),
        ],
    )
        .prop_map(|(id, parties, categories, max, personal_data, status, (valid_from, valid_until))| Agreement {
            id: Uuid::from_u128(id),
            title: "generated".into(),
            kind: if parties.len() == 2 { AgreementKind::Bilateral } else { AgreementKind::Multilateral },
            status,
            parties,
            categories,
            max_classification: Classification(max),
            personal_data,
            third_party_rule: ThirdPartyRule::OriginatorConsent,
            valid_from,
            valid_until,
        })
}

pub fn arb_agreements() -> impl Strategy<Value = Vec<Agreement>> {
    vec(arb_agreement(), 0..8)
}

/// Milliseconds a day, for tests that move the clock.
pub const fn days(n: i64) -> i64 {
    n * DAY
}
