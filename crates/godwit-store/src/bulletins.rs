//! Bulletins: what their editors write (kept with every saved version), and
//! the bulletin assembled for its audience from the items published in its
//! period and the incident records of that period.
//!
//! SECURITY: opening a bulletin is judged by [`decide`] on its envelope
//! (`Bulletin::envelope`: its member's, released to its audience) and
//! answers "not found" when denied (`crate::documents`, with its saving). What the bulletin holds is judged for
//! its audience, not for whoever opens it: an item or an incident record
//! counts only when `decide` allows it to a stand-in reader of every member
//! the bulletin reaches (`godwit_domain::document`), so every viewer and
//! every copy distributed shows the same bulletin, and none holds what a
//! member of its audience may not read. Reads above the lowest
//! classification are audited (`bulletin.read`), distributions always
//! (`bulletin.distribute`, with the recipients, the method and the reason).

use godwit_domain::Timestamp;
use godwit_domain::bulletin::{Bulletin, BulletinDraft, Edition, edits_bulletin};
use godwit_domain::document::{DocumentDraft, DocumentMarking};
use godwit_domain::incident::Dimension;
use godwit_domain::item::{Item, ItemKind, ItemState};
use godwit_domain::marking::Classification;
use godwit_domain::member::MemberCode;
use godwit_domain::policy::decide;
use godwit_domain::user::Subject;
use sea_query::{DynIden, Expr, ExprTrait, IntoIden, Order, Query};
use serde::Serialize;
use uuid::Uuid;

use crate::analysis::{AnalysisFilter, Counts, Readers, TopRow};
use crate::audit::AuditEvent;
use crate::documents::{StoredDraft, check_export_reason};
use crate::items::{ITEM_COLUMNS, ItemSummary, read_items};
use crate::schema::{BulletinVersions, Bulletins, Items};
use crate::{Store, StoreError};

/// How many nationalities a bulletin's incident figures name.
const TOP_NATIONALITIES: usize = 10;

/// A bulletin as its audience reads it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct AssembledBulletin {
    pub bulletin: Bulletin,
    /// "September–October 2026".
    pub period: String,
    /// At least the editors' marking and the highest of what it holds.
    pub marking: DocumentMarking,
    /// Every member the bulletin reaches: its audience's and its own.
    pub reaches: Vec<MemberCode>,
    /// The items published in the period that every member reached may
    /// read, one section per kind its edition reports (in that order), each
    /// oldest first.
    pub sections: Vec<BulletinSection>,
    /// Incident records of the period every member reached may read.
    pub incidents: Counts,
    /// Those records by category, most first.
    pub by_category: Vec<TopRow>,
    /// Those records by the nationality of the persons, most first (the ten first).
    pub by_nationality: Vec<TopRow>,
    /// For its editors: items published in the period that they read but
    /// some member reached may not, and so were left out.
    pub left_out: Option<Vec<ItemSummary>>,
}

impl AssembledBulletin {
    /// The bulletin's envelope at its marking: what banners and copies show.
    pub fn envelope(&self) -> godwit_domain::item::Envelope {
        self.bulletin.envelope_at(self.marking)
    }

    /// What it is, for whom and from whom: "The monthly intelligence
    /// bulletin of October 2026 for PIDC by FJI, version 2. It reaches …".
    pub fn about(&self) -> String {
        let b = &self.bulletin;
        format!(
            "The {} of {} for {} by {}, version {}. It reaches {}, and holds only what each of them may read.",
            b.draft.edition.name().to_lowercase(),
            self.period,
            b.draft.audience.label(),
            b.member,
            b.version,
            self.reaches.iter().map(MemberCode::as_str).collect::<Vec<_>>().join(", ")
        )
    }

    /// Every item it holds.
    pub fn items(&self) -> impl Iterator<Item = &Item> {
        self.sections.iter().flat_map(|s| s.items.iter())
    }
}

/// The items of one kind in a bulletin.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct BulletinSection {
    pub kind: ItemKind,
    /// "Intelligence reports".
    pub heading: String,
    pub items: Vec<Item>,
}

impl StoredDraft for BulletinDraft {
    const WRITERS: &'static str = "bulletins are compiled by the analysts, officers and focal points of their member";

    fn table() -> DynIden {
        Bulletins::Table.into_iden()
    }

    fn versions() -> (DynIden, DynIden) {
        (BulletinVersions::Table.into_iden(), BulletinVersions::BulletinId.into_iden())
    }

    fn listed(&self) -> Vec<(DynIden, Expr)> {
        vec![
            (Bulletins::Edition.into_iden(), self.edition.as_str().into()),
            (Bulletins::Period.into_iden(), self.period.to_string().into()),
        ]
    }

    fn newest() -> DynIden {
        Bulletins::Period.into_iden()
    }

    fn audited(&self) -> serde_json::Map<String, serde_json::Value> {
        serde_json::Map::from_iter([
            ("edition".into(), self.edition.as_str().into()),
            ("period".into(), self.period.to_string().into()),
        ])
    }
}

