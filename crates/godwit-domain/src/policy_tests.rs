//! Tests of the access policy: named scenarios for every rule, then properties
//! over generated worlds (see `testing`).

use std::collections::BTreeSet;

use proptest::prelude::*;
use uuid::Uuid;

use super::*;
use crate::agreement::{AgreementKind, AgreementStatus, ThirdPartyRule};
use crate::item::{Category, Releasability};
use crate::marking::Caveats;
use crate::member::MemberCode;
use crate::testing::*;

fn code(c: &str) -> MemberCode {
    MemberCode(c.to_owned())
}

const FJI_IMMIGRATION: Uuid = Uuid::from_u128(1);
const FJI_POLICE: Uuid = Uuid::from_u128(2);
const FJI_CUSTOMS: Uuid = Uuid::from_u128(3);
const NZL_IMMIGRATION: Uuid = Uuid::from_u128(4);
const TON_IMMIGRATION: Uuid = Uuid::from_u128(5);
const SEC_ORG: Uuid = Uuid::from_u128(6);
const AUTHOR: Uuid = Uuid::from_u128(100);

fn subject(member: &str, org: Uuid, roles: &[Role], clearance: u8) -> Subject {
    let member = code(member);
    let member_groups = match member.as_str() {
        "FJI" | "NZL" | "TON" | "PIDCSEC" => BTreeSet::from(["PIDC".to_owned()]),
        _ => BTreeSet::new(),
    };
    Subject {
        user: Uuid::from_u128(u128::from(clearance) + 1000 + org.as_u128() * 10),
        member,
        organisation: org,
        roles: roles.iter().copied().collect(),
        clearance: Classification(clearance),
        member_groups,
    }
}

fn analyst(member: &str, org: Uuid) -> Subject {
    subject(member, org, &[Role::Analyst], 3)
}

/// A published RESTRICTED TLP:AMBER document-fraud alert of Fiji's immigration service.
fn alert() -> Envelope {
    Envelope {
        id: Uuid::from_u128(77),
        kind: ItemKind::Alert,
        category: Category::DocumentFraud,
        originator_member: code("FJI"),
        originator_org: FJI_IMMIGRATION,
        author: AUTHOR,
        state: ItemState::Published,
        classification: Classification(2),
        tlp: Tlp::Amber,
        caveats: Caveats::default(),
        release: Releasability::default(),
        valid_from: None,
        valid_until: None,
    }
}

fn mou(parties: &[&str], from_days: i64, until_days: Option<i64>) -> Agreement {
    Agreement {
        id: Uuid::from_u128(9),
        title: "MoU".into(),
        kind: AgreementKind::Bilateral,
        status: AgreementStatus::Active,
        parties: parties.iter().map(|p| code(p)).collect(),
        categories: BTreeSet::from([Category::DocumentFraud]),
        max_classification: Classification(2),
        personal_data: false,
        third_party_rule: ThirdPartyRule::OriginatorConsent,
        valid_from: NOW.plus_days(from_days),
        valid_until: until_days.map(|d| NOW.plus_days(d)),
    }
}

fn released_to(members: &[&str]) -> Envelope {
    let mut e = alert();
    e.release.members = members.iter().map(|m| code(m)).collect();
    e
}

fn check(s: &Subject, e: &Envelope, agreements: &[Agreement]) -> Decision {
    decide(s, e, agreements, NOW)
}

#[test]
fn released_item_reaches_a_member_under_an_agreement_in_force() {
    let e = released_to(&["NZL"]);
    let nzl = analyst("NZL", NZL_IMMIGRATION);
    assert_eq!(check(&nzl, &e, &[mou(&["FJI", "NZL"], -10, Some(10))]), Decision::Allow);
    assert_eq!(check(&nzl, &e, &[]), Decision::Deny(DenyReason::NoAgreement));
}

#[test]
fn expired_and_not_yet_valid_agreements_do_not_count() {
    let e = released_to(&["NZL"]);
    let nzl = analyst("NZL", NZL_IMMIGRATION);
    let expired = mou(&["FJI", "NZL"], -100, Some(-1));
    let future = mou(&["FJI", "NZL"], 1, None);
    let ends_now = mou(&["FJI", "NZL"], -100, Some(0));
    for agreement in [expired, future, ends_now] {
        assert_eq!(check(&nzl, &e, &[agreement]), Decision::Deny(DenyReason::NoAgreement));
    }
    let mut suspended = mou(&["FJI", "NZL"], -10, None);
    suspended.status = AgreementStatus::Suspended;
    assert_eq!(check(&nzl, &e, &[suspended]), Decision::Deny(DenyReason::NoAgreement));
}

