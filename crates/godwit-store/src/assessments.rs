//! Annual threat assessments: what their authors write (kept with every saved
//! version), and the document assembled for the assessment's audience from
//! the threat registers, the incident trends of the year and the reports the
//! authors cite.
//!
//! SECURITY: opening an assessment is judged by [`decide`] on its envelope
//! (`Assessment::envelope`: its member's, released to its audience) and
//! answers "not found" when denied. What the document holds is judged for its
//! audience, not for whoever opens it: a register, a report or an incident
//! record counts only when `decide` allows it to a stand-in reader of every
//! member the assessment reaches (`godwit_domain::document`), so every
//! viewer and every export shows the same document, and none holds what a
//! member of its audience may not read. Reads above the lowest
//! classification are audited (`assessment.read`), exports always
//! (`assessment.export`, with the audience, the format and the reason).

use std::collections::{BTreeMap, BTreeSet};

use godwit_domain::Timestamp;
use godwit_domain::assessment::{Assessment, AssessmentDraft, edits_assessment, is_citable_report};
use godwit_domain::document::{DocumentMarking, includable, reached_members, stand_in_readers};
use godwit_domain::incident::Dimension;
use godwit_domain::item::Item;
use godwit_domain::marking::Classification;
use godwit_domain::member::{Audience, MemberCode};
use godwit_domain::policy::decide;
use godwit_domain::threat::Register;
use godwit_domain::user::Subject;
use sea_query::{Expr, ExprTrait, Order, Query};
use serde::Serialize;
use uuid::Uuid;

use crate::analysis::{AnalysisFilter, Counts, Readers, TrendPoint};
use crate::audit::{self, AuditEvent};
use crate::items::ItemSummary;
use crate::schema::{AssessmentVersions, Assessments};
use crate::threats::RegionalPicture;
use crate::{Store, StoreError, parse_uuid};

/// An assessment as its audience reads it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct AssembledAssessment {
    pub assessment: Assessment,
    /// At least the authors' marking and the highest of what it holds.
    pub marking: DocumentMarking,
    /// Every member the document reaches: its audience's and its own.
    pub reaches: Vec<MemberCode>,
    /// Threats compared across the registers every member reached may read.
    pub picture: RegionalPicture,
    /// Those registers, by member.
    pub registers: Vec<IncludedRegister>,
    /// Incident records of the year every member reached may read, per month and category.
    pub trend: Vec<TrendPoint>,
    pub totals: Counts,
    /// The reports cited that every member reached may read, in the authors' order.
    pub reports: Vec<Item>,
    /// For its editors: what they chose or read that the audience may not
    /// all read, and so was left out.
    pub left_out: Option<LeftOut>,
}

impl AssembledAssessment {
    /// The assessment's envelope at the document's marking: what banners
    /// and exports of the document show.
    pub fn envelope(&self) -> godwit_domain::item::Envelope {
        let mut envelope = self.assessment.envelope();
        envelope.classification = self.marking.classification;
        envelope.tlp = self.marking.tlp;
        envelope.caveats = self.marking.caveats;
        envelope
    }
}

/// A register a document draws on.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct IncludedRegister {
    pub member: MemberCode,
    pub title: String,
}

/// What was left out of a document, as its editor may know it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Serialize)]
pub struct LeftOut {
    /// Registers the editor reads that some member reached may not.
    pub registers: Vec<MemberCode>,
    /// Reports cited that the editor reads but some member reached may not.
    pub reports: Vec<ItemSummary>,
    /// Reports cited that the editor may no longer read either (withdrawn,
    /// or its release changed), counted only.
    pub unreadable_reports: usize,
}

/// One saved version of an assessment.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct AssessmentVersion {
    pub version: u32,
    pub changed_by: Uuid,
    pub changed_member: MemberCode,
    pub changed_at: Timestamp,
    pub draft: AssessmentDraft,
}

#[derive(sqlx::FromRow)]
struct AssessmentRow {
    id: String,
    member: String,
    organisation: String,
    created_by: String,
    draft: String,
    version: i64,
    created_at: i64,
    updated_by: String,
    updated_at: i64,
}

