//! A member's answers to a questionnaire and how they are given: the national
//! focal point answers for its member, may hand a section to a colleague of
//! the same member, and submits the whole; an authorising officer of the
//! member (not the one who submitted) approves it, which releases it, or
//! returns it with a reason. Nothing leaves a member unapproved (seed 002 §32).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{MAX_TEXT_CHARS, Question, QuestionKind, Questionnaire, QuestionnaireDraft, Section};
use crate::item::{Envelope, ItemKind, ItemState, Marking, Originator, Releasability, named_enum};
use crate::marking::{Caveats, Classification, ClassificationScale, Tlp};
use crate::member::MemberCode;
use crate::user::{Role, Subject};
use crate::{Timestamp, ValidationErrors};

/// One answer, its shape set by the question: `true`/`false` (yes/no), a
/// number (number, scale), text (single choice: the option key; free text),
/// a list of option keys (multiple choice; ranking, most important first), or
/// a map item → option key (matrix).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AnswerValue {
    Bool(bool),
    Number(i64),
    Text(String),
    List(Vec<String>),
    Map(BTreeMap<String, String>),
}

impl AnswerValue {
    /// A blank answer is no answer: empty text, list or map.
    pub fn is_blank(&self) -> bool {
        match self {
            AnswerValue::Bool(_) | AnswerValue::Number(_) => false,
            AnswerValue::Text(t) => t.trim().is_empty(),
            AnswerValue::List(l) => l.is_empty(),
            AnswerValue::Map(m) => m.is_empty(),
        }
    }

    /// Whether the answer is one of `values`, as a condition reads it: `yes`
    /// or `no`, the option chosen, or any option ticked.
    fn matches_any(&self, values: &[String]) -> bool {
        let has = |v: &str| values.iter().any(|x| x == v);
        match self {
            AnswerValue::Bool(b) => has(if *b { "yes" } else { "no" }),
            AnswerValue::Text(t) => has(t),
            AnswerValue::List(l) => l.iter().any(|v| has(v)),
            AnswerValue::Number(_) | AnswerValue::Map(_) => false,
        }
    }
}

/// A member's answers by question key.
pub type Answers = BTreeMap<String, AnswerValue>;

impl QuestionnaireDraft {
    /// The keys of the questions asked given `answers`: a question with a
    /// condition is asked when its controlling question is asked and answered
    /// with one of the condition's values.
    pub fn asked(&self, answers: &Answers) -> BTreeSet<String> {
        let mut asked = BTreeSet::new();
        for (_, question) in self.questions() {
            let shown = match &question.show_if {
                None => true,
                Some(c) => {
                    asked.contains(&c.question) && answers.get(&c.question).is_some_and(|a| a.matches_any(&c.any_of))
                }
            };
            if shown {
                asked.insert(question.key.clone());
            }
        }
        asked
    }

    /// Takes `answers` as stored: blank answers and answers to questions not
    /// asked (the member changed the controlling answer) are dropped, text is
    /// trimmed, and every remaining answer is checked against its question.
    /// When `complete`, every required question that is asked must be answered.
    pub fn accept(&self, answers: Answers, complete: bool) -> Result<Answers, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        for key in answers.keys().filter(|k| self.question(k).is_none()) {
            errors.push(format!("answers/{key}"), "is not a question of this questionnaire");
        }
        let asked = self.asked(&answers);
        let kept: Answers = answers
            .into_iter()
            .filter(|(k, a)| asked.contains(k) && !a.is_blank())
            .map(|(k, a)| match a {
                AnswerValue::Text(t) => (k, AnswerValue::Text(t.trim().to_owned())),
                other => (k, other),
            })
            .collect();
        for (_, question) in self.questions() {
            let field = format!("answers/{}", question.key);
            match kept.get(&question.key) {
                Some(answer) => {
                    check_answer(&mut errors, &field, &question.kind, answer, complete && question.required)
                }
                None if complete && question.required && asked.contains(&question.key) => {
                    errors.push(field, "must be answered");
                }
                None => {}
            }
        }
        errors.into_result().map(|()| kept)
    }
}

