//! Member capacity surveys (issue 9; seed 003 §3–5, seed 002 §22–23): a
//! questionnaire designed by the secretariat, or by any member for a group,
//! answered once per member of its audience, and the findings aggregated
//! across the responding members ("40% of responding Members …").
//!
//! - [`Questionnaire`]: sections of typed questions, required answers,
//!   conditions ("ask B only if A was answered X"), an opening and a closing
//!   date, an audience, and an item's markings. Its envelope says who reads the
//!   findings.
//! - [`answers`]: the values a member gives, checked against the questionnaire,
//!   and the response's workflow (focal point, delegated sections, approval by
//!   the member's authorising officer).
//! - [`findings`]: counts and percentages per answer, the overall order of
//!   ranked priorities, free text, comparison with an earlier round, under the
//!   disclosure rule written there.

pub mod answers;
pub mod findings;

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::incident::parse_iso_date;
use crate::item::{Category, Envelope, ItemKind, ItemState, Marking, Originator, Releasability, named_enum};
use crate::marking::{Caveats, Classification, ClassificationScale, Tlp};
pub use crate::member::Audience;
use crate::member::MemberCode;
use crate::user::{Role, Subject};
use crate::{Timestamp, ValidationErrors};

pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_TEXT_CHARS: usize = 4_000;
pub const MAX_LABEL_CHARS: usize = 300;
pub const MAX_QUESTIONS: usize = 200;
pub const MAX_OPTIONS: usize = 50;
/// The widest scale: 0 to 10 at most.
pub const MAX_SCALE_POINTS: i64 = 11;
pub const MAX_THEMES: usize = 30;
pub const MAX_KEYWORDS: usize = 50;
pub const MAX_KEYWORD_CHARS: usize = 100;
/// The key of the group of free-text answers that match no theme.
pub const OTHER_THEME: &str = "other";

named_enum! {
    /// A questionnaire is designed as a draft, seen only by its member's
    /// designers, and published to its audience; answers are taken while it
    /// is published and between its opening and closing dates.
    QuestionnaireState {
        Draft = "draft",
        Published = "published",
    }
}

/// One option of a choice, matrix or ranking question: a stable key the
/// answers name, and the words shown.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub key: String,
    pub label: String,
}

/// What kind of answer a question takes.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum QuestionKind {
    /// Answered `true` or `false`.
    YesNo,
    /// One option key.
    SingleChoice { options: Vec<Choice> },
    /// A list of option keys, none repeated.
    MultipleChoice { options: Vec<Choice> },
    /// A whole number, inside the bounds when given.
    Number {
        #[serde(default)]
        min: Option<i64>,
        #[serde(default)]
        max: Option<i64>,
    },
    /// A point from `min` to `max` (at most 11 points), the ends named.
    Scale {
        min: i64,
        max: i64,
        #[serde(default)]
        low_label: String,
        #[serde(default)]
        high_label: String,
    },
    /// Words, at most 4,000 characters.
    FreeText,
    /// For each item, one option key: `{"item": "option"}` (a grid).
    Matrix { items: Vec<Choice>, options: Vec<Choice> },
    /// The options in order of priority, most important first; a member ranks
    /// at most `most` of them (all when absent).
    Ranking {
        options: Vec<Choice>,
        #[serde(default)]
        most: Option<usize>,
    },
}

impl QuestionKind {
    /// The options a condition on this question may name: `yes`/`no`, or the
    /// option keys of a single or multiple choice. Other kinds cannot control
    /// a condition.
    pub fn condition_values(&self) -> Option<Vec<&str>> {
        match self {
            QuestionKind::YesNo => Some(vec!["yes", "no"]),
            QuestionKind::SingleChoice { options } | QuestionKind::MultipleChoice { options } => {
                Some(options.iter().map(|c| c.key.as_str()).collect())
            }
            _ => None,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            QuestionKind::YesNo => "yes/no",
            QuestionKind::SingleChoice { .. } => "single choice",
            QuestionKind::MultipleChoice { .. } => "multiple choice",
            QuestionKind::Number { .. } => "number",
            QuestionKind::Scale { .. } => "scale",
            QuestionKind::FreeText => "free text",
            QuestionKind::Matrix { .. } => "matrix",
            QuestionKind::Ranking { .. } => "ranked priorities",
        }
    }
}

