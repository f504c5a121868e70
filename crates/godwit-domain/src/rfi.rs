//! Requests for information (RFIs) between members (issue 5, point 5; seed 003
//! §5.1 lists the countries that ask each other most).
//!
//! A member asks another member, or a group of members, a question with a
//! priority, a due date, a classification and a releasability. The receiving
//! member's contact point (its national focal point, or a user designated as
//! its RFI desk) assigns the request to an analyst, answers it, or declines it
//! with a reason; the requester rates the answer. The answer is an item of
//! kind `rfi_response` with its own markings, so the requester reads it only
//! when the access policy lets it read that item.
//!
//! SECURITY: the request itself is content. [`Rfi::visible_to`] shows it only
//! to readers of content cleared to its classification, of the requesting
//! member, the addressed member or group, or a member or group it is released
//! to. Everything else is denied.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::incident::parse_iso_date;
use crate::item::named_enum;
use crate::marking::{Classification, ClassificationScale};
use crate::member::MemberCode;
use crate::requirement::Priority;
use crate::user::Subject;
use crate::{Timestamp, ValidationErrors};

named_enum! {
    /// Where a request is: open until the receiving contact point assigns it;
    /// answered or declined by the receiving member; closed by the requester
    /// (rating the answer, or withdrawing the request).
    RfiState {
        Open = "open",
        Assigned = "assigned",
        Answered = "answered",
        Declined = "declined",
        Closed = "closed",
    }
}

impl RfiState {
    /// The receiving member still owes an answer.
    pub fn awaits_answer(self) -> bool {
        matches!(self, RfiState::Open | RfiState::Assigned)
    }
}

/// Who is asked: one member, or every member of a group (the first member
/// whose contact point takes the request answers it).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Recipient {
    Member(MemberCode),
    Group(String),
}

impl Recipient {
    /// The member or group code.
    pub fn code(&self) -> &str {
        match self {
            Recipient::Member(m) => m.as_str(),
            Recipient::Group(g) => g,
        }
    }

    /// Whether `subject`'s member is addressed.
    pub fn includes(&self, subject: &Subject) -> bool {
        match self {
            Recipient::Member(m) => *m == subject.member,
            Recipient::Group(g) => subject.member_groups.contains(g),
        }
    }
}

pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_QUESTION_CHARS: usize = 4_000;
pub const MAX_REASON_CHARS: usize = 2_000;

/// What the requester writes.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RfiDraft {
    /// A subject line; notifications carry it.
    pub title: String,
    pub question: String,
    pub priority: Priority,
    /// `YYYY-MM-DD`.
    pub due_on: String,
    /// The rank on the node's classification scale (0: unclassified).
    #[serde(default)]
    pub classification: Classification,
    pub recipient: Recipient,
    /// Other members who may see the request (and its timeline).
    #[serde(default)]
    pub release_members: BTreeSet<MemberCode>,
    /// Groups whose members may see the request.
    #[serde(default)]
    pub release_groups: BTreeSet<String>,
}

impl RfiDraft {
    /// Every fault, by field. `requester` is the asking member; `known_members`
    /// and `known_groups` those of the region.
    pub fn validate(
        &self,
        requester: &MemberCode,
        known_members: &BTreeSet<MemberCode>,
        known_groups: &BTreeSet<String>,
        scale: &ClassificationScale,
    ) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        check_text(&mut errors, "title", &self.title, MAX_TITLE_CHARS);
        check_text(&mut errors, "question", &self.question, MAX_QUESTION_CHARS);
        if parse_iso_date(&self.due_on).is_none() {
            errors.push("due_on", "must be a date YYYY-MM-DD");
        }
        if self.classification > scale.highest() {
            errors.push("classification", "is above the highest level of this node's scale");
        }
        match &self.recipient {
            Recipient::Member(m) if m == requester => errors.push("recipient", "a member does not ask itself"),
            Recipient::Member(m) if !known_members.contains(m) => {
                errors.push("recipient", format!("{m} is not a member of the region"));
            }
            Recipient::Group(g) if !known_groups.contains(g) => {
                errors.push("recipient", format!("{g} is not a group of the region"));
            }
            _ => {}
        }
        for member in self.release_members.iter().filter(|m| !known_members.contains(*m)) {
            errors.push("release_members", format!("{member} is not a member of the region"));
        }
        for group in self.release_groups.iter().filter(|g| !known_groups.contains(*g)) {
            errors.push("release_groups", format!("{group} is not a group of the region"));
        }
        errors.into_result()
    }

    /// The draft with surrounding blanks trimmed, as it is stored.
    pub fn normalised(mut self) -> Self {
        self.title = self.title.trim().to_owned();
        self.question = self.question.trim().to_owned();
        self
    }
}

