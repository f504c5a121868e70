//! Requests for information: storage, the steps of their lifecycle, their
//! timelines, the notifications of each step and statistics by pair of members.
//!
//! SECURITY: a request is content. Every list, read, count and notification
//! goes through [`Rfi::visible_to`] for the reader (or the recipient of the
//! notification); the answer is an item and is shown only when `decide` lets
//! the reader read it ([`Store::readable_items`]). Reads of classified
//! requests and every step are audited.

use std::collections::{BTreeMap, BTreeSet};

use godwit_domain::Timestamp;
use godwit_domain::item::{ItemDetails, ItemKind, ItemState};
use godwit_domain::marking::Classification;
use godwit_domain::member::MemberCode;
use godwit_domain::requirement::Priority;
use godwit_domain::rfi::{
    Rating, Recipient, Rfi, RfiAction, RfiDraft, RfiError, RfiState, asks, may_be_assigned, median,
};
use godwit_domain::user::{Role, Subject, User};
use sea_query::{Expr, ExprTrait, Func, Order, Query};
use serde::Serialize;
use uuid::Uuid;

use crate::audit::{self, AuditEvent};
use crate::db::Tx;
use crate::error::corrupt;
use crate::items::ItemSummary;
use crate::notices::{Notice, NoticeKind};
use crate::schema::{RfiEvents, Rfis};
use crate::{Store, StoreError, parse_uuid};

/// Which requests a list shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RfiFilter {
    pub state: Option<RfiState>,
    pub priority: Option<Priority>,
    /// Only those the viewer's member asked (`Some(true)`) or received (`Some(false)`).
    pub sent: Option<bool>,
    pub overdue_only: bool,
}

/// A request in a list.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct RfiListed {
    #[serde(flatten)]
    pub rfi: Rfi,
    /// Awaiting an answer past its due date.
    pub overdue: bool,
}

/// One step of a request's life.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct RfiEvent {
    pub seq: i64,
    pub at: Timestamp,
    pub actor_user: Uuid,
    pub actor_member: MemberCode,
    /// `created`, `assigned`, `answered`, `declined`, `rated`, `closed`.
    pub action: String,
    /// What the step says: the assignee, the reason, the rating.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub detail: serde_json::Value,
}

/// A request as its page shows it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct RfiDetail {
    #[serde(flatten)]
    pub rfi: Rfi,
    pub overdue: bool,
    /// The answer, when the reader may read it.
    pub answer: Option<ItemSummary>,
    /// Answered with an item the reader may not read.
    pub answer_withheld: bool,
    pub timeline: Vec<RfiEvent>,
}

/// Requests from one member to one member or group, as the viewer sees them.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PairStatistics {
    pub from: MemberCode,
    /// The member or group addressed.
    pub to: String,
    pub requests: u64,
    pub answered: u64,
    pub declined: u64,
    /// Awaiting an answer past the due date.
    pub overdue: u64,
    /// Median time from request to answer, in whole hours, over those answered.
    pub median_hours_to_answer: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct RfiRow {
    id: String,
    requester_member: String,
    created_by: String,
    title: String,
    question: String,
    priority: String,
    due_on: String,
    classification: i64,
    recipient_kind: String,
    recipient_code: String,
    release_members: String,
    release_groups: String,
    state: String,
    responding_member: Option<String>,
    assignee: Option<String>,
    answer_item: Option<String>,
    answered_by: Option<String>,
    decline_reason: Option<String>,
    rating_score: Option<i64>,
    rating_comment: Option<String>,
    created_at: i64,
    updated_at: i64,
    responded_at: Option<i64>,
}

