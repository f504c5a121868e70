//! From a sheet to the records an import would create: columns mapped to the
//! template's fields by header (or by the member's saved mapping), every cell
//! read for its field, every record checked by the domain, every problem kept
//! with its row, column, value and reason, and each record keyed by its
//! content so that importing the same sheet again creates nothing.

use std::collections::{BTreeMap, HashMap};

use godwit_domain::ValidationErrors;
use godwit_domain::incident::{
    AgeBand, DocumentType, DocumentUsed, Fee, Incident, Method, Outcome, PersonCount, Sex, Transport,
};
use godwit_domain::item::{BorderEnvironment, FraudType};
use godwit_domain::template::{CollectionTemplate, Target, fold};
use serde::Serialize;
use sha2::{Digest, Sha256};
use time::Date;

use crate::cell::{Cell, Value, read};

/// A sheet as read: its header row and the rows below it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sheet {
    pub headers: Vec<String>,
    pub rows: Vec<Row>,
}

/// One row, numbered as the spreadsheet numbers it (the header is row 1).
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub number: u64,
    pub cells: Vec<Cell>,
}

/// One problem, where it is and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub row: u64,
    /// The column's header, or the field's label when no column has it.
    pub column: String,
    pub value: String,
    pub reason: String,
}

/// What a row becomes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Record {
    pub title: String,
    /// Notes, then the template's own fields as a table.
    pub body: String,
    pub environment: Option<BorderEnvironment>,
    pub incident: Incident,
}

/// A row that would be imported, with its key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Planned {
    pub row: u64,
    pub key: String,
    pub record: Record,
}

/// Problems beyond this many are counted, not listed.
pub const MAX_LISTED_ERRORS: usize = 10_000;

/// What an import of a sheet would do.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Plan {
    pub records: Vec<Planned>,
    pub errors: Vec<RowError>,
    /// Problems found beyond [`MAX_LISTED_ERRORS`].
    pub unlisted_errors: u64,
    /// Headers that match no field of the template; their columns are not imported.
    pub ignored_columns: Vec<String>,
    /// The mapping used: folded header → field key.
    pub mapping: BTreeMap<String, String>,
    pub blank_rows: u64,
}

impl Plan {
    fn error(&mut self, row: u64, column: &str, value: String, reason: impl Into<String>) {
        if self.errors.len() < MAX_LISTED_ERRORS {
            self.errors.push(RowError { row, column: column.to_owned(), value, reason: reason.into() });
        } else {
            self.unlisted_errors += 1;
        }
    }

    pub fn error_count(&self) -> u64 {
        self.errors.len() as u64 + self.unlisted_errors
    }
}

/// Maps the sheet's columns to fields: the saved mapping first (folded header →
/// field key), then the field whose key or label the header names.
fn map_columns(
    template: &CollectionTemplate,
    headers: &[String],
    saved: &BTreeMap<String, String>,
    plan: &mut Plan,
) -> Vec<Option<usize>> {
    let mut columns = Vec::with_capacity(headers.len());
    let mut taken: HashMap<usize, &str> = HashMap::new();
    for header in headers {
        let folded = fold(header);
        let field = saved
            .get(&folded)
            .and_then(|key| template.fields.iter().position(|f| &f.key == key))
            .or_else(|| template.field_for_header(header));
        match field {
            Some(f) if taken.contains_key(&f) => {
                let other = taken.get(&f).copied().unwrap_or_default();
                plan.error(1, header, header.clone(), format!("is the same field as column {other}"));
                columns.push(None);
            }
            Some(f) => {
                taken.insert(f, header);
                if let Some(def) = template.fields.get(f) {
                    plan.mapping.insert(folded, def.key.clone());
                }
                columns.push(Some(f));
            }
            None => {
                if !header.trim().is_empty() {
                    plan.ignored_columns.push(header.clone());
                }
                columns.push(None);
            }
        }
    }
    for (i, def) in template.fields.iter().enumerate() {
        if def.required && !taken.contains_key(&i) {
            plan.error(1, &def.label, String::new(), "no column holds this required field");
        }
    }
    columns
}

/// The key of a record: the same content under the same template, the same key.
pub fn record_key(template: &str, record: &Record) -> String {
    let json = serde_json::to_string(record).unwrap_or_default();
    let digest =
        Sha256::new().chain_update(template.as_bytes()).chain_update([0]).chain_update(json.as_bytes()).finalize();
    hex::encode(&digest[..16])
}

/// The facts a row gives, by target, and its other fields as (label, text).
struct RowValues {
    facts: HashMap<Target, Value>,
    own: Vec<(String, String)>,
}

fn text(values: &RowValues, target: Target) -> String {
    values.facts.get(&target).map(Value::text).unwrap_or_default()
}

