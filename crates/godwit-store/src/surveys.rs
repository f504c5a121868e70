//! Member capacity surveys: questionnaires, each member's response and its
//! workflow, the findings as a viewer may see them, and reminders before the
//! closing date (rules in `godwit_domain::survey`).
//!
//! SECURITY: a questionnaire is read by its audience (to answer it) and by
//! those the access policy lets read its envelope (its findings). A response
//! is read, before approval, only by the people of its member who work on it;
//! after approval only through `decide` on its envelope. Findings follow the
//! disclosure rule of `godwit_domain::survey::findings`: counts, individual
//! answers and free text come only from responses released to the viewer. Reads of
//! classified questionnaires, findings and answers are audited; every step of
//! a response is audited. Questionnaires are few, so they are judged in Rust.

use std::collections::{BTreeMap, BTreeSet};

use godwit_domain::member::MemberCode;
use godwit_domain::policy::decide;
use godwit_domain::survey::answers::{
    Answers, Response, ResponseAction, ResponseState, SurveyError, answers_for_member, may_be_delegated,
};
use godwit_domain::survey::findings::{Findings, Respondent, RoundChange, compare, findings};
use godwit_domain::survey::{Questionnaire, QuestionnaireDraft, QuestionnaireState, designs_questionnaire};
use godwit_domain::user::Subject;
use godwit_domain::{Timestamp, ValidationErrors};
use sea_query::{Expr, ExprTrait, Order, Query};
use serde::Serialize;
use uuid::Uuid;

use crate::audit::{self, AuditEvent};
use crate::error::corrupt;
use crate::notices::{Notice, NoticeKind};
use crate::schema::{SurveyQuestionnaires, SurveyResponses};
use crate::{Store, StoreError, parse_uuid};

/// How many days before the closing date members that have not submitted are reminded.
pub const REMIND_DAYS_BEFORE_CLOSE: i64 = 7;

impl From<SurveyError> for StoreError {
    fn from(e: SurveyError) -> Self {
        match e {
            SurveyError::Forbidden(why) => StoreError::Forbidden(why.into()),
            SurveyError::Closed | SurveyError::WrongState { .. } => StoreError::Conflict(e.to_string()),
            SurveyError::Invalid(errors) => StoreError::Invalid(errors),
        }
    }
}

/// A questionnaire as `subject` sees it in a list.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct QuestionnaireListed {
    pub id: Uuid,
    pub member: MemberCode,
    pub title: String,
    pub round: String,
    pub state: QuestionnaireState,
    pub opens_on: String,
    pub closes_on: String,
    /// Whether the viewer's member is asked to answer it.
    pub asked: bool,
    /// The viewer's member's response, if one was started.
    pub response_state: Option<ResponseState>,
    /// Whether the findings are released to the viewer.
    pub findings_released: bool,
    /// Submitted responses, counted only where the findings are released.
    pub responses: Option<usize>,
}

/// A submitted response released to the viewer, with its answers.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct ReleasedAnswers {
    pub member: MemberCode,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub answers: Answers,
    pub submitted_at: Option<Timestamp>,
}

/// The findings of a questionnaire as a viewer may see them.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct FindingsView {
    pub questionnaire: Questionnaire,
    pub findings: Findings,
    /// Members asked (named, and members of the groups named).
    pub asked: usize,
    /// The earlier round, as the viewer sees it, when there is one it may read.
    pub previous_round: Option<Uuid>,
    pub changes: Vec<RoundChange>,
    /// Each response released to the viewer, by member.
    pub released: Vec<ReleasedAnswers>,
}

#[derive(sqlx::FromRow)]
struct QuestionnaireRow {
    id: String,
    member: String,
    organisation: String,
    created_by: String,
    state: String,
    definition: String,
    created_at: i64,
    updated_at: i64,
}

const QUESTIONNAIRE_COLUMNS: [SurveyQuestionnaires; 9] = [
    SurveyQuestionnaires::Id,
    SurveyQuestionnaires::Member,
    SurveyQuestionnaires::Organisation,
    SurveyQuestionnaires::CreatedBy,
    SurveyQuestionnaires::State,
    SurveyQuestionnaires::ClosesOn,
    SurveyQuestionnaires::Definition,
    SurveyQuestionnaires::CreatedAt,
    SurveyQuestionnaires::UpdatedAt,
];