#[test]
fn agreement_must_cover_category_classification_and_personal_data() {
    let nzl = analyst("NZL", NZL_IMMIGRATION);
    let agreement = mou(&["FJI", "NZL"], -10, None);
    let mut e = released_to(&["NZL"]);
    e.category = Category::PeopleSmuggling;
    assert_eq!(check(&nzl, &e, std::slice::from_ref(&agreement)), Decision::Deny(DenyReason::NoAgreement));
    let mut e = released_to(&["NZL"]);
    e.classification = Classification(3);
    assert_eq!(check(&nzl, &e, std::slice::from_ref(&agreement)), Decision::Deny(DenyReason::NoAgreement));
    let mut e = released_to(&["NZL"]);
    e.caveats.personal_data = true;
    assert_eq!(check(&nzl, &e, std::slice::from_ref(&agreement)), Decision::Deny(DenyReason::NoAgreement));
    let mut allows_personal = agreement;
    allows_personal.personal_data = true;
    assert_eq!(check(&nzl, &e, &[allows_personal]), Decision::Allow);
}

#[test]
fn an_agreement_between_other_parties_does_not_help() {
    let e = released_to(&["NZL"]);
    let nzl = analyst("NZL", NZL_IMMIGRATION);
    assert_eq!(check(&nzl, &e, &[mou(&["FJI", "TON"], -10, None)]), Decision::Deny(DenyReason::NoAgreement));
}

#[test]
fn unclassified_clear_items_need_no_agreement_but_still_a_release() {
    let mut e = alert();
    e.classification = Classification::LOWEST;
    e.tlp = Tlp::Clear;
    let nzl = analyst("NZL", NZL_IMMIGRATION);
    assert_eq!(check(&nzl, &e, &[]), Decision::Deny(DenyReason::NotReleased));
    e.release.members.insert(code("NZL"));
    assert_eq!(check(&nzl, &e, &[]), Decision::Allow);
}

#[test]
fn drafts_stay_with_their_author() {
    for state in [ItemState::Draft, ItemState::Returned] {
        let mut e = released_to(&["NZL"]);
        e.state = state;
        let mut author = analyst("FJI", FJI_IMMIGRATION);
        author.user = AUTHOR;
        assert_eq!(check(&author, &e, &[]), Decision::Allow);
        let colleague = subject("FJI", FJI_IMMIGRATION, &[Role::Analyst, Role::AuthorisingOfficer], 3);
        assert_eq!(check(&colleague, &e, &[]), Decision::Deny(DenyReason::NotYours));
        let nzl = analyst("NZL", NZL_IMMIGRATION);
        assert_eq!(check(&nzl, &e, &[mou(&["FJI", "NZL"], -1, None)]), Decision::Deny(DenyReason::NotPublished));
    }
}

#[test]
fn submitted_items_reach_authorising_officers_of_the_member_only() {
    let mut e = released_to(&["NZL"]);
    e.state = ItemState::Submitted;
    let officer = subject("FJI", FJI_POLICE, &[Role::AuthorisingOfficer], 3);
    assert_eq!(check(&officer, &e, &[]), Decision::Allow);
    assert_eq!(check(&analyst("FJI", FJI_IMMIGRATION), &e, &[]), Decision::Deny(DenyReason::NotPublished));
    let foreign_officer = subject("NZL", NZL_IMMIGRATION, &[Role::AuthorisingOfficer], 3);
    assert_eq!(
        check(&foreign_officer, &e, &[mou(&["FJI", "NZL"], -1, None)]),
        Decision::Deny(DenyReason::NotPublished)
    );
}

#[test]
fn withdrawn_items_leave_other_members_but_stay_on_record_at_home() {
    let mut e = released_to(&["NZL"]);
    e.state = ItemState::Withdrawn;
    let nzl = analyst("NZL", NZL_IMMIGRATION);
    assert_eq!(check(&nzl, &e, &[mou(&["FJI", "NZL"], -1, None)]), Decision::Deny(DenyReason::NotPublished));
    assert_eq!(check(&analyst("FJI", FJI_IMMIGRATION), &e, &[]), Decision::Allow);
}

