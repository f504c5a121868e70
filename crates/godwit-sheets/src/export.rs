//! Incident records out as CSV or XLSX, one row per record, with the headers
//! of the built-in templates so that a member can re-import its own export.
//! Text that a spreadsheet would run as a formula (`=`, `+`, `-`, `@` first)
//! is written with a leading apostrophe.

use godwit_domain::incident::Incident;
use godwit_domain::item::BorderEnvironment;
use godwit_domain::template::CollectionTemplate;
use rust_xlsxwriter::{Format, Workbook, XlsxError};

/// One record to export, with the envelope facts a reader needs beside it.
pub struct ExportRow<'a> {
    pub id: String,
    pub reporting_member: &'a str,
    pub category: &'a str,
    pub title: &'a str,
    pub classification: &'a str,
    pub tlp: &'a str,
    pub environment: Option<BorderEnvironment>,
    pub incident: &'a Incident,
}

pub const HEADERS: [&str; 28] = [
    "Id",
    "Reporting member",
    "Category",
    "Title",
    "Classification",
    "TLP",
    "Date",
    "Place",
    "Border post",
    "Environment",
    "Persons",
    "Nationality",
    "Sex",
    "Age band",
    "Origin",
    "Transit",
    "Destination",
    "Transport",
    "Method",
    "Method details",
    "Fee",
    "Currency",
    "Facilitators",
    "Facilitator nationalities",
    "Document type",
    "Issuing state",
    "Fraud type",
    "Outcome",
];

/// One cell written out.
#[derive(Debug, Clone, PartialEq)]
pub enum Out {
    Number(f64),
    Text(String),
}

fn joined<T>(items: &[T], f: impl Fn(&T) -> String) -> String {
    items.iter().map(f).collect::<Vec<_>>().join(", ")
}

/// The cells of a row, in [`HEADERS`] order.
fn cells(row: &ExportRow<'_>) -> Vec<Out> {
    let i = row.incident;
    let text = |s: &str| Out::Text(s.to_owned());
    vec![
        text(&row.id),
        text(row.reporting_member),
        text(row.category),
        text(row.title),
        text(row.classification),
        text(row.tlp),
        text(&i.occurred_on),
        text(&i.place),
        text(&i.border_post),
        text(row.environment.map(|e| e.as_str()).unwrap_or_default()),
        Out::Number(f64::from(i.persons)),
        text(&joined(&i.profile, |g| g.nationality.clone())),
        text(&joined(&i.profile, |g| g.sex.as_str().to_owned())),
        text(&joined(&i.profile, |g| g.age_band.as_str().to_owned())),
        text(i.route.origin.as_deref().unwrap_or_default()),
        text(&i.route.transit.join(", ")),
        text(i.route.destination.as_deref().unwrap_or_default()),
        text(i.transport.map(|t| t.as_str()).unwrap_or_default()),
        text(i.method_type.map(|m| m.as_str()).unwrap_or_default()),
        text(&i.method),
        i.fee.as_ref().map(|f| Out::Number(f.amount as f64)).unwrap_or_else(|| text("")),
        text(i.fee.as_ref().map(|f| f.currency.as_str()).unwrap_or_default()),
        Out::Number(f64::from(i.facilitators.count)),
        text(&i.facilitators.nationalities.join(", ")),
        text(&joined(&i.documents, |d| d.document_type.as_str().to_owned())),
        text(&joined(&i.documents, |d| d.issuing_state.clone())),
        text(&joined(&i.documents, |d| d.fraud_type.map(|f| f.as_str()).unwrap_or_default().to_owned())),
        text(i.outcome_type.map(|o| o.as_str()).unwrap_or_default()),
    ]
}

/// Text a spreadsheet would not take for a formula.
pub fn inert(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_owned() }
}

/// The rows as CSV (UTF-8, comma-separated, header first).
pub fn to_csv(rows: &[ExportRow<'_>]) -> Vec<u8> {
    table_csv(&HEADERS, rows.iter().map(cells))
}

/// Any table as CSV, text made inert.
pub fn table_csv(headers: &[&str], rows: impl Iterator<Item = Vec<Out>>) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut ok = writer.write_record(headers.iter().map(|h| inert(h))).is_ok();
    for row in rows {
        let record = row.into_iter().map(|c| match c {
            Out::Number(n) => format!("{n}"),
            Out::Text(t) => inert(&t),
        });
        ok &= writer.write_record(record).is_ok();
    }
    debug_assert!(ok, "writing CSV to memory does not fail");
    writer.into_inner().unwrap_or_default()
}

