//! The access policy: who may read which item. SECURITY-CRITICAL.
//!
//! [`decide`] is the one rule. Every path that returns item content (read, list,
//! search, export, bulletin, STIX, federation) calls it, and the store's list
//! filter is a translation of it into SQL that a differential test keeps equal.
//!
//! The rule, in words (docs/security-model.md has it as a table):
//! 1. Only content roles read content; administrators and auditors read none.
//! 2. The subject's clearance must reach the item's classification.
//! 3. A subject whose only content role is front-line officer sees published,
//!    currently valid alerts and nothing else.
//! 4. Inside the originating member: the author sees the item in every state;
//!    authorising officers see submitted items (to approve them); drafts and
//!    returned items stay with their author; a released item (published,
//!    superseded, withdrawn) is seen by the originating organisation, by
//!    organisations it was released to, and by all of the member when the member
//!    itself is in the release list.
//! 5. Outside the originating member: only published or superseded items; the
//!    originator must have released it to the subject's member, by name or through
//!    a group (groups do not count for TLP:RED); and unless it is unclassified and
//!    TLP:CLEAR, an agreement in force must cover it between the two members
//!    (category, classification, personal data).
//!
//! Anything not allowed by these rules is denied.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::Timestamp;
use crate::agreement::Agreement;
use crate::item::{Envelope, ItemKind, ItemState};
use crate::marking::{Classification, Tlp};
use crate::member::MemberCode;
use crate::user::{Role, Subject};

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Allow,
    Deny(DenyReason),
}

impl Decision {
    pub fn is_allowed(self) -> bool {
        self == Decision::Allow
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DenyReason {
    /// The subject has no role that reads content (administrator, auditor).
    NoContentRole,
    ClearanceTooLow,
    /// Front-line officers see published, valid alerts only.
    NotOperational,
    /// A draft or returned item belongs to its author.
    NotYours,
    /// Not (or no longer) published for this subject.
    NotPublished,
    /// The originator did not release it to the subject's member or organisation.
    NotReleased,
    /// No agreement in force covers this item between the two members.
    NoAgreement,
}

/// Decides whether `subject` may read the item with `envelope` at `now`, given the
/// agreements known to the node (in force or not: this function checks).
pub fn decide(subject: &Subject, envelope: &Envelope, agreements: &[Agreement], now: Timestamp) -> Decision {
    use Decision::{Allow, Deny};

    if !subject.reads_content() {
        return Deny(DenyReason::NoContentRole);
    }
    if subject.clearance < envelope.classification {
        return Deny(DenyReason::ClearanceTooLow);
    }
    if subject.front_line_only()
        && !(envelope.kind == ItemKind::Alert && envelope.state == ItemState::Published && envelope.is_valid_at(now))
    {
        return Deny(DenyReason::NotOperational);
    }

    if envelope.originator_member == subject.member {
        if envelope.author == subject.user {
            return Allow;
        }
        return match envelope.state {
            ItemState::Draft | ItemState::Returned => Deny(DenyReason::NotYours),
            ItemState::Submitted if subject.has(Role::AuthorisingOfficer) => Allow,
            ItemState::Submitted => Deny(DenyReason::NotPublished),
            ItemState::Published | ItemState::Superseded | ItemState::Withdrawn => {
                let domestic = envelope.originator_org == subject.organisation
                    || envelope.release.organisations.contains(&subject.organisation)
                    || envelope.release.members.contains(&subject.member);
                if domestic { Allow } else { Deny(DenyReason::NotReleased) }
            }
        };
    }

    if !envelope.state.is_released() {
        return Deny(DenyReason::NotPublished);
    }
    if !released_to_member(envelope, &subject.member, &subject.member_groups) {
        return Deny(DenyReason::NotReleased);
    }
    if needs_no_agreement(envelope) || agreements.iter().any(|a| a.covers(envelope, &subject.member, now)) {
        Allow
    } else {
        Deny(DenyReason::NoAgreement)
    }
}

/// Whether the originator released the item to `member` (in `groups`): by
/// name, or through a group unless it is TLP:RED (rule 5). A peer node
/// checks what it receives with this too.
pub fn released_to_member(envelope: &Envelope, member: &MemberCode, groups: &BTreeSet<String>) -> bool {
    envelope.release.members.contains(member)
        || (envelope.tlp != Tlp::Red && !envelope.release.groups.is_disjoint(groups))
}

/// Unclassified TLP:CLEAR items may be shared without an agreement.
pub fn needs_no_agreement(envelope: &Envelope) -> bool {
    envelope.classification == Classification::LOWEST && envelope.tlp == Tlp::Clear
}

#[cfg(test)]
#[path = "policy_tests.rs"]
mod tests;
