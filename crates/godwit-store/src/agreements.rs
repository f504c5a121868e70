//! Agreements and the members and categories they cover.

use std::collections::BTreeSet;

use godwit_domain::Timestamp;
use godwit_domain::agreement::{Agreement, AgreementKind, AgreementStatus, ThirdPartyRule};
use godwit_domain::item::{AttachmentMeta, Category};
use godwit_domain::marking::Classification;
use godwit_domain::member::MemberCode;
use sea_query::{Expr, ExprTrait, OnConflict, Order, Query};
use uuid::Uuid;

use crate::audit::{self, AuditEvent};
use crate::error::corrupt;
use crate::schema::{AgreementCategories, AgreementConfirmations, AgreementDocuments, AgreementParties, Agreements};
use crate::{Store, StoreError};

#[derive(sqlx::FromRow)]
struct AgreementRow {
    id: String,
    title: String,
    kind: String,
    status: String,
    max_classification: i64,
    personal_data: bool,
    third_party_rule: String,
    valid_from: i64,
    valid_until: Option<i64>,
}

impl Store {
    /// Records an agreement proposed by a party through the API: it is not in
    /// force until every party has confirmed it, so no member can open another
    /// member's releases to itself on its own word. Suspending or terminating
    /// only narrows sharing, so any party may do that alone.
    pub async fn propose_agreement(
        &self,
        agreement: &Agreement,
        proposer: &MemberCode,
        by: Uuid,
        audit_event: AuditEvent,
    ) -> Result<Agreement, StoreError> {
        let mut agreement = agreement.clone();
        if matches!(agreement.status, AgreementStatus::Active | AgreementStatus::Proposed) {
            agreement.status = AgreementStatus::Proposed;
        }
        self.put_agreement(&agreement, audit_event).await?;
        if agreement.status == AgreementStatus::Proposed {
            return self.confirm_agreement(agreement.id, proposer, by).await;
        }
        Ok(agreement)
    }

    /// Records `member`'s confirmation; the agreement comes into force once every
    /// party has confirmed it.
    pub async fn confirm_agreement(&self, id: Uuid, member: &MemberCode, by: Uuid) -> Result<Agreement, StoreError> {
        let mut agreement = self.agreement(id).await?;
        if !agreement.parties.contains(member) {
            return Err(StoreError::Forbidden("only parties confirm an agreement".into()));
        }
        if agreement.status != AgreementStatus::Proposed {
            return Err(StoreError::Conflict(format!("the agreement is {}, not proposed", agreement.status.as_str())));
        }
        let now = self.clock().now();
        let mut tx = self.pool.begin().await?;
        tx.target()
            .execute(
                Query::insert()
                    .into_table(AgreementConfirmations::Table)
                    .columns([
                        AgreementConfirmations::AgreementId,
                        AgreementConfirmations::MemberCode,
                        AgreementConfirmations::ConfirmedBy,
                        AgreementConfirmations::ConfirmedAt,
                    ])
                    .values_panic([id.to_string().into(), member.as_str().into(), by.to_string().into(), now.0.into()])
                    .on_conflict(
                        OnConflict::columns([AgreementConfirmations::AgreementId, AgreementConfirmations::MemberCode])
                            .do_nothing()
                            .to_owned(),
                    ),
            )
            .await?;
        let confirmed: Vec<(String,)> = tx
            .target()
            .fetch_all(
                Query::select()
                    .column(AgreementConfirmations::MemberCode)
                    .from(AgreementConfirmations::Table)
                    .and_where(Expr::col(AgreementConfirmations::AgreementId).eq(id.to_string())),
            )
            .await?;
        let confirmed: BTreeSet<MemberCode> = confirmed.into_iter().map(|(m,)| MemberCode(m)).collect();
        let mut events = vec![AuditEvent::new("agreement.confirm").by(by, member).on(id)];
        if agreement.parties.is_subset(&confirmed) {
            agreement.status = AgreementStatus::Active;
            tx.target()
                .execute(
                    Query::update()
                        .table(Agreements::Table)
                        .value(Agreements::Status, AgreementStatus::Active.as_str())
                        .and_where(Expr::col(Agreements::Id).eq(id.to_string())),
                )
                .await?;
            events.push(
                AuditEvent::new("agreement.in_force").on(id).with(serde_json::json!({ "parties": agreement.parties })),
            );
        }
        audit::append(&mut tx, now, &events).await?;
        tx.commit().await?;
        Ok(agreement)
    }

    /// The parties that have confirmed a proposed agreement.
    pub async fn agreement_confirmations(&self, id: Uuid) -> Result<Vec<MemberCode>, StoreError> {
        let rows: Vec<(String,)> = self
            .pool
            .target()
            .fetch_all(
                Query::select()
                    .column(AgreementConfirmations::MemberCode)
                    .from(AgreementConfirmations::Table)
                    .and_where(Expr::col(AgreementConfirmations::AgreementId).eq(id.to_string()))
                    .order_by(AgreementConfirmations::MemberCode, Order::Asc),
            )
            .await?;
        Ok(rows.into_iter().map(|(m,)| MemberCode(m)).collect())
    }