fn check_text(errors: &mut ValidationErrors, field: &str, text: &str, max: usize) {
    let text = text.trim();
    if text.is_empty() {
        errors.push(field, "must not be empty");
    } else if text.chars().count() > max {
        errors.push(field, format!("must be at most {max} characters"));
    }
}

/// The requester's judgement of an answer.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
// Named apart from the threat `Rating`: the OpenAPI document has one namespace.
#[cfg_attr(feature = "openapi", schema(as = RfiRating))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rating {
    /// 1 (useless) to 5 (fully answered).
    pub score: u8,
    #[serde(default)]
    pub comment: String,
}

/// A request as stored.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rfi {
    pub id: Uuid,
    pub requester_member: MemberCode,
    pub created_by: Uuid,
    #[serde(flatten)]
    pub draft: RfiDraft,
    pub state: RfiState,
    /// The member answering: the addressed member, or the member of a group
    /// whose contact point took the request.
    pub responding_member: Option<MemberCode>,
    pub assignee: Option<Uuid>,
    /// The answer item; shown to a reader only when it may read that item.
    #[serde(skip)]
    pub answer_item: Option<Uuid>,
    #[serde(skip)]
    pub answered_by: Option<Uuid>,
    pub decline_reason: Option<String>,
    pub rating: Option<Rating>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// When it was answered or declined.
    pub responded_at: Option<Timestamp>,
}

/// What a receiving or requesting user does to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RfiAction {
    /// The receiving contact point gives the request to one of its analysts.
    Assign {
        to: Uuid,
    },
    /// The answer is the published item `item` of kind `rfi_response`.
    Answer {
        item: Uuid,
    },
    Decline {
        reason: String,
    },
    /// The requester rates the answer, which closes the request.
    Rate(Rating),
    /// The requester closes the request without rating (withdrawn, or a
    /// decline acknowledged).
    Close,
}

impl RfiAction {
    /// The name of the action in the timeline and the audit trail.
    pub fn name(&self) -> &'static str {
        match self {
            RfiAction::Assign { .. } => "assigned",
            RfiAction::Answer { .. } => "answered",
            RfiAction::Decline { .. } => "declined",
            RfiAction::Rate(_) => "rated",
            RfiAction::Close => "closed",
        }
    }
}

/// Why an action on a request is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RfiError {
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("a request that is {state} cannot be {action}")]
    WrongState { state: RfiState, action: &'static str },
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
}

/// Who may ask: the roles that write content.
pub fn asks(subject: &Subject) -> bool {
    subject.roles.iter().any(|r| r.authors_content())
}

impl Rfi {
    /// A request just asked by `asker` at `now`: open, nobody assigned.
    pub fn asked(id: Uuid, asker: &Subject, draft: RfiDraft, now: Timestamp) -> Rfi {
        Rfi {
            id,
            requester_member: asker.member.clone(),
            created_by: asker.user,
            draft,
            state: RfiState::Open,
            responding_member: None,
            assignee: None,
            answer_item: None,
            answered_by: None,
            decline_reason: None,
            rating: None,
            created_at: now,
            updated_at: now,
            responded_at: None,
        }
    }

    /// Whether `subject` may see the request: a reader of content (not only a
    /// front-line officer) cleared to its classification, of the requesting
    /// member, an addressed member, or a member or group it is released to.
    pub fn visible_to(&self, subject: &Subject) -> bool {
        if !subject.reads_content() || subject.front_line_only() || subject.clearance < self.draft.classification {
            return false;
        }
        subject.member == self.requester_member
            || self.draft.recipient.includes(subject)
            || self.draft.release_members.contains(&subject.member)
            || self.draft.release_groups.iter().any(|g| subject.member_groups.contains(g))
    }

    /// Whether `subject`'s member receives it: addressed, and the responding
    /// member once a contact point took it.
    pub fn received_by(&self, subject: &Subject) -> bool {
        self.draft.recipient.includes(subject) && self.responding_member.as_ref().is_none_or(|m| *m == subject.member)
    }

    /// Whether `subject` speaks for the requesting member.
    pub fn requested_by(&self, subject: &Subject) -> bool {
        subject.member == self.requester_member && asks(subject)
    }

    /// Open or assigned past its due date (`today`, UTC).
    pub fn is_overdue(&self, today: time::Date) -> bool {
        self.state.awaits_answer() && parse_iso_date(&self.draft.due_on).is_some_and(|due| due < today)
    }

