//! The analysable facts of incident records, kept in side tables beside the
//! item (one row per record, and rows per person group, route leg and document)
//! and written in the same transaction as the item, so that counts over time,
//! routes and nationalities are plain indexed queries.

use std::collections::HashSet;

use godwit_domain::ValidationErrors;
use godwit_domain::incident::Incident;
use godwit_domain::item::{BorderEnvironment, Category, Item, ItemContent, ItemDetails};
use godwit_domain::member::MemberCode;
use godwit_domain::user::Subject;
use sea_query::{Expr, ExprTrait, InsertStatement, IntoIden, Query};
use serde::Serialize;
use uuid::Uuid;

use crate::audit::{self, AuditEvent};
use crate::db::{Target, Tx};
use crate::items::{write_history, write_new_items};
use crate::schema::{IncidentDocuments, IncidentFacts, IncidentLegs, IncidentPersons, Items};
use crate::{Store, StoreError, outbox};

/// What the facts of one record are made of.
pub(crate) struct FactSource<'a> {
    pub id: String,
    pub member: &'a str,
    pub category: Category,
    pub environment: Option<BorderEnvironment>,
    pub incident: &'a Incident,
}

impl<'a> FactSource<'a> {
    pub fn of(item: &'a Item) -> Option<Self> {
        match &item.content.details {
            ItemDetails::IncidentRecord(incident) => Some(FactSource {
                id: item.id.to_string(),
                member: item.originator_member.as_str(),
                category: item.content.category,
                environment: item.content.environment,
                incident,
            }),
            _ => None,
        }
    }
}

/// Deletes the facts of `ids` (items about to be rewritten).
pub(crate) async fn delete_facts(tx: &mut Tx, ids: &[String]) -> Result<(), StoreError> {
    for (table, col) in [
        (IncidentFacts::Table.into_iden(), IncidentFacts::ItemId.into_iden()),
        (IncidentPersons::Table.into_iden(), IncidentPersons::ItemId.into_iden()),
        (IncidentLegs::Table.into_iden(), IncidentLegs::ItemId.into_iden()),
        (IncidentDocuments::Table.into_iden(), IncidentDocuments::ItemId.into_iden()),
    ] {
        tx.target().execute(Query::delete().from_table(table).and_where(Expr::col(col).is_in(ids.to_vec()))).await?;
    }
    Ok(())
}

