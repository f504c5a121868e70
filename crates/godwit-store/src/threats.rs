//! Threat and risk registers: the taxonomy of threats, each member's register
//! and its entries, evidence linked to entries, the history of every change,
//! and the regional picture across the registers a viewer may read.
//!
//! SECURITY: a register is released like an item. Every read goes through the
//! access policy ([`decide`] on [`Register::envelope`]); a register the viewer
//! may not read answers "not found", so its existence does not leak. Evidence
//! names items: an entry lists only the linked items the viewer may read, and
//! the history leaves out evidence changes of items the viewer may not read.
//! Registers are few (one per member), so they are judged in Rust one by one
//! rather than through a pushed-down SQL filter.

use std::collections::{BTreeMap, BTreeSet};

use godwit_domain::Timestamp;
use godwit_domain::item::{Category, Releasability};
use godwit_domain::marking::{Caveats, Classification, Tlp};
use godwit_domain::member::MemberCode;
use godwit_domain::policy::decide;
use godwit_domain::risk::{Rating, RiskMethod, Trend};
use godwit_domain::threat::{
    Entry, EntryDraft, RatingDifference, Register, RegisterSettings, Threat, differ_notably, edits_register,
    releases_register, seed_threats,
};
use godwit_domain::user::Subject;
use sea_query::{Expr, ExprTrait, Order, Query};
use serde::Serialize;
use uuid::Uuid;

use crate::audit::{self, AuditEvent};
use crate::db::Tx;
use crate::error::corrupt;
use crate::items::ItemSummary;
use crate::schema::{ThreatChanges, ThreatEntries, ThreatEvidence, ThreatRegisters, Threats};
use crate::{Store, StoreError, parse_uuid};

/// An entry as a reader sees it: the rating its register's matrix gives, and
/// the evidence the reader may read.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct EntryView {
    #[serde(flatten)]
    pub entry: Entry,
    pub rating: Rating,
    /// Past its review date.
    pub review_overdue: bool,
    pub evidence: Vec<ItemSummary>,
}

/// A register with its entries, as `subject` may see it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct RegisterView {
    pub register: Register,
    pub entries: Vec<EntryView>,
    /// Whether the viewer may write entries and link evidence.
    pub editable: bool,
    /// Whether the viewer may change markings, release and method.
    pub releasable: bool,
}

/// One change of a register.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub at: Timestamp,
    /// `create`, `settings` (markings, release, method), `entry.create`,
    /// `entry.update`, `entry.delete`, `evidence.link`, `evidence.unlink`.
    pub action: String,
    pub threat: Option<String>,
    pub item: Option<Uuid>,
    pub changed_by: Uuid,
    pub changed_member: MemberCode,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub before: Option<serde_json::Value>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub after: Option<serde_json::Value>,
}

/// One member's assessment of one threat, in the regional picture.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PictureCell {
    pub threat: String,
    pub member: MemberCode,
    pub likelihood: u8,
    pub consequence: u8,
    pub rating: Rating,
    pub trend: Trend,
}

/// Threats compared across the registers the viewer may read.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct RegionalPicture {
    /// The members whose registers are released to the viewer (its own included).
    pub members: Vec<MemberCode>,
    /// The threats some of those registers assess, in taxonomy order.
    pub threats: Vec<Threat>,
    pub cells: Vec<PictureCell>,
    pub differences: Vec<RatingDifference>,
}

#[derive(sqlx::FromRow)]
struct RegisterRow {
    id: String,
    member: String,
    organisation: String,
    created_by: String,
    title: String,
    category: String,
    classification: i64,
    tlp: String,
    caveats: String,
    release: String,
    method: String,
    created_at: i64,
    updated_at: i64,
}

const REGISTER_COLUMNS: [ThreatRegisters; 13] = [
    ThreatRegisters::Id,
    ThreatRegisters::Member,
    ThreatRegisters::Organisation,
    ThreatRegisters::CreatedBy,
    ThreatRegisters::Title,
    ThreatRegisters::Category,
    ThreatRegisters::Classification,
    ThreatRegisters::Tlp,
    ThreatRegisters::Caveats,
    ThreatRegisters::Release,
    ThreatRegisters::Method,
    ThreatRegisters::CreatedAt,
    ThreatRegisters::UpdatedAt,
];