/// "Ask this question only if the answer to `question` is one of `any_of`."
/// For a yes/no question the values are `yes` and `no`; for a choice, option
/// keys (a multiple choice matches when any of them is ticked). The question
/// named must come earlier, so conditions never loop; a question whose
/// controlling question is not asked is not asked either.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Condition {
    pub question: String,
    pub any_of: Vec<String>,
}

/// A theme the answers to a free-text question are listed under in the
/// findings. Themes are analysis, not the question: they may change after
/// the questionnaire is published. An answer belongs to every theme one of
/// whose keywords it contains (letter case aside); one that matches none is
/// listed under "Other".
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Theme {
    pub key: String,
    pub label: String,
    pub keywords: Vec<String>,
}

impl Theme {
    /// Whether `text` contains one of the keywords, letter case aside.
    pub fn matches(&self, text: &str) -> bool {
        let text = text.to_lowercase();
        self.keywords.iter().map(|k| k.trim().to_lowercase()).any(|k| !k.is_empty() && text.contains(&k))
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    /// Unique in the questionnaire; answers, conditions and the comparison of
    /// rounds name questions by it.
    pub key: String,
    pub text: String,
    #[serde(default)]
    pub help: String,
    pub kind: QuestionKind,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub show_if: Option<Condition>,
    /// Free text only: the themes its answers are listed under in the findings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub themes: Vec<Theme>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    /// Unique in the questionnaire; delegation names sections by it.
    pub key: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub questions: Vec<Question>,
}

/// What the designer writes.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionnaireDraft {
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// The round's name: `2026`, `March 2017`.
    #[serde(default)]
    pub round: String,
    /// The earlier round of the same questionnaire, compared in the findings.
    #[serde(default)]
    pub previous_round: Option<Uuid>,
    /// `YYYY-MM-DD`, both days included.
    pub opens_on: String,
    pub closes_on: String,
    pub audience: Audience,
    /// The category agreements must cover for answers and findings to cross.
    #[serde(default = "border_management")]
    pub category: Category,
    /// Default: IN-CONFIDENCE, as a member's capacity is not for everyone.
    #[serde(default = "in_confidence")]
    pub classification: Classification,
    #[serde(default = "amber")]
    pub tlp: Tlp,
    #[serde(default)]
    pub caveats: Caveats,
    /// Who reads the findings besides the designing member (the audience's
    /// groups, typically). Answers are released separately by each member.
    #[serde(default)]
    pub release: Releasability,
    pub sections: Vec<Section>,
}

fn border_management() -> Category {
    Category::BorderManagement
}

fn in_confidence() -> Classification {
    Classification(1)
}

fn amber() -> Tlp {
    Tlp::Amber
}

