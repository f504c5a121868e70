//! Bulletins (issue 5, point 3; seed 001 §17 and §22): the monthly
//! intelligence bulletin (PIDC) and the bi-monthly information bulletin
//! (Bali Process RSO), compiled for an audience from what was published in
//! their period, with a foreword their editors write.
//!
//! What an edition reports, by item kind ([`Edition::kinds`]):
//! - the monthly intelligence bulletin: alerts and intelligence reports;
//! - the bi-monthly information bulletin: threat assessments and library
//!   documents (guidance, SOPs, training material, model legislation).
//!
//! Both chart the incident records of their period (counted, not listed).
//! Never reported: bulletins themselves, and requests for information and
//! their responses, which are exchanges between members, not news for all.
//!
//! SECURITY-CRITICAL: a bulletin goes to every member of its audience, so an
//! item goes in only when it is includable for the stand-in reader of every
//! member the bulletin reaches ([`crate::document`]; [`BulletinDraft::holds`]).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::agreement::Agreement;
use crate::document::{DocumentDraft, DocumentMarking, SavedVersion, Versioned, check_audience, includable};
use crate::item::{Envelope, ItemKind, ItemState, named_enum};
use crate::marking::{Caveats, Classification, ClassificationScale, Tlp};
use crate::member::{Audience, MemberCode};
use crate::threat::check_text;
use crate::user::Subject;
use crate::{Timestamp, ValidationErrors};

named_enum! {
    /// Which bulletin.
    Edition {
        /// Each month: alerts and intelligence reports.
        MonthlyIntelligence = "monthly_intelligence",
        /// Every two months (January–February, March–April, …): threat
        /// assessments and library documents.
        BimonthlyInformation = "bimonthly_information",
    }
}

impl Edition {
    /// How many months one bulletin covers.
    pub fn months(self) -> u8 {
        match self {
            Edition::MonthlyIntelligence => 1,
            Edition::BimonthlyInformation => 2,
        }
    }

    /// The item kinds it reports, in the order of its sections.
    pub fn kinds(self) -> &'static [ItemKind] {
        match self {
            Edition::MonthlyIntelligence => &[ItemKind::Alert, ItemKind::IntelligenceReport],
            Edition::BimonthlyInformation => &[ItemKind::ThreatAssessment, ItemKind::LibraryDocument],
        }
    }

    /// The heading of the section that lists items of `kind`.
    pub fn section_heading(kind: ItemKind) -> &'static str {
        match kind {
            ItemKind::Alert => "Alerts",
            ItemKind::IntelligenceReport => "Intelligence reports",
            ItemKind::ThreatAssessment => "Threat assessments",
            ItemKind::LibraryDocument => "Library documents",
            ItemKind::IncidentRecord => "Incident records",
            ItemKind::Bulletin => "Bulletins",
            ItemKind::RequestForInformation => "Requests for information",
            ItemKind::RfiResponse => "Responses to requests for information",
        }
    }

    /// "Monthly intelligence bulletin".
    pub fn name(self) -> &'static str {
        match self {
            Edition::MonthlyIntelligence => "Monthly intelligence bulletin",
            Edition::BimonthlyInformation => "Bi-monthly information bulletin",
        }
    }

    /// The first month of the period of this edition that holds `month`.
    pub fn start(self, month: Month) -> Month {
        let first = (month.month - 1) / self.months() * self.months() + 1;
        Month { month: first, ..month }
    }
}

const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// A calendar month, `2026-10` on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    pub year: i32,
    /// 1 to 12.
    pub month: u8,
}

impl Month {
    /// `2026-10`, from 2000 to 2100.
    pub fn parse(text: &str) -> Option<Month> {
        let (year, month) = text.trim().split_once('-')?;
        if year.len() != 4 || month.len() != 2 {
            return None;
        }
        let (year, month) = (year.parse().ok()?, month.parse().ok()?);
        (YEARS.contains(&year) && (1..=12).contains(&month)).then_some(Month { year, month })
    }

    /// The month holding `day`.
    pub fn of(day: time::Date) -> Month {
        Month { year: day.year(), month: u8::from(day.month()) }
    }

    fn time_month(self) -> time::Month {
        time::Month::try_from(self.month).unwrap_or(time::Month::January)
    }

    /// Its first day.
    pub fn first_day(self) -> time::Date {
        time::Date::from_calendar_date(self.year, self.time_month(), 1).unwrap_or(time::Date::MIN)
    }

    /// The month `n` months later (earlier when `n` is negative).
    pub fn plus(self, n: i32) -> Month {
        let index = self.year * 12 + i32::from(self.month) - 1 + n;
        Month { year: index.div_euclid(12), month: u8::try_from(index.rem_euclid(12) + 1).unwrap_or(1) }
    }