    /// Creates or replaces an agreement with its parties and categories, as
    /// given (the node operator's path; see [`Store::propose_agreement`]).
    /// Earlier confirmations are cleared: they confirmed other terms.
    pub async fn put_agreement(&self, agreement: &Agreement, audit_event: AuditEvent) -> Result<(), StoreError> {
        agreement.validate()?;
        let now = self.clock().now();
        let id = agreement.id.to_string();
        let mut tx = self.pool.begin().await?;
        tx.target()
            .execute(
                Query::insert()
                    .into_table(Agreements::Table)
                    .columns([
                        Agreements::Id,
                        Agreements::Title,
                        Agreements::Kind,
                        Agreements::Status,
                        Agreements::MaxClassification,
                        Agreements::PersonalData,
                        Agreements::ThirdPartyRule,
                        Agreements::ValidFrom,
                        Agreements::ValidUntil,
                        Agreements::CreatedAt,
                    ])
                    .values_panic([
                        id.as_str().into(),
                        agreement.title.as_str().into(),
                        agreement.kind.as_str().into(),
                        agreement.status.as_str().into(),
                        i64::from(agreement.max_classification.0).into(),
                        agreement.personal_data.into(),
                        agreement.third_party_rule.as_str().into(),
                        agreement.valid_from.0.into(),
                        agreement.valid_until.map(|t| t.0).into(),
                        now.0.into(),
                    ])
                    .on_conflict(
                        OnConflict::column(Agreements::Id)
                            .update_columns([
                                Agreements::Title,
                                Agreements::Kind,
                                Agreements::Status,
                                Agreements::MaxClassification,
                                Agreements::PersonalData,
                                Agreements::ThirdPartyRule,
                                Agreements::ValidFrom,
                                Agreements::ValidUntil,
                            ])
                            .to_owned(),
                    ),
            )
            .await?;
        tx.target()
            .execute(
                Query::delete()
                    .from_table(AgreementParties::Table)
                    .and_where(Expr::col(AgreementParties::AgreementId).eq(id.as_str())),
            )
            .await?;
        tx.target()
            .execute(
                Query::delete()
                    .from_table(AgreementConfirmations::Table)
                    .and_where(Expr::col(AgreementConfirmations::AgreementId).eq(id.as_str())),
            )
            .await?;
        tx.target()
            .execute(
                Query::delete()
                    .from_table(AgreementCategories::Table)
                    .and_where(Expr::col(AgreementCategories::AgreementId).eq(id.as_str())),
            )
            .await?;
        let mut parties = Query::insert();
        parties
            .into_table(AgreementParties::Table)
            .columns([AgreementParties::AgreementId, AgreementParties::MemberCode]);
        for party in &agreement.parties {
            parties.values_panic([id.as_str().into(), party.as_str().into()]);
        }
        tx.target().execute(&parties).await?;
        let mut categories = Query::insert();
        categories
            .into_table(AgreementCategories::Table)
            .columns([AgreementCategories::AgreementId, AgreementCategories::Category]);
        for category in &agreement.categories {
            categories.values_panic([id.as_str().into(), category.as_str().into()]);
        }
        tx.target().execute(&categories).await?;
        audit::append(&mut tx, now, &[audit_event]).await?;
        tx.commit().await
    }

    /// Every agreement known to the node, in force or not.
    pub async fn agreements(&self) -> Result<Vec<Agreement>, StoreError> {
        let rows: Vec<AgreementRow> = self
            .pool
            .target()
            .fetch_all(
                Query::select()
                    .columns([
                        Agreements::Id,
                        Agreements::Title,
                        Agreements::Kind,
                        Agreements::Status,
                        Agreements::MaxClassification,
                        Agreements::PersonalData,
                        Agreements::ThirdPartyRule,
                        Agreements::ValidFrom,
                        Agreements::ValidUntil,
                    ])
                    .from(Agreements::Table)
                    .order_by(Agreements::ValidFrom, Order::Asc)
                    .order_by(Agreements::Id, Order::Asc),
            )
            .await?;
        let parties: Vec<(String, String)> = self
            .pool
            .target()
            .fetch_all(
                Query::select()
                    .columns([AgreementParties::AgreementId, AgreementParties::MemberCode])
                    .from(AgreementParties::Table),
            )
            .await?;
        let categories: Vec<(String, String)> = self
            .pool
            .target()
            .fetch_all(
                Query::select()
                    .columns([AgreementCategories::AgreementId, AgreementCategories::Category])
                    .from(AgreementCategories::Table),
            )
            .await?;
        rows.into_iter()
            .map(|row| {
                let categories = categories
                    .iter()
                    .filter(|(a, _)| *a == row.id)
                    .map(|(_, c)| Category::parse(c).ok_or_else(|| corrupt("agreement", "category", c)))
                    .collect::<Result<BTreeSet<_>, _>>()?;
                Ok(Agreement {
                    id: crate::parse_uuid(&row.id)?,
                    parties: parties.iter().filter(|(a, _)| *a == row.id).map(|(_, m)| MemberCode(m.clone())).collect(),
                    categories,
                    title: row.title,
                    kind: AgreementKind::parse(&row.kind).ok_or_else(|| corrupt("agreement", "kind", &row.kind))?,
                    status: AgreementStatus::parse(&row.status)
                        .ok_or_else(|| corrupt("agreement", "status", &row.status))?,
                    max_classification: Classification(
                        u8::try_from(row.max_classification)
                            .map_err(|_| corrupt("agreement", "classification", row.max_classification))?,
                    ),
                    personal_data: row.personal_data,
                    third_party_rule: ThirdPartyRule::parse(&row.third_party_rule)
                        .ok_or_else(|| corrupt("agreement", "third-party rule", &row.third_party_rule))?,
                    valid_from: Timestamp(row.valid_from),
                    valid_until: row.valid_until.map(Timestamp),
                })
            })
            .collect()
    }