/// What a row is read back from: the closing date is a copy of the
/// definition's, kept as a column to order by.
const READ_COLUMNS: [SurveyQuestionnaires; 8] = [
    SurveyQuestionnaires::Id,
    SurveyQuestionnaires::Member,
    SurveyQuestionnaires::Organisation,
    SurveyQuestionnaires::CreatedBy,
    SurveyQuestionnaires::State,
    SurveyQuestionnaires::Definition,
    SurveyQuestionnaires::CreatedAt,
    SurveyQuestionnaires::UpdatedAt,
];

fn json<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|_| corrupt("survey", what, text))
}

fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
}

impl TryFrom<QuestionnaireRow> for Questionnaire {
    type Error = StoreError;

    fn try_from(row: QuestionnaireRow) -> Result<Self, StoreError> {
        Ok(Questionnaire {
            id: parse_uuid(&row.id)?,
            member: MemberCode(row.member),
            organisation: parse_uuid(&row.organisation)?,
            created_by: parse_uuid(&row.created_by)?,
            state: QuestionnaireState::parse(&row.state).ok_or_else(|| corrupt("survey", "state", &row.state))?,
            draft: json("definition", &row.definition)?,
            created_at: Timestamp(row.created_at),
            updated_at: Timestamp(row.updated_at),
        })
    }
}

#[derive(sqlx::FromRow)]
struct ResponseRow {
    id: String,
    questionnaire_id: String,
    member: String,
    organisation: String,
    state: String,
    answers: String,
    delegations: String,
    marking: String,
    returned_reason: Option<String>,
    submitted_by: Option<String>,
    approved_by: Option<String>,
    created_at: i64,
    updated_at: i64,
    submitted_at: Option<i64>,
}

const RESPONSE_COLUMNS: [SurveyResponses; 14] = [
    SurveyResponses::Id,
    SurveyResponses::QuestionnaireId,
    SurveyResponses::Member,
    SurveyResponses::Organisation,
    SurveyResponses::State,
    SurveyResponses::Answers,
    SurveyResponses::Delegations,
    SurveyResponses::Marking,
    SurveyResponses::ReturnedReason,
    SurveyResponses::SubmittedBy,
    SurveyResponses::ApprovedBy,
    SurveyResponses::CreatedAt,
    SurveyResponses::UpdatedAt,
    SurveyResponses::SubmittedAt,
];

fn opt_uuid(text: Option<String>) -> Result<Option<Uuid>, StoreError> {
    text.as_deref().map(parse_uuid).transpose()
}

impl TryFrom<ResponseRow> for Response {
    type Error = StoreError;

    fn try_from(row: ResponseRow) -> Result<Self, StoreError> {
        Ok(Response {
            id: parse_uuid(&row.id)?,
            questionnaire: parse_uuid(&row.questionnaire_id)?,
            member: MemberCode(row.member),
            organisation: parse_uuid(&row.organisation)?,
            state: ResponseState::parse(&row.state).ok_or_else(|| corrupt("survey", "response state", &row.state))?,
            answers: json("answers", &row.answers)?,
            delegations: json("delegations", &row.delegations)?,
            marking: json("marking", &row.marking)?,
            returned_reason: row.returned_reason,
            submitted_by: opt_uuid(row.submitted_by)?,
            approved_by: opt_uuid(row.approved_by)?,
            created_at: Timestamp(row.created_at),
            updated_at: Timestamp(row.updated_at),
            submitted_at: row.submitted_at.map(Timestamp),
        })
    }
}

fn response_values(r: &Response) -> [sea_query::SimpleExpr; 14] {
    [
        r.id.to_string().into(),
        r.questionnaire.to_string().into(),
        r.member.as_str().into(),
        r.organisation.to_string().into(),
        r.state.as_str().into(),
        to_json(&r.answers).into(),
        to_json(&r.delegations).into(),
        to_json(&r.marking).into(),
        r.returned_reason.clone().into(),
        r.submitted_by.map(|u| u.to_string()).into(),
        r.approved_by.map(|u| u.to_string()).into(),
        r.created_at.0.into(),
        r.updated_at.0.into(),
        r.submitted_at.map(|t| t.0).into(),
    ]
}

fn forbidden(message: &str) -> StoreError {
    StoreError::Forbidden(message.into())
}

