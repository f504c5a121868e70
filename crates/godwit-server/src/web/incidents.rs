//! Incident data collection in the portal: import a sheet under one of the
//! member's collection templates (a dry run first, then the real thing, which
//! writes every row or none), see every problem with its row, column, value and
//! reason, export what the viewer may read, and the templates with their fields.

use std::sync::atomic::{AtomicU64, Ordering};

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use godwit_domain::marking::Tlp;
use godwit_domain::template::{CollectionTemplate, FieldDef, FieldType};
use godwit_store::StoreError;
use serde::Deserialize;
use tokio::sync::mpsc;

use crate::collect::{ExportFormat, ImportOptions, ImportReport, MAX_IMPORT_BYTES, export_incidents, import_sheet};
use crate::state::AppState;
use crate::web::forms::words;
use crate::web::item_form::{Choice, choices};
use crate::web::page::{Chrome, WebError, render, render_parts, streamed};
use crate::web::viewer::{Viewer, WebForm, WebMultipart};

/// Whether the viewer collects data (writes items) for its member.
pub fn collects(viewer: &Viewer) -> bool {
    viewer.caller.subject.roles.iter().any(|r| r.authors_content())
}

fn require_collector(viewer: &Viewer) -> Result<(), WebError> {
    if collects(viewer) {
        Ok(())
    } else {
        Err(WebError::page(StatusCode::FORBIDDEN, "Importing incidents is for analysts and authorising officers."))
    }
}

/// A field of a template as the page lists it.
pub struct FieldRow {
    pub label: String,
    pub key: String,
    pub kind: String,
    pub required: bool,
    pub allowed: String,
    pub fills: String,
}

/// A template as the page lists it.
pub struct TemplateView {
    pub code: String,
    pub name: String,
    pub category: String,
    pub description: String,
    pub fields: Vec<FieldRow>,
}

impl TemplateView {
    fn of(t: &CollectionTemplate) -> Self {
        TemplateView {
            code: t.code.clone(),
            name: t.name.clone(),
            category: words(t.category.as_str()),
            description: t.description.clone(),
            fields: t
                .fields
                .iter()
                .map(|f| FieldRow {
                    label: f.label.clone(),
                    key: f.key.clone(),
                    kind: words(f.field_type.as_str()),
                    required: f.required,
                    allowed: f.allowed.join(", "),
                    fills: f.target.map(|t| words(t.as_str())).unwrap_or_else(|| "the record's body".into()),
                })
                .collect(),
        }
    }
}

#[derive(Template)]
#[template(path = "incidents.html")]
pub struct IncidentsPage {
    chrome: Chrome,
    templates: Vec<TemplateView>,
    template_choices: Vec<Choice>,
    classifications: Vec<Choice>,
    tlps: Vec<Choice>,
    release: String,
    dry_run: bool,
    max_mb: usize,
    report: Option<ImportReport>,
    error: Option<String>,
    notice: Option<String>,
    /// The chosen template's fields, for mapping the columns it did not recognise.
    mapping_fields: Vec<Choice>,
}

async fn page(state: &AppState, viewer: &Viewer, chosen: &ImportOptions) -> Result<IncidentsPage, WebError> {
    let templates = state.store.collection_templates(&viewer.caller.subject.member).await?;
    let scale = state.store.scale();
    Ok(IncidentsPage {
        chrome: Chrome::new(viewer, "Incidents", "/incidents"),
        template_choices: templates
            .iter()
            .map(|t| Choice { value: t.code.clone(), label: t.name.clone(), selected: t.code == chosen.template })
            .collect(),
        templates: templates.iter().map(TemplateView::of).collect(),
        classifications: scale
            .all()
            .filter(|c| *c <= viewer.caller.subject.clearance)
            .map(|c| Choice {
                value: c.0.to_string(),
                label: scale.name(c).to_owned(),
                selected: c.0 == chosen.classification,
            })
            .collect(),
        tlps: choices(&Tlp::ALL, Tlp::as_str, chosen.tlp.as_str()),
        release: chosen.release.clone(),
        dry_run: chosen.dry_run,
        max_mb: MAX_IMPORT_BYTES / (1024 * 1024),
        report: None,
        error: None,
        notice: None,
        mapping_fields: templates
            .iter()
            .find(|t| t.code == chosen.template)
            .map(|t| {
                t.fields
                    .iter()
                    .map(|f| Choice {
                        value: f.key.clone(),
                        label: format!("{} ({})", f.label, f.key),
                        selected: false,
                    })
                    .collect()
            })
            .unwrap_or_default(),
    })
}