fn json<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|_| corrupt("threat register", what, text))
}

fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
}

impl TryFrom<RegisterRow> for Register {
    type Error = StoreError;

    fn try_from(row: RegisterRow) -> Result<Self, StoreError> {
        Ok(Register {
            id: parse_uuid(&row.id)?,
            member: MemberCode(row.member),
            organisation: parse_uuid(&row.organisation)?,
            created_by: parse_uuid(&row.created_by)?,
            settings: RegisterSettings {
                title: row.title,
                category: Category::parse(&row.category)
                    .ok_or_else(|| corrupt("threat register", "category", &row.category))?,
                classification: Classification(
                    u8::try_from(row.classification)
                        .map_err(|_| corrupt("threat register", "classification", "out of range"))?,
                ),
                tlp: Tlp::parse(&row.tlp).ok_or_else(|| corrupt("threat register", "tlp", &row.tlp))?,
                caveats: json::<Caveats>("caveats", &row.caveats)?,
                release: json::<Releasability>("release", &row.release)?,
                method: json::<RiskMethod>("method", &row.method)?,
            },
            created_at: Timestamp(row.created_at),
            updated_at: Timestamp(row.updated_at),
        })
    }
}

#[derive(sqlx::FromRow)]
struct EntryRow {
    id: String,
    register_id: String,
    threat_code: String,
    assessment: String,
    likelihood: i64,
    consequence: i64,
    trend: String,
    mitigations: String,
    review_on: String,
    updated_by: String,
    updated_at: i64,
}

const ENTRY_COLUMNS: [ThreatEntries; 11] = [
    ThreatEntries::Id,
    ThreatEntries::RegisterId,
    ThreatEntries::ThreatCode,
    ThreatEntries::Assessment,
    ThreatEntries::Likelihood,
    ThreatEntries::Consequence,
    ThreatEntries::Trend,
    ThreatEntries::Mitigations,
    ThreatEntries::ReviewOn,
    ThreatEntries::UpdatedBy,
    ThreatEntries::UpdatedAt,
];

fn point(what: &str, value: i64) -> Result<u8, StoreError> {
    u8::try_from(value).map_err(|_| corrupt("threat register", what, value))
}

impl TryFrom<EntryRow> for Entry {
    type Error = StoreError;

    fn try_from(row: EntryRow) -> Result<Self, StoreError> {
        Ok(Entry {
            id: parse_uuid(&row.id)?,
            register: parse_uuid(&row.register_id)?,
            threat: row.threat_code,
            draft: EntryDraft {
                assessment: row.assessment,
                likelihood: point("likelihood", row.likelihood)?,
                consequence: point("consequence", row.consequence)?,
                trend: Trend::parse(&row.trend).ok_or_else(|| corrupt("threat register", "trend", &row.trend))?,
                mitigations: json("mitigations", &row.mitigations)?,
                review_on: row.review_on,
            },
            updated_by: parse_uuid(&row.updated_by)?,
            updated_at: Timestamp(row.updated_at),
        })
    }
}

#[derive(sqlx::FromRow)]
struct ThreatRow {
    code: String,
    name: String,
    description: String,
    added_by_member: String,
}

#[derive(sqlx::FromRow)]
struct EvidenceRow {
    entry_id: String,
    item_id: String,
}

#[derive(sqlx::FromRow)]
struct ChangeRow {
    threat_code: Option<String>,
    item_id: Option<String>,
    action: String,
    changed_by: String,
    changed_member: String,
    changed_at: i64,
    before: Option<String>,
    after: Option<String>,
}

/// What one change records, before it is written.
struct ChangeRecord<'a> {
    register: Uuid,
    action: &'a str,
    threat: Option<&'a str>,
    item: Option<Uuid>,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
}

fn forbidden(message: &str) -> StoreError {
    StoreError::Forbidden(message.into())
}