/// Who may see `questionnaire` at all: its designers (drafts included),
/// the members asked, and those its findings are released to.
fn sees(subject: &Subject, questionnaire: &Questionnaire, findings_released: bool) -> bool {
    (designs_questionnaire(subject, &questionnaire.member) && subject.clearance >= questionnaire.draft.classification)
        || questionnaire.asks(subject)
        || findings_released
}

impl Store {
    /// Every questionnaire, WITHOUT any policy check: for this module's own use.
    async fn all_questionnaires(&self) -> Result<Vec<Questionnaire>, StoreError> {
        let rows: Vec<QuestionnaireRow> = self
            .pool
            .target()
            .fetch_all(
                Query::select()
                    .columns(READ_COLUMNS)
                    .from(SurveyQuestionnaires::Table)
                    .order_by(SurveyQuestionnaires::ClosesOn, Order::Desc),
            )
            .await?;
        rows.into_iter().map(Questionnaire::try_from).collect()
    }

    /// The responses to `questionnaire`, WITHOUT any policy check.
    async fn all_responses(&self, questionnaire: Uuid) -> Result<Vec<Response>, StoreError> {
        let rows: Vec<ResponseRow> = self
            .pool
            .target()
            .fetch_all(
                Query::select()
                    .columns(RESPONSE_COLUMNS)
                    .from(SurveyResponses::Table)
                    .and_where(Expr::col(SurveyResponses::QuestionnaireId).eq(questionnaire.to_string()))
                    .order_by(SurveyResponses::Member, Order::Asc),
            )
            .await?;
        rows.into_iter().map(Response::try_from).collect()
    }

    /// The questionnaires `subject` may see, latest closing first.
    pub async fn questionnaires(&self, subject: &Subject) -> Result<Vec<QuestionnaireListed>, StoreError> {
        let agreements = self.agreements().await?;
        let now = self.clock().now();
        let mut out = Vec::new();
        for q in self.all_questionnaires().await? {
            let findings_released = decide(subject, &q.envelope(), &agreements, now).is_allowed();
            if !sees(subject, &q, findings_released) {
                continue;
            }
            let responses = self.all_responses(q.id).await?;
            let own = responses.iter().find(|r| r.member == subject.member);
            let submitted = responses.iter().filter(|r| r.state == ResponseState::Submitted).count();
            out.push(QuestionnaireListed {
                id: q.id,
                member: q.member.clone(),
                title: q.draft.title.clone(),
                round: q.draft.round.clone(),
                state: q.state,
                opens_on: q.draft.opens_on.clone(),
                closes_on: q.draft.closes_on.clone(),
                asked: q.asks(subject),
                response_state: own.map(|r| r.state),
                findings_released,
                responses: findings_released.then_some(submitted),
            });
        }
        Ok(out)
    }

    /// One questionnaire; not found when `subject` may not see it. Reads
    /// above the lowest classification are audited as `survey.read`.
    pub async fn questionnaire(&self, subject: &Subject, id: Uuid) -> Result<Questionnaire, StoreError> {
        let q = self.questionnaire_unchecked(id).await?;
        let findings_released =
            decide(subject, &q.envelope(), &self.agreements().await?, self.clock().now()).is_allowed();
        if !sees(subject, &q, findings_released) {
            return Err(StoreError::NotFound("questionnaire"));
        }
        if q.draft.classification > godwit_domain::marking::Classification::LOWEST {
            self.record(&[AuditEvent::new("survey.read").by(subject.user, &subject.member).on(q.id)]).await?;
        }
        Ok(q)
    }

    async fn questionnaire_unchecked(&self, id: Uuid) -> Result<Questionnaire, StoreError> {
        let row: Option<QuestionnaireRow> = self
            .pool
            .target()
            .fetch_optional(
                Query::select()
                    .columns(READ_COLUMNS)
                    .from(SurveyQuestionnaires::Table)
                    .and_where(Expr::col(SurveyQuestionnaires::Id).eq(id.to_string())),
            )
            .await?;
        row.ok_or(StoreError::NotFound("questionnaire"))?.try_into()
    }