/// Whether `key` is 1 to 60 lower-case letters, digits, `_` or `-`.
pub fn is_key(key: &str) -> bool {
    (1..=60).contains(&key.len())
        && key.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

fn check_text(errors: &mut ValidationErrors, field: &str, text: &str, max: usize, required: bool) {
    let length = text.trim().chars().count();
    if required && length == 0 {
        errors.push(field, "must not be empty");
    } else if length > max {
        errors.push(field, format!("must be at most {max} characters"));
    }
}

fn check_choices(errors: &mut ValidationErrors, field: &str, choices: &[Choice], at_least: usize) {
    if choices.len() < at_least || choices.len() > MAX_OPTIONS {
        errors.push(field, format!("needs {at_least} to {MAX_OPTIONS} options"));
    }
    let mut seen = BTreeSet::new();
    for (n, choice) in choices.iter().enumerate() {
        if !is_key(&choice.key) {
            errors.push(format!("{field}/{n}/key"), "must be lower-case letters, digits, _ or -");
        } else if !seen.insert(choice.key.as_str()) {
            errors.push(format!("{field}/{n}/key"), format!("{} is used twice", choice.key));
        }
        check_text(errors, &format!("{field}/{n}/label"), &choice.label, MAX_LABEL_CHARS, true);
    }
}

impl QuestionnaireDraft {
    /// Every question in order, with its section.
    pub fn questions(&self) -> impl Iterator<Item = (&Section, &Question)> {
        self.sections.iter().flat_map(|s| s.questions.iter().map(move |q| (s, q)))
    }

    pub fn question(&self, key: &str) -> Option<&Question> {
        self.questions().map(|(_, q)| q).find(|q| q.key == key)
    }

    pub fn section_of(&self, question: &str) -> Option<&Section> {
        self.questions().find(|(_, q)| q.key == question).map(|(s, _)| s)
    }

    /// The sections as members answer them: without the themes of free-text
    /// questions, which are analysis.
    fn as_asked(&self) -> Vec<Section> {
        let mut sections = self.sections.clone();
        for question in sections.iter_mut().flat_map(|s| s.questions.iter_mut()) {
            question.themes.clear();
        }
        sections
    }

    /// Whether `other` asks the same questions, themes aside.
    pub fn asks_as(&self, other: &QuestionnaireDraft) -> bool {
        self.as_asked() == other.as_asked()
    }

    /// The faults that keep a valid draft from being published: a section
    /// without questions, or no section at all. A draft may be saved so
    /// while it is designed a piece at a time.
    pub fn check_publishable(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        if self.sections.is_empty() {
            errors.push("sections", "a questionnaire needs at least one section");
        }
        for (s, section) in self.sections.iter().enumerate() {
            if section.questions.is_empty() {
                errors.push(format!("sections/{s}/questions"), "a section needs at least one question");
            }
        }
        errors.into_result()
    }

    /// Every fault, by field. `known_members` and `known_groups` are those of
    /// the region.
    pub fn validate(
        &self,
        known_members: &BTreeSet<MemberCode>,
        known_groups: &BTreeSet<String>,
        scale: &ClassificationScale,
    ) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        check_text(&mut errors, "title", &self.title, MAX_TITLE_CHARS, true);
        check_text(&mut errors, "description", &self.description, MAX_TEXT_CHARS, false);
        check_text(&mut errors, "round", &self.round, MAX_LABEL_CHARS, false);
        match (parse_iso_date(&self.opens_on), parse_iso_date(&self.closes_on)) {
            (Some(opens), Some(closes)) if closes < opens => errors.push("closes_on", "must not be before opens_on"),
            (opens, closes) => {
                if opens.is_none() {
                    errors.push("opens_on", "must be a date YYYY-MM-DD");
                }
                if closes.is_none() {
                    errors.push("closes_on", "must be a date YYYY-MM-DD");
                }
            }
        }
        if self.audience.members.is_empty() && self.audience.groups.is_empty() {
            errors.push("audience", "name at least one member or group");
        }
        let release_members = self.audience.members.iter().chain(&self.release.members);
        for member in release_members.filter(|m| !known_members.contains(*m)) {
            errors.push("audience/members", format!("{member} is not a member of the region"));
        }
        for group in self.audience.groups.iter().chain(&self.release.groups).filter(|g| !known_groups.contains(*g)) {
            errors.push("audience/groups", format!("{group} is not a group of the region"));
        }
        if self.classification > scale.highest() {
            errors.push("classification", "is above the highest level of this node's scale");
        }
        self.validate_sections(&mut errors);
        errors.into_result()
    }

    fn validate_sections(&self, errors: &mut ValidationErrors) {
        if self.questions().count() > MAX_QUESTIONS {
            errors.push("sections", format!("at most {MAX_QUESTIONS} questions"));
        }
        let mut section_keys = BTreeSet::new();
        // Questions seen so far: a condition may only name one of them.
        let mut earlier: Vec<&Question> = Vec::new();
        for (s, section) in self.sections.iter().enumerate() {
            let field = format!("sections/{s}");
            if !is_key(&section.key) {
                errors.push(format!("{field}/key"), "must be lower-case letters, digits, _ or -");
            } else if !section_keys.insert(section.key.as_str()) {
                errors.push(format!("{field}/key"), format!("{} is used twice", section.key));
            }
            check_text(errors, &format!("{field}/title"), &section.title, MAX_TITLE_CHARS, true);
            check_text(errors, &format!("{field}/description"), &section.description, MAX_TEXT_CHARS, false);
            for (n, question) in section.questions.iter().enumerate() {
                let field = format!("{field}/questions/{n}");
                if !is_key(&question.key) {
                    errors.push(format!("{field}/key"), "must be lower-case letters, digits, _ or -");
                } else if earlier.iter().any(|q| q.key == question.key) {
                    errors.push(format!("{field}/key"), format!("{} is used twice", question.key));
                }
                check_text(errors, &format!("{field}/text"), &question.text, MAX_TEXT_CHARS, true);
                check_text(errors, &format!("{field}/help"), &question.help, MAX_TEXT_CHARS, false);
                validate_kind(errors, &format!("{field}/kind"), &question.kind);
                if let Some(condition) = &question.show_if {
                    validate_condition(errors, &format!("{field}/show_if"), condition, &earlier);
                }
                validate_themes(errors, &format!("{field}/themes"), question);
                earlier.push(question);
            }
        }
    }

    /// The questionnaire's markings with `release`.
    pub fn marking<'a>(&self, release: &'a Releasability) -> Marking<'a> {
        Marking {
            category: self.category,
            classification: self.classification,
            tlp: self.tlp,
            caveats: self.caveats,
            release,
        }
    }

    /// The draft with surrounding blanks trimmed, as it is stored.
    pub fn normalised(mut self) -> Self {
        self.title = self.title.trim().to_owned();
        self.description = self.description.trim().to_owned();
        self.round = self.round.trim().to_owned();
        self.opens_on = self.opens_on.trim().to_owned();
        self.closes_on = self.closes_on.trim().to_owned();
        self
    }
}