/// A blank sheet to fill in: the template's field labels as the header row.
pub fn blank_csv(template: &CollectionTemplate) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let written = writer.write_record(template.fields.iter().map(|f| inert(&f.label)));
    debug_assert!(written.is_ok(), "writing CSV to memory does not fail");
    writer.into_inner().unwrap_or_default()
}

/// The rows as an XLSX workbook with one sheet, the header row bold and frozen.
pub fn to_xlsx(rows: &[ExportRow<'_>]) -> Result<Vec<u8>, XlsxError> {
    table_xlsx(&HEADERS, rows.iter().map(cells))
}

/// Any table as an XLSX workbook with a sheet named "Incidents", text made inert.
pub fn table_xlsx(headers: &[&str], rows: impl Iterator<Item = Vec<Out>>) -> Result<Vec<u8>, XlsxError> {
    named_table_xlsx("Incidents", headers, rows)
}

/// Any table as an XLSX workbook whose one sheet is named `sheet_name`.
pub fn named_table_xlsx(
    sheet_name: &str,
    headers: &[&str],
    rows: impl Iterator<Item = Vec<Out>>,
) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(sheet_name)?;
    let bold = Format::new().set_bold();
    for (col, header) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, *header, &bold)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    for (r, row) in rows.enumerate() {
        let r = u32::try_from(r + 1).map_err(|_| XlsxError::RowColumnLimitError)?;
        for (col, cell) in row.into_iter().enumerate() {
            match cell {
                Out::Number(n) => sheet.write_number(r, col as u16, n)?,
                Out::Text(t) if t.is_empty() => sheet,
                Out::Text(t) => sheet.write_string(r, col as u16, inert(&t))?,
            };
        }
    }
    workbook.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use godwit_domain::incident::{AgeBand, PersonCount, Sex};

    use super::*;
    use crate::read::read;

    fn incident() -> Incident {
        Incident {
            occurred_on: "2026-11-20".into(),
            place: "=HYPERLINK(\"x\")".into(),
            persons: 2,
            profile: vec![PersonCount {
                nationality: "LKA".into(),
                sex: Sex::Male,
                age_band: AgeBand::Young,
                count: 2,
            }],
            ..Default::default()
        }
    }

    fn row(incident: &Incident) -> ExportRow<'_> {
        ExportRow {
            id: "0190-…".into(),
            reporting_member: "FJI",
            category: "people_smuggling",
            title: "Two LKA nationals",
            classification: "RESTRICTED",
            tlp: "AMBER",
            environment: Some(BorderEnvironment::Air),
            incident,
        }
    }

    #[test]
    fn a_blank_sheet_has_the_templates_labels_and_plans_to_nothing() {
        let template = CollectionTemplate::builtin("cruise_ships").expect("built in");
        let sheet = read(&blank_csv(&template)).expect("reads back");
        assert_eq!(sheet.headers.len(), template.fields.len());
        let plan = crate::plan::plan(&template, &sheet, &Default::default(), time::macros::date!(2026 - 01 - 01));
        assert!(plan.errors.is_empty() && plan.records.is_empty() && plan.ignored_columns.is_empty());
    }

    #[test]
    fn csv_and_xlsx_exports_read_back_the_same() {
        let incident = incident();
        let rows = [row(&incident)];
        for bytes in [to_csv(&rows), to_xlsx(&rows).expect("writes")] {
            let sheet = read(&bytes).expect("reads back");
            assert_eq!(sheet.headers, HEADERS);
            let shown: Vec<String> = sheet.rows[0].cells.iter().map(crate::cell::Cell::shown).collect();
            assert_eq!(shown[6], "2026-11-20");
            assert_eq!(shown[7], "'=HYPERLINK(\"x\")", "formulas are written inert");
            assert_eq!(shown[10], "2");
            assert_eq!(shown[11], "LKA");
        }
    }
}
