//! The annual regional threat assessment (issue 5, point 4; seeds 001 and
//! 003): a document a member's analysts assemble once a year from the threat
//! registers, the incident trends and selected intelligence reports about
//! people smuggling, trafficking in persons and irregular migration, with an
//! executive summary and other sections they write.
//!
//! SECURITY-CRITICAL: an assessment goes to every member of its audience, so
//! it may hold only what EVERY one of them may read: a register, a report or
//! an incident record goes in only when it is includable for the stand-in
//! reader of every member it reaches ([`crate::document`]).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::ValidationErrors;
use crate::document::{DocumentDraft, DocumentMarking, SavedVersion, Versioned, check_audience};
use crate::item::{Category, Envelope, ItemKind, ItemState};
use crate::marking::{Caveats, Classification, ClassificationScale, Tlp};
pub use crate::member::Audience;
use crate::member::MemberCode;
use crate::threat::check_text;
use crate::user::Subject;

/// The categories of the reports an assessment may cite (seed 003's priority
/// data sets): people smuggling, trafficking in persons, irregular migration.
pub const REPORT_CATEGORIES: [Category; 3] =
    [Category::PeopleSmuggling, Category::TraffickingInPersons, Category::IrregularMigration];

/// Whether an item may be cited as a report: a published intelligence report
/// in one of [`REPORT_CATEGORIES`].
pub fn is_citable_report(envelope: &Envelope) -> bool {
    envelope.kind == ItemKind::IntelligenceReport
        && envelope.state == ItemState::Published
        && REPORT_CATEGORIES.contains(&envelope.category)
}

const MAX_TITLE_CHARS: usize = 200;
const MAX_HEADING_CHARS: usize = 120;
const MAX_TEXT_CHARS: usize = 20_000;
const MAX_SECTIONS: usize = 20;
const MAX_REPORTS: usize = 100;
const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// A section the authors write (Markdown).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorSection {
    pub heading: String,
    #[serde(default)]
    pub body: String,
}

/// What the authors of an assessment write and choose.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssessmentDraft {
    /// The year assessed: incident trends count the events of that year.
    pub year: i32,
    pub title: String,
    pub audience: Audience,
    /// The highest classification the document may hold; the stand-in readers
    /// are cleared to it, so nothing above it goes in.
    pub classification: Classification,
    #[serde(default = "crate::threat::amber")]
    pub tlp: Tlp,
    #[serde(default)]
    pub caveats: Caveats,
    /// Markdown.
    #[serde(default)]
    pub executive_summary: String,
    /// Further sections, in order (Markdown).
    #[serde(default)]
    pub sections: Vec<AuthorSection>,
    /// The reports cited, chosen by the authors from those they may read.
    #[serde(default)]
    pub reports: Vec<Uuid>,
}

impl AssessmentDraft {
    /// An empty assessment of `year` for `audience`.
    pub fn new(year: i32, title: impl Into<String>, audience: Audience) -> Self {
        AssessmentDraft {
            year,
            title: title.into(),
            audience,
            classification: Classification(1),
            tlp: Tlp::Amber,
            caveats: Caveats::default(),
            executive_summary: String::new(),
            sections: Vec::new(),
            reports: Vec::new(),
        }
    }
}

impl DocumentDraft for AssessmentDraft {
    const NAME: &'static str = "assessment";
    const KIND: ItemKind = ItemKind::ThreatAssessment;

    fn title(&self) -> &str {
        &self.title
    }

    fn audience(&self) -> &Audience {
        &self.audience
    }

    fn marking(&self) -> DocumentMarking {
        DocumentMarking { classification: self.classification, tlp: self.tlp, caveats: self.caveats }
    }

    fn cited(&self) -> &[Uuid] {
        &self.reports
    }

