//! Threat and risk registers (seed 004): each member assesses the threats of a
//! shared taxonomy — likelihood, consequence, the rating its matrix gives,
//! trend, mitigation strategies with owners, a review date — and releases its
//! register like an item, so that members can compare threats.
//!
//! A register carries an item's envelope: markings, releasability and the
//! originating member and organisation. Who may read it is decided by the one
//! access policy ([`crate::policy::decide`]) on [`Register::envelope`]; by
//! default only its own member reads it.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::incident::parse_iso_date;
use crate::item::{Category, Envelope, ItemKind, ItemState, Marking, Originator, Releasability};
use crate::marking::{Caveats, Classification, ClassificationScale, Tlp};
use crate::member::MemberCode;
use crate::risk::{Rating, RiskMethod, Trend, is_point};
use crate::user::{Role, Subject};
use crate::{Timestamp, ValidationErrors};

/// The threats the Bali Process workshop on threat assessment and risk
/// analysis identified (seed 004), as `(code, name, description)`.
pub const SEED_THREATS: [(&str, &str, &str); 11] = [
    ("changing-routes", "Changing routes", "Smuggling and irregular movement routes change as controls tighten."),
    ("changing-methods", "Changing methods", "Methods and modus operandi change to defeat detection."),
    ("changing-organisers", "Changing organisers", "Organisers and facilitators change, and networks re-form."),
    (
        "facilitation-vs-control",
        "Facilitation versus control",
        "Keeping the right balance between facilitating legitimate travel and controlling the border.",
    ),
    ("document-fraud", "Document fraud and quality", "Fraudulent documents, and genuine documents of poor quality."),
    ("visa-regimes", "Different visa regimes", "Differences between the visa regimes of the region's members."),
    ("airport-design", "Airport design", "Airport layouts that let transit passengers evade controls."),
    (
        "no-notice-of-arrival",
        "No notice of arrival at land and sea ports",
        "Arrivals at land and sea ports, and at visa-free or visa-on-arrival ports, without advance notice.",
    ),
    (
        "traditional-border-crossing",
        "Borders not recognised by traditional populations",
        "Traditional populations crossing borders they do not recognise.",
    ),
    (
        "protection-needs",
        "People in need of protection",
        "Identifying smuggled or trafficked people in need of protection, stateless persons included.",
    ),
    (
        "biometrics-compromised",
        "Biometric identification compromised",
        "Advances in science and technology that defeat biometric identification, such as cosmetic surgery.",
    ),
];

/// One threat of the taxonomy: seeded, or added by a member for every member to use.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Threat {
    /// Lower-case words joined by hyphens: `document-fraud`.
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// The member that added it; none for the seeded threats.
    #[serde(default)]
    pub added_by: Option<MemberCode>,
}

/// The seeded taxonomy.
pub fn seed_threats() -> Vec<Threat> {
    SEED_THREATS
        .iter()
        .map(|(code, name, description)| Threat {
            code: (*code).into(),
            name: (*name).into(),
            description: (*description).into(),
            added_by: None,
        })
        .collect()
}

const MAX_NAME_CHARS: usize = 120;
const MAX_TEXT_CHARS: usize = 4_000;
const MAX_MITIGATIONS: usize = 20;

/// Whether `code` is lower-case letters and digits in words joined by hyphens, at most 60 long.
pub fn is_threat_code(code: &str) -> bool {
    (1..=60).contains(&code.len())
        && code.split('-').all(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()))
}

/// Checks a text field: required or not, at most `max` characters once trimmed.
pub(crate) fn check_text(errors: &mut ValidationErrors, field: &str, text: &str, max: usize, required: bool) {
    let length = text.trim().chars().count();
    if required && length == 0 {
        errors.push(field, "must not be empty");
    } else if length > max {
        errors.push(field, format!("must be at most {max} characters"));
    }
}

impl Threat {
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        if !is_threat_code(&self.code) {
            errors.push("code", "must be lower-case words joined by hyphens, at most 60 characters");
        }
        check_text(&mut errors, "name", &self.name, MAX_NAME_CHARS, true);
        check_text(&mut errors, "description", &self.description, MAX_TEXT_CHARS, false);
        errors.into_result()
    }
}