/// Writes one change to the register's history and the same to the audit chain.
async fn record_change(
    tx: &mut Tx,
    subject: &Subject,
    now: Timestamp,
    change: ChangeRecord<'_>,
) -> Result<(), StoreError> {
    let text = |v: &Option<serde_json::Value>| v.as_ref().map(to_json);
    tx.target()
        .execute(
            Query::insert()
                .into_table(ThreatChanges::Table)
                .columns([
                    ThreatChanges::Id,
                    ThreatChanges::RegisterId,
                    ThreatChanges::ThreatCode,
                    ThreatChanges::ItemId,
                    ThreatChanges::Action,
                    ThreatChanges::ChangedBy,
                    ThreatChanges::ChangedMember,
                    ThreatChanges::ChangedAt,
                    ThreatChanges::Before,
                    ThreatChanges::After,
                ])
                .values_panic([
                    Uuid::now_v7().to_string().into(),
                    change.register.to_string().into(),
                    change.threat.map(str::to_owned).into(),
                    change.item.map(|i| i.to_string()).into(),
                    change.action.into(),
                    subject.user.to_string().into(),
                    subject.member.as_str().into(),
                    now.0.into(),
                    text(&change.before).into(),
                    text(&change.after).into(),
                ]),
        )
        .await?;
    audit::append(
        tx,
        now,
        &[AuditEvent::new(&format!("threat_register.{}", change.action))
            .by(subject.user, &subject.member)
            .on(change.register)
            .with(serde_json::json!({ "threat": change.threat, "item": change.item, "after": change.after }))],
    )
    .await
}

impl Store {
    /// The taxonomy: the seeded threats, then those members added, by name.
    pub async fn threat_taxonomy(&self) -> Result<Vec<Threat>, StoreError> {
        let rows: Vec<ThreatRow> = self
            .pool
            .target()
            .fetch_all(
                Query::select()
                    .columns([Threats::Code, Threats::Name, Threats::Description, Threats::AddedByMember])
                    .from(Threats::Table)
                    .order_by(Threats::Name, Order::Asc),
            )
            .await?;
        let mut threats = seed_threats();
        threats.extend(rows.into_iter().map(|r| Threat {
            code: r.code,
            name: r.name,
            description: r.description,
            added_by: Some(MemberCode(r.added_by_member)),
        }));
        Ok(threats)
    }

    /// Adds a threat to the taxonomy for every member to assess; by the
    /// content authors of any member. Audited as `threat.add`.
    pub async fn add_threat(&self, subject: &Subject, threat: Threat) -> Result<Threat, StoreError> {
        if !edits_register(subject, &subject.member) {
            return Err(forbidden("threats are added by analysts, authorising officers and focal points"));
        }
        let threat = Threat {
            code: threat.code.trim().to_owned(),
            name: threat.name.trim().to_owned(),
            description: threat.description.trim().to_owned(),
            added_by: Some(subject.member.clone()),
        };
        threat.validate()?;
        if seed_threats().iter().any(|t| t.code == threat.code) {
            return Err(StoreError::Conflict(format!("the threat {} already exists", threat.code)));
        }
        let now = self.clock().now();
        let mut tx = self.pool.begin().await?;
        tx.target()
            .execute(
                Query::insert()
                    .into_table(Threats::Table)
                    .columns([
                        Threats::Code,
                        Threats::Name,
                        Threats::Description,
                        Threats::AddedByMember,
                        Threats::AddedBy,
                        Threats::AddedAt,
                    ])
                    .values_panic([
                        threat.code.as_str().into(),
                        threat.name.as_str().into(),
                        threat.description.as_str().into(),
                        subject.member.as_str().into(),
                        subject.user.to_string().into(),
                        now.0.into(),
                    ]),
            )
            .await
            .map_err(|e| e.unique_as_conflict(&format!("the threat {}", threat.code)))?;
        audit::append(
            &mut tx,
            now,
            &[AuditEvent::new("threat.add")
                .by(subject.user, &subject.member)
                .on(&threat.code)
                .with(serde_json::json!({ "name": threat.name }))],
        )
        .await?;
        tx.commit().await?;
        Ok(threat)
    }

