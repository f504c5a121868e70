//! Collection plans: intelligence requirements that management (a secretariat
//! or a member's national focal point) sets, and against which members link
//! the items and incident records that answer them (seed 000 §20, the
//! Framework's "number of countries contributing to regional collection
//! plans", seed 003 annex).
//!
//! A requirement is not an item: it carries no content of a member, only a
//! question. It is shown to its own member, to the members that requested it
//! and to the members and groups it is released to; what is linked to it stays
//! under the access policy of each linked item.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::incident::parse_iso_date;
use crate::item::named_enum;
use crate::member::MemberCode;
use crate::user::{Role, Subject};
use crate::{Timestamp, ValidationErrors};

named_enum! {
    /// How urgently management wants the requirement answered.
    Priority {
        High = "high",
        Medium = "medium",
        Low = "low",
    }
}

named_enum! {
    /// Open while collection goes on; answered when management judges the
    /// question answered; closed when no more links are taken.
    RequirementStatus {
        Open = "open",
        Answered = "answered",
        Closed = "closed",
    }
}

/// The longest question and indicator accepted.
pub const MAX_QUESTION_CHARS: usize = 2_000;
pub const MAX_INDICATOR_CHARS: usize = 300;
pub const MAX_INDICATORS: usize = 30;

/// What management writes: the question, its indicators and its audience.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequirementDraft {
    /// A short reference (`PIDC-2026-03`); unique per owning member.
    pub reference: String,
    pub question: String,
    pub priority: Priority,
    /// What evidence would answer the question; links name them.
    #[serde(default)]
    pub indicators: Vec<String>,
    /// `YYYY-MM-DD`.
    pub due_on: String,
    /// The members whose need this is; they see the requirement.
    #[serde(default)]
    pub requesting_members: BTreeSet<MemberCode>,
    /// Other members asked to collect against it.
    #[serde(default)]
    pub release_members: BTreeSet<MemberCode>,
    /// Groups of members asked to collect against it.
    #[serde(default)]
    pub release_groups: BTreeSet<String>,
    #[serde(default = "open")]
    pub status: RequirementStatus,
}

fn open() -> RequirementStatus {
    RequirementStatus::Open
}

impl RequirementDraft {
    /// Every fault, by field. `known_members` are the members of the region.
    pub fn validate(&self, known_members: &BTreeSet<MemberCode>) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let reference = self.reference.trim();
        if reference.is_empty() || reference.chars().count() > 40 || reference.chars().any(char::is_control) {
            errors.push("reference", "must be 1 to 40 printable characters");
        }
        let question = self.question.trim();
        if question.is_empty() {
            errors.push("question", "must not be empty");
        } else if question.chars().count() > MAX_QUESTION_CHARS {
            errors.push("question", format!("must be at most {MAX_QUESTION_CHARS} characters"));
        }
        if self.indicators.len() > MAX_INDICATORS {
            errors.push("indicators", format!("at most {MAX_INDICATORS} indicators"));
        }
        let mut seen = BTreeSet::new();
        for (n, indicator) in self.indicators.iter().enumerate() {
            let text = indicator.trim();
            if text.is_empty() || text.chars().count() > MAX_INDICATOR_CHARS {
                errors.push(format!("indicators/{n}"), format!("must be 1 to {MAX_INDICATOR_CHARS} characters"));
            } else if !seen.insert(text) {
                errors.push(format!("indicators/{n}"), "is listed twice");
            }
        }
        if parse_iso_date(&self.due_on).is_none() {
            errors.push("due_on", "must be a date YYYY-MM-DD");
        }
        for (field, members) in
            [("requesting_members", &self.requesting_members), ("release_members", &self.release_members)]
        {
            for member in members {
                if MemberCode::parse(member.as_str()).is_none() || !known_members.contains(member) {
                    errors.push(field, format!("{member} is not a member of the region"));
                }
            }
        }
        for group in &self.release_groups {
            if group.trim().is_empty() || group.chars().count() > 40 {
                errors.push("release_groups", "group codes are 1 to 40 characters");
            }
        }
        errors.into_result()
    }

    /// The draft with surrounding blanks trimmed, as it is stored.
    pub fn normalised(mut self) -> Self {
        self.reference = self.reference.trim().to_owned();
        self.question = self.question.trim().to_owned();
        self.indicators = self.indicators.iter().map(|i| i.trim().to_owned()).collect();
        self
    }
}

/// An intelligence requirement as stored.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Requirement {
    pub id: Uuid,
    /// The member whose management set it.
    pub owner_member: MemberCode,
    #[serde(flatten)]
    pub draft: RequirementDraft,
    pub created_by: Uuid,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Who may set requirements: a secretariat (regional plans) or a member's
/// national focal point (national plans).
pub fn sets_requirements(subject: &Subject) -> bool {
    subject.has(Role::Secretariat) || subject.has(Role::NationalFocalPoint)
}