fn default_options() -> ImportOptions {
    ImportOptions {
        template: "people_smuggling".into(),
        dry_run: true,
        classification: 0,
        tlp: Tlp::Amber,
        release: String::new(),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ShowQuery {
    /// A template whose column mapping or fields were just saved.
    mapped: Option<String>,
    saved: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<ShowQuery>,
) -> Result<Response, WebError> {
    require_collector(&viewer)?;
    let mut options = default_options();
    if let Some(code) = q.mapped.as_ref().or(q.saved.as_ref()) {
        options.template = code.clone();
    }
    let mut shown = page(&state, &viewer, &options).await?;
    shown.notice = match (q.mapped, q.saved) {
        (Some(code), _) => Some(format!("The column mapping for {code} is saved: import the sheet again.")),
        (None, Some(code)) => Some(format!("The template {code} is saved for your member.")),
        (None, None) => None,
    };
    render(&shown)
}

/// Columns the last import did not recognise, each with the field it holds.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MappingFields {
    pub header: Vec<String>,
    pub field: Vec<String>,
}

/// Adds the chosen columns to the member's mapping for the template.
pub async fn save_column_mapping(
    State(state): State<AppState>,
    Path(code): Path<String>,
    WebForm { viewer, form }: WebForm<MappingFields>,
) -> Result<Response, WebError> {
    require_collector(&viewer)?;
    let mut mapping = state.store.import_mapping(&viewer.caller.subject.member, &code).await?;
    for (header, field) in form.header.iter().zip(&form.field) {
        if !field.is_empty() {
            mapping.insert(header.clone(), field.clone());
        }
    }
    crate::collect::save_mapping(&state.store, &viewer.caller.subject, &code, &mapping).await?;
    Ok(Redirect::to(&format!("/incidents?mapped={code}#import-heading")).into_response())
}

/// Runs an import (dry unless the box was cleared) and shows its report.
pub async fn import(
    State(state): State<AppState>,
    WebMultipart { viewer, mut fields }: WebMultipart,
) -> Result<Response, WebError> {
    require_collector(&viewer)?;
    let too_large = || {
        WebError::page(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("The sheet is larger than {} MB. Nothing was imported.", MAX_IMPORT_BYTES / (1024 * 1024)),
        )
    };
    let read_error = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            WebError::page(e.status(), e.body_text())
        }
    };
    let mut options = ImportOptions { dry_run: false, ..default_options() };
    let mut sheet = Vec::new();
    while let Some(field) = fields.next_field().await.map_err(read_error)? {
        let name = field.name().unwrap_or_default().to_owned();
        let bytes = field.bytes().await.map_err(read_error)?;
        let text = || String::from_utf8_lossy(&bytes).trim().to_owned();
        match name.as_str() {
            "file" => sheet = bytes.to_vec(),
            "template" => options.template = text(),
            "classification" => options.classification = text().parse().unwrap_or(0),
            "tlp" => options.tlp = Tlp::parse(&text()).unwrap_or(Tlp::Amber),
            "release" => options.release = text(),
            "dry_run" => options.dry_run = true,
            _ => {}
        }
    }
    let mut shown = page(&state, &viewer, &options).await?;
    if sheet.is_empty() {
        shown.error = Some("Choose a CSV or XLSX file.".into());
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&shown)?).into_response());
    }
    // The page is sent at once and the import's progress as it goes, then
    // the report: a large sheet takes a while. The import runs on even if
    // the person leaves; it writes everything or nothing all the same.
    let (top, _) = render_parts(&shown)?;
    let (parts, received) = mpsc::unbounded_channel();
    let started = std::time::Instant::now();
    let _ = parts.send(format!("{top}<div class=\"import-steps\" aria-live=\"polite\">{}", Step::Checking.html()));
    let subject = viewer.caller.subject.clone();
    tokio::spawn(async move {
        let shown_percent = AtomicU64::new(u64::MAX);
        let progress = |done: u64, total: u64| {
            let percent = done * 100 / total.max(1);
            if shown_percent.swap(percent, Ordering::Relaxed) != percent {
                let _ = parts.send(Step::Writing { done, total }.html());
            }
        };
        match import_sheet(&state.store, &subject, sheet, &options, &progress).await {
            Ok(report) => shown.report = Some(report),
            Err(e) => {
                let e = crate::error::ApiError::from(e);
                if !e.status.is_client_error() {
                    tracing::error!(detail = ?e.detail, "import failed");
                }
                let why = e.detail.filter(|_| e.status.is_client_error());
                shown.error =
                    Some(why.unwrap_or_else(|| "The sheet could not be imported; nothing was written.".into()));
            }
        }
        let rest = render_parts(&shown).map(|(_, rest)| rest).unwrap_or_default();
        let _ = parts.send(format!("{}</div>{rest}", Step::Finished(started.elapsed()).html()));
    });
    Ok(streamed(received))
}