    /// Every register, WITHOUT any policy check: for the store's own use
    /// (the picture, reminders, assessments), which judges each one itself.
    pub(crate) async fn all_registers(&self) -> Result<Vec<Register>, StoreError> {
        let rows: Vec<RegisterRow> = self
            .pool
            .target()
            .fetch_all(
                Query::select()
                    .columns(REGISTER_COLUMNS)
                    .from(ThreatRegisters::Table)
                    .order_by(ThreatRegisters::Member, Order::Asc),
            )
            .await?;
        rows.into_iter().map(Register::try_from).collect()
    }

    /// The registers `subject` may read (judged by `decide`), by member.
    pub async fn threat_registers(&self, subject: &Subject) -> Result<Vec<Register>, StoreError> {
        let agreements = self.agreements().await?;
        let now = self.clock().now();
        let mut registers = self.all_registers().await?;
        registers.retain(|r| decide(subject, &r.envelope(), &agreements, now).is_allowed());
        Ok(registers)
    }

    /// The register of `member`; not found when there is none or `subject`
    /// may not read it. Reads above the lowest classification are audited.
    pub async fn threat_register(&self, subject: &Subject, member: &MemberCode) -> Result<Register, StoreError> {
        let register = self
            .threat_registers(subject)
            .await?
            .into_iter()
            .find(|r| r.member == *member)
            .ok_or(StoreError::NotFound("threat register"))?;
        if register.settings.classification > Classification::LOWEST {
            self.record(&[AuditEvent::new("threat_register.read")
                .by(subject.user, &subject.member)
                .on(register.id)
                .with(serde_json::json!({ "member": register.member, "classification": register.settings.classification }))])
            .await?;
        }
        Ok(register)
    }

    /// Opens the register of `subject`'s member, released to nobody else
    /// unless the settings say so; by an authorising officer or national focal
    /// point. Audited, with the release, as `threat_register.create`.
    pub async fn create_threat_register(
        &self,
        subject: &Subject,
        settings: RegisterSettings,
    ) -> Result<Register, StoreError> {
        if !releases_register(subject, &subject.member) {
            return Err(forbidden("a register is opened by an authorising officer or the national focal point"));
        }
        settings.validate(&self.scale())?;
        let now = self.clock().now();
        let register = Register {
            id: Uuid::now_v7(),
            member: subject.member.clone(),
            organisation: subject.organisation,
            created_by: subject.user,
            settings,
            created_at: now,
            updated_at: now,
        };
        let s = &register.settings;
        let mut tx = self.pool.begin().await?;
        tx.target()
            .execute(Query::insert().into_table(ThreatRegisters::Table).columns(REGISTER_COLUMNS).values_panic([
                register.id.to_string().into(),
                register.member.as_str().into(),
                register.organisation.to_string().into(),
                register.created_by.to_string().into(),
                s.title.trim().into(),
                s.category.as_str().into(),
                i64::from(s.classification.0).into(),
                s.tlp.as_str().into(),
                to_json(&s.caveats).into(),
                to_json(&s.release).into(),
                to_json(&s.method).into(),
                now.0.into(),
                now.0.into(),
            ]))
            .await
            .map_err(|e| e.unique_as_conflict("a register of your member"))?;
        let change = ChangeRecord {
            register: register.id,
            action: "create",
            threat: None,
            item: None,
            before: None,
            after: Some(serde_json::to_value(s)?),
        };
        record_change(&mut tx, subject, now, change).await?;
        tx.commit().await?;
        Ok(register)
    }