    fn validate(
        &self,
        scale: &ClassificationScale,
        members: &BTreeSet<MemberCode>,
        groups: &BTreeSet<String>,
    ) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        if !YEARS.contains(&self.year) {
            errors.push("year", format!("must be from {} to {}", YEARS.start(), YEARS.end()));
        }
        check_text(&mut errors, "title", &self.title, MAX_TITLE_CHARS, true);
        check_audience(&mut errors, &self.audience, members, groups);
        if self.classification > scale.highest() {
            errors.push("classification", "is above the highest level of this node's scale");
        }
        check_text(&mut errors, "executive_summary", &self.executive_summary, MAX_TEXT_CHARS, false);
        if self.sections.len() > MAX_SECTIONS {
            errors.push("sections", format!("at most {MAX_SECTIONS} sections"));
        }
        for (n, s) in self.sections.iter().enumerate() {
            check_text(&mut errors, &format!("sections/{n}/heading"), &s.heading, MAX_HEADING_CHARS, true);
            check_text(&mut errors, &format!("sections/{n}/body"), &s.body, MAX_TEXT_CHARS, false);
        }
        if self.reports.len() > MAX_REPORTS {
            errors.push("reports", format!("at most {MAX_REPORTS} reports"));
        }
        errors.into_result()
    }

    /// Blanks trimmed and each report cited once.
    fn normalised(mut self) -> Self {
        self.title = self.title.trim().to_owned();
        self.executive_summary = self.executive_summary.trim().to_owned();
        for s in &mut self.sections {
            s.heading = s.heading.trim().to_owned();
            s.body = s.body.trim().to_owned();
        }
        let mut seen = BTreeSet::new();
        self.reports.retain(|r| seen.insert(*r));
        self
    }

    fn edits(subject: &Subject, member: &MemberCode) -> bool {
        edits_assessment(subject, member)
    }
}

/// An assessment as stored.
pub type Assessment = Versioned<AssessmentDraft>;

/// One saved version of an assessment.
pub type AssessmentVersion = SavedVersion<AssessmentDraft>;

/// Who writes and edits the assessments of `member`: the content authors of
/// that member (analysts, authorising officers, focal points, secretariat).
/// The same people as write a register's entries.
pub fn edits_assessment(subject: &Subject, member: &MemberCode) -> bool {
    crate::threat::edits_register(subject, member)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Timestamp;

    fn code(c: &str) -> MemberCode {
        MemberCode(c.into())
    }

    fn draft() -> AssessmentDraft {
        let audience = Audience { members: BTreeSet::from([code("NZL")]), groups: BTreeSet::from(["PIDC".into()]) };
        AssessmentDraft::new(2026, "Regional threat assessment 2026", audience)
    }

    #[test]
    fn faults_are_named() {
        let members = BTreeSet::from([code("FJI"), code("NZL")]);
        let groups = BTreeSet::from(["PIDC".to_owned()]);
        let scale = ClassificationScale::default();
        assert_eq!(draft().validate(&scale, &members, &groups), Ok(()));
        let mut bad = draft();
        bad.year = 1999;
        bad.title = " ".into();
        bad.audience.members.insert(code("XXX"));
        bad.classification = Classification(9);
        bad.sections.push(AuthorSection { heading: String::new(), body: "text".into() });
        let fields: Vec<String> =
            bad.validate(&scale, &members, &groups).expect_err("faults").0.into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["year", "title", "audience/members", "classification", "sections/0/heading"]);
        bad.audience = Audience::default();
        assert!(bad.validate(&scale, &members, &groups).is_err());
    }

    #[test]
    fn only_published_reports_of_the_three_categories_are_cited() {
        let assessment = Assessment {
            id: Uuid::from_u128(1),
            member: code("FJI"),
            organisation: Uuid::from_u128(2),
            created_by: Uuid::from_u128(3),
            draft: draft(),
            version: 1,
            created_at: Timestamp(0),
            updated_by: Uuid::from_u128(3),
            updated_at: Timestamp(0),
        };
        let mut e = assessment.envelope();
        assert!(e.release.members.contains(&code("FJI")) && e.release.groups.contains("PIDC"));
        assert!(!is_citable_report(&e), "an assessment is not a report");
        e.kind = ItemKind::IntelligenceReport;
        e.category = Category::PeopleSmuggling;
        assert!(is_citable_report(&e));
        e.category = Category::DocumentFraud;
        assert!(!is_citable_report(&e));
        e.category = Category::TraffickingInPersons;
        e.state = ItemState::Draft;
        assert!(!is_citable_report(&e));
    }
}
