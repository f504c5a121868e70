//! Annual threat assessments: what their authors write (kept with every saved
//! version), and the document assembled for the assessment's audience from
//! the threat registers, the incident trends of the year and the reports the
//! authors cite.
//!
//! SECURITY: opening an assessment is judged by [`decide`] on its envelope
//! (`Assessment::envelope`: its member's, released to its audience) and
//! answers "not found" when denied (`crate::documents`, with its saving). What the document holds is judged for its
//! audience, not for whoever opens it: a register, a report or an incident
//! record counts only when `decide` allows it to a stand-in reader of every
//! member the assessment reaches (`godwit_domain::document`), so every
//! viewer and every export shows the same document, and none holds what a
//! member of its audience may not read. Reads above the lowest
//! classification are audited (`assessment.read`), exports always
//! (`assessment.export`, with the audience, the format and the reason).

use std::collections::BTreeSet;

use godwit_domain::assessment::{Assessment, AssessmentDraft, edits_assessment, is_citable_report};
use godwit_domain::document::{DocumentDraft, DocumentMarking, includable};
use godwit_domain::incident::Dimension;
use godwit_domain::item::Item;
use godwit_domain::marking::Classification;
use godwit_domain::member::MemberCode;
use godwit_domain::policy::decide;
use godwit_domain::threat::Register;
use godwit_domain::user::Subject;
use sea_query::{DynIden, Expr, IntoIden};
use serde::Serialize;
use uuid::Uuid;

use crate::analysis::{AnalysisFilter, Counts, Readers, TrendPoint};
use crate::audit::AuditEvent;
use crate::documents::{StoredDraft, check_export_reason};
use crate::items::ItemSummary;
use crate::schema::{AssessmentVersions, Assessments};
use crate::threats::RegionalPicture;
use crate::{Store, StoreError};

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
        self.assessment.envelope_at(self.marking)
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

impl StoredDraft for AssessmentDraft {
    const WRITERS: &'static str = "assessments are written by the analysts, officers and focal points of their member";

    fn table() -> DynIden {
        Assessments::Table.into_iden()
    }

    fn versions() -> (DynIden, DynIden) {
        (AssessmentVersions::Table.into_iden(), AssessmentVersions::AssessmentId.into_iden())
    }

    fn listed(&self) -> Vec<(DynIden, Expr)> {
        vec![(Assessments::Year.into_iden(), i64::from(self.year).into())]
    }

    fn newest() -> DynIden {
        Assessments::Year.into_iden()
    }

    fn audited(&self) -> serde_json::Map<String, serde_json::Value> {
        serde_json::Map::from_iter([
            ("year".into(), self.year.into()),
            ("reports".into(), self.reports.iter().map(Uuid::to_string).collect()),
        ])
    }
}

impl Store {
    /// The assessment `id` assembled for its audience, as `subject` opens it
    /// (audited as `assessment.read` above the lowest classification). Its
    /// editors also learn what was left out.
    pub async fn assemble_assessment(&self, subject: &Subject, id: Uuid) -> Result<AssembledAssessment, StoreError> {
        let assessment = self.openable_document::<AssessmentDraft>(subject, id).await?;
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

        let envelopes: Vec<_> =
            registers.iter().map(Register::envelope).chain(reports.iter().map(Item::envelope)).collect();
        let marking = DocumentMarking::of(d.marking(), &envelopes);

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