    /// Changes a register's title, markings, release or method; by an
    /// authorising officer or national focal point of its member. Audited as
    /// `threat_register.settings` with the new settings (the release among them).
    pub async fn update_threat_register(
        &self,
        subject: &Subject,
        member: &MemberCode,
        settings: RegisterSettings,
    ) -> Result<Register, StoreError> {
        let current = self.threat_register(subject, member).await?;
        if !releases_register(subject, member) {
            return Err(forbidden("a register's markings and release are set by its authorising officers"));
        }
        settings.validate(&self.scale())?;
        let now = self.clock().now();
        let mut tx = self.pool.begin().await?;
        tx.target()
            .execute(
                Query::update()
                    .table(ThreatRegisters::Table)
                    .values([
                        (ThreatRegisters::Title, settings.title.trim().into()),
                        (ThreatRegisters::Category, settings.category.as_str().into()),
                        (ThreatRegisters::Classification, i64::from(settings.classification.0).into()),
                        (ThreatRegisters::Tlp, settings.tlp.as_str().into()),
                        (ThreatRegisters::Caveats, to_json(&settings.caveats).into()),
                        (ThreatRegisters::Release, to_json(&settings.release).into()),
                        (ThreatRegisters::Method, to_json(&settings.method).into()),
                        (ThreatRegisters::UpdatedAt, now.0.into()),
                    ])
                    .and_where(Expr::col(ThreatRegisters::Id).eq(current.id.to_string())),
            )
            .await?;
        let change = ChangeRecord {
            register: current.id,
            action: "settings",
            threat: None,
            item: None,
            before: Some(serde_json::to_value(&current.settings)?),
            after: Some(serde_json::to_value(&settings)?),
        };
        record_change(&mut tx, subject, now, change).await?;
        tx.commit().await?;
        Ok(Register { settings, updated_at: now, ..current })
    }

    pub(crate) async fn entries_of(&self, register: Uuid) -> Result<Vec<Entry>, StoreError> {
        let rows: Vec<EntryRow> = self
            .pool
            .target()
            .fetch_all(
                Query::select()
                    .columns(ENTRY_COLUMNS)
                    .from(ThreatEntries::Table)
                    .and_where(Expr::col(ThreatEntries::RegisterId).eq(register.to_string())),
            )
            .await?;
        rows.into_iter().map(Entry::try_from).collect()
    }

