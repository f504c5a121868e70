//! Documents read by an audience (the annual threat assessment, the
//! bulletins): written by one member for some members and groups of
//! members, and so holding only what EVERY member they reach may read.
//!
//! SECURITY-CRITICAL: each member a document reaches (its audience's, the
//! members of its audience's groups, and its own: [`reached_members`]) is
//! stood for by a reader ([`stand_in_readers`]): an analyst of that member in
//! no particular organisation, cleared to the document's classification. An
//! element goes in only when [`decide`] allows it to every such reader
//! ([`includable`]). The document's marking is at least the one its authors
//! chose and the highest of what it holds ([`DocumentMarking::of`]); its
//! releasability is its audience, which every element included was just
//! checked to allow.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use uuid::Uuid;

use crate::agreement::Agreement;
use crate::item::Envelope;
use crate::marking::{Caveats, Classification, Tlp};
use crate::member::{Audience, MemberCode};
use crate::policy::decide;
use crate::user::{Role, Subject};
use crate::{Timestamp, ValidationErrors};

/// Checks that `audience` names someone, and only the node's `members` and
/// `groups`.
pub fn check_audience(
    errors: &mut ValidationErrors,
    audience: &Audience,
    members: &BTreeSet<MemberCode>,
    groups: &BTreeSet<String>,
) {
    if audience.members.is_empty() && audience.groups.is_empty() {
        errors.push("audience", "name at least one member or group");
    }
    for m in audience.members.iter().filter(|m| !members.contains(*m)) {
        errors.push("audience/members", format!("{m} is not a member of this node"));
    }
    for g in audience.groups.iter().filter(|g| !groups.contains(*g)) {
        errors.push("audience/groups", format!("{g} is not a group of this node"));
    }
}

/// Every member a document of `own` member for `audience` reaches, each with
/// the groups it belongs to; `groups` are the node's groups with their
/// members.
pub fn reached_members(
    own: &MemberCode,
    audience: &Audience,
    groups: &BTreeMap<String, BTreeSet<MemberCode>>,
) -> BTreeMap<MemberCode, BTreeSet<String>> {
    let mut reached: BTreeSet<MemberCode> = audience.members.clone();
    reached.insert(own.clone());
    for (_, members) in groups.iter().filter(|(g, _)| audience.groups.contains(*g)) {
        reached.extend(members.iter().cloned());
    }
    reached
        .into_iter()
        .map(|m| {
            let of = groups.iter().filter(|(_, members)| members.contains(&m)).map(|(g, _)| g.clone()).collect();
            (m, of)
        })
        .collect()
}

/// The readers that stand for every member a document reaches, given each
/// member with the groups it belongs to: an analyst of that member in no
/// particular organisation (so only a release to the whole member counts),
/// cleared to `ceiling`.
pub fn stand_in_readers(members: &BTreeMap<MemberCode, BTreeSet<String>>, ceiling: Classification) -> Vec<Subject> {
    members
        .iter()
        .map(|(member, groups)| Subject {
            user: Uuid::nil(),
            member: member.clone(),
            organisation: Uuid::nil(),
            roles: BTreeSet::from([Role::Analyst]),
            clearance: ceiling,
            member_groups: groups.clone(),
        })
        .collect()
}

/// Whether an element with `envelope` may go into a document read by
/// `readers`: only when [`decide`] allows it to every one of them. No
/// readers, nothing goes in.
pub fn includable(envelope: &Envelope, readers: &[Subject], agreements: &[Agreement], now: Timestamp) -> bool {
    !readers.is_empty() && readers.iter().all(|r| decide(r, envelope, agreements, now).is_allowed())
}

/// The marking a document carries: at least the authors' and the highest
/// classification and TLP, and every caveat, of what it holds.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DocumentMarking {
    pub classification: Classification,
    pub tlp: Tlp,
    pub caveats: Caveats,
}