const COLUMNS: [Rfis; 23] = [
    Rfis::Id,
    Rfis::RequesterMember,
    Rfis::CreatedBy,
    Rfis::Title,
    Rfis::Question,
    Rfis::Priority,
    Rfis::DueOn,
    Rfis::Classification,
    Rfis::RecipientKind,
    Rfis::RecipientCode,
    Rfis::ReleaseMembers,
    Rfis::ReleaseGroups,
    Rfis::State,
    Rfis::RespondingMember,
    Rfis::Assignee,
    Rfis::AnswerItem,
    Rfis::AnsweredBy,
    Rfis::DeclineReason,
    Rfis::RatingScore,
    Rfis::RatingComment,
    Rfis::CreatedAt,
    Rfis::UpdatedAt,
    Rfis::RespondedAt,
];

fn opt_uuid(text: Option<&str>) -> Result<Option<Uuid>, StoreError> {
    text.map(parse_uuid).transpose()
}

impl TryFrom<RfiRow> for Rfi {
    type Error = StoreError;

    fn try_from(row: RfiRow) -> Result<Self, StoreError> {
        let recipient = match row.recipient_kind.as_str() {
            "member" => Recipient::Member(MemberCode(row.recipient_code)),
            "group" => Recipient::Group(row.recipient_code),
            other => return Err(corrupt("request for information", "recipient", other)),
        };
        let rating = match row.rating_score {
            Some(score) => Some(Rating {
                score: u8::try_from(score).map_err(|_| corrupt("request for information", "rating", score))?,
                comment: row.rating_comment.unwrap_or_default(),
            }),
            None => None,
        };
        Ok(Rfi {
            id: parse_uuid(&row.id)?,
            requester_member: MemberCode(row.requester_member),
            created_by: parse_uuid(&row.created_by)?,
            draft: RfiDraft {
                title: row.title,
                question: row.question,
                priority: Priority::parse(&row.priority)
                    .ok_or_else(|| corrupt("request for information", "priority", &row.priority))?,
                due_on: row.due_on,
                classification: Classification(
                    u8::try_from(row.classification)
                        .map_err(|_| corrupt("request for information", "classification", "out of range"))?,
                ),
                recipient,
                release_members: serde_json::from_str(&row.release_members)?,
                release_groups: serde_json::from_str(&row.release_groups)?,
            },
            state: RfiState::parse(&row.state)
                .ok_or_else(|| corrupt("request for information", "state", &row.state))?,
            responding_member: row.responding_member.map(MemberCode),
            assignee: opt_uuid(row.assignee.as_deref())?,
            answer_item: opt_uuid(row.answer_item.as_deref())?,
            answered_by: opt_uuid(row.answered_by.as_deref())?,
            decline_reason: row.decline_reason,
            rating,
            created_at: Timestamp(row.created_at),
            updated_at: Timestamp(row.updated_at),
            responded_at: row.responded_at.map(Timestamp),
        })
    }
}

/// The timeline's columns; reads leave out the first (the request's id).
const EVENT_COLUMNS: [RfiEvents; 7] = [
    RfiEvents::RfiId,
    RfiEvents::Seq,
    RfiEvents::At,
    RfiEvents::ActorUser,
    RfiEvents::ActorMember,
    RfiEvents::Action,
    RfiEvents::Detail,
];

#[derive(sqlx::FromRow)]
struct EventRow {
    seq: i64,
    at: i64,
    actor_user: String,
    actor_member: String,
    action: String,
    detail: String,
}

impl From<RfiError> for StoreError {
    fn from(e: RfiError) -> Self {
        match e {
            RfiError::Forbidden(why) => StoreError::Forbidden(why.into()),
            RfiError::WrongState { .. } => StoreError::Conflict(e.to_string()),
            RfiError::Invalid(errors) => StoreError::Invalid(errors),
        }
    }
}

fn json_text<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "[]".into())
}

impl Store {
    pub(crate) async fn all_rfis(&self) -> Result<Vec<Rfi>, StoreError> {
        let rows: Vec<RfiRow> = self
            .pool
            .target()
            .fetch_all(Query::select().columns(COLUMNS).from(Rfis::Table).order_by(Rfis::DueOn, Order::Asc))
            .await?;
        rows.into_iter().map(Rfi::try_from).collect()
    }