/// Who may link items to requirements: the roles that write content. Front-line
/// officers, auditors and administrators do not.
pub fn links_items(subject: &Subject) -> bool {
    subject.roles.iter().any(|r| r.authors_content())
}

impl Requirement {
    /// Whether `subject` may see the requirement: people who read content, of
    /// its own member, a requesting member, or a member or group it is released
    /// to. Front-line officers see operational alerts only.
    pub fn visible_to(&self, subject: &Subject) -> bool {
        if !subject.reads_content() || subject.front_line_only() {
            return false;
        }
        let member = &subject.member;
        *member == self.owner_member
            || self.draft.requesting_members.contains(member)
            || self.draft.release_members.contains(member)
            || self.draft.release_groups.iter().any(|g| subject.member_groups.contains(g))
    }

    /// Whether `subject` may change it: management of the owning member.
    pub fn managed_by(&self, subject: &Subject) -> bool {
        sets_requirements(subject) && subject.member == self.owner_member
    }

    /// Open past its due date (`today`, UTC).
    pub fn is_overdue(&self, today: time::Date) -> bool {
        self.draft.status == RequirementStatus::Open
            && parse_iso_date(&self.draft.due_on).is_some_and(|due| due < today)
    }

    /// Whether items may still be linked.
    pub fn takes_links(&self) -> bool {
        self.draft.status != RequirementStatus::Closed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::marking::Classification;

    fn code(c: &str) -> MemberCode {
        MemberCode(c.into())
    }

    fn draft() -> RequirementDraft {
        RequirementDraft {
            reference: "PIDC-1".into(),
            question: "Which routes do Sri Lankan nationals use to reach the region?".into(),
            priority: Priority::High,
            indicators: vec!["transit through Singapore".into(), "fraudulent NZL passports".into()],
            due_on: "2026-12-31".into(),
            requesting_members: BTreeSet::from([code("NZL")]),
            release_members: BTreeSet::new(),
            release_groups: BTreeSet::from(["PIDC".to_string()]),
            status: RequirementStatus::Open,
        }
    }

    fn subject(member: &str, roles: &[Role], groups: &[&str]) -> Subject {
        Subject {
            user: Uuid::nil(),
            member: code(member),
            organisation: Uuid::nil(),
            roles: roles.iter().copied().collect(),
            clearance: Classification(3),
            member_groups: groups.iter().map(|g| (*g).to_owned()).collect(),
        }
    }

    fn requirement() -> Requirement {
        Requirement {
            id: Uuid::nil(),
            owner_member: code("PIDCSEC"),
            draft: draft(),
            created_by: Uuid::nil(),
            created_at: Timestamp(0),
            updated_at: Timestamp(0),
        }
    }

    #[test]
    fn faults_are_named_by_field() {
        let known = BTreeSet::from([code("NZL"), code("FJI")]);
        assert_eq!(draft().validate(&known), Ok(()));
        let bad = RequirementDraft {
            reference: " ".into(),
            question: String::new(),
            indicators: vec!["a".into(), " a ".into(), String::new()],
            due_on: "31/12/2026".into(),
            requesting_members: BTreeSet::from([code("XXX")]),
            ..draft()
        };
        let fields: Vec<String> = bad.validate(&known).expect_err("faults").0.into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["reference", "question", "indicators/1", "indicators/2", "due_on", "requesting_members"]);
    }

    #[test]
    fn seen_by_owner_requesters_and_release_only() {
        let r = requirement();
        assert!(r.visible_to(&subject("PIDCSEC", &[Role::Secretariat], &[])));
        assert!(r.visible_to(&subject("NZL", &[Role::Analyst], &[])));
        assert!(r.visible_to(&subject("TON", &[Role::Analyst], &["PIDC"])));
        assert!(!r.visible_to(&subject("WSM", &[Role::Analyst], &["BALI"])));
        // Roles that read no content, and front-line officers, see none.
        assert!(!r.visible_to(&subject("NZL", &[Role::Auditor], &[])));
        assert!(!r.visible_to(&subject("NZL", &[Role::Administrator], &[])));
        assert!(!r.visible_to(&subject("NZL", &[Role::FrontLineOfficer], &[])));
    }

    #[test]
    fn only_the_owners_management_changes_it() {
        let r = requirement();
        assert!(r.managed_by(&subject("PIDCSEC", &[Role::Secretariat], &[])));
        assert!(!r.managed_by(&subject("NZL", &[Role::NationalFocalPoint], &[])));
        assert!(!r.managed_by(&subject("PIDCSEC", &[Role::Analyst], &[])));
    }

    #[test]
    fn overdue_only_while_open() {
        let mut r = requirement();
        let day = |d: &str| parse_iso_date(d).expect("a date");
        assert!(!r.is_overdue(day("2026-12-31")));
        assert!(r.is_overdue(day("2027-01-01")));
        r.draft.status = RequirementStatus::Answered;
        assert!(!r.is_overdue(day("2027-01-01")));
    }
}