#[test]
fn domestic_release_names_organisations() {
    // An immigration alert released to Fiji's police but not its customs.
    let mut e = alert();
    e.release.organisations.insert(FJI_POLICE);
    assert_eq!(check(&analyst("FJI", FJI_POLICE), &e, &[]), Decision::Allow);
    assert_eq!(check(&analyst("FJI", FJI_CUSTOMS), &e, &[]), Decision::Deny(DenyReason::NotReleased));
    assert_eq!(check(&analyst("FJI", FJI_IMMIGRATION), &e, &[]), Decision::Allow);
    // Releasing to the own member opens it to every domestic organisation.
    e.release.members.insert(code("FJI"));
    assert_eq!(check(&analyst("FJI", FJI_CUSTOMS), &e, &[]), Decision::Allow);
}

#[test]
fn clearance_is_required_everywhere() {
    let e = released_to(&["NZL"]);
    let low = subject("NZL", NZL_IMMIGRATION, &[Role::Analyst], 1);
    assert_eq!(check(&low, &e, &[mou(&["FJI", "NZL"], -1, None)]), Decision::Deny(DenyReason::ClearanceTooLow));
    let mut low_author = subject("FJI", FJI_IMMIGRATION, &[Role::Analyst], 1);
    low_author.user = AUTHOR;
    assert_eq!(check(&low_author, &e, &[]), Decision::Deny(DenyReason::ClearanceTooLow));
}

#[test]
fn groups_release_except_for_tlp_red() {
    let mut e = alert();
    e.release.groups.insert("PIDC".into());
    let framework = mou(&["FJI", "NZL", "TON"], -10, None);
    let ton = analyst("TON", TON_IMMIGRATION);
    assert_eq!(check(&ton, &e, std::slice::from_ref(&framework)), Decision::Allow);
    e.tlp = Tlp::Red;
    assert_eq!(check(&ton, &e, std::slice::from_ref(&framework)), Decision::Deny(DenyReason::NotReleased));
    e.release.members.insert(code("TON"));
    assert_eq!(check(&ton, &e, &[framework]), Decision::Allow);
}

#[test]
fn administrators_auditors_and_secretariat_have_no_bypass() {
    let e = released_to(&["NZL"]);
    let framework = mou(&["FJI", "NZL", "PIDCSEC"], -10, None);
    let admin = subject("FJI", FJI_IMMIGRATION, &[Role::Administrator], 3);
    assert_eq!(check(&admin, &e, std::slice::from_ref(&framework)), Decision::Deny(DenyReason::NoContentRole));
    let auditor = subject("FJI", FJI_IMMIGRATION, &[Role::Auditor], 3);
    assert_eq!(check(&auditor, &e, std::slice::from_ref(&framework)), Decision::Deny(DenyReason::NoContentRole));
    let secretariat = subject("PIDCSEC", SEC_ORG, &[Role::Secretariat, Role::Administrator], 3);
    assert_eq!(check(&secretariat, &e, std::slice::from_ref(&framework)), Decision::Deny(DenyReason::NotReleased));
    let e = released_to(&["PIDCSEC"]);
    assert_eq!(check(&secretariat, &e, &[framework]), Decision::Allow);
}

#[test]
fn front_line_officers_see_valid_published_alerts_only() {
    let officer = subject("FJI", FJI_IMMIGRATION, &[Role::FrontLineOfficer], 3);
    let e = alert();
    assert_eq!(check(&officer, &e, &[]), Decision::Allow);
    let mut report = alert();
    report.kind = ItemKind::IntelligenceReport;
    assert_eq!(check(&officer, &report, &[]), Decision::Deny(DenyReason::NotOperational));
    let mut expired = alert();
    expired.valid_until = Some(NOW.plus_days(-1));
    assert_eq!(check(&officer, &expired, &[]), Decision::Deny(DenyReason::NotOperational));
    let both = subject("FJI", FJI_IMMIGRATION, &[Role::FrontLineOfficer, Role::Analyst], 3);
    assert_eq!(check(&both, &report, &[]), Decision::Allow);
}