    /// The requests `subject` may see that pass `filter`: overdue first, then
    /// those awaiting an answer, each soonest due first.
    pub async fn rfis(&self, subject: &Subject, filter: &RfiFilter) -> Result<Vec<RfiListed>, StoreError> {
        let today = self.today();
        let mut out: Vec<RfiListed> = self
            .all_rfis()
            .await?
            .into_iter()
            .filter(|r| r.visible_to(subject))
            .filter(|r| filter.state.is_none_or(|s| r.state == s))
            .filter(|r| filter.priority.is_none_or(|p| r.draft.priority == p))
            .filter(|r| filter.sent.is_none_or(|sent| (r.requester_member == subject.member) == sent))
            .map(|rfi| RfiListed { overdue: rfi.is_overdue(today), rfi })
            .filter(|l| !filter.overdue_only || l.overdue)
            .collect();
        out.sort_by(|a, b| {
            (!a.overdue, !a.rfi.state.awaits_answer(), &a.rfi.draft.due_on, a.rfi.created_at).cmp(&(
                !b.overdue,
                !b.rfi.state.awaits_answer(),
                &b.rfi.draft.due_on,
                b.rfi.created_at,
            ))
        });
        Ok(out)
    }

    /// One request; not found when `subject` may not see it. Not audited: for
    /// checks before a step; [`Store::read_rfi`] is the audited read.
    pub async fn rfi(&self, subject: &Subject, id: Uuid) -> Result<Rfi, StoreError> {
        let row: Option<RfiRow> = self
            .pool
            .target()
            .fetch_optional(
                Query::select().columns(COLUMNS).from(Rfis::Table).and_where(Expr::col(Rfis::Id).eq(id.to_string())),
            )
            .await?;
        let rfi = row.map(Rfi::try_from).transpose()?.ok_or(StoreError::NotFound("request for information"))?;
        if rfi.visible_to(subject) { Ok(rfi) } else { Err(StoreError::NotFound("request for information")) }
    }