fn validate_kind(errors: &mut ValidationErrors, field: &str, kind: &QuestionKind) {
    match kind {
        QuestionKind::YesNo | QuestionKind::FreeText => {}
        QuestionKind::SingleChoice { options } | QuestionKind::MultipleChoice { options } => {
            check_choices(errors, &format!("{field}/options"), options, 2);
        }
        QuestionKind::Number { min: Some(min), max: Some(max) } if max < min => {
            errors.push(format!("{field}/max"), "must not be below min");
        }
        QuestionKind::Number { .. } => {}
        QuestionKind::Scale { min, max, low_label, high_label } => {
            if max <= min || max.saturating_sub(*min) >= MAX_SCALE_POINTS {
                errors.push(format!("{field}/max"), format!("a scale has 2 to {MAX_SCALE_POINTS} points"));
            }
            check_text(errors, &format!("{field}/low_label"), low_label, MAX_LABEL_CHARS, false);
            check_text(errors, &format!("{field}/high_label"), high_label, MAX_LABEL_CHARS, false);
        }
        QuestionKind::Matrix { items, options } => {
            check_choices(errors, &format!("{field}/items"), items, 1);
            check_choices(errors, &format!("{field}/options"), options, 2);
        }
        QuestionKind::Ranking { options, most } => {
            check_choices(errors, &format!("{field}/options"), options, 2);
            if most.is_some_and(|m| m == 0 || m > options.len()) {
                errors.push(format!("{field}/most"), "must be 1 to the number of options");
            }
        }
    }
}

fn validate_themes(errors: &mut ValidationErrors, field: &str, question: &Question) {
    if question.themes.is_empty() {
        return;
    }
    if question.kind != QuestionKind::FreeText {
        errors.push(field, "only free-text answers are listed by theme");
    }
    if question.themes.len() > MAX_THEMES {
        errors.push(field, format!("at most {MAX_THEMES} themes"));
    }
    let mut seen = BTreeSet::new();
    for (n, theme) in question.themes.iter().enumerate() {
        let field = format!("{field}/{n}");
        if !is_key(&theme.key) {
            errors.push(format!("{field}/key"), "must be lower-case letters, digits, _ or -");
        } else if theme.key == OTHER_THEME {
            errors.push(format!("{field}/key"), "other is kept for the answers that match no theme");
        } else if !seen.insert(theme.key.as_str()) {
            errors.push(format!("{field}/key"), format!("{} is used twice", theme.key));
        }
        check_text(errors, &format!("{field}/label"), &theme.label, MAX_LABEL_CHARS, true);
        let blank = theme.keywords.iter().any(|k| k.trim().is_empty());
        if theme.keywords.is_empty() || theme.keywords.len() > MAX_KEYWORDS || blank {
            errors.push(format!("{field}/keywords"), format!("give 1 to {MAX_KEYWORDS} keywords"));
        }
        if theme.keywords.iter().any(|k| k.chars().count() > MAX_KEYWORD_CHARS) {
            errors.push(format!("{field}/keywords"), format!("a keyword is at most {MAX_KEYWORD_CHARS} characters"));
        }
    }
}