const COLUMNS: [Assessments; 9] = [
    Assessments::Id,
    Assessments::Member,
    Assessments::Organisation,
    Assessments::CreatedBy,
    Assessments::Draft,
    Assessments::Version,
    Assessments::CreatedAt,
    Assessments::UpdatedBy,
    Assessments::UpdatedAt,
];

/// The longest reason for an export the audit trail keeps.
pub const MAX_REASON_CHARS: usize = 500;

/// Checks the reason given for an export of a document (an assessment, a
/// survey's findings, a bulletin): said, and at most [`MAX_REASON_CHARS`] characters.
pub fn check_export_reason(reason: &str) -> Result<(), StoreError> {
    if reason.trim().is_empty() || reason.chars().count() > MAX_REASON_CHARS {
        return Err(StoreError::Invalid(godwit_domain::ValidationErrors::single(
            "reason",
            format!("say why, in at most {MAX_REASON_CHARS} characters"),
        )));
    }
    Ok(())
}

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("assessment {what}: {value}"))
}

fn version_number(value: i64) -> Result<u32, StoreError> {
    u32::try_from(value).map_err(|_| corrupt("version", &value.to_string()))
}

fn draft_of(text: &str) -> Result<AssessmentDraft, StoreError> {
    serde_json::from_str(text).map_err(|_| corrupt("draft", text))
}

impl TryFrom<AssessmentRow> for Assessment {
    type Error = StoreError;

    fn try_from(row: AssessmentRow) -> Result<Self, StoreError> {
        Ok(Assessment {
            id: parse_uuid(&row.id)?,
            member: MemberCode(row.member),
            organisation: parse_uuid(&row.organisation)?,
            created_by: parse_uuid(&row.created_by)?,
            draft: draft_of(&row.draft)?,
            version: version_number(row.version)?,
            created_at: Timestamp(row.created_at),
            updated_by: parse_uuid(&row.updated_by)?,
            updated_at: Timestamp(row.updated_at),
        })
    }
}

fn forbidden() -> StoreError {
    StoreError::Forbidden("assessments are written by the analysts, officers and focal points of their member".into())
}

impl Store {
    /// Every assessment, WITHOUT any policy check: for this module's own use.
    async fn all_assessments(&self) -> Result<Vec<Assessment>, StoreError> {
        let rows: Vec<AssessmentRow> = self
            .pool
            .target()
            .fetch_all(
                Query::select()
                    .columns(COLUMNS)
                    .from(Assessments::Table)
                    .order_by(Assessments::Year, Order::Desc)
                    .order_by(Assessments::UpdatedAt, Order::Desc),
            )
            .await?;
        rows.into_iter().map(Assessment::try_from).collect()
    }

    /// The assessments `subject` may open (judged by `decide`), newest year first.
    pub async fn assessments(&self, subject: &Subject) -> Result<Vec<Assessment>, StoreError> {
        let agreements = self.agreements().await?;
        let now = self.clock().now();
        let mut all = self.all_assessments().await?;
        all.retain(|a| decide(subject, &a.envelope(), &agreements, now).is_allowed());
        Ok(all)
    }

    /// One assessment; not found when there is none or `subject` may not open it.
    async fn openable_assessment(&self, subject: &Subject, id: Uuid) -> Result<Assessment, StoreError> {
        self.assessments(subject).await?.into_iter().find(|a| a.id == id).ok_or(StoreError::NotFound("assessment"))
    }

    /// Checks that every report cited is a published report about people
    /// smuggling, trafficking or irregular migration that `subject` may read;
    /// one it may not read is refused exactly as one that does not exist.
    async fn check_reports(&self, subject: &Subject, draft: &AssessmentDraft) -> Result<(), StoreError> {
        let readable: BTreeMap<Uuid, Item> =
            self.readable_items(subject, &draft.reports).await?.into_iter().map(|i| (i.id, i)).collect();
        let mut errors = godwit_domain::ValidationErrors::default();
        for (n, id) in draft.reports.iter().enumerate() {
            if !readable.get(id).is_some_and(|i| is_citable_report(&i.envelope())) {
                errors.push(
                    format!("reports/{n}"),
                    "is not a published report on people smuggling, trafficking or irregular migration that you may read",
                );
            }
        }
        Ok(errors.into_result()?)
    }