fn check_answer(errors: &mut ValidationErrors, field: &str, kind: &QuestionKind, answer: &AnswerValue, required: bool) {
    let keys = |choices: &[super::Choice]| choices.iter().map(|c| c.key.clone()).collect::<BTreeSet<_>>();
    let wrong = |errors: &mut ValidationErrors| errors.push(field, format!("is not a {} answer", kind.name()));
    match (kind, answer) {
        (QuestionKind::YesNo, AnswerValue::Bool(_)) => {}
        (QuestionKind::SingleChoice { options }, AnswerValue::Text(t)) => {
            if !keys(options).contains(t) {
                errors.push(field, format!("{t} is not an option"));
            }
        }
        (QuestionKind::MultipleChoice { options }, AnswerValue::List(list))
        | (QuestionKind::Ranking { options, .. }, AnswerValue::List(list)) => {
            let options = keys(options);
            let distinct: BTreeSet<&String> = list.iter().collect();
            if distinct.len() != list.len() {
                errors.push(field, "names an option twice");
            }
            for unknown in list.iter().filter(|v| !options.contains(*v)) {
                errors.push(field, format!("{unknown} is not an option"));
            }
            if let QuestionKind::Ranking { most: Some(most), .. } = kind
                && list.len() > *most
            {
                errors.push(field, format!("rank at most {most} options"));
            }
        }
        (QuestionKind::Number { min, max }, AnswerValue::Number(n)) => {
            if min.is_some_and(|m| *n < m) || max.is_some_and(|m| *n > m) {
                errors.push(field, "is outside the allowed range");
            }
        }
        (QuestionKind::Scale { min, max, .. }, AnswerValue::Number(n)) => {
            if !(*min..=*max).contains(n) {
                errors.push(field, format!("must be a point from {min} to {max}"));
            }
        }
        (QuestionKind::FreeText, AnswerValue::Text(t)) => {
            if t.chars().count() > MAX_TEXT_CHARS {
                errors.push(field, format!("must be at most {MAX_TEXT_CHARS} characters"));
            }
        }
        (QuestionKind::Matrix { items, options }, AnswerValue::Map(map)) => {
            let (items, options) = (keys(items), keys(options));
            for (item, option) in map {
                if !items.contains(item) {
                    errors.push(field, format!("{item} is not an item"));
                } else if !options.contains(option) {
                    errors.push(field, format!("{option} is not an option"));
                }
            }
            if required && items.iter().any(|i| !map.contains_key(i)) {
                errors.push(field, "must be answered for every item");
            }
        }
        _ => wrong(errors),
    }
}

named_enum! {
    /// Where a member's response is: a draft its focal point and delegates
    /// edit; awaiting the authorising officer's approval; submitted (approved,
    /// and released as its markings say).
    ResponseState {
        Draft = "draft",
        AwaitingApproval = "awaiting_approval",
        Submitted = "submitted",
    }
}

/// The markings and release a member's authorising officer gives its answers
/// on approval.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseRelease {
    pub classification: Classification,
    pub tlp: Tlp,
    #[serde(default)]
    pub caveats: Caveats,
    /// Beyond the designing member, which always receives the answers.
    #[serde(default)]
    pub release: Releasability,
}

impl ResponseRelease {
    /// The default: the questionnaire's markings, released to its designer only.
    pub fn of(questionnaire: &QuestionnaireDraft) -> Self {
        ResponseRelease {
            classification: questionnaire.classification,
            tlp: questionnaire.tlp,
            caveats: questionnaire.caveats,
            release: Releasability::default(),
        }
    }

    pub fn validate(&self, scale: &ClassificationScale) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        if self.classification > scale.highest() {
            errors.push("classification", "is above the highest level of this node's scale");
        }
        errors.into_result()
    }
}

/// One member's response.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Response {
    pub id: Uuid,
    pub questionnaire: Uuid,
    pub member: MemberCode,
    /// The organisation of the focal point who started it.
    pub organisation: Uuid,
    pub state: ResponseState,
    pub answers: Answers,
    /// Section key → the colleague who answers it.
    pub delegations: BTreeMap<String, Uuid>,
    #[serde(flatten)]
    pub marking: ResponseRelease,
    /// Why the authorising officer returned it, until it is submitted again.
    pub returned_reason: Option<String>,
    pub submitted_by: Option<Uuid>,
    pub approved_by: Option<Uuid>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub submitted_at: Option<Timestamp>,
}