    async fn check_draft(&self, subject: &Subject, draft: &QuestionnaireDraft) -> Result<(), StoreError> {
        let members: BTreeSet<MemberCode> = self.members().await?.into_iter().map(|m| m.code).collect();
        let groups: BTreeSet<String> = self.groups().await?.into_iter().map(|g| g.code).collect();
        draft.validate(&members, &groups, &self.scale())?;
        if draft.classification > subject.clearance {
            return Err(StoreError::Invalid(ValidationErrors::single("classification", "is above your clearance")));
        }
        Ok(())
    }

    /// Designs a questionnaire as a draft; by the secretariat, national focal
    /// point or authorising officers of `subject`'s member. Audited as `survey.create`.
    pub async fn create_questionnaire(
        &self,
        subject: &Subject,
        draft: QuestionnaireDraft,
    ) -> Result<Questionnaire, StoreError> {
        if !designs_questionnaire(subject, &subject.member) {
            return Err(forbidden(
                "questionnaires are designed by the secretariat, focal points and authorising officers",
            ));
        }
        let draft = draft.normalised();
        self.check_draft(subject, &draft).await?;
        let now = self.clock().now();
        let q = Questionnaire {
            id: Uuid::now_v7(),
            member: subject.member.clone(),
            organisation: subject.organisation,
            created_by: subject.user,
            state: QuestionnaireState::Draft,
            draft,
            created_at: now,
            updated_at: now,
        };
        let mut tx = self.pool.begin().await?;
        tx.target()
            .execute(
                Query::insert().into_table(SurveyQuestionnaires::Table).columns(QUESTIONNAIRE_COLUMNS).values_panic([
                    q.id.to_string().into(),
                    q.member.as_str().into(),
                    q.organisation.to_string().into(),
                    q.created_by.to_string().into(),
                    q.state.as_str().into(),
                    q.draft.closes_on.as_str().into(),
                    to_json(&q.draft).into(),
                    now.0.into(),
                    now.0.into(),
                ]),
            )
            .await?;
        audit::append(
            &mut tx,
            now,
            &[AuditEvent::new("survey.create").by(subject.user, &subject.member).on(q.id).with(serde_json::json!({
                "title": q.draft.title,
                "audience": q.draft.audience,
                "release": q.draft.release,
            }))],
        )
        .await?;
        tx.commit().await?;
        Ok(q)
    }

    /// Replaces a draft questionnaire's design, or publishes it (`publish`)
    /// to its audience, once every section has a question; by its member's
    /// designers. Once published, only the dates, markings, release of the
    /// findings and the themes of free-text questions may change (the
    /// questions stay as members answer them). Audited as `survey.update` or
    /// `survey.publish`.
    pub async fn update_questionnaire(
        &self,
        subject: &Subject,
        id: Uuid,
        draft: QuestionnaireDraft,
        publish: bool,
    ) -> Result<Questionnaire, StoreError> {
        let current = self.questionnaire(subject, id).await?;
        if !designs_questionnaire(subject, &current.member) {
            return Err(forbidden("a questionnaire is changed by its member's designers"));
        }
        let draft = draft.normalised();
        if current.state == QuestionnaireState::Published
            && (!draft.asks_as(&current.draft) || draft.audience != current.draft.audience)
        {
            return Err(StoreError::Conflict("the questions and audience of a published questionnaire stay".into()));
        }
        self.check_draft(subject, &draft).await?;
        if publish {
            draft.check_publishable()?;
        }
        let now = self.clock().now();
        let state = if publish { QuestionnaireState::Published } else { current.state };
        let next = Questionnaire { state, draft, updated_at: now, ..current.clone() };
        let mut tx = self.pool.begin().await?;
        let changed = tx
            .target()
            .execute(
                Query::update()
                    .table(SurveyQuestionnaires::Table)
                    .values([
                        (SurveyQuestionnaires::State, next.state.as_str().into()),
                        (SurveyQuestionnaires::ClosesOn, next.draft.closes_on.as_str().into()),
                        (SurveyQuestionnaires::Definition, to_json(&next.draft).into()),
                        (SurveyQuestionnaires::UpdatedAt, now.0.into()),
                    ])
                    .and_where(Expr::col(SurveyQuestionnaires::Id).eq(id.to_string()))
                    .and_where(Expr::col(SurveyQuestionnaires::UpdatedAt).eq(current.updated_at.0)),
            )
            .await?;
        if changed == 0 {
            return Err(StoreError::Conflict("the questionnaire changed meanwhile; reload it".into()));
        }
        let action =
            if publish && current.state == QuestionnaireState::Draft { "survey.publish" } else { "survey.update" };
        audit::append(
            &mut tx,
            now,
            &[AuditEvent::new(action).by(subject.user, &subject.member).on(id).with(serde_json::json!({
                "closes_on": next.draft.closes_on,
                "classification": next.draft.classification,
                "release": next.draft.release,
            }))],
        )
        .await?;
        tx.commit().await?;
        Ok(next)
    }