    /// Checks that `subject` may take `action` now and returns the state it
    /// leads to. `contact_point` says whether `subject` is a contact point of
    /// its member (national focal point or designated RFI desk). The store
    /// checks what needs data: the assignee, the answer item.
    pub fn next_state(&self, subject: &Subject, contact_point: bool, action: &RfiAction) -> Result<RfiState, RfiError> {
        use RfiState::*;
        if !self.visible_to(subject) {
            return Err(RfiError::Forbidden("the request is not visible to you"));
        }
        let receiving_contact = contact_point && self.received_by(subject);
        let assignee = self.assignee == Some(subject.user) && self.received_by(subject);
        let wrong = || RfiError::WrongState { state: self.state, action: action.name() };
        match action {
            RfiAction::Assign { .. } => {
                if !receiving_contact {
                    return Err(RfiError::Forbidden("requests are assigned by the receiving member's contact point"));
                }
                if self.state.awaits_answer() { Ok(Assigned) } else { Err(wrong()) }
            }
            RfiAction::Answer { .. } => {
                if !(receiving_contact || assignee) {
                    return Err(RfiError::Forbidden("requests are answered by the assignee or the contact point"));
                }
                if self.state.awaits_answer() { Ok(Answered) } else { Err(wrong()) }
            }
            RfiAction::Decline { reason } => {
                if !(receiving_contact || assignee) {
                    return Err(RfiError::Forbidden("requests are declined by the assignee or the contact point"));
                }
                let reason = reason.trim();
                if reason.is_empty() || reason.chars().count() > MAX_REASON_CHARS {
                    return Err(ValidationErrors::single(
                        "reason",
                        format!("give a reason of 1 to {MAX_REASON_CHARS} characters"),
                    )
                    .into());
                }
                if self.state.awaits_answer() { Ok(Declined) } else { Err(wrong()) }
            }
            RfiAction::Rate(rating) => {
                if !self.requested_by(subject) {
                    return Err(RfiError::Forbidden("answers are rated by the requesting member"));
                }
                let mut errors = ValidationErrors::default();
                if !(1..=5).contains(&rating.score) {
                    errors.push("score", "must be 1 to 5");
                }
                if rating.comment.chars().count() > MAX_REASON_CHARS {
                    errors.push("comment", format!("must be at most {MAX_REASON_CHARS} characters"));
                }
                errors.into_result()?;
                if self.state == Answered { Ok(Closed) } else { Err(wrong()) }
            }
            RfiAction::Close => {
                if !self.requested_by(subject) {
                    return Err(RfiError::Forbidden("requests are closed by the requesting member"));
                }
                if self.state == Closed { Err(wrong()) } else { Ok(Closed) }
            }
        }
    }
}

/// Whether `subject` may be given a request to answer: an author of content
/// (analyst, authorising officer, focal point) of a receiving member who may see it.
pub fn may_be_assigned(rfi: &Rfi, subject: &Subject) -> bool {
    rfi.visible_to(subject) && rfi.received_by(subject) && asks(subject)
}

