//! Agreements (MoUs, frameworks, arrangements) under which members share.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::item::{Category, Envelope, named_enum};
use crate::marking::Classification;
use crate::member::MemberCode;
use crate::{Timestamp, ValidationErrors};

named_enum! {
    AgreementKind {
        Bilateral = "bilateral",
        Multilateral = "multilateral",
        Arrangement = "arrangement",
    }
}

named_enum! {
    AgreementStatus {
        /// Recorded by one party, waiting for every other party to confirm it.
        Proposed = "proposed",
        /// Confirmed by every party and applied while inside its validity period.
        Active = "active",
        Suspended = "suspended",
        Terminated = "terminated",
    }
}

named_enum! {
    /// What the receiving party may do with what it receives.
    ThirdPartyRule {
        /// Nothing received goes to a third party without the originator's consent.
        OriginatorConsent = "originator_consent",
        /// May go to other parties of the same agreement.
        PartiesOnly = "parties_only",
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agreement {
    pub id: Uuid,
    pub title: String,
    pub kind: AgreementKind,
    pub status: AgreementStatus,
    pub parties: BTreeSet<MemberCode>,
    pub categories: BTreeSet<Category>,
    pub max_classification: Classification,
    pub personal_data: bool,
    pub third_party_rule: ThirdPartyRule,
    pub valid_from: Timestamp,
    /// `None`: open-ended.
    pub valid_until: Option<Timestamp>,
}

impl Agreement {
    pub fn in_force(&self, now: Timestamp) -> bool {
        self.status == AgreementStatus::Active
            && self.valid_from <= now
            && self.valid_until.is_none_or(|until| now < until)
    }

    /// True when this agreement lets the item's originator send it to `recipient` at `now`.
    pub fn covers(&self, envelope: &Envelope, recipient: &MemberCode, now: Timestamp) -> bool {
        self.in_force(now)
            && self.parties.contains(&envelope.originator_member)
            && self.parties.contains(recipient)
            && self.categories.contains(&envelope.category)
            && envelope.classification <= self.max_classification
            && (!envelope.caveats.personal_data || self.personal_data)
    }

    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        if self.title.trim().is_empty() {
            errors.push("title", "must not be empty");
        }
        if self.parties.len() < 2 {
            errors.push("parties", "an agreement needs at least two parties");
        }
        if self.kind == AgreementKind::Bilateral && self.parties.len() != 2 {
            errors.push("parties", "a bilateral agreement has exactly two parties");
        }
        if self.categories.is_empty() {
            errors.push("categories", "must cover at least one category");
        }
        if self.valid_until.is_some_and(|until| until <= self.valid_from) {
            errors.push("valid_until", "must be after valid_from");
        }
        errors.into_result()
    }
}