/// Writes the facts of `sources` (the items that are incident records now),
/// whose old facts are gone.
pub(crate) async fn write_facts(tx: &mut Tx, sources: &[FactSource<'_>]) -> Result<(), StoreError> {
    if sources.is_empty() {
        return Ok(());
    }
    let mut facts = Query::insert();
    facts.into_table(IncidentFacts::Table).columns([
        IncidentFacts::ItemId,
        IncidentFacts::OriginatorMember,
        IncidentFacts::Category,
        IncidentFacts::Environment,
        IncidentFacts::OccurredOn,
        IncidentFacts::OccurredMonth,
        IncidentFacts::Persons,
        IncidentFacts::Origin,
        IncidentFacts::Destination,
        IncidentFacts::Transport,
        IncidentFacts::MethodType,
        IncidentFacts::OutcomeType,
        IncidentFacts::FeeAmount,
        IncidentFacts::FeeCurrency,
        IncidentFacts::Facilitators,
        IncidentFacts::ImportKey,
    ]);
    let mut persons = Query::insert();
    persons.into_table(IncidentPersons::Table).columns([
        IncidentPersons::ItemId,
        IncidentPersons::Nationality,
        IncidentPersons::Sex,
        IncidentPersons::AgeBand,
        IncidentPersons::Count,
    ]);
    let mut legs = Query::insert();
    legs.into_table(IncidentLegs::Table).columns([
        IncidentLegs::ItemId,
        IncidentLegs::Seq,
        IncidentLegs::Role,
        IncidentLegs::Country,
    ]);
    let mut documents = Query::insert();
    documents.into_table(IncidentDocuments::Table).columns([
        IncidentDocuments::ItemId,
        IncidentDocuments::Seq,
        IncidentDocuments::DocumentType,
        IncidentDocuments::IssuingState,
        IncidentDocuments::FraudType,
    ]);
    let (mut any_person, mut any_leg, mut any_document) = (false, false, false);
    for s in sources {
        let i = s.incident;
        let fee_amount = i.fee.as_ref().map(|f| i64::try_from(f.amount).unwrap_or(i64::MAX));
        facts.values_panic([
            s.id.as_str().into(),
            s.member.into(),
            s.category.as_str().into(),
            s.environment.map(|e| e.as_str()).into(),
            i.occurred_on.as_str().into(),
            i.occurred_on.get(..7).unwrap_or_default().into(),
            i64::from(i.persons).into(),
            i.route.origin.clone().into(),
            i.route.destination.clone().into(),
            i.transport.map(|t| t.as_str()).into(),
            i.method_type.map(|m| m.as_str()).into(),
            i.outcome_type.map(|o| o.as_str()).into(),
            fee_amount.into(),
            i.fee.as_ref().map(|f| f.currency.clone()).into(),
            i64::from(i.facilitators.count).into(),
            i.import_key.clone().into(),
        ]);
        for g in &i.profile {
            persons.values_panic([
                s.id.as_str().into(),
                g.nationality.as_str().into(),
                g.sex.as_str().into(),
                g.age_band.as_str().into(),
                i64::from(g.count).into(),
            ]);
            any_person = true;
        }
        for (seq, (role, country)) in i.route.legs().into_iter().enumerate() {
            legs.values_panic([s.id.as_str().into(), (seq as i64).into(), role.into(), country.into()]);
            any_leg = true;
        }
        for (seq, d) in i.documents.iter().enumerate() {
            documents.values_panic([
                s.id.as_str().into(),
                (seq as i64).into(),
                d.document_type.as_str().into(),
                d.issuing_state.as_str().into(),
                d.fraud_type.map(|f| f.as_str()).into(),
            ]);
            any_document = true;
        }
    }
    let statements: [(&InsertStatement, bool); 4] =
        [(&facts, true), (&persons, any_person), (&legs, any_leg), (&documents, any_document)];
    for (stmt, any) in statements {
        if any {
            tx.target().execute(stmt).await?;
        }
    }
    Ok(())
}

/// Writes the facts of the incident records stored before version 5, whose
/// content was only JSON. Runs once, inside the migration's transaction.
pub(crate) async fn backfill(tx: &mut Tx) -> Result<(), StoreError> {
    let rows: Vec<(String, String, String, Option<String>, String)> = tx
        .target()
        .fetch_all(
            Query::select()
                .columns([Items::Id, Items::OriginatorMember, Items::Category, Items::Environment, Items::Details])
                .from(Items::Table)
                .and_where(Expr::col(Items::Kind).eq("incident_record")),
        )
        .await?;
    for chunk in rows.chunks(200) {
        let mut parsed = Vec::with_capacity(chunk.len());
        for (id, member, category, environment, details) in chunk {
            if let ItemDetails::IncidentRecord(incident) = serde_json::from_str(details)? {
                let category = Category::parse(category)
                    .ok_or_else(|| StoreError::Corrupt(format!("category {category} of item {id}")))?;
                let environment = environment.as_deref().and_then(BorderEnvironment::parse);
                parsed.push((id.clone(), member.as_str(), category, environment, incident));
            }
        }
        let sources: Vec<FactSource<'_>> = parsed
            .iter()
            .map(|(id, member, category, environment, incident)| FactSource {
                id: id.clone(),
                member,
                category: *category,
                environment: *environment,
                incident,
            })
            .collect();
        write_facts(tx, &sources).await?;
    }
    Ok(())
}

/// One record of an import, with the row it came from and its key.
#[derive(Debug, Clone)]
pub struct ImportRow {
    pub row: u64,
    pub key: String,
    pub content: ItemContent,
}

/// What an import did (or, dry, would do).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportOutcome {
    /// Drafts created (or that would be).
    pub created: u64,
    /// Rows whose records the member imported before: left as they are.
    pub already_imported: u64,
}

/// Rows written per statement batch; progress is reported after each.
const IMPORT_CHUNK: usize = 500;

async fn keys_held(target: Target<'_>, member: &MemberCode, keys: &[String]) -> Result<HashSet<String>, StoreError> {
    let rows: Vec<(String,)> = target
        .fetch_all(
            Query::select()
                .column(IncidentFacts::ImportKey)
                .from(IncidentFacts::Table)
                .and_where(Expr::col(IncidentFacts::OriginatorMember).eq(member.as_str()))
                .and_where(Expr::col(IncidentFacts::ImportKey).is_in(keys.to_vec())),
        )
        .await?;
    Ok(rows.into_iter().map(|(k,)| k).collect())
}