    /// `subject`'s member's response to `questionnaire`, if one was started
    /// and `subject` may read it: the people working on it before approval,
    /// afterwards anyone of the member the policy lets read it.
    pub async fn survey_response(
        &self,
        subject: &Subject,
        questionnaire: Uuid,
    ) -> Result<Option<Response>, StoreError> {
        let q = self.questionnaire(subject, questionnaire).await?;
        let found = self.all_responses(q.id).await?.into_iter().find(|r| r.member == subject.member);
        let agreements = self.agreements().await?;
        let now = self.clock().now();
        Ok(found.filter(|r| {
            r.worked_on_by(&q.draft, subject) || decide(subject, &r.envelope(&q), &agreements, now).is_allowed()
        }))
    }

    /// Takes a step on `subject`'s member's response: save answers (merged
    /// into the sections `subject` may edit; the focal point's first save
    /// starts the response), delegate a section, submit, approve or return.
    /// Audited as `survey.response.saved` and so on; the member's authorising
    /// officers are told of a submission, the focal point of a return, a
    /// delegate of the section given.
    pub async fn act_on_survey_response(
        &self,
        subject: &Subject,
        questionnaire: Uuid,
        action: ResponseAction,
        answers: Answers,
    ) -> Result<Response, StoreError> {
        let q = self.questionnaire(subject, questionnaire).await?;
        let today = self.clock().now().to_datetime().date();
        let now = self.clock().now();
        let existing = self.all_responses(q.id).await?.into_iter().find(|r| r.member == subject.member);
        let (current, is_new) = match existing {
            Some(r) => (r, false),
            None if answers_for_member(subject, &subject.member) => {
                (Response::started(Uuid::now_v7(), &q, subject, now), true)
            }
            None => return Err(forbidden("a response is started by the member's national focal point")),
        };
        let state = current.next_state(&q, subject, &action, today)?;
        let mut next = Response { state, updated_at: now, ..current.clone() };
        let mut told: Vec<Uuid> = Vec::new();
        let detail = match &action {
            ResponseAction::Save => {
                let merged = current.merged_answers(&q.draft, subject, answers)?;
                next.answers = q.draft.accept(merged, false)?;
                serde_json::json!({ "questions": next.answers.len() })
            }
            ResponseAction::Delegate { section, to } => {
                match to {
                    Some(user) => {
                        let record = self.user(*user).await.map_err(|_| invalid("to", "is not a user"))?;
                        let colleague = self.subject_for(&record.user).await?;
                        if record.user.disabled || !may_be_delegated(&colleague, &current.member) || !q.asks(&colleague)
                        {
                            return Err(invalid(
                                "to",
                                "must be a colleague of your member who may read the questionnaire",
                            ));
                        }
                        next.delegations.insert(section.clone(), *user);
                        told.push(*user);
                    }
                    None => {
                        next.delegations.remove(section);
                    }
                }
                serde_json::json!({ "section": section, "to": to })
            }
            ResponseAction::Submit => {
                next.submitted_by = Some(subject.user);
                next.returned_reason = None;
                told.extend(self.member_officers(&current.member, &q).await?);
                serde_json::json!({})
            }
            ResponseAction::Approve(release) => {
                release.validate(&self.scale())?;
                if release.classification > subject.clearance {
                    return Err(invalid("classification", "is above your clearance"));
                }
                next.marking = release.clone();
                next.approved_by = Some(subject.user);
                next.submitted_at = Some(now);
                serde_json::json!({ "classification": release.classification, "tlp": release.tlp, "release": release.release })
            }
            ResponseAction::Return { reason } => {
                next.returned_reason = Some(reason.trim().to_owned());
                told.extend(current.submitted_by);
                serde_json::json!({ "reason": reason.trim() })
            }
        };
        told.retain(|u| *u != subject.user);
        let mut tx = self.pool.begin().await?;
        if is_new {
            tx.target()
                .execute(
                    Query::insert()
                        .into_table(SurveyResponses::Table)
                        .columns(RESPONSE_COLUMNS)
                        .values_panic(response_values(&next)),
                )
                .await
                .map_err(|e| e.unique_as_conflict("a response of your member"))?;
        } else {
            let values: Vec<(SurveyResponses, sea_query::SimpleExpr)> =
                RESPONSE_COLUMNS.into_iter().zip(response_values(&next)).skip(1).collect();
            let changed = tx
                .target()
                .execute(
                    Query::update()
                        .table(SurveyResponses::Table)
                        .values(values)
                        .and_where(Expr::col(SurveyResponses::Id).eq(current.id.to_string()))
                        // Compare-and-set: a concurrent step makes this one a conflict.
                        .and_where(Expr::col(SurveyResponses::UpdatedAt).eq(current.updated_at.0)),
                )
                .await?;
            if changed == 0 {
                return Err(StoreError::Conflict("the response changed meanwhile; reload it".into()));
            }
        }
        let name = action_key(&action);
        let notices: Vec<Notice> = told
            .iter()
            .map(|user| Notice {
                user: *user,
                kind: NoticeKind::Survey,
                topic: format!("survey:{}:{}:{name}:{}", q.id, next.member, now.0),
                about: q.id,
                title: format!("{}'s answers to \"{}\" {}", next.member, q.draft.title, action.name()),
            })
            .collect();
        crate::notices::record(&mut tx, now, &notices).await?;
        let mut detail = detail;
        if let Some(object) = detail.as_object_mut() {
            object.insert("questionnaire".into(), serde_json::json!(q.id));
            object.insert("notified".into(), serde_json::json!(told));
        }
        audit::append(
            &mut tx,
            now,
            &[AuditEvent::new(&format!("survey.response.{name}"))
                .by(subject.user, &subject.member)
                .on(next.id)
                .with(detail)],
        )
        .await?;
        tx.commit().await?;
        Ok(next)
    }