/// What a member decides about its register as a whole: its markings, who it
/// is released to and its risk method.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterSettings {
    pub title: String,
    /// The category agreements must cover for the register to cross to a member.
    #[serde(default = "border_management")]
    pub category: Category,
    /// Default: the level above unclassified, as for a new register.
    #[serde(default = "in_confidence")]
    pub classification: Classification,
    #[serde(default = "amber")]
    pub tlp: Tlp,
    #[serde(default)]
    pub caveats: Caveats,
    /// Default: its own member only.
    #[serde(default)]
    pub release: Releasability,
    #[serde(default)]
    pub method: RiskMethod,
}

fn border_management() -> Category {
    Category::BorderManagement
}

fn in_confidence() -> Classification {
    Classification(1)
}

pub(crate) fn amber() -> Tlp {
    Tlp::Amber
}

impl RegisterSettings {
    /// A register of `member` released to nobody else, with the default method.
    pub fn new(title: impl Into<String>) -> Self {
        RegisterSettings {
            title: title.into(),
            category: Category::BorderManagement,
            classification: in_confidence(),
            tlp: Tlp::Amber,
            caveats: Caveats::default(),
            release: Releasability::default(),
            method: RiskMethod::default(),
        }
    }

    pub fn validate(&self, scale: &ClassificationScale) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        check_text(&mut errors, "title", &self.title, MAX_NAME_CHARS, true);
        if self.classification > scale.highest() {
            errors.push("classification", "is above the highest level of this node's scale");
        }
        for code in &self.release.members {
            if MemberCode::parse(code.as_str()).is_none() {
                errors.push("release/members", format!("{code} is not a member code"));
            }
        }
        self.method.validate(&mut errors);
        errors.into_result()
    }
}

/// A member's threat and risk register.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Register {
    pub id: Uuid,
    pub member: MemberCode,
    /// The organisation that keeps it.
    pub organisation: Uuid,
    pub created_by: Uuid,
    #[serde(flatten)]
    pub settings: RegisterSettings,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Register {
    /// The envelope the access policy judges. A register is always in force
    /// (published) and always released to the whole of its own member; beyond
    /// it, exactly as its settings release it.
    pub fn envelope(&self) -> Envelope {
        let s = &self.settings;
        Envelope::shared(
            self.id,
            ItemKind::ThreatAssessment,
            ItemState::Published,
            Originator { member: &self.member, organisation: self.organisation, author: self.created_by },
            Marking {
                category: s.category,
                classification: s.classification,
                tlp: s.tlp,
                caveats: s.caveats,
                release: &s.release,
            },
        )
    }
}

/// Who writes the entries of a register: the content authors of its own member.
pub fn edits_register(subject: &Subject, member: &MemberCode) -> bool {
    subject.member == *member && subject.roles.iter().any(|r| r.authors_content())
}

/// Who changes a register's markings, release and method: its member's
/// authorising officers and national focal point, since nothing leaves a
/// member unapproved (seed 002 §32).
pub fn releases_register(subject: &Subject, member: &MemberCode) -> bool {
    subject.member == *member && (subject.has(Role::AuthorisingOfficer) || subject.has(Role::NationalFocalPoint))
}

/// A mitigation strategy and who owns it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mitigation {
    pub strategy: String,
    /// A unit, post or person: `Document examination unit, NAN airport`.
    pub owner: String,
}

/// The assessment of one threat in a register, as its editor writes it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryDraft {
    /// The assessment in words: what is seen, where, why.
    #[serde(default)]
    pub assessment: String,
    /// 1 (the scale's lowest word) to 5.
    pub likelihood: u8,
    /// 1 to 5.
    pub consequence: u8,
    pub trend: Trend,
    #[serde(default)]
    pub mitigations: Vec<Mitigation>,
    /// `YYYY-MM-DD`: when the entry is next reviewed.
    pub review_on: String,
}

