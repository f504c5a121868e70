//! Collection templates per member and the column mappings saved for imports.
//!
//! A member sees the built-in templates, each replaced by the member's own copy
//! of the same code when it adapted one, and the templates it made itself. No
//! member sees another's templates or mappings.

use std::collections::BTreeMap;

use godwit_domain::member::MemberCode;
use godwit_domain::template::{CollectionTemplate, builtins};
use godwit_domain::user::Subject;
use sea_query::{Expr, ExprTrait, OnConflict, Order, Query};

use crate::audit::{self, AuditEvent};
use crate::schema::{CollectionTemplates, ImportMappings};
use crate::{Store, StoreError};

fn may_adapt(actor: &Subject) -> Result<(), StoreError> {
    if actor.roles.iter().any(|r| r.authors_content()) {
        Ok(())
    } else {
        Err(StoreError::Forbidden("your roles do not include collecting data".into()))
    }
}

impl Store {
    /// The templates `member` uses, by code.
    pub async fn collection_templates(&self, member: &MemberCode) -> Result<Vec<CollectionTemplate>, StoreError> {
        let rows: Vec<(String,)> = self
            .pool
            .target()
            .fetch_all(
                Query::select()
                    .column(CollectionTemplates::Definition)
                    .from(CollectionTemplates::Table)
                    .and_where(Expr::col(CollectionTemplates::MemberCode).eq(member.as_str()))
                    .order_by(CollectionTemplates::Code, Order::Asc),
            )
            .await?;
        let mut by_code: BTreeMap<String, CollectionTemplate> =
            builtins().into_iter().map(|t| (t.code.clone(), t)).collect();
        for (definition,) in rows {
            let template: CollectionTemplate = serde_json::from_str(&definition)?;
            by_code.insert(template.code.clone(), template);
        }
        Ok(by_code.into_values().collect())
    }

    /// One template of `member`'s.
    pub async fn collection_template(&self, member: &MemberCode, code: &str) -> Result<CollectionTemplate, StoreError> {
        self.collection_templates(member)
            .await?
            .into_iter()
            .find(|t| t.code == code)
            .ok_or(StoreError::NotFound("collection template"))
    }

    /// Saves a template for the actor's member: a copy of a built-in one under
    /// the same code replaces it for that member.
    pub async fn put_collection_template(
        &self,
        actor: &Subject,
        template: &CollectionTemplate,
    ) -> Result<(), StoreError> {
        may_adapt(actor)?;
        template.validate()?;
        let now = self.clock().now();
        let mut tx = self.pool.begin().await?;
        tx.target()
            .execute(
                Query::insert()
                    .into_table(CollectionTemplates::Table)
                    .columns([
                        CollectionTemplates::MemberCode,
                        CollectionTemplates::Code,
                        CollectionTemplates::Name,
                        CollectionTemplates::Definition,
                        CollectionTemplates::UpdatedBy,
                        CollectionTemplates::UpdatedAt,
                    ])
                    .values_panic([
                        actor.member.as_str().into(),
                        template.code.as_str().into(),
                        template.name.as_str().into(),
                        serde_json::to_string(template)?.into(),
                        actor.user.to_string().into(),
                        now.0.into(),
                    ])
                    .on_conflict(
                        OnConflict::columns([CollectionTemplates::MemberCode, CollectionTemplates::Code])
                            .update_columns([
                                CollectionTemplates::Name,
                                CollectionTemplates::Definition,
                                CollectionTemplates::UpdatedBy,
                                CollectionTemplates::UpdatedAt,
                            ])
                            .to_owned(),
                    ),
            )
            .await?;
        audit::append(
            &mut tx,
            now,
            &[AuditEvent::new("template.put").by(actor.user, &actor.member).on(&template.code)],
        )
        .await?;
        tx.commit().await
    }

    /// Removes the member's copy: a built-in template comes back as shipped.
    pub async fn delete_collection_template(&self, actor: &Subject, code: &str) -> Result<(), StoreError> {
        may_adapt(actor)?;
        let now = self.clock().now();
        let mut tx = self.pool.begin().await?;
        let removed = tx
            .target()
            .execute(
                Query::delete()
                    .from_table(CollectionTemplates::Table)
                    .and_where(Expr::col(CollectionTemplates::MemberCode).eq(actor.member.as_str()))
                    .and_where(Expr::col(CollectionTemplates::Code).eq(code)),
            )
            .await?;
        if removed == 0 {
            return Err(StoreError::NotFound("adapted collection template"));
        }
        audit::append(&mut tx, now, &[AuditEvent::new("template.delete").by(actor.user, &actor.member).on(code)])
            .await?;
        tx.commit().await
    }

    /// The saved mapping of sheet headers (folded) to field keys, for `member`
    /// importing with `template`.
    pub async fn import_mapping(
        &self,
        member: &MemberCode,
        template: &str,
    ) -> Result<BTreeMap<String, String>, StoreError> {
        let row: Option<(String,)> = self
            .pool
            .target()
            .fetch_optional(
                Query::select()
                    .column(ImportMappings::Mapping)
                    .from(ImportMappings::Table)
                    .and_where(Expr::col(ImportMappings::MemberCode).eq(member.as_str()))
                    .and_where(Expr::col(ImportMappings::TemplateCode).eq(template)),
            )
            .await?;
        Ok(row.map(|(json,)| serde_json::from_str(&json)).transpose()?.unwrap_or_default())
    }

    /// Remembers how `member`'s sheets map to `template`'s fields.
    pub async fn put_import_mapping(
        &self,
        actor: &Subject,
        template: &str,
        mapping: &BTreeMap<String, String>,
    ) -> Result<(), StoreError> {
        may_adapt(actor)?;
        self.pool
            .target()
            .execute(
                Query::insert()
                    .into_table(ImportMappings::Table)
                    .columns([
                        ImportMappings::MemberCode,
                        ImportMappings::TemplateCode,
                        ImportMappings::Mapping,
                        ImportMappings::UpdatedAt,
                    ])
                    .values_panic([
                        actor.member.as_str().into(),
                        template.into(),
                        serde_json::to_string(mapping)?.into(),
                        self.clock().now().0.into(),
                    ])
                    .on_conflict(
                        OnConflict::columns([ImportMappings::MemberCode, ImportMappings::TemplateCode])
                            .update_columns([ImportMappings::Mapping, ImportMappings::UpdatedAt])
                            .to_owned(),
                    ),
            )
            .await?;
        Ok(())
    }
}