    /// The authorising officers of `member` who may read `q`.
    async fn member_officers(&self, member: &MemberCode, q: &Questionnaire) -> Result<Vec<Uuid>, StoreError> {
        let mut out = Vec::new();
        for user in self.users(Some(member)).await? {
            let subject = self.subject_for(&user).await?;
            if !user.disabled && subject.has(godwit_domain::user::Role::AuthorisingOfficer) && q.asks(&subject) {
                out.push(user.id);
            }
        }
        Ok(out)
    }

    /// The findings of a questionnaire as `subject` may see them (the
    /// disclosure rule of `godwit_domain::survey::findings`), compared with
    /// the earlier round when `subject` may see that too. Audited as
    /// `survey.findings` with the members whose answers were shown.
    pub async fn survey_findings(&self, subject: &Subject, id: Uuid) -> Result<FindingsView, StoreError> {
        let q = self.questionnaire(subject, id).await?;
        let (findings, released) = self.findings_of(subject, &q).await?;
        let earlier = match q.draft.previous_round {
            Some(previous) => match self.questionnaire(subject, previous).await {
                Ok(earlier) => Some(self.findings_of(subject, &earlier).await?.0),
                Err(StoreError::NotFound(_)) => None,
                Err(e) => return Err(e),
            },
            None => None,
        };
        let changes = earlier.as_ref().map(|e| compare(&findings, e)).unwrap_or_default();
        let groups = self.groups().await?;
        let mut asked: BTreeSet<&MemberCode> = q.draft.audience.members.iter().collect();
        for group in groups.iter().filter(|g| q.draft.audience.groups.contains(&g.code)) {
            asked.extend(group.members.iter());
        }
        let asked = asked.len();
        self.record(&[AuditEvent::new("survey.findings").by(subject.user, &subject.member).on(q.id).with(
            serde_json::json!({
                "responding": findings.responding,
                "answers_of": released.iter().map(|r| &r.member).collect::<Vec<_>>(),
            }),
        )])
        .await?;
        Ok(FindingsView {
            previous_round: earlier.map(|_| q.draft.previous_round).unwrap_or_default(),
            questionnaire: q,
            findings,
            asked,
            changes,
            released,
        })
    }