/// What a user does to a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponseAction {
    /// Saves answers (a draft may be incomplete).
    Save,
    /// The focal point gives a section to a colleague, or takes it back (`None`).
    Delegate { section: String, to: Option<Uuid> },
    /// The focal point sends the complete answers for approval.
    Submit,
    /// An authorising officer approves with the markings and release given.
    Approve(ResponseRelease),
    /// An authorising officer sends it back to the focal point.
    Return { reason: String },
}

impl ResponseAction {
    pub fn name(&self) -> &'static str {
        match self {
            ResponseAction::Save => "saved",
            ResponseAction::Delegate { .. } => "delegated",
            ResponseAction::Submit => "submitted for approval",
            ResponseAction::Approve(_) => "approved",
            ResponseAction::Return { .. } => "returned",
        }
    }
}

/// Why an action on a survey is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SurveyError {
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("the questionnaire is not open for answers today")]
    Closed,
    #[error("a response that is {state} cannot be {action}")]
    WrongState { state: ResponseState, action: &'static str },
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
}

/// Who answers for a member: its national focal point.
pub fn answers_for_member(subject: &Subject, member: &MemberCode) -> bool {
    subject.member == *member && subject.has(Role::NationalFocalPoint)
}

/// Who may be given a section: a colleague of the same member who reads content.
pub fn may_be_delegated(subject: &Subject, member: &MemberCode) -> bool {
    subject.member == *member && subject.reads_content() && !subject.front_line_only()
}

pub const MAX_REASON_CHARS: usize = 2_000;

impl Response {
    /// A new, empty draft of `member`'s response.
    pub fn started(id: Uuid, questionnaire: &Questionnaire, focal_point: &Subject, now: Timestamp) -> Response {
        Response {
            id,
            questionnaire: questionnaire.id,
            member: focal_point.member.clone(),
            organisation: focal_point.organisation,
            state: ResponseState::Draft,
            answers: Answers::new(),
            delegations: BTreeMap::new(),
            marking: ResponseRelease::of(&questionnaire.draft),
            returned_reason: None,
            submitted_by: None,
            approved_by: None,
            created_at: now,
            updated_at: now,
            submitted_at: None,
        }
    }

    /// The sections `subject` may edit: all for the member's focal point, the
    /// delegated ones for a colleague; none for anyone else.
    pub fn editable_sections(&self, questionnaire: &QuestionnaireDraft, subject: &Subject) -> BTreeSet<String> {
        if answers_for_member(subject, &self.member) {
            return questionnaire.sections.iter().map(|s| s.key.clone()).collect();
        }
        if subject.member != self.member {
            return BTreeSet::new();
        }
        self.delegations.iter().filter(|(_, user)| **user == subject.user).map(|(s, _)| s.clone()).collect()
    }