/// Where an import has got to, as the page shows it.
enum Step {
    Checking,
    Writing { done: u64, total: u64 },
    Finished(std::time::Duration),
}

impl Step {
    fn html(&self) -> String {
        match self {
            Step::Checking => "<p>Reading and checking the sheet…</p>".to_owned(),
            Step::Writing { done, total } => format!(
                "<p><progress max=\"{total}\" value=\"{done}\">{percent}%</progress> Writing records: {done} of {total}</p>",
                percent = done * 100 / total.max(&1)
            ),
            Step::Finished(took) => format!("<p>Finished in {:.1} s.</p>", took.as_secs_f64()),
        }
    }
}

#[derive(Deserialize)]
pub struct ExportQuery {
    #[serde(default)]
    format: Option<ExportFormat>,
}

/// Every incident record the viewer may read, as CSV or XLSX.
pub async fn export(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<ExportQuery>,
) -> Result<Response, WebError> {
    if !viewer.caller.subject.reads_content() {
        return Err(WebError::page(StatusCode::FORBIDDEN, "Your roles do not read content."));
    }
    let format = q.format.unwrap_or(ExportFormat::Csv);
    let bytes = export_incidents(&state.store, &viewer.caller.subject, format).await?;
    let disposition = format!("attachment; filename=\"incidents.{}\"", format.extension());
    Ok(([(header::CONTENT_TYPE, format.content_type().to_owned()), (header::CONTENT_DISPOSITION, disposition)], bytes)
        .into_response())
}

/// A blank sheet with the template's headers, to fill in and import.
pub async fn blank_sheet(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(code): Path<String>,
) -> Result<Response, WebError> {
    require_collector(&viewer)?;
    let code = code.strip_suffix(".csv").unwrap_or(&code);
    let template = state.store.collection_template(&viewer.caller.subject.member, code).await?;
    let bytes = godwit_sheets::export::blank_csv(&template);
    let disposition = format!("attachment; filename=\"{}.csv\"", template.code);
    Ok((
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()), (header::CONTENT_DISPOSITION, disposition)],
        bytes,
    )
        .into_response())
}

/// The adaptation form as submitted: the template's fields by row, and new ones.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TemplateFields {
    /// Save under this code instead (a new template of the member's own).
    pub new_code: String,
    pub name: String,
    pub description: String,
    pub field_key: Vec<String>,
    pub field_label: Vec<String>,
    pub field_allowed: Vec<String>,
    /// Keys of the fields to require.
    pub field_required: Vec<String>,
    /// Keys of the fields to drop.
    pub field_remove: Vec<String>,
    pub add_key: Vec<String>,
    pub add_label: Vec<String>,
    pub add_type: Vec<String>,
    pub add_allowed: Vec<String>,
}

fn values(text: &str) -> Vec<String> {
    text.split(',').map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned).collect()
}

impl TemplateFields {
    fn of(t: &CollectionTemplate) -> Self {
        TemplateFields {
            name: t.name.clone(),
            description: t.description.clone(),
            field_key: t.fields.iter().map(|f| f.key.clone()).collect(),
            field_label: t.fields.iter().map(|f| f.label.clone()).collect(),
            field_allowed: t.fields.iter().map(|f| f.allowed.join(", ")).collect(),
            field_required: t.fields.iter().filter(|f| f.required).map(|f| f.key.clone()).collect(),
            ..Default::default()
        }
    }

    /// `base` as the form changes it; types and targets of its fields stay.
    fn apply(&self, base: &CollectionTemplate) -> CollectionTemplate {
        let mut t = base.clone();
        if !self.new_code.trim().is_empty() {
            t.code = self.new_code.trim().to_owned();
        }
        t.name = self.name.trim().to_owned();
        t.description = self.description.trim().to_owned();
        t.fields.retain(|f| !self.field_remove.contains(&f.key));
        for f in &mut t.fields {
            if let Some(i) = self.field_key.iter().position(|k| *k == f.key) {
                f.label = self.field_label.get(i).map(|l| l.trim().to_owned()).unwrap_or_default();
                if f.field_type == FieldType::Choice {
                    f.allowed = self.field_allowed.get(i).map(|a| values(a)).unwrap_or_default();
                }
            }
            f.required = self.field_required.contains(&f.key);
        }
        for (i, key) in self.add_key.iter().enumerate() {
            let key = key.trim();
            if key.is_empty() {
                continue;
            }
            let field_type = FieldType::parse(self.add_type.get(i).map(String::as_str).unwrap_or_default())
                .unwrap_or(FieldType::Text);
            t.fields.push(FieldDef {
                key: key.to_owned(),
                label: self.add_label.get(i).map(|l| l.trim().to_owned()).unwrap_or_default(),
                field_type,
                required: false,
                allowed: self.add_allowed.get(i).map(|a| values(a)).unwrap_or_default(),
                target: None,
            });
        }
        t
    }
}