    async fn check_assessment_draft(&self, subject: &Subject, draft: &AssessmentDraft) -> Result<(), StoreError> {
        let members: BTreeSet<MemberCode> = self.members().await?.into_iter().map(|m| m.code).collect();
        let groups: BTreeSet<String> = self.groups().await?.into_iter().map(|g| g.code).collect();
        draft.validate(&self.scale(), &members, &groups)?;
        if draft.classification > subject.clearance {
            return Err(StoreError::Invalid(godwit_domain::ValidationErrors::single(
                "classification",
                "is above your clearance",
            )));
        }
        self.check_reports(subject, draft).await
    }

    /// Writes version `assessment.version` to the history and the audit chain.
    async fn record_version(
        tx: &mut crate::db::Tx,
        subject: &Subject,
        assessment: &Assessment,
        action: &str,
    ) -> Result<(), StoreError> {
        let now = assessment.updated_at;
        tx.target()
            .execute(
                Query::insert()
                    .into_table(AssessmentVersions::Table)
                    .columns([
                        AssessmentVersions::AssessmentId,
                        AssessmentVersions::Version,
                        AssessmentVersions::Draft,
                        AssessmentVersions::ChangedBy,
                        AssessmentVersions::ChangedMember,
                        AssessmentVersions::ChangedAt,
                    ])
                    .values_panic([
                        assessment.id.to_string().into(),
                        i64::from(assessment.version).into(),
                        serde_json::to_string(&assessment.draft)?.into(),
                        subject.user.to_string().into(),
                        subject.member.as_str().into(),
                        now.0.into(),
                    ]),
            )
            .await
            .map_err(|e| e.unique_as_conflict("this version of the assessment"))?;
        let d = &assessment.draft;
        audit::append(
            tx,
            now,
            &[AuditEvent::new(action).by(subject.user, &subject.member).on(assessment.id).with(serde_json::json!({
                "version": assessment.version,
                "year": d.year,
                "audience": d.audience,
                "classification": d.classification,
                "reports": d.reports,
            }))],
        )
        .await
    }

    /// Starts an assessment of `subject`'s member; by its content authors.
    /// Audited as `assessment.create`.
    pub async fn create_assessment(&self, subject: &Subject, draft: AssessmentDraft) -> Result<Assessment, StoreError> {
        if !edits_assessment(subject, &subject.member) {
            return Err(forbidden());
        }
        let draft = draft.normalised();
        self.check_assessment_draft(subject, &draft).await?;
        let now = self.clock().now();
        let assessment = Assessment {
            id: Uuid::now_v7(),
            member: subject.member.clone(),
            organisation: subject.organisation,
            created_by: subject.user,
            draft,
            version: 1,
            created_at: now,
            updated_by: subject.user,
            updated_at: now,
        };
        let mut tx = self.pool.begin().await?;
        tx.target()
            .execute(
                Query::insert()
                    .into_table(Assessments::Table)
                    .columns(COLUMNS.into_iter().chain([Assessments::Year, Assessments::Title]))
                    .values_panic([
                        assessment.id.to_string().into(),
                        assessment.member.as_str().into(),
                        assessment.organisation.to_string().into(),
                        subject.user.to_string().into(),
                        serde_json::to_string(&assessment.draft)?.into(),
                        1i64.into(),
                        now.0.into(),
                        subject.user.to_string().into(),
                        now.0.into(),
                        i64::from(assessment.draft.year).into(),
                        assessment.draft.title.as_str().into(),
                    ]),
            )
            .await?;
        Self::record_version(&mut tx, subject, &assessment, "assessment.create").await?;
        tx.commit().await?;
        Ok(assessment)
    }