    /// The sections given to a colleague that are not done yet, each with the
    /// colleague: a section is done once a question of it is answered and
    /// every required question of it that is asked is.
    pub fn delegations_not_done<'a>(
        &'a self,
        questionnaire: &'a QuestionnaireDraft,
    ) -> impl Iterator<Item = (&'a Section, Uuid)> + 'a {
        let asked = questionnaire.asked(&self.answers);
        self.delegations.iter().filter_map(move |(key, user)| {
            let section = questionnaire.sections.iter().find(|s| s.key == *key)?;
            let answered = |q: &Question| self.answers.contains_key(&q.key);
            let mut questions = section.questions.iter().filter(|q| asked.contains(&q.key));
            let done = questions.clone().any(answered) && questions.all(|q| !q.required || answered(q));
            (!done).then_some((section, *user))
        })
    }

    /// Whether `subject`, of the responding member, works on the response
    /// before it is released: the focal point, a delegate, an authorising officer.
    pub fn worked_on_by(&self, questionnaire: &QuestionnaireDraft, subject: &Subject) -> bool {
        subject.member == self.member
            && (subject.has(Role::AuthorisingOfficer) || !self.editable_sections(questionnaire, subject).is_empty())
    }

    /// The answers after `subject` saves `incoming`: the answers of the sections
    /// `subject` may edit are replaced by `incoming`'s, the others kept; an
    /// answer to a question of another section is refused.
    pub fn merged_answers(
        &self,
        questionnaire: &QuestionnaireDraft,
        subject: &Subject,
        incoming: Answers,
    ) -> Result<Answers, SurveyError> {
        let sections = self.editable_sections(questionnaire, subject);
        let in_scope = |key: &str| questionnaire.section_of(key).is_none_or(|s| sections.contains(&s.key));
        let mut errors = ValidationErrors::default();
        for key in incoming.keys().filter(|k| !in_scope(k)) {
            errors.push(format!("answers/{key}"), "belongs to a section you were not given");
        }
        errors.into_result()?;
        let mut merged: Answers =
            self.answers.iter().filter(|(k, _)| !in_scope(k)).map(|(k, a)| (k.clone(), a.clone())).collect();
        merged.extend(incoming);
        Ok(merged)
    }

    /// Checks that `subject` may take `action` on `today` and returns the
    /// state it leads to. The store checks what needs data (that a delegate is
    /// a colleague) and stores the answers [`QuestionnaireDraft::accept`] returns.
    pub fn next_state(
        &self,
        questionnaire: &Questionnaire,
        subject: &Subject,
        action: &ResponseAction,
        today: time::Date,
    ) -> Result<ResponseState, SurveyError> {
        use ResponseState::*;
        if !questionnaire.asks(subject) || subject.member != self.member {
            return Err(SurveyError::Forbidden("your member is not asked this questionnaire"));
        }
        if !questionnaire.is_open_on(today) {
            return Err(SurveyError::Closed);
        }
        let wrong = || SurveyError::WrongState { state: self.state, action: action.name() };
        let focal_point = answers_for_member(subject, &self.member);
        match action {
            ResponseAction::Save => {
                if self.editable_sections(&questionnaire.draft, subject).is_empty() {
                    return Err(SurveyError::Forbidden("answers are given by the focal point or a delegate"));
                }
                if self.state == Draft { Ok(Draft) } else { Err(wrong()) }
            }
            ResponseAction::Delegate { section, .. } => {
                if !focal_point {
                    return Err(SurveyError::Forbidden("sections are delegated by the member's focal point"));
                }
                if !questionnaire.draft.sections.iter().any(|s| s.key == *section) {
                    return Err(ValidationErrors::single("section", format!("{section} is not a section")).into());
                }
                if self.state == Draft { Ok(Draft) } else { Err(wrong()) }
            }
            ResponseAction::Submit => {
                if !focal_point {
                    return Err(SurveyError::Forbidden("answers are submitted by the member's focal point"));
                }
                if self.state != Draft {
                    return Err(wrong());
                }
                questionnaire.draft.accept(self.answers.clone(), true)?;
                Ok(AwaitingApproval)
            }
            ResponseAction::Approve(_) | ResponseAction::Return { .. } => {
                if !subject.has(Role::AuthorisingOfficer) {
                    return Err(SurveyError::Forbidden("answers are approved by the member's authorising officer"));
                }
                if self.submitted_by == Some(subject.user) {
                    return Err(SurveyError::Forbidden("answers are approved by an officer who did not submit them"));
                }
                if let ResponseAction::Return { reason } = action {
                    let length = reason.trim().chars().count();
                    if length == 0 || length > MAX_REASON_CHARS {
                        let message = format!("give a reason of 1 to {MAX_REASON_CHARS} characters");
                        return Err(ValidationErrors::single("reason", message).into());
                    }
                }
                if self.state != AwaitingApproval {
                    return Err(wrong());
                }
                Ok(if matches!(action, ResponseAction::Return { .. }) { Draft } else { Submitted })
            }
        }
    }

    /// The envelope the access policy judges for these answers outside the
    /// work on them: released (published) once approved, to the responding
    /// member, the designing member and as the approval released them.
    pub fn envelope(&self, questionnaire: &Questionnaire) -> Envelope {
        let mut release = self.marking.release.clone();
        release.members.insert(questionnaire.member.clone());
        let state = match self.state {
            ResponseState::Draft => ItemState::Draft,
            ResponseState::AwaitingApproval => ItemState::Submitted,
            ResponseState::Submitted => ItemState::Published,
        };
        let by = Originator {
            member: &self.member,
            organisation: self.organisation,
            author: self.submitted_by.unwrap_or(Uuid::nil()),
        };
        let m = &self.marking;
        let marking = Marking {
            category: questionnaire.draft.category,
            classification: m.classification,
            tlp: m.tlp,
            caveats: m.caveats,
            release: &release,
        };
        Envelope::shared(self.id, ItemKind::IntelligenceReport, state, by, marking)
    }
}