    /// "October 2026".
    pub fn label(self) -> String {
        format!("{} {}", self.time_month(), self.year)
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl Serialize for Month {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Month {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Month::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("{text:?} is not a month from 2000-01 to 2100-12")))
    }
}

const MAX_TITLE_CHARS: usize = 200;
const MAX_FOREWORD_CHARS: usize = 20_000;

/// What the editors of a bulletin write and choose.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulletinDraft {
    pub edition: Edition,
    /// The first month covered; any month of the period may be given, and
    /// the bulletin covers the whole period of its edition that holds it.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2026-10"))]
    pub period: Month,
    pub title: String,
    pub audience: Audience,
    /// The highest classification the bulletin may hold; the stand-in
    /// readers are cleared to it, so nothing above it goes in.
    pub classification: Classification,
    #[serde(default = "crate::threat::amber")]
    pub tlp: Tlp,
    #[serde(default)]
    pub caveats: Caveats,
    /// Markdown.
    #[serde(default)]
    pub foreword: String,
}

impl BulletinDraft {
    /// A bulletin of `edition` for the period holding `month`, titled after
    /// both, unclassified.
    pub fn new(edition: Edition, month: Month, audience: Audience) -> Self {
        let period = edition.start(month);
        BulletinDraft {
            edition,
            period,
            title: format!("{}, {}", edition.name(), period_label(edition, period)),
            audience,
            classification: Classification::LOWEST,
            tlp: Tlp::Amber,
            caveats: Caveats::default(),
            foreword: String::new(),
        }
    }

    /// The first and the last day of its period.
    pub fn days(&self) -> (time::Date, time::Date) {
        let start = self.edition.start(self.period);
        let end = start.plus(i32::from(self.edition.months())).first_day();
        (start.first_day(), end.previous_day().unwrap_or(end))
    }

    /// "September–October 2026".
    pub fn period_label(&self) -> String {
        period_label(self.edition, self.edition.start(self.period))
    }

    /// Whether an item with `envelope`, published at `published_at`, is news
    /// this bulletin reports: published in its period (and not withdrawn or
    /// superseded since) and of a kind its edition reports.
    pub fn reports(&self, envelope: &Envelope, published_at: Option<Timestamp>) -> bool {
        let (first, last) = self.days();
        let day = |t: Timestamp| t.to_datetime().date();
        envelope.state == ItemState::Published
            && self.edition.kinds().contains(&envelope.kind)
            && published_at.is_some_and(|t| (first..=last).contains(&day(t)))
    }

    /// Whether the bulletin holds that item, read by the stand-in `readers`
    /// of every member it reaches: news it reports that every one of them
    /// may read.
    pub fn holds(
        &self,
        envelope: &Envelope,
        published_at: Option<Timestamp>,
        readers: &[Subject],
        agreements: &[Agreement],
        now: Timestamp,
    ) -> bool {
        self.reports(envelope, published_at) && includable(envelope, readers, agreements, now)
    }
}

fn period_label(edition: Edition, start: Month) -> String {
    let last = start.plus(i32::from(edition.months()) - 1);
    if last == start {
        start.label()
    } else if last.year == start.year {
        format!("{}–{}", start.time_month(), last.label())
    } else {
        format!("{}–{}", start.label(), last.label())
    }
}

impl DocumentDraft for BulletinDraft {
    const NAME: &'static str = "bulletin";
    const KIND: ItemKind = ItemKind::Bulletin;

    fn title(&self) -> &str {
        &self.title
    }

    fn audience(&self) -> &Audience {
        &self.audience
    }

    fn marking(&self) -> DocumentMarking {
        DocumentMarking { classification: self.classification, tlp: self.tlp, caveats: self.caveats }
    }

    fn validate(
        &self,
        scale: &ClassificationScale,
        members: &BTreeSet<MemberCode>,
        groups: &BTreeSet<String>,
    ) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        check_text(&mut errors, "title", &self.title, MAX_TITLE_CHARS, true);
        check_audience(&mut errors, &self.audience, members, groups);
        if self.classification > scale.highest() {
            errors.push("classification", "is above the highest level of this node's scale");
        }
        check_text(&mut errors, "foreword", &self.foreword, MAX_FOREWORD_CHARS, false);
        errors.into_result()
    }

    /// Blanks trimmed and its period starting where its edition's do.
    fn normalised(mut self) -> Self {
        self.title = self.title.trim().to_owned();
        self.foreword = self.foreword.trim().to_owned();
        self.period = self.edition.start(self.period);
        self
    }

    fn edits(subject: &Subject, member: &MemberCode) -> bool {
        edits_bulletin(subject, member)
    }
}