impl DocumentMarking {
    /// The marking of a document marked `chosen` by its authors holding
    /// elements with `envelopes`.
    pub fn of<'a>(chosen: DocumentMarking, envelopes: impl IntoIterator<Item = &'a Envelope>) -> DocumentMarking {
        envelopes.into_iter().fold(chosen, |m, e| DocumentMarking {
            classification: m.classification.max(e.classification),
            tlp: m.tlp.max(e.tlp),
            caveats: Caveats {
                no_third_party: m.caveats.no_third_party || e.caveats.no_third_party,
                not_for_judicial_use: m.caveats.not_for_judicial_use || e.caveats.not_for_judicial_use,
                personal_data: m.caveats.personal_data || e.caveats.personal_data,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::testing::{arb_agreements, arb_envelope, groups_of, member, node_groups};

    #[test]
    fn a_document_reaches_its_audience_the_members_of_its_groups_and_its_own_member() {
        let audience = Audience { members: BTreeSet::from([member(4)]), groups: BTreeSet::from(["G1".to_owned()]) };
        let reached = reached_members(&member(3), &audience, &node_groups());
        let codes: Vec<&str> = reached.keys().map(MemberCode::as_str).collect();
        assert_eq!(codes, ["AAA", "BBB", "CCC", "DDD", "EEE"]);
        assert_eq!(reached[&member(2)], groups_of(&member(2)));
        let alone = reached_members(&member(3), &Audience::default(), &node_groups());
        assert_eq!(alone.keys().collect::<Vec<_>>(), [&member(3)]);
    }

    #[test]
    fn an_audience_names_what_exists() {
        let members = BTreeSet::from([member(0)]);
        let groups = BTreeSet::from(["G1".to_owned()]);
        let mut errors = ValidationErrors::default();
        check_audience(&mut errors, &Audience::default(), &members, &groups);
        let wrong = Audience { members: BTreeSet::from([member(1)]), groups: BTreeSet::from(["G9".to_owned()]) };
        check_audience(&mut errors, &wrong, &members, &groups);
        let fields: Vec<String> = errors.0.into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["audience", "audience/members", "audience/groups"]);
    }

    fn audience_members() -> impl Strategy<Value = BTreeMap<MemberCode, BTreeSet<String>>> {
        proptest::collection::btree_set(0usize..6, 1..4)
            .prop_map(|ix| ix.into_iter().map(member).map(|m| (m.clone(), groups_of(&m))).collect())
    }

    proptest! {
        /// Whatever goes into a document, every audience member may read, and
        /// the document is marked at least as high as all of it: so its
        /// releasability (the audience) is never wider than an element allows.
        #[test]
        fn a_document_holds_only_what_every_audience_member_may_read(
            envelopes in proptest::collection::vec(arb_envelope(), 0..24),
            agreements in arb_agreements(),
            audience in audience_members(),
            ceiling in 0u8..4,
        ) {
            let now = crate::testing::NOW;
            let readers = stand_in_readers(&audience, Classification(ceiling));
            let included: Vec<&Envelope> =
                envelopes.iter().filter(|e| includable(e, &readers, &agreements, now)).collect();
            let chosen = DocumentMarking { classification: Classification(0), tlp: Tlp::Clear, caveats: Caveats::default() };
            let marking = DocumentMarking::of(chosen, included.iter().copied());
            for e in &included {
                for member in audience.keys() {
                    let reader = readers.iter().find(|r| r.member == *member);
                    prop_assert!(reader.is_some_and(|r| decide(r, e, &agreements, now).is_allowed()));
                }
                prop_assert!(e.classification <= marking.classification && e.classification.0 <= ceiling);
                prop_assert!(e.tlp <= marking.tlp);
                prop_assert!(!e.caveats.no_third_party || marking.caveats.no_third_party);
            }
            // Nothing left out was readable by everyone.
            for e in envelopes.iter().filter(|e| !included.contains(e)) {
                prop_assert!(readers.iter().any(|r| !decide(r, e, &agreements, now).is_allowed()));
            }
        }
    }
}
