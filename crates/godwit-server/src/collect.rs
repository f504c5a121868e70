//! Collecting incident data: importing a member's sheet under a collection
//! template and exporting the incident records a reader may see. The JSON API,
//! the portal and `godwit import` all go through these two functions.

use std::collections::{BTreeMap, BTreeSet};

use godwit_domain::incident::Incident;
use godwit_domain::item::{Item, ItemContent, ItemDetails, ItemKind, Releasability};
use godwit_domain::marking::{Caveats, Classification, Tlp};
use godwit_domain::member::MemberCode;
use godwit_domain::template::fold;
use godwit_domain::user::Subject;
use godwit_sheets::export::{ExportRow, to_csv, to_xlsx};
use godwit_sheets::plan::{Plan, RowError, plan};
use godwit_sheets::read::{ReadError, read};
use godwit_store::audit::AuditEvent;
use godwit_store::incidents::{ImportOutcome, ImportRow};
use godwit_store::items::ItemFilter;
use godwit_store::{Store, StoreError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The largest sheet accepted for import.
pub const MAX_IMPORT_BYTES: usize = 64 * 1024 * 1024;
/// The most records one export holds.
pub const MAX_EXPORT_RECORDS: usize = 100_000;

/// How an import is run and how its records are marked.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportOptions {
    /// The collection template's code (`people_smuggling`…).
    pub template: String,
    /// Check and count only; write nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// Classification level index of every record (default: the lowest).
    #[serde(default)]
    pub classification: u8,
    /// TLP of every record (default AMBER).
    #[serde(default = "amber")]
    #[param(value_type = Option<Tlp>)]
    pub tlp: Tlp,
    /// Members every record is released to besides the importer's own,
    /// separated by commas (`NZL,TON`).
    #[serde(default)]
    pub release: String,
}

impl ImportOptions {
    fn release_to(&self, importer: &MemberCode) -> BTreeSet<MemberCode> {
        self.release
            .split(',')
            .map(|m| m.trim().to_uppercase())
            .filter(|m| !m.is_empty() && m != importer.as_str())
            .map(MemberCode)
            .collect()
    }
}

fn amber() -> Tlp {
    Tlp::Amber
}

/// What an import found and did.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct ImportReport {
    pub template: String,
    pub dry_run: bool,
    /// Whether the records were written (never when there is any error).
    pub committed: bool,
    /// Rows read below the header, blank ones included.
    pub rows: u64,
    pub blank_rows: u64,
    /// Rows that would make records.
    pub records: u64,
    /// Of those: new, and imported before (left as they are).
    pub created: u64,
    pub already_imported: u64,
    /// Every problem with its row, column, value and reason.
    #[schema(value_type = Vec<Object>)]
    pub errors: Vec<RowError>,
    /// Problems beyond the listed ones.
    pub unlisted_errors: u64,
    /// Headers that match no field of the template.
    pub ignored_columns: Vec<String>,
}

/// Why a sheet could not be imported at all.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}")]
    Unreadable(#[from] ReadError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<ImportError> for crate::error::ApiError {
    fn from(e: ImportError) -> Self {
        match e {
            ImportError::Unreadable(e) => crate::error::ApiError::new(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                "unreadable_sheet",
                e.to_string(),
            ),
            ImportError::Store(e) => e.into(),
        }
    }
}

fn content(
    template_category: godwit_domain::item::Category,
    options: &ImportOptions,
    importer: &MemberCode,
    record: godwit_sheets::plan::Record,
) -> ItemContent {
    ItemContent {
        title: record.title,
        summary: String::new(),
        body: record.body,
        category: template_category,
        details: ItemDetails::IncidentRecord(Box::new(record.incident)),
        classification: Classification(options.classification),
        tlp: options.tlp,
        caveats: Caveats::default(),
        release: Releasability { members: options.release_to(importer), ..Default::default() },
        grading: None,
        tags: Vec::new(),
        countries: Vec::new(),
        environment: record.environment,
        valid_from: None,
        valid_until: None,
    }
}