/// A bulletin as stored; its member compiles it (a secretariat, usually).
pub type Bulletin = Versioned<BulletinDraft>;

/// One saved version of a bulletin.
pub type BulletinVersion = SavedVersion<BulletinDraft>;

/// Who compiles and edits the bulletins of `member`: its content authors
/// (analysts, authorising officers, focal points, secretariat), as for
/// threat assessments.
pub fn edits_bulletin(subject: &Subject, member: &MemberCode) -> bool {
    crate::threat::edits_register(subject, member)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;
    use uuid::Uuid;

    use super::*;
    use crate::document::{reached_members, stand_in_readers};
    use crate::policy::decide;
    use crate::testing::{NOW, arb_agreements, arb_envelope, groups_of, member, node_groups, org};
    use crate::user::Role;

    fn month(text: &str) -> Month {
        Month::parse(text).expect("a month")
    }

    #[test]
    fn periods_are_a_month_or_two_starting_with_an_odd_month() {
        assert_eq!(month("2026-10").to_string(), "2026-10");
        for bad in ["2026-13", "2026-00", "1999-12", "26-10", "2026-1", "October", ""] {
            assert_eq!(Month::parse(bad), None, "{bad}");
        }
        assert_eq!(Edition::MonthlyIntelligence.start(month("2026-10")), month("2026-10"));
        assert_eq!(Edition::BimonthlyInformation.start(month("2026-10")), month("2026-09"));
        assert_eq!(Edition::BimonthlyInformation.start(month("2026-01")), month("2026-01"));
        assert_eq!(Edition::BimonthlyInformation.start(month("2026-12")), month("2026-11"));
        assert_eq!(month("2026-12").plus(1), month("2027-01"));
        assert_eq!(month("2027-01").plus(-1), month("2026-12"));

        let audience = Audience::default();
        let monthly = BulletinDraft::new(Edition::MonthlyIntelligence, month("2026-02"), audience.clone());
        let days = monthly.days();
        assert_eq!((days.0.to_string(), days.1.to_string()), ("2026-02-01".into(), "2026-02-28".into()));
        assert_eq!(monthly.title, "Monthly intelligence bulletin, February 2026");
        let bimonthly = BulletinDraft::new(Edition::BimonthlyInformation, month("2026-12"), audience);
        let days = bimonthly.days();
        assert_eq!((days.0.to_string(), days.1.to_string()), ("2026-11-01".into(), "2026-12-31".into()));
        assert_eq!(bimonthly.period_label(), "November–December 2026");
        let json = serde_json::json!({ "edition": "bimonthly_information", "period": "2026-08", "title": "B",
            "audience": { "groups": ["PIDC"] }, "classification": 0 });
        let draft: BulletinDraft = serde_json::from_value(json).expect("a draft");
        assert_eq!(draft.normalised().period, month("2026-07"));
        let bad = serde_json::json!({ "edition": "monthly_intelligence", "period": "2026-13", "title": "B",
            "audience": { "groups": ["PIDC"] }, "classification": 0 });
        assert!(serde_json::from_value::<BulletinDraft>(bad).is_err());
    }

    #[test]
    fn faults_are_named() {
        let members = BTreeSet::from([member(0)]);
        let groups = BTreeSet::from(["G1".to_owned()]);
        let scale = ClassificationScale::default();
        let audience = Audience { members: BTreeSet::new(), groups: groups.clone() };
        let good = BulletinDraft::new(Edition::MonthlyIntelligence, month("2026-10"), audience);
        assert_eq!(good.validate(&scale, &members, &groups), Ok(()));
        let bad = BulletinDraft {
            title: " ".into(),
            audience: Audience::default(),
            classification: Classification(9),
            foreword: "x".repeat(MAX_FOREWORD_CHARS + 1),
            ..good
        };
        let fields: Vec<String> =
            bad.validate(&scale, &members, &groups).expect_err("faults").0.into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["title", "audience", "classification", "foreword"]);
    }

    #[test]
    fn an_edition_reports_its_kinds_published_in_its_period() {
        let draft = BulletinDraft::new(Edition::MonthlyIntelligence, month("2026-10"), Audience::default());
        let mut e = Bulletin {
            id: Uuid::from_u128(1),
            member: member(0),
            organisation: org(0, 0),
            created_by: Uuid::from_u128(3),
            draft: draft.clone(),
            version: 1,
            created_at: Timestamp(0),
            updated_by: Uuid::from_u128(3),
            updated_at: Timestamp(0),
        }
        .envelope();
        let october = Timestamp::parse_rfc3339("2026-10-31T23:59:59Z");
        assert!(!draft.reports(&e, october), "a bulletin does not report bulletins");
        e.kind = ItemKind::Alert;
        assert!(draft.reports(&e, october));
        assert!(!draft.reports(&e, Timestamp::parse_rfc3339("2026-11-01T00:00:00Z")));
        assert!(!draft.reports(&e, None));
        e.state = ItemState::Withdrawn;
        assert!(!draft.reports(&e, october));
        e.state = ItemState::Published;
        e.kind = ItemKind::LibraryDocument;
        assert!(!draft.reports(&e, october), "the information bulletin's");
        let information = BulletinDraft { edition: Edition::BimonthlyInformation, ..draft };
        assert!(information.reports(&e, Timestamp::parse_rfc3339("2026-09-01T00:00:00Z")));
    }

    /// Some members and some of the test node's groups.
    fn audiences() -> impl Strategy<Value = Audience> {
        (proptest::collection::btree_set(0usize..5, 0..3), proptest::collection::btree_set(0usize..2, 0..2)).prop_map(
            |(members, groups)| Audience {
                members: members.into_iter().map(member).collect(),
                groups: groups.into_iter().map(|g| crate::testing::GROUPS[g].0.to_owned()).collect(),
            },
        )
    }

    /// Items with the day of their publication (days from now): often news
    /// of some edition, and often unclassified, TLP:CLEAR and released to
    /// every group, so that bulletins hold some; otherwise anything.
    fn items() -> impl Strategy<Value = Vec<(Envelope, Option<i64>)>> {
        let kinds: Vec<ItemKind> = Edition::ALL.iter().flat_map(|e| e.kinds()).copied().collect();
        let item = (arb_envelope(), prop::sample::select(kinds), any::<bool>(), any::<bool>(), -40i64..40).prop_map(
            |(mut e, kind, news, wide, days)| {
                if news {
                    e.state = ItemState::Published;
                    e.kind = kind;
                }
                if wide {
                    e.classification = Classification::LOWEST;
                    e.tlp = Tlp::Clear;
                    e.release.groups = crate::testing::GROUPS.iter().map(|(g, _)| (*g).to_owned()).collect();
                    (e.valid_from, e.valid_until) = (None, None);
                }
                (e, Some(days))
            },
        );
        proptest::collection::vec(prop_oneof![4 => item, 1 => (arb_envelope(), Just(None))], 0..24)
    }

    proptest! {
        /// No bulletin holds an item that some member of its audience (or of
        /// its audience's groups, or its own member) may not read: an
        /// analyst of each such member, in either of its organisations,
        /// cleared to the bulletin's classification, may read every item it
        /// holds; and it holds only news of its edition and period.
        #[test]
        fn no_bulletin_holds_an_item_some_member_of_its_audience_may_not_read(
            items in items(),
            agreements in arb_agreements(),
            audience in audiences(),
            own in 0usize..5,
            ceiling in 0u8..4,
            edition in prop::sample::select(Edition::ALL.to_vec()),
            org_n in 0usize..2,
        ) {
            let draft = BulletinDraft {
                classification: Classification(ceiling),
                ..BulletinDraft::new(edition, month("2027-01"), audience.clone())
            };
            let groups = node_groups();
            let readers = stand_in_readers(&reached_members(&member(own), &audience, &groups), draft.classification);
            let mut everyone: BTreeMap<MemberCode, usize> = BTreeMap::from([(member(own), own)]);
            for (i, m) in (0..5).map(|i| (i, member(i))) {
                let in_group = groups.iter().any(|(g, ms)| audience.groups.contains(g) && ms.contains(&m));
                if audience.members.contains(&m) || in_group {
                    everyone.insert(m, i);
                }
            }
            for (envelope, days) in &items {
                let published_at = days.map(|d| NOW.plus_days(d));
                if !draft.holds(envelope, published_at, &readers, &agreements, NOW) {
                    continue;
                }
                prop_assert!(envelope.state == ItemState::Published && edition.kinds().contains(&envelope.kind));
                for (m, i) in &everyone {
                    let reader = Subject {
                        user: Uuid::from_u128(99),
                        member: m.clone(),
                        organisation: org(*i, org_n),
                        roles: BTreeSet::from([Role::Analyst]),
                        clearance: draft.classification,
                        member_groups: groups_of(m),
                    };
                    prop_assert!(decide(&reader, envelope, &agreements, NOW).is_allowed(), "{m} may not read it");
                }
            }
        }
    }
}