    /// The register of `member` with its entries (in taxonomy order) and the
    /// evidence `subject` may read.
    pub async fn threat_register_view(
        &self,
        subject: &Subject,
        member: &MemberCode,
    ) -> Result<RegisterView, StoreError> {
        let register = self.threat_register(subject, member).await?;
        let entries = self.entries_of(register.id).await?;
        let ids: Vec<String> = entries.iter().map(|e| e.id.to_string()).collect();
        let links: Vec<EvidenceRow> = if ids.is_empty() {
            Vec::new()
        } else {
            self.pool
                .target()
                .fetch_all(
                    Query::select()
                        .columns([ThreatEvidence::EntryId, ThreatEvidence::ItemId])
                        .from(ThreatEvidence::Table)
                        .and_where(Expr::col(ThreatEvidence::EntryId).is_in(ids))
                        .order_by(ThreatEvidence::LinkedAt, Order::Desc),
                )
                .await?
        };
        let item_ids: Vec<Uuid> = links.iter().map(|l| parse_uuid(&l.item_id)).collect::<Result<_, _>>()?;
        let readable: BTreeMap<String, ItemSummary> = self
            .readable_items(subject, &item_ids)
            .await?
            .into_iter()
            .map(|i| (i.id.to_string(), ItemSummary::from(i)))
            .collect();
        let order = self.threat_taxonomy().await?;
        let today = self.clock().now().to_datetime().date();
        let mut views: Vec<EntryView> = entries
            .into_iter()
            .map(|entry| {
                let evidence = links
                    .iter()
                    .filter(|l| l.entry_id == entry.id.to_string())
                    .filter_map(|l| readable.get(&l.item_id).cloned())
                    .collect();
                let rating = register.settings.method.rate(entry.draft.likelihood, entry.draft.consequence);
                Ok(EntryView {
                    rating: rating.ok_or_else(|| corrupt("threat register", "entry point", entry.id))?,
                    review_overdue: entry.review_overdue(today),
                    evidence,
                    entry,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        views.sort_by_key(|v| order.iter().position(|t| t.code == v.entry.threat).unwrap_or(usize::MAX));
        Ok(RegisterView {
            editable: edits_register(subject, member),
            releasable: releases_register(subject, member),
            register,
            entries: views,
        })
    }

    /// The register `subject` may edit: its own member's, readable by it.
    async fn editable_register(&self, subject: &Subject, member: &MemberCode) -> Result<Register, StoreError> {
        let register = self.threat_register(subject, member).await?;
        if edits_register(subject, member) {
            Ok(register)
        } else {
            Err(forbidden("a register's entries are written by the analysts and officers of its member"))
        }
    }

    async fn entry(&self, register: Uuid, threat: &str) -> Result<Option<Entry>, StoreError> {
        let row: Option<EntryRow> = self
            .pool
            .target()
            .fetch_optional(
                Query::select()
                    .columns(ENTRY_COLUMNS)
                    .from(ThreatEntries::Table)
                    .and_where(Expr::col(ThreatEntries::RegisterId).eq(register.to_string()))
                    .and_where(Expr::col(ThreatEntries::ThreatCode).eq(threat)),
            )
            .await?;
        row.map(Entry::try_from).transpose()
    }

    /// Writes the assessment of `threat` in `member`'s register (a new entry
    /// or a change), recording before and after in its history.
    pub async fn put_threat_entry(
        &self,
        subject: &Subject,
        member: &MemberCode,
        threat: &str,
        draft: EntryDraft,
    ) -> Result<Entry, StoreError> {
        let register = self.editable_register(subject, member).await?;
        if !self.threat_taxonomy().await?.iter().any(|t| t.code == threat) {
            return Err(StoreError::NotFound("threat"));
        }
        draft.validate()?;
        let draft = draft.normalised();
        let before = self.entry(register.id, threat).await?;
        let now = self.clock().now();
        let entry = Entry {
            id: before.as_ref().map_or_else(Uuid::now_v7, |e| e.id),
            register: register.id,
            threat: threat.to_owned(),
            draft,
            updated_by: subject.user,
            updated_at: now,
        };
        let d = &entry.draft;
        let values = [
            (ThreatEntries::Assessment, d.assessment.as_str().into()),
            (ThreatEntries::Likelihood, i64::from(d.likelihood).into()),
            (ThreatEntries::Consequence, i64::from(d.consequence).into()),
            (ThreatEntries::Trend, d.trend.as_str().into()),
            (ThreatEntries::Mitigations, to_json(&d.mitigations).into()),
            (ThreatEntries::ReviewOn, d.review_on.as_str().into()),
            (ThreatEntries::UpdatedBy, subject.user.to_string().into()),
            (ThreatEntries::UpdatedAt, now.0.into()),
        ];
        let mut tx = self.pool.begin().await?;
        if before.is_some() {
            tx.target()
                .execute(
                    Query::update()
                        .table(ThreatEntries::Table)
                        .values(values)
                        .and_where(Expr::col(ThreatEntries::Id).eq(entry.id.to_string())),
                )
                .await?;
        } else {
            let (columns, mut row): (Vec<_>, Vec<sea_query::SimpleExpr>) = values.into_iter().unzip();
            let mut all = vec![ThreatEntries::Id, ThreatEntries::RegisterId, ThreatEntries::ThreatCode];
            all.extend(columns);
            let mut keys: Vec<sea_query::SimpleExpr> =
                vec![entry.id.to_string().into(), register.id.to_string().into(), threat.into()];
            keys.append(&mut row);
            tx.target()
                .execute(Query::insert().into_table(ThreatEntries::Table).columns(all).values_panic(keys))
                .await
                .map_err(|e| e.unique_as_conflict("an entry for this threat"))?;
        }
        let change = ChangeRecord {
            register: register.id,
            action: if before.is_some() { "entry.update" } else { "entry.create" },
            threat: Some(threat),
            item: None,
            before: before.map(|b| serde_json::to_value(b.draft)).transpose()?,
            after: Some(serde_json::to_value(d)?),
        };
        record_change(&mut tx, subject, now, change).await?;
        tx.commit().await?;
        Ok(entry)
    }

    /// Removes the assessment of `threat`, with its evidence links.
    pub async fn delete_threat_entry(
        &self,
        subject: &Subject,
        member: &MemberCode,
        threat: &str,
    ) -> Result<(), StoreError> {
        let register = self.editable_register(subject, member).await?;
        let entry = self.entry(register.id, threat).await?.ok_or(StoreError::NotFound("entry"))?;
        let now = self.clock().now();
        let mut tx = self.pool.begin().await?;
        tx.target()
            .execute(
                Query::delete()
                    .from_table(ThreatEvidence::Table)
                    .and_where(Expr::col(ThreatEvidence::EntryId).eq(entry.id.to_string())),
            )
            .await?;
        tx.target()
            .execute(
                Query::delete()
                    .from_table(ThreatEntries::Table)
                    .and_where(Expr::col(ThreatEntries::Id).eq(entry.id.to_string())),
            )
            .await?;
        let change = ChangeRecord {
            register: register.id,
            action: "entry.delete",
            threat: Some(threat),
            item: None,
            before: Some(serde_json::to_value(&entry.draft)?),
            after: None,
        };
        record_change(&mut tx, subject, now, change).await?;
        tx.commit().await
    }

    /// Links an item or incident record the editor may read to the entry of
    /// `threat`, or unlinks it (`link` false). Either way the editor must be
    /// able to read the item, so that the answer never tells whether an
    /// unreadable item exists.
    pub async fn set_threat_evidence(
        &self,
        subject: &Subject,
        member: &MemberCode,
        threat: &str,
        item: Uuid,
        link: bool,
    ) -> Result<(), StoreError> {
        let register = self.editable_register(subject, member).await?;
        let entry = self.entry(register.id, threat).await?.ok_or(StoreError::NotFound("entry"))?;
        if self.readable_items(subject, &[item]).await?.is_empty() {
            return Err(StoreError::NotFound("item"));
        }
        let now = self.clock().now();
        let mut tx = self.pool.begin().await?;
        let removed = tx
            .target()
            .execute(
                Query::delete()
                    .from_table(ThreatEvidence::Table)
                    .and_where(Expr::col(ThreatEvidence::EntryId).eq(entry.id.to_string()))
                    .and_where(Expr::col(ThreatEvidence::ItemId).eq(item.to_string())),
            )
            .await?;
        if link {
            tx.target()
                .execute(
                    Query::insert()
                        .into_table(ThreatEvidence::Table)
                        .columns([
                            ThreatEvidence::EntryId,
                            ThreatEvidence::ItemId,
                            ThreatEvidence::LinkedBy,
                            ThreatEvidence::LinkedAt,
                        ])
                        .values_panic([
                            entry.id.to_string().into(),
                            item.to_string().into(),
                            subject.user.to_string().into(),
                            now.0.into(),
                        ]),
                )
                .await?;
        } else if removed == 0 {
            return Err(StoreError::NotFound("evidence link"));
        }
        if link && removed > 0 {
            // Already linked: nothing changed, nothing to record.
            return tx.commit().await;
        }
        let change = ChangeRecord {
            register: register.id,
            action: if link { "evidence.link" } else { "evidence.unlink" },
            threat: Some(threat),
            item: Some(item),
            before: None,
            after: None,
        };
        record_change(&mut tx, subject, now, change).await?;
        tx.commit().await
    }

    /// Every change of `member`'s register, newest first. Evidence changes
    /// of items `subject` may not read are left out without a trace.
    pub async fn threat_register_history(
        &self,
        subject: &Subject,
        member: &MemberCode,
    ) -> Result<Vec<Change>, StoreError> {
        let register = self.threat_register(subject, member).await?;
        let rows: Vec<ChangeRow> = self
            .pool
            .target()
            .fetch_all(
                Query::select()
                    .columns([
                        ThreatChanges::ThreatCode,
                        ThreatChanges::ItemId,
                        ThreatChanges::Action,
                        ThreatChanges::ChangedBy,
                        ThreatChanges::ChangedMember,
                        ThreatChanges::ChangedAt,
                        ThreatChanges::Before,
                        ThreatChanges::After,
                    ])
                    .from(ThreatChanges::Table)
                    .and_where(Expr::col(ThreatChanges::RegisterId).eq(register.id.to_string()))
                    .order_by(ThreatChanges::Id, Order::Desc),
            )
            .await?;
        let named: Vec<Uuid> =
            rows.iter().filter_map(|r| r.item_id.as_deref()).map(parse_uuid).collect::<Result<_, _>>()?;
        let readable: BTreeSet<Uuid> = self.readable_items(subject, &named).await?.into_iter().map(|i| i.id).collect();
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let item = row.item_id.as_deref().map(parse_uuid).transpose()?;
            if item.is_some_and(|i| !readable.contains(&i)) {
                continue;
            }
            let value = |text: Option<String>| text.map(|t| json::<serde_json::Value>("change", &t)).transpose();
            out.push(Change {
                at: Timestamp(row.changed_at),
                action: row.action,
                threat: row.threat_code,
                item,
                changed_by: parse_uuid(&row.changed_by)?,
                changed_member: MemberCode(row.changed_member),
                before: value(row.before)?,
                after: value(row.after)?,
            });
        }
        Ok(out)
    }

    /// Threats compared across the registers `subject` may read: each
    /// member's rating of each threat, and every threat members rate
    /// differently (notably: two steps or more). Reading classified registers this way is audited once,
    /// naming them, as `threat_picture.read`.
    pub async fn regional_picture(&self, subject: &Subject) -> Result<RegionalPicture, StoreError> {
        let registers = self.threat_registers(subject).await?;
        let classified: Vec<Uuid> =
            registers.iter().filter(|r| r.settings.classification > Classification::LOWEST).map(|r| r.id).collect();
        if !classified.is_empty() {
            self.record(&[AuditEvent::new("threat_picture.read")
                .by(subject.user, &subject.member)
                .with(serde_json::json!({ "registers": classified }))])
                .await?;
        }
        self.picture_of(registers).await
    }

    /// The picture drawn from `registers`, which the caller judged readable:
    /// each member's rating of each threat, and the differences.
    pub(crate) async fn picture_of(&self, registers: Vec<Register>) -> Result<RegionalPicture, StoreError> {
        let mut cells = Vec::new();
        for register in &registers {
            for entry in self.entries_of(register.id).await? {
                let Some(rating) = register.settings.method.rate(entry.draft.likelihood, entry.draft.consequence)
                else {
                    continue;
                };
                cells.push(PictureCell {
                    threat: entry.threat,
                    member: register.member.clone(),
                    likelihood: entry.draft.likelihood,
                    consequence: entry.draft.consequence,
                    rating,
                    trend: entry.draft.trend,
                });
            }
        }
        let assessed: BTreeSet<&str> = cells.iter().map(|c| c.threat.as_str()).collect();
        let threats: Vec<Threat> =
            self.threat_taxonomy().await?.into_iter().filter(|t| assessed.contains(t.code.as_str())).collect();
        let differences = threats.iter().filter_map(|t| difference(&t.code, &cells)).collect();
        Ok(RegionalPicture { members: registers.into_iter().map(|r| r.member).collect(), threats, cells, differences })
    }
}

/// The members rating `threat` highest and lowest, when they differ at all.
fn difference(threat: &str, cells: &[PictureCell]) -> Option<RatingDifference> {
    let of_threat: Vec<&PictureCell> = cells.iter().filter(|c| c.threat == threat).collect();
    let ratings: BTreeSet<Rating> = of_threat.iter().map(|c| c.rating).collect();
    let (lowest, highest) = (*ratings.first()?, *ratings.last()?);
    if lowest == highest {
        return None;
    }
    let members = |rating: Rating| of_threat.iter().filter(|c| c.rating == rating).map(|c| c.member.clone()).collect();
    Some(RatingDifference {
        threat: threat.to_owned(),
        highest,
        highest_members: members(highest),
        lowest,
        lowest_members: members(lowest),
        notable: differ_notably(&ratings),
    })
}