/// The median of `values` (the mean of the middle two for an even count).
pub fn median(values: &mut [i64]) -> Option<i64> {
    values.sort_unstable();
    let n = values.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => values.get(n / 2).copied(),
        _ => Some((values.get(n / 2 - 1)? + values.get(n / 2)?) / 2),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::user::Role;

    fn code(c: &str) -> MemberCode {
        MemberCode(c.into())
    }

    fn subject(user: u128, member: &str, roles: &[Role], groups: &[&str]) -> Subject {
        Subject {
            user: Uuid::from_u128(user),
            member: code(member),
            organisation: Uuid::nil(),
            roles: roles.iter().copied().collect(),
            clearance: Classification(1),
            member_groups: groups.iter().map(|g| (*g).to_owned()).collect(),
        }
    }

    fn draft() -> RfiDraft {
        RfiDraft {
            title: "Passports in series K4".into(),
            question: "Were passports K4000100 to K4000199 issued?".into(),
            priority: Priority::High,
            due_on: "2026-12-01".into(),
            classification: Classification(1),
            recipient: Recipient::Group("PIDC".into()),
            release_members: BTreeSet::new(),
            release_groups: BTreeSet::new(),
        }
    }

    fn rfi() -> Rfi {
        Rfi::asked(Uuid::nil(), &subject(1, "NZL", &[Role::Analyst], &[]), draft(), Timestamp(0))
    }

    #[test]
    fn faults_are_named_by_field() {
        let known = BTreeSet::from([code("NZL"), code("FJI")]);
        let groups = BTreeSet::from(["PIDC".to_string()]);
        let scale = ClassificationScale::default();
        assert_eq!(draft().validate(&code("NZL"), &known, &groups, &scale), Ok(()));
        let bad = RfiDraft {
            title: " ".into(),
            due_on: "tomorrow".into(),
            classification: Classification(9),
            recipient: Recipient::Member(code("NZL")),
            release_groups: BTreeSet::from(["NOPE".to_string()]),
            ..draft()
        };
        let errors = bad.validate(&code("NZL"), &known, &groups, &scale).expect_err("faults");
        let fields: Vec<String> = errors.0.into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["title", "due_on", "classification", "recipient", "release_groups"]);
    }

    #[test]
    fn seen_by_requester_recipients_and_release_only() {
        let mut r = rfi();
        r.draft.release_members.insert(code("AUS"));
        assert!(r.visible_to(&subject(2, "NZL", &[Role::Analyst], &[])));
        assert!(r.visible_to(&subject(2, "FJI", &[Role::Analyst], &["PIDC"])));
        assert!(r.visible_to(&subject(2, "AUS", &[Role::Analyst], &[])));
        assert!(!r.visible_to(&subject(2, "IDN", &[Role::Analyst], &["BALI"])));
        assert!(!r.visible_to(&subject(2, "NZL", &[Role::Auditor], &[])));
        assert!(!r.visible_to(&subject(2, "NZL", &[Role::FrontLineOfficer], &[])));
        let mut low = subject(2, "NZL", &[Role::Analyst], &[]);
        low.clearance = Classification(0);
        assert!(!r.visible_to(&low));
    }

    #[test]
    fn lifecycle_by_role() {
        let mut r = rfi();
        let fiji_nfp = subject(3, "FJI", &[Role::NationalFocalPoint], &["PIDC"]);
        let fiji_analyst = subject(4, "FJI", &[Role::Analyst], &["PIDC"]);
        let asker = subject(1, "NZL", &[Role::Analyst], &[]);
        let assign = RfiAction::Assign { to: fiji_analyst.user };
        // Only a contact point of a receiving member assigns.
        assert!(matches!(r.next_state(&fiji_analyst, false, &assign), Err(RfiError::Forbidden(_))));
        assert!(matches!(r.next_state(&asker, true, &assign), Err(RfiError::Forbidden(_))));
        assert_eq!(r.next_state(&fiji_nfp, true, &assign), Ok(RfiState::Assigned));
        r.state = RfiState::Assigned;
        r.assignee = Some(fiji_analyst.user);
        r.responding_member = Some(code("FJI"));
        // Another member of the group no longer receives it.
        let tonga = subject(5, "TON", &[Role::NationalFocalPoint], &["PIDC"]);
        assert!(matches!(r.next_state(&tonga, true, &assign), Err(RfiError::Forbidden(_))));
        let empty = RfiAction::Decline { reason: "  ".into() };
        assert!(matches!(r.next_state(&fiji_analyst, false, &empty), Err(RfiError::Invalid(_))));
        let answer = RfiAction::Answer { item: Uuid::from_u128(9) };
        assert_eq!(r.next_state(&fiji_analyst, false, &answer), Ok(RfiState::Answered));
        r.state = RfiState::Answered;
        assert!(matches!(r.next_state(&fiji_analyst, false, &answer), Err(RfiError::WrongState { .. })));
        let rate = RfiAction::Rate(Rating { score: 6, comment: String::new() });
        assert!(matches!(r.next_state(&asker, false, &rate), Err(RfiError::Invalid(_))));
        let rate = RfiAction::Rate(Rating { score: 4, comment: "useful".into() });
        assert!(matches!(r.next_state(&fiji_nfp, true, &rate), Err(RfiError::Forbidden(_))));
        assert_eq!(r.next_state(&asker, false, &rate), Ok(RfiState::Closed));
    }

    #[test]
    fn overdue_only_while_awaiting_an_answer() {
        let mut r = rfi();
        let day = |d: &str| parse_iso_date(d).expect("a date");
        assert!(!r.is_overdue(day("2026-12-01")));
        assert!(r.is_overdue(day("2026-12-02")));
        r.state = RfiState::Declined;
        assert!(!r.is_overdue(day("2026-12-02")));
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [5, 1, 3]), Some(3));
        assert_eq!(median(&mut [4, 1, 3, 2]), Some(2));
    }
}