/// Reads, checks and (unless dry, and only when every row is good) commits a
/// sheet as draft incident records of `importer`'s member. `progress` hears the
/// rows committed so far, and of how many.
pub async fn import_sheet(
    store: &Store,
    importer: &Subject,
    bytes: Vec<u8>,
    options: &ImportOptions,
    progress: &(dyn Fn(u64, u64) + Send + Sync),
) -> Result<ImportReport, ImportError> {
    if !importer.roles.iter().any(|r| r.authors_content()) {
        return Err(StoreError::Forbidden("your roles do not include collecting data".into()).into());
    }
    let template = store.collection_template(&importer.member, &options.template).await?;
    let saved = store.import_mapping(&importer.member, &template.code).await?;
    let today = store.clock().now().to_datetime().date();
    let planning = template.clone();
    let (sheet_rows, plan): (u64, Plan) = tokio::task::spawn_blocking(move || {
        let sheet = read(&bytes)?;
        Ok::<_, ReadError>((sheet.rows.len() as u64, plan(&planning, &sheet, &saved, today)))
    })
    .await
    .map_err(|_| StoreError::Corrupt("the import task failed".into()))??;
    let mut report = ImportReport {
        template: template.code.clone(),
        dry_run: options.dry_run,
        rows: sheet_rows,
        blank_rows: plan.blank_rows,
        records: plan.records.len() as u64,
        unlisted_errors: plan.unlisted_errors,
        ignored_columns: plan.ignored_columns.clone(),
        ..Default::default()
    };
    let Plan { records, errors, mapping, .. } = plan;
    if !errors.is_empty() {
        report.errors = errors;
        return Ok(report);
    }
    let rows: Vec<ImportRow> = records
        .into_iter()
        .map(|p| ImportRow {
            row: p.row,
            key: p.key,
            content: content(template.category, options, &importer.member, p.record),
        })
        .collect();
    let outcome: ImportOutcome = if options.dry_run {
        store.dry_import(importer, &rows).await?
    } else {
        let outcome = match store.import_incidents(importer, &template.code, rows, progress).await {
            Err(StoreError::Invalid(invalid)) => {
                // Markings or release the store refused: the same for every row.
                report.errors = invalid
                    .0
                    .into_iter()
                    .map(|e| RowError { row: 0, column: e.field, value: String::new(), reason: e.message })
                    .collect();
                return Ok(report);
            }
            other => other?,
        };
        store.put_import_mapping(importer, &template.code, &mapping).await?;
        report.committed = true;
        outcome
    };
    report.created = outcome.created;
    report.already_imported = outcome.already_imported;
    Ok(report)
}

/// Saves `member`'s mapping for a template (header → field key), the headers
/// folded as imports compare them; refuses keys the template does not have.
pub async fn save_mapping(
    store: &Store,
    actor: &Subject,
    template: &str,
    mapping: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, StoreError> {
    let template = store.collection_template(&actor.member, template).await?;
    let mut errors = godwit_domain::ValidationErrors::default();
    let mut folded = BTreeMap::new();
    for (header, key) in mapping {
        if !template.fields.iter().any(|f| &f.key == key) {
            errors.push(format!("mapping/{header}"), format!("{key} is not a field of {}", template.code));
        }
        let header = fold(header);
        if header.is_empty() {
            errors.push("mapping", "a header must have letters or digits");
        }
        folded.insert(header, key.clone());
    }
    errors.into_result()?;
    store.put_import_mapping(actor, &template.code, &folded).await?;
    Ok(folded)
}

/// The formats of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

impl ExportFormat {
    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Xlsx => "xlsx",
        }
    }
}

/// Every incident record `reader` may see (the store's policy-checked list),
/// newest first, at most [`MAX_EXPORT_RECORDS`], as a file; audited.
pub async fn export_incidents(store: &Store, reader: &Subject, format: ExportFormat) -> Result<Vec<u8>, StoreError> {
    let mut items: Vec<Item> = Vec::new();
    let mut filter = ItemFilter { kind: Some(ItemKind::IncidentRecord), limit: 500, ..Default::default() };
    loop {
        let (page, next) = store.list_full_items(reader, &filter).await?;
        items.extend(page);
        match next {
            Some(cursor) if items.len() < MAX_EXPORT_RECORDS => filter.before = Some(cursor),
            _ => break,
        }
    }
    items.truncate(MAX_EXPORT_RECORDS);
    let scale = store.scale();
    let incidents: Vec<(&Item, &Incident)> = items
        .iter()
        .filter_map(|i| match &i.content.details {
            ItemDetails::IncidentRecord(incident) => Some((i, incident.as_ref())),
            _ => None,
        })
        .collect();
    let rows: Vec<ExportRow<'_>> = incidents
        .iter()
        .map(|(item, incident)| ExportRow {
            id: item.id.to_string(),
            reporting_member: item.originator_member.as_str(),
            category: item.content.category.as_str(),
            title: &item.content.title,
            classification: scale.name(item.content.classification),
            tlp: item.content.tlp.as_str(),
            environment: item.content.environment,
            incident,
        })
        .collect();
    let bytes = match format {
        ExportFormat::Csv => to_csv(&rows),
        ExportFormat::Xlsx => to_xlsx(&rows).map_err(|e| StoreError::Corrupt(format!("writing the workbook: {e}")))?,
    };
    store
        .record(&[AuditEvent::new("incident.export")
            .by(reader.user, &reader.member)
            .with(serde_json::json!({ "records": rows.len(), "format": format.extension() }))])
        .await?;
    Ok(bytes)
}