fn integer(values: &RowValues, target: Target) -> Option<u64> {
    match values.facts.get(&target) {
        Some(Value::Integer(n)) => Some(*n),
        _ => None,
    }
}

fn code(values: &RowValues, target: Target) -> Option<String> {
    values.facts.get(&target).map(Value::text)
}

fn codes(values: &RowValues, target: Target) -> Vec<String> {
    match values.facts.get(&target) {
        Some(Value::Codes(c)) => c.clone(),
        _ => Vec::new(),
    }
}

fn choice<T>(values: &RowValues, target: Target, parse: fn(&str) -> Option<T>) -> Option<T> {
    match values.facts.get(&target) {
        Some(Value::Choice(c)) => parse(c),
        _ => None,
    }
}

fn clamp(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Builds the record of a row whose cells all read; the remaining problems
/// (a fee without currency…) come back as (target, reason).
fn record(template: &CollectionTemplate, v: &RowValues) -> Result<Record, Vec<(Option<Target>, String)>> {
    let mut problems = Vec::new();
    let occurred_on = text(v, Target::OccurredOn);
    let mut persons = integer(v, Target::Persons).map(clamp).unwrap_or(0);
    let profile = match code(v, Target::Nationality) {
        Some(nationality) => {
            persons = persons.max(1);
            vec![PersonCount {
                nationality,
                sex: choice(v, Target::Sex, Sex::parse).unwrap_or(Sex::Unknown),
                age_band: choice(v, Target::AgeBand, AgeBand::parse).unwrap_or(AgeBand::Unknown),
                count: persons,
            }]
        }
        None => Vec::new(),
    };
    let fee = match (integer(v, Target::FeeAmount), code(v, Target::FeeCurrency)) {
        (Some(amount), Some(currency)) => Some(Fee { amount, currency }),
        (None, None) => None,
        (Some(_), None) => {
            problems.push((Some(Target::FeeCurrency), "a fee needs its currency".to_owned()));
            None
        }
        (None, Some(_)) => {
            problems.push((Some(Target::FeeAmount), "a currency needs the fee's amount".to_owned()));
            None
        }
    };
    let documents = match (choice(v, Target::DocumentType, DocumentType::parse), code(v, Target::IssuingState)) {
        (Some(document_type), Some(issuing_state)) => vec![DocumentUsed {
            document_type,
            issuing_state,
            fraud_type: choice(v, Target::FraudType, FraudType::parse),
        }],
        (None, None) => Vec::new(),
        (Some(_), None) => {
            problems.push((Some(Target::IssuingState), "a document needs its issuing state".to_owned()));
            Vec::new()
        }
        (None, Some(_)) => {
            problems.push((Some(Target::DocumentType), "a document needs its type".to_owned()));
            Vec::new()
        }
    };
    let nationalities = codes(v, Target::FacilitatorNationalities);
    let incident = Incident {
        occurred_on: occurred_on.clone(),
        place: text(v, Target::Place),
        border_post: text(v, Target::BorderPost),
        persons,
        profile,
        route: godwit_domain::incident::Route {
            origin: code(v, Target::Origin),
            transit: codes(v, Target::Transit),
            destination: code(v, Target::Destination),
        },
        transport: choice(v, Target::Transport, Transport::parse),
        method_type: choice(v, Target::MethodType, Method::parse),
        method: text(v, Target::Method),
        fee,
        facilitators: godwit_domain::incident::Facilitators {
            count: integer(v, Target::FacilitatorCount).map(clamp).unwrap_or(nationalities.len() as u32),
            nationalities,
        },
        documents,
        outcome_type: choice(v, Target::OutcomeType, Outcome::parse),
        outcome: text(v, Target::Outcome),
        import_key: None,
    };
    // The cells were checked against today when read; the domain checks the rest.
    let mut errors = ValidationErrors::default();
    incident.validate(Date::MAX, &mut errors);
    for e in errors.0 {
        problems.push((target_of(&e.field), e.message));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let title = match v.facts.get(&Target::Title) {
        Some(t) => t.text(),
        None => {
            let at = [&incident.border_post, &incident.place].into_iter().find(|p| !p.is_empty());
            let who = incident.profile.first().map(|g| format!(" {}", g.nationality)).unwrap_or_default();
            let at = at.map(|p| format!(" at {p}")).unwrap_or_default();
            format!("{}: {} person(s){who}{at}, {occurred_on}", template.name, incident.persons)
        }
    };
    let mut body = text(v, Target::Notes);
    if !v.own.is_empty() {
        if !body.is_empty() {
            body.push_str("\n\n");
        }
        body.push_str("| Field | Value |\n|---|---|\n");
        for (label, value) in &v.own {
            body.push_str(&format!("| {} | {} |\n", escape_cell(label), escape_cell(value)));
        }
    }
    Ok(Record { title, body, environment: choice(v, Target::Environment, BorderEnvironment::parse), incident })
}

fn escape_cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// The field a domain validation path is about.
fn target_of(path: &str) -> Option<Target> {
    let mut parts = path.split('/').skip(1);
    Some(match (parts.next()?, parts.next()) {
        ("occurred_on", _) => Target::OccurredOn,
        ("persons", _) => Target::Persons,
        ("profile", _) => Target::Nationality,
        ("route", Some("origin")) => Target::Origin,
        ("route", Some("destination")) => Target::Destination,
        ("route", _) => Target::Transit,
        ("fee", _) => Target::FeeCurrency,
        ("facilitators", Some("count")) => Target::FacilitatorCount,
        ("facilitators", _) => Target::FacilitatorNationalities,
        ("documents", _) => Target::IssuingState,
        _ => return None,
    })
}

/// Plans the import of `sheet` under `template`. `saved` is the member's saved
/// mapping (folded header → field key); `today` bounds the dates.
pub fn plan(template: &CollectionTemplate, sheet: &Sheet, saved: &BTreeMap<String, String>, today: Date) -> Plan {
    let mut plan = Plan::default();
    let columns = map_columns(template, &sheet.headers, saved, &mut plan);
    if !plan.errors.is_empty() {
        // The rows cannot be read until every column is placed.
        return plan;
    }
    let column_of = |target: Target| -> String {
        let field = template.fields.iter().position(|f| f.target == Some(target));
        columns
            .iter()
            .position(|c| c.is_some() && *c == field)
            .and_then(|i| sheet.headers.get(i).cloned())
            .or_else(|| field.and_then(|f| template.fields.get(f)).map(|f| f.label.clone()))
            .unwrap_or_else(|| target.as_str().to_owned())
    };
    let mut seen: HashMap<String, u64> = HashMap::new();
    let empty = Cell::Empty;
    for row in &sheet.rows {
        if row.cells.iter().all(Cell::is_blank) {
            plan.blank_rows += 1;
            continue;
        }
        let mut values = RowValues { facts: HashMap::new(), own: Vec::new() };
        let mut bad = false;
        for (i, field) in columns.iter().enumerate() {
            let (Some(f), Some(header)) = (field, sheet.headers.get(i)) else { continue };
            let Some(def) = template.fields.get(*f) else { continue };
            let cell = row.cells.get(i).unwrap_or(&empty);
            match read(cell, def, today) {
                Ok(Some(value)) => match def.target {
                    Some(target) => {
                        values.facts.insert(target, value);
                    }
                    None => values.own.push((def.label.clone(), value.text())),
                },
                Ok(None) => {}
                Err(reason) => {
                    bad = true;
                    plan.error(row.number, header, cell.shown(), reason);
                }
            }
        }
        if bad {
            continue;
        }
        match record(template, &values) {
            Ok(record) => {
                let key = record_key(&template.code, &record);
                if let Some(first) = seen.get(&key) {
                    plan.error(row.number, "(row)", String::new(), format!("duplicates row {first}"));
                    continue;
                }
                seen.insert(key.clone(), row.number);
                plan.records.push(Planned { row: row.number, key, record });
            }
            Err(problems) => {
                for (target, reason) in problems {
                    let column = target.map(column_of).unwrap_or_else(|| "(row)".to_owned());
                    let value = target.and_then(|t| values.facts.get(&t)).map(Value::text).unwrap_or_default();
                    plan.error(row.number, &column, value, reason);
                }
            }
        }
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> Date {
        time::macros::date!(2026 - 11 - 23)
    }

    fn sheet(headers: &[&str], rows: &[&[&str]]) -> Sheet {
        Sheet {
            headers: headers.iter().map(|h| (*h).to_owned()).collect(),
            rows: rows
                .iter()
                .enumerate()
                .map(|(i, cells)| Row {
                    number: i as u64 + 2,
                    cells: cells
                        .iter()
                        .map(|c| if c.is_empty() { Cell::Empty } else { Cell::Text((*c).to_owned()) })
                        .collect(),
                })
                .collect(),
        }
    }

    fn smuggling() -> CollectionTemplate {
        CollectionTemplate::builtin("people_smuggling").expect("built in")
    }

    const HEADERS: &[&str] = &[
        "Date",
        "Border post",
        "Persons",
        "Nationality",
        "Origin",
        "Transit",
        "Destination",
        "Fee",
        "Currency",
        "Vessel",
    ];

    #[test]
    fn good_rows_become_records_with_stable_keys() {
        let s = sheet(
            HEADERS,
            &[
                &["2026-11-20", "Nadi Airport", "3", "lka", "LKA", "SGP", "AUS", "4,500", "usd", "MV Star"],
                &["", "", "", "", "", "", "", "", "", ""],
                &["21/11/2026", "Suva Wharf", "12", "BGD", "BGD", "MYS-IDN", "AUS", "", "", ""],
            ],
        );
        let plan = plan(&smuggling(), &s, &BTreeMap::new(), today());
        assert!(plan.errors.is_empty(), "{:?}", plan.errors);
        assert_eq!(plan.records.len(), 2);
        assert_eq!(plan.blank_rows, 1);
        assert_eq!(plan.ignored_columns, ["Vessel"]);
        let first = &plan.records[0];
        assert_eq!(first.row, 2);
        assert_eq!(first.record.incident.persons, 3);
        assert_eq!(first.record.incident.profile[0].nationality, "LKA");
        assert_eq!(first.record.incident.fee, Some(Fee { amount: 4500, currency: "USD".into() }));
        assert_eq!(first.record.title, "People smuggling: 3 person(s) LKA at Nadi Airport, 2026-11-20");
        assert_eq!(plan.records[1].record.incident.route.transit, ["MYS", "IDN"]);
        let again = super::plan(&smuggling(), &s, &BTreeMap::new(), today());
        assert_eq!(again.records[0].key, first.key);
        assert_ne!(plan.records[1].key, first.key);
    }

    #[test]
    fn every_problem_is_listed_with_row_column_value_and_reason() {
        let s = sheet(
            HEADERS,
            &[
                &["2026-11-30", "Nadi", "-2", "SRI", "LKA", "SGP", "AUS", "", "", ""],
                &["2026-11-20", "Nadi", "3", "LKA", "LKA", "SGP", "AUS", "4500", "", ""],
                &["2026-11-20", "Nadi", "1", "FJI", "", "", "", "", "", ""],
                &["2026-11-20", "Nadi", "1", "FJI", "", "", "", "", "", ""],
            ],
        );
        let plan = plan(&smuggling(), &s, &BTreeMap::new(), today());
        let got: Vec<(u64, &str, &str, &str)> =
            plan.errors.iter().map(|e| (e.row, e.column.as_str(), e.value.as_str(), e.reason.as_str())).collect();
        assert_eq!(
            got,
            [
                (2, "Date", "2026-11-30", "is in the future"),
                (2, "Persons", "-2", "is a negative count"),
                (2, "Nationality", "SRI", "is not a nationality code (ISO 3166-1 alpha-3)"),
                (3, "Currency", "", "a fee needs its currency"),
                (5, "(row)", "", "duplicates row 4"),
            ]
        );
        assert_eq!(plan.records.len(), 1);
    }

    #[test]
    fn a_required_field_without_a_column_and_a_field_named_twice_are_refused() {
        let s = sheet(&["Place", "Border post", "border_post"], &[&["Nadi", "NAN", "NAN"]]);
        let plan = plan(&smuggling(), &s, &BTreeMap::new(), today());
        let reasons: Vec<(&str, &str)> = plan.errors.iter().map(|e| (e.column.as_str(), e.reason.as_str())).collect();
        assert_eq!(
            reasons,
            [
                ("border_post", "is the same field as column Border post"),
                ("Date", "no column holds this required field")
            ]
        );
    }

    #[test]
    fn a_saved_mapping_names_columns_the_template_does_not_know() {
        let s = sheet(&["Date of detection", "Pax"], &[&["2026-11-01", "4"]]);
        let saved = BTreeMap::from([
            ("dateofdetection".to_owned(), "date".to_owned()),
            ("pax".to_owned(), "persons".to_owned()),
        ]);
        let plan = plan(&smuggling(), &s, &saved, today());
        assert!(plan.errors.is_empty(), "{:?}", plan.errors);
        assert_eq!(plan.records[0].record.incident.persons, 4);
        assert_eq!(plan.mapping, saved);
    }

    #[test]
    fn the_templates_own_fields_go_to_the_body() {
        let t = CollectionTemplate::builtin("criminal_deportees").expect("built in");
        let s =
            sheet(&["Date", "Offence", "Sentence (months)", "Deported from"], &[&["2026-10-01", "Drugs", "36", "AUS"]]);
        let plan = plan(&t, &s, &BTreeMap::new(), today());
        assert!(plan.errors.is_empty(), "{:?}", plan.errors);
        let record = &plan.records[0].record;
        assert_eq!(record.body, "| Field | Value |\n|---|---|\n| Offence | drugs |\n| Sentence (months) | 36 |\n");
        assert_eq!(record.incident.route.origin.as_deref(), Some("AUS"));
    }
}