    /// Saves a change made to version `based_on`; a conflict when someone
    /// saved another version meanwhile. Audited as `assessment.update`.
    pub async fn update_assessment(
        &self,
        subject: &Subject,
        id: Uuid,
        based_on: u32,
        draft: AssessmentDraft,
    ) -> Result<Assessment, StoreError> {
        let current = self.openable_assessment(subject, id).await?;
        if !edits_assessment(subject, &current.member) {
            return Err(forbidden());
        }
        let draft = draft.normalised();
        self.check_assessment_draft(subject, &draft).await?;
        let now = self.clock().now();
        let updated =
            Assessment { draft, version: current.version + 1, updated_by: subject.user, updated_at: now, ..current };
        let mut tx = self.pool.begin().await?;
        let changed = tx
            .target()
            .execute(
                Query::update()
                    .table(Assessments::Table)
                    .values([
                        (Assessments::Year, i64::from(updated.draft.year).into()),
                        (Assessments::Title, updated.draft.title.as_str().into()),
                        (Assessments::Draft, serde_json::to_string(&updated.draft)?.into()),
                        (Assessments::Version, i64::from(updated.version).into()),
                        (Assessments::UpdatedBy, subject.user.to_string().into()),
                        (Assessments::UpdatedAt, now.0.into()),
                    ])
                    .and_where(Expr::col(Assessments::Id).eq(id.to_string()))
                    .and_where(Expr::col(Assessments::Version).eq(i64::from(based_on))),
            )
            .await?;
        if changed == 0 {
            return Err(StoreError::Conflict(format!(
                "the assessment was changed by someone else (now version {}); reload it and make your change again",
                updated.version - 1
            )));
        }
        Self::record_version(&mut tx, subject, &updated, "assessment.update").await?;
        tx.commit().await?;
        Ok(updated)
    }

    /// Every saved version of an assessment `subject` may open, newest first.
    pub async fn assessment_history(&self, subject: &Subject, id: Uuid) -> Result<Vec<AssessmentVersion>, StoreError> {
        let assessment = self.openable_assessment(subject, id).await?;
        let rows: Vec<(i64, String, String, String, i64)> = self
            .pool
            .target()
            .fetch_all(
                Query::select()
                    .columns([
                        AssessmentVersions::Version,
                        AssessmentVersions::Draft,
                        AssessmentVersions::ChangedBy,
                        AssessmentVersions::ChangedMember,
                        AssessmentVersions::ChangedAt,
                    ])
                    .from(AssessmentVersions::Table)
                    .and_where(Expr::col(AssessmentVersions::AssessmentId).eq(assessment.id.to_string()))
                    .order_by(AssessmentVersions::Version, Order::Desc),
            )
            .await?;
        rows.into_iter()
            .map(|(version, draft, by, member, at)| {
                Ok(AssessmentVersion {
                    version: version_number(version)?,
                    changed_by: parse_uuid(&by)?,
                    changed_member: MemberCode(member),
                    changed_at: Timestamp(at),
                    draft: draft_of(&draft)?,
                })
            })
            .collect()
    }

    /// The stand-in readers, cleared to `ceiling`, of every member a document
    /// of `own` member for `audience` reaches: its audience's members, the
    /// members of its audience's groups, and its own.
    pub(crate) async fn document_readers(
        &self,
        own: &MemberCode,
        audience: &Audience,
        ceiling: Classification,
    ) -> Result<Vec<Subject>, StoreError> {
        let groups: BTreeMap<String, BTreeSet<MemberCode>> =
            self.groups().await?.into_iter().map(|g| (g.code, g.members.into_iter().collect())).collect();
        Ok(stand_in_readers(&reached_members(own, audience, &groups), ceiling))
    }