    /// The findings of `q` for `subject`, and the responses released to it.
    async fn findings_of(
        &self,
        subject: &Subject,
        q: &Questionnaire,
    ) -> Result<(Findings, Vec<ReleasedAnswers>), StoreError> {
        let agreements = self.agreements().await?;
        let now = self.clock().now();
        let findings_released = decide(subject, &q.envelope(), &agreements, now).is_allowed();
        let submitted: Vec<Response> =
            self.all_responses(q.id).await?.into_iter().filter(|r| r.state == ResponseState::Submitted).collect();
        let released: Vec<bool> =
            submitted.iter().map(|r| decide(subject, &r.envelope(q), &agreements, now).is_allowed()).collect();
        let respondents: Vec<Respondent> = submitted
            .iter()
            .zip(&released)
            .map(|(r, released)| Respondent { member: &r.member, answers: &r.answers, released: *released })
            .collect();
        let findings = findings(&q.draft, &respondents, findings_released);
        let released = submitted
            .iter()
            .zip(released)
            .filter(|(_, released)| *released)
            .map(|(r, _)| ReleasedAnswers {
                member: r.member.clone(),
                answers: r.answers.clone(),
                submitted_at: r.submitted_at,
            })
            .collect();
        Ok((findings, released))
    }

    /// Reminds the people of members asked whose answers are not submitted,
    /// once a questionnaire closes within [`REMIND_DAYS_BEFORE_CLOSE`] days
    /// (today by the store's clock, UTC): the focal points, the colleagues
    /// given a section not done yet, and, for answers awaiting approval, the
    /// member's authorising officers (not the one who submitted them); once
    /// per recipient and closing date. Returns how many notices were new.
    pub async fn remind_surveys(&self) -> Result<u64, StoreError> {
        let today = self.clock().now().to_datetime().date();
        let mut notices = Vec::new();
        for q in self.all_questionnaires().await? {
            if q.days_left(today).is_none_or(|days| days > REMIND_DAYS_BEFORE_CLOSE) {
                continue;
            }
            let responses: BTreeMap<MemberCode, Response> =
                self.all_responses(q.id).await?.into_iter().map(|r| (r.member.clone(), r)).collect();
            for member in self.members().await? {
                let response = responses.get(&member.code);
                let state = response.map_or(ResponseState::Draft, |r| r.state);
                if state == ResponseState::Submitted {
                    continue;
                }
                let mut delegated: BTreeMap<Uuid, Vec<&str>> = BTreeMap::new();
                for (section, user) in response.into_iter().flat_map(|r| r.delegations_not_done(&q.draft)) {
                    delegated.entry(user).or_default().push(&section.title);
                }
                for user in self.users(Some(&member.code)).await? {
                    let subject = self.subject_for(&user).await?;
                    if user.disabled || !q.asks(&subject) {
                        continue;
                    }
                    let focal_point = answers_for_member(&subject, &member.code);
                    let approves = subject.has(godwit_domain::user::Role::AuthorisingOfficer)
                        && response.is_none_or(|r| r.submitted_by != Some(user.id));
                    let why = match state {
                        ResponseState::AwaitingApproval if approves => {
                            "your member's answers await your approval".into()
                        }
                        ResponseState::AwaitingApproval if focal_point => {
                            "your member's answers await its authorising officer's approval".into()
                        }
                        ResponseState::AwaitingApproval => continue,
                        _ if focal_point => "your member's answers are not submitted yet".into(),
                        _ => match delegated.get(&user.id) {
                            Some(sections) => {
                                format!("the sections given to you are not done: {}", sections.join(", "))
                            }
                            None => continue,
                        },
                    };
                    notices.push(Notice {
                        user: user.id,
                        kind: NoticeKind::Survey,
                        topic: format!("survey:{}:closes:{}", q.id, q.draft.closes_on),
                        about: q.id,
                        title: format!("\"{}\" closes on {}: {why}", q.draft.title, q.draft.closes_on),
                    });
                }
            }
        }
        self.record_notices(&notices).await
    }
}

fn action_key(action: &ResponseAction) -> &'static str {
    match action {
        ResponseAction::Save => "save",
        ResponseAction::Delegate { .. } => "delegate",
        ResponseAction::Submit => "submit",
        ResponseAction::Approve(_) => "approve",
        ResponseAction::Return { .. } => "return",
    }
}

fn invalid(field: &str, message: &str) -> StoreError {
    StoreError::Invalid(ValidationErrors::single(field, message))
}