/// Midnight UTC at the start of `day`.
fn midnight(day: time::Date) -> Timestamp {
    Timestamp::from_datetime(day.midnight().assume_utc())
}

impl Store {
    /// The published items of `edition`'s kinds published from `first` up
    /// to the end of `last`, oldest first, WITHOUT any policy check: the
    /// candidates of a bulletin, each judged by the caller.
    async fn published_in(
        &self,
        edition: Edition,
        (first, last): (time::Date, time::Date),
    ) -> Result<Vec<Item>, StoreError> {
        let end = last.next_day().map_or(Timestamp(i64::MAX), midnight);
        let kinds: Vec<&str> = edition.kinds().iter().map(|k| k.as_str()).collect();
        read_items(
            &mut &self.pool,
            Query::select()
                .columns(ITEM_COLUMNS)
                .from(Items::Table)
                .and_where(Expr::col(Items::State).eq(ItemState::Published.as_str()))
                .and_where(Expr::col(Items::Kind).is_in(kinds))
                .and_where(Expr::col(Items::PublishedAt).gte(midnight(first).0))
                .and_where(Expr::col(Items::PublishedAt).lt(end.0))
                .order_by(Items::PublishedAt, Order::Asc)
                .order_by(Items::Id, Order::Asc),
        )
        .await
    }

    /// The bulletin `id` assembled for its audience, as `subject` opens it
    /// (audited as `bulletin.read` above the lowest classification). Its
    /// editors also learn what was left out.
    pub async fn assemble_bulletin(&self, subject: &Subject, id: Uuid) -> Result<AssembledBulletin, StoreError> {
        let bulletin = self.openable_document::<BulletinDraft>(subject, id).await?;
        let d = &bulletin.draft;
        let readers = self.document_readers(&bulletin.member, &d.audience, d.classification).await?;
        let agreements = self.agreements().await?;
        let now = self.clock().now();

        let candidates = self.published_in(d.edition, d.days()).await?;
        let (held, others): (Vec<Item>, Vec<Item>) =
            candidates.into_iter().partition(|i| d.holds(&i.envelope(), i.published_at, &readers, &agreements, now));
        let sections = d
            .edition
            .kinds()
            .iter()
            .map(|kind| BulletinSection {
                kind: *kind,
                heading: Edition::section_heading(*kind).to_owned(),
                items: held.iter().filter(|i| i.kind == *kind).cloned().collect(),
            })
            .collect();

        let (first, last) = d.days();
        let filter = AnalysisFilter { from: Some(first), to: Some(last), ..AnalysisFilter::default() };
        let incidents = self.incident_totals(Readers::all(&readers), &filter).await?;
        let by_category = self.incident_top(Readers::all(&readers), &filter, Dimension::Category, 50).await?;
        let by_nationality =
            self.incident_top(Readers::all(&readers), &filter, Dimension::Nationality, TOP_NATIONALITIES).await?;

        let envelopes: Vec<_> = held.iter().map(Item::envelope).collect();
        let marking = DocumentMarking::of(d.marking(), &envelopes);

        let left_out = edits_bulletin(subject, &bulletin.member).then(|| {
            others
                .into_iter()
                .filter(|i| {
                    let e = i.envelope();
                    d.reports(&e, i.published_at) && decide(subject, &e, &agreements, now).is_allowed()
                })
                .map(ItemSummary::from)
                .collect()
        });
        if marking.classification > Classification::LOWEST {
            self.record(&[AuditEvent::new("bulletin.read")
                .by(subject.user, &subject.member)
                .on(bulletin.id)
                .with(serde_json::json!({ "version": bulletin.version, "classification": marking.classification }))])
                .await?;
        }
        Ok(AssembledBulletin {
            period: d.period_label(),
            reaches: readers.iter().map(|r| r.member.clone()).collect(),
            sections,
            incidents,
            by_category,
            by_nationality,
            left_out,
            marking,
            bulletin,
        })
    }

    /// Records that `subject` distributed the assembled bulletin to its
    /// audience as `method` (`pdf`, `html`, `json`) for `reason`: to whom
    /// (the members it reaches), which version, at which marking, holding
    /// which items. Audited as `bulletin.distribute`.
    pub async fn record_bulletin_distribution(
        &self,
        subject: &Subject,
        assembled: &AssembledBulletin,
        method: &str,
        reason: &str,
    ) -> Result<(), StoreError> {
        check_export_reason(reason)?;
        let b = &assembled.bulletin;
        self.record(&[AuditEvent::new("bulletin.distribute").by(subject.user, &subject.member).on(b.id).with(
            serde_json::json!({
                "version": b.version,
                "edition": b.draft.edition,
                "period": b.draft.period,
                "method": method,
                "reason": reason,
                "recipients": assembled.reaches,
                "classification": assembled.marking.classification,
                "items": assembled.items().map(|i| i.id).collect::<Vec<_>>(),
            }),
        )])
        .await
    }
}