fn validate_condition(errors: &mut ValidationErrors, field: &str, condition: &Condition, earlier: &[&Question]) {
    let Some(controlling) = earlier.iter().find(|q| q.key == condition.question) else {
        errors.push(format!("{field}/question"), format!("{} is not an earlier question", condition.question));
        return;
    };
    let Some(values) = controlling.kind.condition_values() else {
        errors.push(
            format!("{field}/question"),
            format!("a {} question cannot control a condition", controlling.kind.name()),
        );
        return;
    };
    if condition.any_of.is_empty() {
        errors.push(format!("{field}/any_of"), "name at least one answer");
    }
    for value in condition.any_of.iter().filter(|v| !values.contains(&v.as_str())) {
        errors.push(format!("{field}/any_of"), format!("{value} is not an answer of {}", condition.question));
    }
}

/// A questionnaire as stored.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Questionnaire {
    pub id: Uuid,
    /// The designing member: the secretariat, or a member asking a group.
    pub member: MemberCode,
    pub organisation: Uuid,
    pub created_by: Uuid,
    pub state: QuestionnaireState,
    #[serde(flatten)]
    pub draft: QuestionnaireDraft,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Questionnaire {
    /// The envelope the access policy judges for the questionnaire and its
    /// findings: a draft stays with its designer, a published questionnaire
    /// is read by the whole designing member and as its release says.
    pub fn envelope(&self) -> Envelope {
        let state = match self.state {
            QuestionnaireState::Draft => ItemState::Draft,
            QuestionnaireState::Published => ItemState::Published,
        };
        Envelope::shared(
            self.id,
            ItemKind::IntelligenceReport,
            state,
            Originator { member: &self.member, organisation: self.organisation, author: self.created_by },
            self.draft.marking(&self.draft.release),
        )
    }

    /// Whether `subject`'s member is asked to answer: a published
    /// questionnaire whose audience names it, read by a subject cleared to its
    /// classification. The questions themselves are shown to the audience even
    /// where the findings are not released to it.
    pub fn asks(&self, subject: &Subject) -> bool {
        self.state == QuestionnaireState::Published
            && subject.reads_content()
            && !subject.front_line_only()
            && subject.clearance >= self.draft.classification
            && self.draft.audience.includes(&subject.member, &subject.member_groups)
    }

    /// Whether answers are taken on `today` (UTC): published and between the
    /// opening and closing dates, both included.
    pub fn is_open_on(&self, today: time::Date) -> bool {
        self.state == QuestionnaireState::Published
            && parse_iso_date(&self.draft.opens_on).is_some_and(|d| d <= today)
            && parse_iso_date(&self.draft.closes_on).is_some_and(|d| today <= d)
    }

    /// Days from `today` to the closing date (0 on the day itself), while open.
    pub fn days_left(&self, today: time::Date) -> Option<i64> {
        let closes = parse_iso_date(&self.draft.closes_on)?;
        self.is_open_on(today).then(|| (closes - today).whole_days())
    }
}

/// Who designs, publishes and changes a member's questionnaires: its
/// secretariat staff, national focal point and authorising officers.
pub fn designs_questionnaire(subject: &Subject, member: &MemberCode) -> bool {
    subject.member == *member
        && [Role::Secretariat, Role::NationalFocalPoint, Role::AuthorisingOfficer].iter().any(|r| subject.has(*r))
}

#[cfg(test)]
mod tests;