/// A field row of the adaptation form.
pub struct EditRow {
    pub key: String,
    pub label: String,
    pub kind: String,
    pub fills: String,
    pub is_choice: bool,
    pub allowed: String,
    pub required: bool,
}

#[derive(Template)]
#[template(path = "template_form.html")]
pub struct TemplateFormPage {
    chrome: Chrome,
    code: String,
    name: String,
    description: String,
    rows: Vec<EditRow>,
    types: Vec<Choice>,
    adapted: bool,
    errors: Vec<String>,
}

fn template_form(
    viewer: &Viewer,
    base: &CollectionTemplate,
    f: &TemplateFields,
    errors: Vec<String>,
) -> Result<Response, WebError> {
    // The member's own template, or its copy of a built-in one.
    let adapted = CollectionTemplate::builtin(&base.code).is_none_or(|builtin| builtin != *base);
    let page = TemplateFormPage {
        chrome: Chrome::new(viewer, format!("Adapt {}", base.name), "/incidents"),
        code: base.code.clone(),
        name: f.name.clone(),
        description: f.description.clone(),
        rows: base
            .fields
            .iter()
            .map(|field| {
                let i = f.field_key.iter().position(|k| *k == field.key);
                let at = |list: &Vec<String>| i.and_then(|i| list.get(i)).cloned().unwrap_or_default();
                EditRow {
                    key: field.key.clone(),
                    label: at(&f.field_label),
                    kind: words(field.field_type.as_str()),
                    fills: field.target.map(|t| words(t.as_str())).unwrap_or_else(|| "the record's body".into()),
                    is_choice: field.field_type == FieldType::Choice,
                    allowed: at(&f.field_allowed),
                    required: f.field_required.contains(&field.key),
                }
            })
            .collect(),
        types: choices(FieldType::ALL, FieldType::as_str, ""),
        adapted,
        errors,
    };
    let status = if page.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, render(&page)?).into_response())
}

pub async fn edit_template(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(code): Path<String>,
) -> Result<Response, WebError> {
    require_collector(&viewer)?;
    let base = state.store.collection_template(&viewer.caller.subject.member, &code).await?;
    template_form(&viewer, &base, &TemplateFields::of(&base), Vec::new())
}

/// Saves the member's adapted copy (or a new template under `new_code`).
pub async fn save_template(
    State(state): State<AppState>,
    Path(code): Path<String>,
    WebForm { viewer, form }: WebForm<TemplateFields>,
) -> Result<Response, WebError> {
    require_collector(&viewer)?;
    let base = state.store.collection_template(&viewer.caller.subject.member, &code).await?;
    let adapted = form.apply(&base);
    match state.store.put_collection_template(&viewer.caller.subject, &adapted).await {
        Ok(()) => Ok(Redirect::to(&format!("/incidents?saved={}#templates-heading", adapted.code)).into_response()),
        Err(StoreError::Invalid(invalid)) => {
            let errors = invalid.0.iter().map(|e| field_message(&adapted, &e.field, &e.message)).collect();
            template_form(&viewer, &base, &form, errors)
        }
        Err(e) => Err(e.into()),
    }
}

/// A validation message with the field named by its label.
fn field_message(t: &CollectionTemplate, path: &str, message: &str) -> String {
    let mut parts = path.split('/');
    match (parts.next(), parts.next().and_then(|i| i.parse::<usize>().ok()), parts.next()) {
        (Some("fields"), Some(i), what) => {
            let label = t.fields.get(i).map(|f| f.label.as_str()).unwrap_or_default();
            format!("{label} ({}): {message}", what.unwrap_or("field").replace('_', " "))
        }
        _ => format!("{}: {message}", path.replace('_', " ")),
    }
}

/// Removes the member's copy; a built-in template is back as shipped.
pub async fn reset_template(
    State(state): State<AppState>,
    Path(code): Path<String>,
    WebForm { viewer, form: _ }: WebForm<TemplateFields>,
) -> Result<Response, WebError> {
    require_collector(&viewer)?;
    state.store.delete_collection_template(&viewer.caller.subject, &code).await?;
    Ok(Redirect::to("/incidents#templates-heading").into_response())
}