/// What the rules forbid, stated independently of `decide`'s control flow.
fn forbidden(s: &Subject, e: &Envelope, agreements: &[Agreement], now: Timestamp) -> Option<&'static str> {
    let home = s.member == e.originator_member;
    if !s.roles.iter().any(|r| !matches!(r, Role::Administrator | Role::Auditor)) {
        return Some("no content role");
    }
    if s.clearance < e.classification {
        return Some("clearance");
    }
    let only_front_line =
        s.roles.iter().all(|r| matches!(r, Role::FrontLineOfficer | Role::Administrator | Role::Auditor));
    if only_front_line && (e.kind != ItemKind::Alert || e.state != ItemState::Published || !e.is_valid_at(now)) {
        return Some("front line sees valid alerts only");
    }
    if matches!(e.state, ItemState::Draft | ItemState::Returned) && s.user != e.author {
        return Some("someone else's draft");
    }
    if e.state == ItemState::Submitted && !(home && (s.user == e.author || s.roles.contains(&Role::AuthorisingOfficer)))
    {
        return Some("submitted item outside its approvers");
    }
    if !home {
        if !matches!(e.state, ItemState::Published | ItemState::Superseded) {
            return Some("unpublished item abroad");
        }
        let by_name = e.release.members.contains(&s.member);
        let by_group = e.tlp != Tlp::Red && e.release.groups.iter().any(|g| s.member_groups.contains(g));
        if !by_name && !by_group {
            return Some("not released to the member");
        }
        let free = e.classification == Classification::LOWEST && e.tlp == Tlp::Clear;
        let covered = agreements.iter().any(|a| {
            a.status == AgreementStatus::Active
                && a.valid_from <= now
                && a.valid_until.is_none_or(|u| now < u)
                && a.parties.contains(&s.member)
                && a.parties.contains(&e.originator_member)
                && a.categories.contains(&e.category)
                && a.max_classification >= e.classification
                && (a.personal_data || !e.caveats.personal_data)
        });
        if !free && !covered {
            return Some("no agreement in force covers it");
        }
    } else if s.user != e.author
        && e.state != ItemState::Submitted
        && s.organisation != e.originator_org
        && !e.release.organisations.contains(&s.organisation)
        && !e.release.members.contains(&s.member)
    {
        return Some("not released to the organisation");
    }
    None
}

fn arb_now() -> impl Strategy<Value = Timestamp> {
    prop_oneof![Just(NOW), Just(NOW.plus_days(-1)), Just(NOW.plus_days(1)), Just(NOW.plus_days(500))]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100_000))]

    /// The pure function never allows what the rules forbid, and never denies
    /// what nothing forbids (so the rules above are the whole policy).
    #[test]
    fn decide_allows_exactly_what_nothing_forbids(
        s in arb_subject(),
        e in arb_envelope(),
        agreements in arb_agreements(),
        now in arb_now(),
    ) {
        let decision = decide(&s, &e, &agreements, now);
        let reason = forbidden(&s, &e, &agreements, now);
        prop_assert_eq!(decision.is_allowed(), reason.is_none(), "forbidden because: {:?}, decided {:?}", reason, decision);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(20_000))]

    /// More clearance, another agreement or a wider release never takes access away;
    /// a narrower release never grants it.
    #[test]
    fn decide_is_monotone(
        s in arb_subject(),
        e in arb_envelope(),
        agreements in arb_agreements(),
        extra in arb_agreement(),
    ) {
        let before = decide(&s, &e, &agreements, NOW).is_allowed();
        let mut higher = s.clone();
        higher.clearance = Classification(3);
        prop_assert!(!before || decide(&higher, &e, &agreements, NOW).is_allowed());
        let mut more = agreements.clone();
        more.push(extra);
        prop_assert!(!before || decide(&s, &e, &more, NOW).is_allowed());
        let mut narrower = e.clone();
        narrower.release = Releasability::default();
        prop_assert!(!decide(&s, &narrower, &agreements, NOW).is_allowed() || before);
    }

    /// Administrators and auditors never read content, whatever else is true.
    #[test]
    fn no_bypass_for_administrators_or_auditors(
        s in arb_subject(),
        e in arb_envelope(),
        agreements in arb_agreements(),
        auditor in any::<bool>(),
    ) {
        let mut s = s;
        s.roles = BTreeSet::from([if auditor { Role::Auditor } else { Role::Administrator }]);
        prop_assert_eq!(decide(&s, &e, &agreements, NOW), Decision::Deny(DenyReason::NoContentRole));
    }
}