    /// A request with its timeline and the answer if `subject` may read it.
    /// A read of a classified request is audited as `rfi.read`.
    pub async fn read_rfi(&self, subject: &Subject, id: Uuid) -> Result<RfiDetail, StoreError> {
        let rfi = self.rfi(subject, id).await?;
        let answer = match rfi.answer_item {
            Some(item) => self.readable_items(subject, &[item]).await?.into_iter().next().map(ItemSummary::from),
            None => None,
        };
        let rows: Vec<EventRow> = self
            .pool
            .target()
            .fetch_all(
                Query::select()
                    .columns(EVENT_COLUMNS.into_iter().skip(1))
                    .from(RfiEvents::Table)
                    .and_where(Expr::col(RfiEvents::RfiId).eq(id.to_string()))
                    .order_by(RfiEvents::Seq, Order::Asc),
            )
            .await?;
        let timeline = rows
            .into_iter()
            .map(|r| {
                Ok(RfiEvent {
                    seq: r.seq,
                    at: Timestamp(r.at),
                    actor_user: parse_uuid(&r.actor_user)?,
                    actor_member: MemberCode(r.actor_member),
                    action: r.action,
                    detail: serde_json::from_str(&r.detail)?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        if rfi.draft.classification > Classification::LOWEST {
            self.record(&[AuditEvent::new("rfi.read").by(subject.user, &subject.member).on(id)]).await?;
        }
        Ok(RfiDetail {
            overdue: rfi.is_overdue(self.today()),
            answer_withheld: rfi.answer_item.is_some() && answer.is_none(),
            answer,
            timeline,
            rfi,
        })
    }

    /// Whether `subject` is a contact point of its member for requests: its
    /// national focal point, or a user whose e-mail is that of one of the
    /// member's accredited RFI desks.
    pub async fn is_rfi_contact_point(&self, subject: &Subject) -> Result<bool, StoreError> {
        if subject.has(Role::NationalFocalPoint) {
            return Ok(true);
        }
        let user = self.user(subject.user).await?.user;
        Ok(self.rfi_desk_emails(&subject.member).await?.contains(&user.email.to_lowercase()))
    }

    async fn rfi_desk_emails(&self, member: &MemberCode) -> Result<BTreeSet<String>, StoreError> {
        let now = self.clock().now();
        Ok(self
            .contact_points(Some(member))
            .await?
            .into_iter()
            .filter(|c| c.function == godwit_domain::member::ContactFunction::RfiDesk && !c.accreditation_expired(now))
            .map(|c| c.email.trim().to_lowercase())
            .collect())
    }

    /// The enabled users of `member` who are its contact points for requests.
    pub(crate) async fn contact_point_users(&self, member: &MemberCode) -> Result<Vec<User>, StoreError> {
        let desks = self.rfi_desk_emails(member).await?;
        let mut users = self.users(Some(member)).await?;
        users.retain(|u| !u.disabled && (u.has(Role::NationalFocalPoint) || desks.contains(&u.email.to_lowercase())));
        Ok(users)
    }

    /// The members who receive `rfi`: the responding member once one took it,
    /// else the member asked or every member of the group asked; never the
    /// requester.
    pub(crate) async fn receiving_members(&self, rfi: &Rfi) -> Result<Vec<MemberCode>, StoreError> {
        let asked = match (&rfi.responding_member, &rfi.draft.recipient) {
            (Some(m), _) | (None, Recipient::Member(m)) => vec![m.clone()],
            (None, Recipient::Group(g)) => {
                self.groups().await?.into_iter().find(|x| x.code == *g).map(|x| x.members).unwrap_or_default()
            }
        };
        Ok(asked.into_iter().filter(|m| *m != rfi.requester_member).collect())
    }

    /// The users a receiving contact point may assign the request to.
    pub async fn rfi_assignees(&self, subject: &Subject, id: Uuid) -> Result<Vec<User>, StoreError> {
        let rfi = self.rfi(subject, id).await?;
        let mut out = Vec::new();
        for user in self.users(Some(&subject.member)).await? {
            if !user.disabled && may_be_assigned(&rfi, &self.subject_for(&user).await?) {
                out.push(user);
            }
        }
        Ok(out)
    }

    /// Asks a member or a group; audited as `rfi.create`; the receiving
    /// contact points are notified.
    pub async fn create_rfi(&self, subject: &Subject, draft: RfiDraft) -> Result<Rfi, StoreError> {
        if !asks(subject) {
            return Err(StoreError::Forbidden(
                "requests are made by analysts, authorising officers and focal points".into(),
            ));
        }
        let members: BTreeSet<MemberCode> = self.members().await?.into_iter().map(|m| m.code).collect();
        let groups: BTreeSet<String> = self.groups().await?.into_iter().map(|g| g.code).collect();
        draft.validate(&subject.member, &members, &groups, &self.scale())?;
        if draft.classification > subject.clearance {
            return Err(StoreError::Invalid(godwit_domain::ValidationErrors::single(
                "classification",
                "is above your clearance",
            )));
        }
        let draft = draft.normalised();
        let now = self.clock().now();
        let rfi = Rfi::asked(Uuid::now_v7(), subject, draft, now);
        let mut notified = Vec::new();
        for member in &self.receiving_members(&rfi).await? {
            notified.extend(self.contact_point_users(member).await?);
        }
        let notified = self.who_may_see(&rfi, notified, subject.user).await?;
        let d = &rfi.draft;
        let (kind, code) = match &d.recipient {
            Recipient::Member(m) => ("member", m.as_str()),
            Recipient::Group(g) => ("group", g.as_str()),
        };
        let mut tx = self.pool.begin().await?;
        tx.target()
            .execute(Query::insert().into_table(Rfis::Table).columns(COLUMNS).values_panic([
                rfi.id.to_string().into(),
                rfi.requester_member.as_str().into(),
                subject.user.to_string().into(),
                d.title.as_str().into(),
                d.question.as_str().into(),
                d.priority.as_str().into(),
                d.due_on.as_str().into(),
                i64::from(d.classification.0).into(),
                kind.into(),
                code.into(),
                json_text(&d.release_members).into(),
                json_text(&d.release_groups).into(),
                rfi.state.as_str().into(),
                None::<String>.into(),
                None::<String>.into(),
                None::<String>.into(),
                None::<String>.into(),
                None::<String>.into(),
                None::<i64>.into(),
                None::<String>.into(),
                now.0.into(),
                now.0.into(),
                None::<i64>.into(),
            ]))
            .await?;
        let detail = serde_json::json!({ "recipient": d.recipient, "priority": d.priority, "due_on": d.due_on });
        self.record_step(&mut tx, &rfi, subject, 1, "created", &detail, &notified).await?;
        tx.commit().await?;
        Ok(rfi)
    }

    /// Takes a step: assign, answer, decline, rate or close. Audited as
    /// `rfi.assigned` and so on; the people the step concerns are notified.
    pub async fn act_on_rfi(&self, subject: &Subject, id: Uuid, action: RfiAction) -> Result<Rfi, StoreError> {
        let current = self.rfi(subject, id).await?;
        let contact_point = self.is_rfi_contact_point(subject).await?;
        let state = current.next_state(subject, contact_point, &action)?;
        let now = self.clock().now();
        let mut next = Rfi { state, updated_at: now, ..current.clone() };
        next.responding_member = match &action {
            RfiAction::Assign { .. } | RfiAction::Answer { .. } | RfiAction::Decline { .. } => {
                Some(subject.member.clone())
            }
            RfiAction::Rate(_) | RfiAction::Close => current.responding_member.clone(),
        };
        let detail = match &action {
            RfiAction::Assign { to } => {
                let assignee = self.user(*to).await.map_err(|_| invalid("assignee", "is not a user"))?.user;
                if assignee.disabled || !may_be_assigned(&next, &self.subject_for(&assignee).await?) {
                    return Err(invalid("assignee", "must be an author of your member who may see the request"));
                }
                next.assignee = Some(*to);
                serde_json::json!({ "assignee": to, "assignee_name": assignee.display_name })
            }
            RfiAction::Answer { item } => {
                self.check_answer(subject, &current, *item).await?;
                next.answer_item = Some(*item);
                next.answered_by = Some(subject.user);
                next.responded_at = Some(now);
                serde_json::json!({})
            }
            RfiAction::Decline { reason } => {
                next.decline_reason = Some(reason.trim().to_owned());
                next.answered_by = Some(subject.user);
                next.responded_at = Some(now);
                serde_json::json!({ "reason": reason.trim() })
            }
            RfiAction::Rate(rating) => {
                let rating = Rating { score: rating.score, comment: rating.comment.trim().to_owned() };
                next.rating = Some(rating.clone());
                serde_json::json!({ "score": rating.score, "comment": rating.comment })
            }
            RfiAction::Close => serde_json::json!({}),
        };
        let mut concerned: Vec<Uuid> = match &action {
            RfiAction::Assign { to } => vec![*to, next.created_by],
            RfiAction::Answer { .. } | RfiAction::Decline { .. } => vec![next.created_by],
            RfiAction::Rate(_) | RfiAction::Close => next.assignee.into_iter().chain(next.answered_by).collect(),
        };
        concerned.sort();
        concerned.dedup();
        let mut users = Vec::new();
        for id in concerned {
            users.push(self.user(id).await?.user);
        }
        let notified = self.who_may_see(&next, users, subject.user).await?;
        let seq = self.last_step(id).await? + 1;
        let mut tx = self.pool.begin().await?;
        let changed = tx
            .target()
            .execute(
                Query::update()
                    .table(Rfis::Table)
                    .values([
                        (Rfis::State, next.state.as_str().into()),
                        (Rfis::RespondingMember, next.responding_member.as_ref().map(|m| m.0.clone()).into()),
                        (Rfis::Assignee, next.assignee.map(|u| u.to_string()).into()),
                        (Rfis::AnswerItem, next.answer_item.map(|u| u.to_string()).into()),
                        (Rfis::AnsweredBy, next.answered_by.map(|u| u.to_string()).into()),
                        (Rfis::DeclineReason, next.decline_reason.clone().into()),
                        (Rfis::RatingScore, next.rating.as_ref().map(|r| i64::from(r.score)).into()),
                        (Rfis::RatingComment, next.rating.as_ref().map(|r| r.comment.clone()).into()),
                        (Rfis::UpdatedAt, now.0.into()),
                        (Rfis::RespondedAt, next.responded_at.map(|t| t.0).into()),
                    ])
                    .and_where(Expr::col(Rfis::Id).eq(id.to_string()))
                    // Compare-and-set: a concurrent step makes this one a conflict.
                    .and_where(Expr::col(Rfis::State).eq(current.state.as_str()))
                    .and_where(Expr::col(Rfis::UpdatedAt).eq(current.updated_at.0)),
            )
            .await?;
        if changed == 0 {
            return Err(StoreError::Conflict("the request changed meanwhile; reload it".into()));
        }
        self.record_step(&mut tx, &next, subject, seq, action.name(), &detail, &notified).await?;
        tx.commit().await?;
        Ok(next)
    }

    /// The answer must be a published `rfi_response` item of `subject`'s
    /// member naming this request, which `subject` may read.
    async fn check_answer(&self, subject: &Subject, rfi: &Rfi, item: Uuid) -> Result<(), StoreError> {
        let Some(found) = self.readable_items(subject, &[item]).await?.into_iter().next() else {
            return Err(StoreError::NotFound("item"));
        };
        let names_this = matches!(found.content.details, ItemDetails::RfiResponse { request } if request == rfi.id);
        if found.kind != ItemKind::RfiResponse || !names_this {
            return Err(invalid("item", "must be a response item naming this request"));
        }
        if found.originator_member != subject.member {
            return Err(invalid("item", "must be an item of your member"));
        }
        if found.state != ItemState::Published {
            return Err(invalid("item", "must be published (approved) before it answers a request"));
        }
        Ok(())
    }

    /// The published response items of `subject`'s member naming request
    /// `id` that `subject` may read: what an answer may be.
    pub async fn rfi_answer_candidates(&self, subject: &Subject, id: Uuid) -> Result<Vec<ItemSummary>, StoreError> {
        let filter = crate::items::ItemFilter {
            kind: Some(ItemKind::RfiResponse),
            state: Some(ItemState::Published),
            originator: Some(subject.member.clone()),
            limit: 500,
            ..Default::default()
        };
        let (items, _) = self.list_full_items(subject, &filter).await?;
        Ok(items
            .into_iter()
            .filter(|i| matches!(i.content.details, ItemDetails::RfiResponse { request } if request == id))
            .map(ItemSummary::from)
            .collect())
    }

    async fn last_step(&self, id: Uuid) -> Result<i64, StoreError> {
        let row: Option<(Option<i64>,)> = self
            .pool
            .target()
            .fetch_optional(
                Query::select()
                    .expr(Func::max(Expr::col(RfiEvents::Seq)))
                    .from(RfiEvents::Table)
                    .and_where(Expr::col(RfiEvents::RfiId).eq(id.to_string())),
            )
            .await?;
        Ok(row.and_then(|(n,)| n).unwrap_or(0))
    }

    /// Of `users`, those who may see `rfi` (and are not `actor`): only they
    /// are notified, so a notification never tells anyone else it exists.
    pub(crate) async fn who_may_see(&self, rfi: &Rfi, users: Vec<User>, actor: Uuid) -> Result<Vec<Uuid>, StoreError> {
        let mut out = BTreeSet::new();
        for user in users {
            if user.id != actor && !user.disabled && rfi.visible_to(&self.subject_for(&user).await?) {
                out.insert(user.id);
            }
        }
        Ok(out.into_iter().collect())
    }

    /// Writes step `seq` to the timeline, the audit trail and a notice to each
    /// user in `notified` (the bell, and email or webhook as each chose), in
    /// the step's transaction.
    #[allow(clippy::too_many_arguments)]
    async fn record_step(
        &self,
        tx: &mut Tx,
        rfi: &Rfi,
        actor: &Subject,
        seq: i64,
        action: &str,
        detail: &serde_json::Value,
        notified: &[Uuid],
    ) -> Result<(), StoreError> {
        let now = rfi.updated_at;
        tx.target()
            .execute(Query::insert().into_table(RfiEvents::Table).columns(EVENT_COLUMNS).values_panic([
                rfi.id.to_string().into(),
                seq.into(),
                now.0.into(),
                actor.user.to_string().into(),
                actor.member.as_str().into(),
                action.into(),
                detail.to_string().into(),
            ]))
            .await
            .map_err(|e| e.unique_as_conflict("this step of the request"))?;
        let title = format!("Request {action}: {}", rfi.draft.title);
        let notices: Vec<Notice> = notified
            .iter()
            .map(|user| Notice {
                user: *user,
                kind: NoticeKind::Rfi,
                topic: format!("rfi:{}:{seq}", rfi.id),
                about: rfi.id,
                title: title.clone(),
            })
            .collect();
        crate::notices::record(tx, now, &notices).await?;
        let mut event_detail = detail.clone();
        if let Some(object) = event_detail.as_object_mut() {
            object.insert("notified".into(), serde_json::json!(notified));
            if let Some(item) = rfi.answer_item.filter(|_| action == "answered") {
                object.insert("item".into(), serde_json::json!(item));
            }
        }
        audit::append(
            tx,
            now,
            &[AuditEvent::new(&format!("rfi.{action}")).by(actor.user, &actor.member).on(rfi.id).with(event_detail)],
        )
        .await
    }

    /// Requests by pair (asking member, member or group asked) among those
    /// `subject` may see: counts, overdue, and the median time to answer.
    pub async fn rfi_statistics(&self, subject: &Subject) -> Result<Vec<PairStatistics>, StoreError> {
        let today = self.today();
        let mut pairs: BTreeMap<(MemberCode, String), (PairStatistics, Vec<i64>)> = BTreeMap::new();
        for rfi in self.all_rfis().await?.into_iter().filter(|r| r.visible_to(subject)) {
            let to = rfi.draft.recipient.code().to_owned();
            let (stats, waits) = pairs.entry((rfi.requester_member.clone(), to.clone())).or_insert_with(|| {
                let stats = PairStatistics {
                    from: rfi.requester_member.clone(),
                    to,
                    requests: 0,
                    answered: 0,
                    declined: 0,
                    overdue: 0,
                    median_hours_to_answer: None,
                };
                (stats, Vec::new())
            });
            stats.requests += 1;
            if rfi.is_overdue(today) {
                stats.overdue += 1;
            }
            if rfi.decline_reason.is_some() {
                stats.declined += 1;
            }
            if let (Some(_), Some(at)) = (rfi.answer_item, rfi.responded_at) {
                stats.answered += 1;
                waits.push(at.0 - rfi.created_at.0);
            }
        }
        Ok(pairs
            .into_values()
            .map(|(mut stats, mut waits)| {
                stats.median_hours_to_answer = median(&mut waits).map(|ms| ms / 3_600_000);
                stats
            })
            .collect())
    }
}

fn invalid(field: &str, message: &str) -> StoreError {
    StoreError::Invalid(godwit_domain::ValidationErrors::single(field, message))
}