    pub async fn agreement(&self, id: Uuid) -> Result<Agreement, StoreError> {
        self.agreements().await?.into_iter().find(|a| a.id == id).ok_or(StoreError::NotFound("agreement"))
    }

    /// Keeps a signed copy of an agreement (the MoU as signed). Who may attach
    /// it is the server's rule (a party's national focal point); the store
    /// checks the file as it checks item attachments and audits the upload.
    pub async fn add_agreement_document(
        &self,
        agreement_id: Uuid,
        filename: &str,
        bytes: &[u8],
        by: Uuid,
        member: &MemberCode,
    ) -> Result<AttachmentMeta, StoreError> {
        self.agreement(agreement_id).await?;
        let now = self.clock().now();
        let meta = crate::items::checked_upload(agreement_id, filename, bytes, now)?;
        let mut tx = self.pool.begin().await?;
        tx.target()
            .execute(
                Query::insert()
                    .into_table(AgreementDocuments::Table)
                    .columns([
                        AgreementDocuments::Id,
                        AgreementDocuments::AgreementId,
                        AgreementDocuments::Filename,
                        AgreementDocuments::ContentType,
                        AgreementDocuments::Size,
                        AgreementDocuments::Sha256,
                        AgreementDocuments::Data,
                        AgreementDocuments::UploadedBy,
                        AgreementDocuments::UploadedAt,
                    ])
                    .values_panic([
                        meta.id.to_string().into(),
                        agreement_id.to_string().into(),
                        meta.filename.as_str().into(),
                        meta.content_type.as_str().into(),
                        (bytes.len() as i64).into(),
                        meta.sha256.as_str().into(),
                        bytes.to_vec().into(),
                        by.to_string().into(),
                        now.0.into(),
                    ]),
            )
            .await?;
        audit::append(
            &mut tx,
            now,
            &[AuditEvent::new("agreement.document.add").by(by, member).on(agreement_id).with(serde_json::json!({
                "document": meta.id, "filename": meta.filename, "sha256": meta.sha256, "size": meta.size,
            }))],
        )
        .await?;
        tx.commit().await?;
        Ok(meta)
    }

    /// The signed copies kept for an agreement, oldest first (`item` is the
    /// agreement's id).
    pub async fn agreement_documents(&self, agreement_id: Uuid) -> Result<Vec<AttachmentMeta>, StoreError> {
        let rows: Vec<crate::items::AttachmentRow> = self
            .pool
            .target()
            .fetch_all(
                Query::select()
                    .columns([
                        AgreementDocuments::Id,
                        AgreementDocuments::Filename,
                        AgreementDocuments::ContentType,
                        AgreementDocuments::Size,
                        AgreementDocuments::Sha256,
                        AgreementDocuments::UploadedAt,
                    ])
                    .from(AgreementDocuments::Table)
                    .and_where(Expr::col(AgreementDocuments::AgreementId).eq(agreement_id.to_string()))
                    .order_by(AgreementDocuments::UploadedAt, Order::Asc)
                    .order_by(AgreementDocuments::Id, Order::Asc),
            )
            .await?;
        rows.into_iter().map(|row| crate::items::attachment_from_row(agreement_id, row)).collect()
    }

    /// Reads a signed copy for `by`, whom the server has already allowed;
    /// every download is audited.
    pub async fn download_agreement_document(
        &self,
        agreement_id: Uuid,
        document_id: Uuid,
        by: Uuid,
        member: &MemberCode,
    ) -> Result<(AttachmentMeta, Vec<u8>), StoreError> {
        let meta = self
            .agreement_documents(agreement_id)
            .await?
            .into_iter()
            .find(|d| d.id == document_id)
            .ok_or(StoreError::NotFound("document"))?;
        let row: Option<(Vec<u8>,)> = self
            .pool
            .target()
            .fetch_optional(
                Query::select()
                    .column(AgreementDocuments::Data)
                    .from(AgreementDocuments::Table)
                    .and_where(Expr::col(AgreementDocuments::Id).eq(document_id.to_string())),
            )
            .await?;
        let (data,) = row.ok_or(StoreError::NotFound("document"))?;
        self.record(&[AuditEvent::new("agreement.document.download")
            .by(by, member)
            .on(agreement_id)
            .with(serde_json::json!({ "document": document_id, "sha256": meta.sha256 }))])
            .await?;
        Ok((meta, data))
    }
}