impl EntryDraft {
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        check_text(&mut errors, "assessment", &self.assessment, MAX_TEXT_CHARS, false);
        for (field, point) in [("likelihood", self.likelihood), ("consequence", self.consequence)] {
            if !is_point(point) {
                errors.push(field, "must be a point from 1 to 5");
            }
        }
        if self.mitigations.len() > MAX_MITIGATIONS {
            errors.push("mitigations", format!("at most {MAX_MITIGATIONS} strategies"));
        }
        for (n, m) in self.mitigations.iter().enumerate() {
            check_text(&mut errors, &format!("mitigations/{n}/strategy"), &m.strategy, MAX_NAME_CHARS * 4, true);
            check_text(&mut errors, &format!("mitigations/{n}/owner"), &m.owner, MAX_NAME_CHARS, true);
        }
        if parse_iso_date(&self.review_on).is_none() {
            errors.push("review_on", "must be a date YYYY-MM-DD");
        }
        errors.into_result()
    }

    /// The draft with surrounding blanks trimmed, as it is stored.
    pub fn normalised(mut self) -> Self {
        self.assessment = self.assessment.trim().to_owned();
        self.review_on = self.review_on.trim().to_owned();
        for m in &mut self.mitigations {
            m.strategy = m.strategy.trim().to_owned();
            m.owner = m.owner.trim().to_owned();
        }
        self
    }
}

/// An entry as stored: one per threat and register.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub id: Uuid,
    pub register: Uuid,
    pub threat: String,
    #[serde(flatten)]
    pub draft: EntryDraft,
    pub updated_by: Uuid,
    pub updated_at: Timestamp,
}

impl Entry {
    /// Past its review date (`today`, UTC).
    pub fn review_overdue(&self, today: time::Date) -> bool {
        parse_iso_date(&self.draft.review_on).is_some_and(|due| due < today)
    }
}

/// Members whose rating of the same threat differs by at least this many
/// steps (low to high, medium to extreme) are called out.
pub const NOTABLE_DIFFERENCE: u8 = 2;

/// Whether ratings of one threat by several members differ notably.
pub fn differ_notably(ratings: &BTreeSet<Rating>) -> bool {
    match (ratings.first(), ratings.last()) {
        (Some(low), Some(high)) => high.rank() - low.rank() >= NOTABLE_DIFFERENCE,
        _ => false,
    }
}

/// A threat that members rate differently, by one step or more.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RatingDifference {
    pub threat: String,
    pub highest: Rating,
    pub highest_members: Vec<MemberCode>,
    pub lowest: Rating,
    pub lowest_members: Vec<MemberCode>,
    /// Two steps or more apart (`differ_notably`): shown with emphasis.
    pub notable: bool,
}