    /// The assessment `id` assembled for its audience, as `subject` opens it
    /// (audited as `assessment.read` above the lowest classification). Its
    /// editors also learn what was left out.
    pub async fn assemble_assessment(&self, subject: &Subject, id: Uuid) -> Result<AssembledAssessment, StoreError> {
        let assessment = self.openable_assessment(subject, id).await?;
        let d = &assessment.draft;
        let readers = self.document_readers(&assessment.member, &d.audience, d.classification).await?;
        let agreements = self.agreements().await?;
        let now = self.clock().now();
        let fits = |envelope: &godwit_domain::item::Envelope| includable(envelope, &readers, &agreements, now);

        let all_registers = self.all_registers().await?;
        let (registers, others): (Vec<Register>, Vec<Register>) =
            all_registers.into_iter().partition(|r| fits(&r.envelope()));
        let cited = self.items_for_index(&assessment.draft.reports).await?;
        // In the authors' order.
        let reports: Vec<Item> = assessment
            .draft
            .reports
            .iter()
            .filter_map(|id| cited.iter().find(|i| i.id == *id))
            .filter(|i| is_citable_report(&i.envelope()) && fits(&i.envelope()))
            .cloned()
            .collect();

        let year = d.year;
        let filter = AnalysisFilter {
            from: time::Date::from_calendar_date(year, time::Month::January, 1).ok(),
            to: time::Date::from_calendar_date(year, time::Month::December, 31).ok(),
            ..AnalysisFilter::default()
        };
        let trend = self.incident_trend(Readers::all(&readers), &filter, Dimension::Category).await?;
        let totals = self.incident_totals(Readers::all(&readers), &filter).await?;

        let chosen = DocumentMarking { classification: d.classification, tlp: d.tlp, caveats: d.caveats };
        let envelopes: Vec<_> =
            registers.iter().map(Register::envelope).chain(reports.iter().map(Item::envelope)).collect();
        let marking = DocumentMarking::of(chosen, &envelopes);

        let left_out = if edits_assessment(subject, &assessment.member) {
            let readable: Vec<Item> = self.readable_items(subject, &d.reports).await?;
            let included: BTreeSet<Uuid> = reports.iter().map(|i| i.id).collect();
            Some(LeftOut {
                registers: others
                    .iter()
                    .filter(|r| decide(subject, &r.envelope(), &agreements, now).is_allowed())
                    .map(|r| r.member.clone())
                    .collect(),
                unreadable_reports: d.reports.len().saturating_sub(readable.len()),
                reports: readable.into_iter().filter(|i| !included.contains(&i.id)).map(ItemSummary::from).collect(),
            })
        } else {
            None
        };
        if marking.classification > Classification::LOWEST {
            self.record(&[AuditEvent::new("assessment.read")
                .by(subject.user, &subject.member)
                .on(assessment.id)
                .with(serde_json::json!({ "version": assessment.version, "classification": marking.classification }))])
                .await?;
        }
        let register_list = registers
            .iter()
            .map(|r| IncludedRegister { member: r.member.clone(), title: r.settings.title.clone() })
            .collect();
        Ok(AssembledAssessment {
            reaches: readers.iter().map(|r| r.member.clone()).collect(),
            picture: self.picture_of(registers).await?,
            registers: register_list,
            trend,
            totals,
            reports,
            left_out,
            marking,
            assessment,
        })
    }

    /// Records that `subject` exported the assembled assessment as `format`
    /// (`pdf`, `html`) for `reason`: to whom it may go (the members it
    /// reaches), which version, at which marking. Audited as `assessment.export`.
    pub async fn record_assessment_export(
        &self,
        subject: &Subject,
        assembled: &AssembledAssessment,
        format: &str,
        reason: &str,
    ) -> Result<(), StoreError> {
        check_export_reason(reason)?;
        let a = &assembled.assessment;
        self.record(&[AuditEvent::new("assessment.export").by(subject.user, &subject.member).on(a.id).with(
            serde_json::json!({
                "version": a.version,
                "format": format,
                "reason": reason,
                "recipients": assembled.reaches,
                "classification": assembled.marking.classification,
                "reports": assembled.reports.iter().map(|i| i.id).collect::<Vec<_>>(),
                "registers": assembled.registers.iter().map(|r| &r.member).collect::<Vec<_>>(),
            }),
        )])
        .await
    }
}