impl Store {
    /// How many of `rows` the author's member imported before, without writing.
    pub async fn dry_import(&self, author: &Subject, rows: &[ImportRow]) -> Result<ImportOutcome, StoreError> {
        let mut outcome = ImportOutcome::default();
        for chunk in rows.chunks(IMPORT_CHUNK) {
            let keys: Vec<String> = chunk.iter().map(|r| r.key.clone()).collect();
            let held = keys_held(self.pool.target(), &author.member, &keys).await?;
            let new = keys.iter().filter(|k| !held.contains(*k)).count() as u64;
            outcome.created += new;
            outcome.already_imported += chunk.len() as u64 - new;
        }
        Ok(outcome)
    }

    /// Creates a draft incident record for every row whose key the author's
    /// member does not hold yet, all in one transaction: every row is written
    /// or, on any error, none. `progress` hears the rows done, and of how many,
    /// after each batch.
    pub async fn import_incidents(
        &self,
        author: &Subject,
        template: &str,
        rows: Vec<ImportRow>,
        progress: &(dyn Fn(u64, u64) + Send + Sync),
    ) -> Result<ImportOutcome, StoreError> {
        if !author.roles.iter().any(|r| r.authors_content()) {
            return Err(StoreError::Forbidden("your roles do not include writing items".into()));
        }
        let now = self.clock().now();
        if let Some(first) = rows.first() {
            // Markings and release are the import's, the same on every row.
            self.validate_content(author, &first.content).await?;
        }
        let mut errors = ValidationErrors::default();
        let scale = self.scale();
        for r in &rows {
            if !matches!(r.content.details, ItemDetails::IncidentRecord(_)) {
                errors.push(format!("rows/{}", r.row), "is not an incident record");
            }
            if let Err(e) = r.content.validate(&scale, now) {
                for e in e.0 {
                    errors.push(format!("rows/{}/{}", r.row, e.field), e.message);
                }
            }
        }
        errors.into_result()?;
        let mut tx = self.pool.begin().await?;
        tx.widen_page_cache().await?;
        match write_import(&mut tx, author, template, rows, now, progress).await {
            Ok(outcome) => {
                tx.commit().await?;
                Ok(outcome)
            }
            Err(e) => {
                tx.rollback().await?;
                Err(e)
            }
        }
    }
}

/// The writes of [`Store::import_incidents`], inside its transaction.
async fn write_import(
    tx: &mut Tx,
    author: &Subject,
    template: &str,
    rows: Vec<ImportRow>,
    now: godwit_domain::Timestamp,
    progress: &(dyn Fn(u64, u64) + Send + Sync),
) -> Result<ImportOutcome, StoreError> {
    let total = rows.len() as u64;
    let mut outcome = ImportOutcome::default();
    let mut created = Vec::new();
    let mut done = 0;
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<ImportRow> = rows.by_ref().take(IMPORT_CHUNK).collect();
        let keys: Vec<String> = chunk.iter().map(|r| r.key.clone()).collect();
        let held = keys_held(tx.target(), &author.member, &keys).await?;
        let chunk_len = chunk.len();
        let items: Vec<Item> = chunk
            .into_iter()
            .filter(|r| !held.contains(&r.key))
            .map(|r| {
                let mut content = r.content;
                if let ItemDetails::IncidentRecord(incident) = &mut content.details {
                    incident.import_key = Some(r.key);
                }
                Item::first_draft(Uuid::now_v7(), author.member.clone(), author.organisation, author.user, content, now)
            })
            .collect();
        outcome.already_imported += (chunk_len - items.len()) as u64;
        outcome.created += items.len() as u64;
        write_new_items(tx, &items).await?;
        write_history(tx, &items, author.user, "import", None).await?;
        created.extend(items.iter().map(|i| i.id));
        done += chunk_len as u64;
        progress(done, total);
    }
    let event = AuditEvent::new("incident.import").by(author.user, &author.member).on(template).with(
        serde_json::json!({ "rows": total, "created": outcome.created, "already_imported": outcome.already_imported }),
    );
    audit::append(tx, now, &[event]).await?;
    outbox::append(tx, now, &created, "upsert").await?;
    Ok(outcome)
}
