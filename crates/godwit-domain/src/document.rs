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
//!
//! Such a document is kept in versions ([`Versioned`]): what its authors
//! write (its draft, a [`DocumentDraft`]) and who keeps it, counted up with
//! every saved change.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use uuid::Uuid;

use crate::agreement::Agreement;
use crate::item::{Category, Envelope, ItemKind, ItemState, Marking, Originator, Releasability};
use crate::marking::{Caveats, Classification, ClassificationScale, Tlp};
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

/// What the authors of a document kept in versions write and choose: an
/// assessment's draft, a bulletin's.
pub trait DocumentDraft {
    /// What the document is, in lower case ("assessment"): in messages and
    /// audit actions.
    const NAME: &'static str;
    /// The kind of item the access policy judges the document as.
    const KIND: ItemKind;

    fn title(&self) -> &str;
    fn audience(&self) -> &Audience;
    /// The marking its authors chose.
    fn marking(&self) -> DocumentMarking;
    /// The reports it cites, each checked when saved to be one its author may cite.
    fn cited(&self) -> &[Uuid] {
        &[]
    }
    /// Checks the fields; `members` and `groups` are the node's, so that an
    /// audience names only what exists.
    fn validate(
        &self,
        scale: &ClassificationScale,
        members: &BTreeSet<MemberCode>,
        groups: &BTreeSet<String>,
    ) -> Result<(), ValidationErrors>;
    /// The draft as stored (blanks trimmed…).
    fn normalised(self) -> Self;
    /// Who writes and edits the documents of `member`.
    fn edits(subject: &Subject, member: &MemberCode) -> bool;
}

/// A document as stored: its draft `D` and who keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Versioned<D> {
    pub id: Uuid,
    /// The member that writes it.
    pub member: MemberCode,
    pub organisation: Uuid,
    pub created_by: Uuid,
    #[serde(flatten)]
    pub draft: D,
    /// 1 when created; each saved change counts up.
    pub version: u32,
    pub created_at: Timestamp,
    pub updated_by: Uuid,
    pub updated_at: Timestamp,
}

impl<D: DocumentDraft> Versioned<D> {
    /// The envelope the access policy judges for opening the document: that
    /// of a published item of its kind by its member, at the authors'
    /// marking, released to its audience (its own member always included).
    pub fn envelope(&self) -> Envelope {
        self.envelope_at(self.draft.marking())
    }

    /// Its envelope at `marking` (the assembled document's, at least the
    /// authors'): what banners and exports show.
    pub fn envelope_at(&self, marking: DocumentMarking) -> Envelope {
        let audience = self.draft.audience();
        let release = Releasability {
            members: audience.members.clone(),
            groups: audience.groups.clone(),
            organisations: BTreeSet::new(),
        };
        Envelope::shared(
            self.id,
            D::KIND,
            ItemState::Published,
            Originator { member: &self.member, organisation: self.organisation, author: self.created_by },
            Marking {
                category: Category::BorderManagement,
                classification: marking.classification,
                tlp: marking.tlp,
                caveats: marking.caveats,
                release: &release,
            },
        )
    }
}

/// One saved version of a document: its draft then.
#[derive(Debug, Clone, Serialize)]
pub struct SavedVersion<D> {
    pub version: u32,
    pub changed_by: Uuid,
    pub changed_member: MemberCode,
    pub changed_at: Timestamp,
    pub draft: D,
}

/// The API schemas of [`Versioned`] and [`SavedVersion`], written out
/// because utoipa names a generic type's schema by the type alone: they
/// are named by the document ("Assessment", "AssessmentVersion").
#[cfg(feature = "openapi")]
mod schema {
    use std::borrow::Cow;

    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::{AllOfBuilder, KnownFormat, ObjectBuilder, Ref, Schema, SchemaFormat, Type};
    use utoipa::{PartialSchema, ToSchema};

    use super::{DocumentDraft, SavedVersion, Versioned};
    use crate::Timestamp;
    use crate::member::MemberCode;

    /// "Assessment" for "assessment".
    fn document_name<D: DocumentDraft>() -> String {
        let mut chars = D::NAME.chars();
        chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
    }

    fn uuid() -> ObjectBuilder {
        ObjectBuilder::new().schema_type(Type::String).format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)))
    }

    fn reference<T: ToSchema>() -> RefOr<Schema> {
        RefOr::Ref(Ref::from_schema_name(T::name()))
    }

    /// The schemas a document's schema refers to.
    fn referred<D: DocumentDraft + ToSchema>(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((D::name().into_owned(), D::schema()));
        D::schemas(schemas);
        schemas.push((MemberCode::name().into_owned(), MemberCode::schema()));
        schemas.push((Timestamp::name().into_owned(), Timestamp::schema()));
    }

    impl<D: DocumentDraft + ToSchema> PartialSchema for Versioned<D> {
        fn schema() -> RefOr<Schema> {
            let kept = ObjectBuilder::new()
                .property("id", uuid())
                .required("id")
                .property("member", reference::<MemberCode>())
                .required("member")
                .property("organisation", uuid())
                .required("organisation")
                .property("created_by", uuid())
                .required("created_by")
                .property("version", u32::schema())
                .required("version")
                .property("created_at", reference::<Timestamp>())
                .required("created_at")
                .property("updated_by", uuid())
                .required("updated_by")
                .property("updated_at", reference::<Timestamp>())
                .required("updated_at");
            AllOfBuilder::new().item(reference::<D>()).item(kept).into()
        }
    }

    impl<D: DocumentDraft + ToSchema> ToSchema for Versioned<D> {
        fn name() -> Cow<'static, str> {
            Cow::Owned(document_name::<D>())
        }

        fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
            referred::<D>(schemas);
        }
    }

    impl<D: DocumentDraft + ToSchema> PartialSchema for SavedVersion<D> {
        fn schema() -> RefOr<Schema> {
            ObjectBuilder::new()
                .property("version", u32::schema())
                .required("version")
                .property("changed_by", uuid())
                .required("changed_by")
                .property("changed_member", reference::<MemberCode>())
                .required("changed_member")
                .property("changed_at", reference::<Timestamp>())
                .required("changed_at")
                .property("draft", reference::<D>())
                .required("draft")
                .into()
        }
    }

    impl<D: DocumentDraft + ToSchema> ToSchema for SavedVersion<D> {
        fn name() -> Cow<'static, str> {
            Cow::Owned(format!("{}Version", document_name::<D>()))
        }

        fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
            referred::<D>(schemas);
        }
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