impl RatingDifference {
    /// How the difference reads, with `threat_name` for its threat:
    /// "People smuggling: high for FJI, NZL; low for TON".
    pub fn sentence(&self, threat_name: &str) -> String {
        let list = |m: &[MemberCode]| m.iter().map(MemberCode::as_str).collect::<Vec<_>>().join(", ");
        format!(
            "{threat_name}: {} for {}; {} for {}",
            self.highest,
            list(&self.highest_members),
            self.lowest,
            list(&self.lowest_members)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agreement::Agreement;
    use crate::policy::decide;

    fn code(c: &str) -> MemberCode {
        MemberCode(c.into())
    }

    fn subject(member: &str, roles: &[Role], clearance: u8, groups: &[&str]) -> Subject {
        Subject {
            user: Uuid::from_u128(9),
            member: code(member),
            organisation: Uuid::from_u128(9),
            roles: roles.iter().copied().collect(),
            clearance: Classification(clearance),
            member_groups: groups.iter().map(|g| (*g).to_owned()).collect(),
        }
    }

    fn register(release: Releasability) -> Register {
        Register {
            id: Uuid::from_u128(1),
            member: code("FJI"),
            organisation: Uuid::from_u128(2),
            created_by: Uuid::from_u128(3),
            settings: RegisterSettings {
                classification: Classification::LOWEST,
                tlp: Tlp::Clear,
                release,
                ..RegisterSettings::new("Fiji")
            },
            created_at: Timestamp(0),
            updated_at: Timestamp(0),
        }
    }

    fn reads(s: &Subject, r: &Register, agreements: &[Agreement]) -> bool {
        decide(s, &r.envelope(), agreements, Timestamp(0)).is_allowed()
    }

    #[test]
    fn seeded_threats_are_well_formed_and_distinct() {
        let threats = seed_threats();
        let codes: BTreeSet<_> = threats.iter().map(|t| t.code.as_str()).collect();
        assert_eq!(codes.len(), SEED_THREATS.len());
        for t in &threats {
            assert_eq!(t.validate(), Ok(()), "{}", t.code);
        }
        assert!(!is_threat_code("Document fraud"));
        assert!(!is_threat_code("a--b"));
    }

    #[test]
    fn a_register_is_read_by_its_member_and_as_released_only() {
        let own = register(Releasability::default());
        assert!(reads(&subject("FJI", &[Role::Analyst], 0, &[]), &own, &[]));
        assert!(!reads(&subject("NZL", &[Role::Analyst], 3, &["PIDC"]), &own, &[]));
        assert!(!reads(&subject("FJI", &[Role::Auditor], 3, &[]), &own, &[]));
        let to_pidc = register(Releasability { groups: ["PIDC".to_owned()].into(), ..Releasability::default() });
        assert!(reads(&subject("NZL", &[Role::Analyst], 0, &["PIDC"]), &to_pidc, &[]));
        assert!(!reads(&subject("IDN", &[Role::Analyst], 0, &["BALI"]), &to_pidc, &[]));
        // Marked above unclassified, it needs an agreement (none here).
        let mut marked = to_pidc.clone();
        marked.settings.classification = Classification(1);
        assert!(!reads(&subject("NZL", &[Role::Analyst], 3, &["PIDC"]), &marked, &[]));
        assert!(!reads(&subject("FJI", &[Role::Analyst], 0, &[]), &marked, &[]), "clearance counts at home too");
    }

    #[test]
    fn only_the_members_authors_edit_and_its_officers_release() {
        let fji = code("FJI");
        assert!(edits_register(&subject("FJI", &[Role::Analyst], 1, &[]), &fji));
        assert!(!edits_register(&subject("NZL", &[Role::Analyst], 1, &[]), &fji));
        assert!(!edits_register(&subject("FJI", &[Role::FrontLineOfficer], 1, &[]), &fji));
        assert!(releases_register(&subject("FJI", &[Role::AuthorisingOfficer], 1, &[]), &fji));
        assert!(!releases_register(&subject("FJI", &[Role::Analyst], 1, &[]), &fji));
    }

    #[test]
    fn entry_faults_are_named() {
        let bad = EntryDraft {
            assessment: String::new(),
            likelihood: 0,
            consequence: 6,
            trend: Trend::Rising,
            mitigations: vec![Mitigation { strategy: "Training".into(), owner: " ".into() }],
            review_on: "soon".into(),
        };
        let fields: Vec<String> = bad.validate().expect_err("faults").0.into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["likelihood", "consequence", "mitigations/0/owner", "review_on"]);
    }

    #[test]
    fn notable_differences_are_two_steps_apart() {
        assert!(differ_notably(&[Rating::Low, Rating::High].into()));
        assert!(differ_notably(&[Rating::Medium, Rating::Extreme].into()));
        assert!(!differ_notably(&[Rating::High, Rating::Extreme].into()));
        assert!(!differ_notably(&[Rating::Low].into()));
    }

    #[test]
    fn a_difference_names_the_members_at_either_end() {
        let difference = RatingDifference {
            threat: "people_smuggling".into(),
            highest: Rating::High,
            highest_members: vec![code("FJI"), code("NZL")],
            lowest: Rating::Low,
            lowest_members: vec![code("TON")],
            notable: true,
        };
        assert_eq!(
            difference.sentence("People smuggling"),
            format!("People smuggling: {} for FJI, NZL; {} for TON", Rating::High, Rating::Low)
        );
    }
}
