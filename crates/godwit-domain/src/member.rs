//! Members (states, territories, international organisations, secretariats),
//! the groups they belong to and the organisations inside them.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Timestamp, ValidationErrors};

/// A member's code: ISO 3166-1 alpha-3 for states and territories (`FJI`),
/// a short upper-case acronym for organisations (`IOM`, `PIDCSEC`).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MemberCode(pub String);

impl MemberCode {
    /// Accepts 3 to 10 upper-case ASCII letters.
    pub fn parse(text: &str) -> Option<Self> {
        let ok = (3..=10).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_uppercase());
        ok.then(|| MemberCode(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for MemberCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberKind {
    State,
    Territory,
    InternationalOrganisation,
    Secretariat,
}

impl MemberKind {
    pub const ALL: [MemberKind; 4] =
        [MemberKind::State, MemberKind::Territory, MemberKind::InternationalOrganisation, MemberKind::Secretariat];

    pub fn as_str(self) -> &'static str {
        match self {
            MemberKind::State => "state",
            MemberKind::Territory => "territory",
            MemberKind::InternationalOrganisation => "international_organisation",
            MemberKind::Secretariat => "secretariat",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub code: MemberCode,
    pub name: String,
    pub kind: MemberKind,
}

/// A group of members, e.g. "PIDC" or "Bali Process".
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberGroup {
    pub code: String,
    pub name: String,
    pub members: Vec<MemberCode>,
}

/// The kind of agency an organisation is (immigration, customs, police…).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgencyKind {
    Immigration,
    Customs,
    Police,
    Foreign,
    Intelligence,
    Secretariat,
    Other,
}

impl AgencyKind {
    pub const ALL: [AgencyKind; 7] = [
        AgencyKind::Immigration,
        AgencyKind::Customs,
        AgencyKind::Police,
        AgencyKind::Foreign,
        AgencyKind::Intelligence,
        AgencyKind::Secretariat,
        AgencyKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AgencyKind::Immigration => "immigration",
            AgencyKind::Customs => "customs",
            AgencyKind::Police => "police",
            AgencyKind::Foreign => "foreign",
            AgencyKind::Intelligence => "intelligence",
            AgencyKind::Secretariat => "secretariat",
            AgencyKind::Other => "other",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// An agency inside a member (its immigration service, customs, police…).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organisation {
    pub id: Uuid,
    pub member: MemberCode,
    pub name: String,
    pub agency: AgencyKind,
}

/// The function an accredited contact point serves.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactFunction {
    NationalFocalPoint,
    OrganisationalFocalPoint,
    RfiDesk,
    Duty24x7,
}

impl ContactFunction {
    pub const ALL: [ContactFunction; 4] = [
        ContactFunction::NationalFocalPoint,
        ContactFunction::OrganisationalFocalPoint,
        ContactFunction::RfiDesk,
        ContactFunction::Duty24x7,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ContactFunction::NationalFocalPoint => "national_focal_point",
            ContactFunction::OrganisationalFocalPoint => "organisational_focal_point",
            ContactFunction::RfiDesk => "rfi_desk",
            ContactFunction::Duty24x7 => "duty_24x7",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// An accredited contact point of a member (seed 001 §25).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactPoint {
    pub id: Uuid,
    pub member: MemberCode,
    pub organisation: Option<Uuid>,
    pub function: ContactFunction,
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub accredited_until: Timestamp,
}

impl ContactPoint {
    pub fn validate(&self, errors: &mut ValidationErrors) {
        if self.name.trim().is_empty() {
            errors.push("name", "must not be empty");
        }
        let email = self.email.trim();
        let valid_email =
            email.split_once('@').is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'));
        if !valid_email {
            errors.push("email", "must be an e-mail address");
        }
    }

    pub fn accreditation_expired(&self, now: Timestamp) -> bool {
        self.accredited_until <= now
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_codes_are_upper_case_letters() {
        assert!(MemberCode::parse("FJI").is_some());
        assert!(MemberCode::parse("PIDCSEC").is_some());
        assert!(MemberCode::parse("fj").is_none());
        assert!(MemberCode::parse("FJI1").is_none());
        assert!(MemberCode::parse("'; DROP").is_none());
    }
}

/// Whom a document or questionnaire is for: named members and every member of
/// the groups (annual threat assessments, capacity surveys).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Audience {
    #[serde(default)]
    pub members: BTreeSet<MemberCode>,
    #[serde(default)]
    pub groups: BTreeSet<String>,
}

impl Audience {
    /// Whether `member`, belonging to `groups`, is in it.
    pub fn includes(&self, member: &MemberCode, groups: &BTreeSet<String>) -> bool {
        self.members.contains(member) || !self.groups.is_disjoint(groups)
    }

    /// `FJI, NZL, PIDC`: members, then groups.
    pub fn label(&self) -> String {
        self.members
            .iter()
            .map(MemberCode::as_str)
            .chain(self.groups.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(", ")
    }
}
