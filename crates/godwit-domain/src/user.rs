//! Users, their roles and clearance, and the [`Subject`] the access policy judges.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::marking::Classification;
use crate::member::MemberCode;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Writes alerts, reports, incidents and assessments; searches; analyses.
    Analyst,
    /// Approves or returns what analysts of the same member submit.
    AuthorisingOfficer,
    /// The member's accredited contact: manages its users, agreements and contact points.
    NationalFocalPoint,
    /// Manages the users of one organisation inside the member.
    OrganisationalFocalPoint,
    /// Border staff: checks documents and manifests, sees operational alerts only.
    FrontLineOfficer,
    /// Staff of a secretariat member: membership, bulletins, regional statistics.
    Secretariat,
    /// Oversight: reads the audit trail and nothing else.
    Auditor,
    /// Manages accounts on this node; reads no content.
    Administrator,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::Analyst,
        Role::AuthorisingOfficer,
        Role::NationalFocalPoint,
        Role::OrganisationalFocalPoint,
        Role::FrontLineOfficer,
        Role::Secretariat,
        Role::Auditor,
        Role::Administrator,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Analyst => "analyst",
            Role::AuthorisingOfficer => "authorising_officer",
            Role::NationalFocalPoint => "national_focal_point",
            Role::OrganisationalFocalPoint => "organisational_focal_point",
            Role::FrontLineOfficer => "front_line_officer",
            Role::Secretariat => "secretariat",
            Role::Auditor => "auditor",
            Role::Administrator => "administrator",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == text)
    }

    /// Roles whose holders read content released to their member. Auditors and
    /// administrators are deliberately absent: they never read content.
    pub fn reads_content(self) -> bool {
        !matches!(self, Role::Auditor | Role::Administrator)
    }

    /// Roles that may write items.
    pub fn authors_content(self) -> bool {
        matches!(self, Role::Analyst | Role::AuthorisingOfficer | Role::NationalFocalPoint | Role::Secretariat)
    }

    /// Roles that screen travellers and check documents against watchlists
    /// and document alerts: border staff, and the analysts and authorising
    /// officers who target and review. Focal points, secretariat staff,
    /// auditors and administrators manage or oversee; they do not screen.
    pub fn screens_travellers(self) -> bool {
        matches!(self, Role::FrontLineOfficer | Role::Analyst | Role::AuthorisingOfficer)
    }

    /// Roles that must use a second factor (TOTP) to sign in.
    pub fn requires_totp(self) -> bool {
        matches!(self, Role::AuthorisingOfficer | Role::NationalFocalPoint | Role::Administrator)
    }
}

/// A person with an account on this node.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub member: MemberCode,
    pub organisation: Uuid,
    pub roles: BTreeSet<Role>,
    pub clearance: Classification,
    pub disabled: bool,
}

impl User {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn requires_totp(&self) -> bool {
        self.roles.iter().any(|r| r.requires_totp())
    }
}

/// Who is asking: everything the access policy needs to know about a reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub user: Uuid,
    pub member: MemberCode,
    pub organisation: Uuid,
    pub roles: BTreeSet<Role>,
    pub clearance: Classification,
    /// The groups the subject's member belongs to, for releases to a group.
    pub member_groups: BTreeSet<String>,
}

impl Subject {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn reads_content(&self) -> bool {
        self.roles.iter().any(|r| r.reads_content())
    }

    /// Whether any of the subject's roles screens travellers.
    pub fn screens_travellers(&self) -> bool {
        self.roles.iter().any(|r| r.screens_travellers())
    }

    /// True when the only content role is front-line officer: such a subject
    /// sees operational alerts and nothing else.
    pub fn front_line_only(&self) -> bool {
        self.has(Role::FrontLineOfficer)
            && !self.roles.iter().any(|r| r.reads_content() && *r != Role::FrontLineOfficer)
    }
}

/// Checks a password against the minimum policy; returns what is wrong, if anything.
pub fn password_policy_violation(password: &str, username: &str) -> Option<&'static str> {
    let length = password.chars().count();
    if length < 12 {
        return Some("must be at least 12 characters long");
    }
    if length > 256 {
        return Some("must be at most 256 characters long");
    }
    if !username.is_empty() && password.to_lowercase().contains(&username.to_lowercase()) {
        return Some("must not contain the username");
    }
    let classes = [
        password.chars().any(|c| c.is_lowercase()),
        password.chars().any(|c| c.is_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_alphanumeric()),
    ];
    if classes.iter().filter(|c| **c).count() < 3 {
        return Some("must mix at least three of: lower case, upper case, digits, symbols");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_policy() {
        assert!(password_policy_violation("short", "ana").is_some());
        assert!(password_policy_violation("alllowercaseletters", "ana").is_some());
        assert!(password_policy_violation("ana.fiji-Analyst7", "ana.fiji").is_some());
        assert_eq!(password_policy_violation("Correct-Horse-42", "ana"), None);
    }

    #[test]
    fn administrators_and_auditors_read_no_content() {
        assert!(!Role::Administrator.reads_content());
        assert!(!Role::Auditor.reads_content());
        assert!(Role::Secretariat.reads_content());
    }
}
