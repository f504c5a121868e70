//! Cells and what they mean for a field: the number formats, date forms and
//! codes people keep in spreadsheets, read strictly, with the reason when a
//! value cannot be read.
//!
//! - Whole numbers: `1234`, `1,234` (groups of three), `1 234`, `4500.00`; a
//!   minus sign is refused as a negative count; `1,5` and `4500.5` are refused.
//! - Dates: `YYYY-MM-DD` (and `YYYY/MM/DD`, a trailing time is ignored),
//!   day first `DD/MM/YYYY`, `DD.MM.YYYY`, `DD-MM-YYYY`, and Excel date serials
//!   (days since 1899-12-30, as Excel stores dates: 45981 is 2025-11-20).
//! - Codes: ISO 3166-1 alpha-3 and ISO 4217, any case.
//! - Choices: the allowed value ignoring case, spaces, underscores and hyphens
//!   (`Commercial flight` is `commercial_flight`).

use godwit_domain::codes::{is_country, is_currency, is_nationality};
use godwit_domain::template::{FieldDef, FieldType, fold};
use time::{Date, Duration};

/// One cell as read from a sheet.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    Bool(bool),
    /// A cell Excel formats as a date: its serial (days since 1899-12-30).
    Date(f64),
    /// A formula's error value such as `#DIV/0!`.
    Error(String),
}

impl Cell {
    /// The cell as its reader sees it, for error messages.
    pub fn shown(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(t) => t.clone(),
            Cell::Number(n) | Cell::Date(n) => number_text(*n),
            Cell::Bool(b) => b.to_string(),
            Cell::Error(e) => e.clone(),
        }
    }

    pub fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(t) => t.trim().is_empty(),
            _ => false,
        }
    }
}

fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 { format!("{}", n as i64) } else { n.to_string() }
}

/// A cell's value, read for its field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Text(String),
    Integer(u64),
    Date(Date),
    Code(String),
    Codes(Vec<String>),
    Choice(String),
}

impl Value {
    /// The value as written in a record or an export.
    pub fn text(&self) -> String {
        match self {
            Value::Text(t) | Value::Code(t) | Value::Choice(t) => t.clone(),
            Value::Integer(n) => n.to_string(),
            Value::Date(d) => iso(*d),
            Value::Codes(c) => c.join(", "),
        }
    }
}

pub fn iso(date: Date) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day())
}

/// The largest Excel date serial (9999-12-31).
const MAX_SERIAL: f64 = 2_958_465.0;

/// Excel's day 0.
fn excel_epoch() -> Date {
    time::macros::date!(1899 - 12 - 30)
}

fn from_serial(serial: f64) -> Option<Date> {
    if !(1.0..=MAX_SERIAL).contains(&serial) {
        return None;
    }
    excel_epoch().checked_add(Duration::days(serial.floor() as i64))
}

fn ymd(year: &str, month: &str, day: &str) -> Option<Date> {
    let year: i32 = year.parse().ok()?;
    if !(1000..=9999).contains(&year) {
        return None;
    }
    let month = time::Month::try_from(month.parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(year, month, day.parse().ok()?).ok()
}

/// Reads the date forms of the module documentation.
pub fn parse_date(text: &str) -> Option<Date> {
    let text = text.trim();
    let day_part = text.split(['T', ' ']).next().unwrap_or(text);
    if !day_part.is_empty() && day_part.len() <= 7 && day_part.bytes().all(|b| b.is_ascii_digit()) {
        return from_serial(day_part.parse().ok()?);
    }
    let parts: Vec<&str> = day_part.split(['-', '/', '.']).collect();
    match parts.as_slice() {
        [y, m, d] if y.len() == 4 => ymd(y, m, d),
        [d, m, y] if y.len() == 4 && d.len() <= 2 && m.len() <= 2 => ymd(y, m, d),
        _ => None,
    }
}

/// Reads a whole number 0 or more from text.
fn parse_count(text: &str) -> Result<u64, String> {
    let compact: String = text.chars().filter(|c| !matches!(c, ' ' | '\u{a0}' | '_' | '\'')).collect();
    if compact.starts_with('-') && compact.len() > 1 {
        return Err("is a negative count".into());
    }
    let unsigned = compact.strip_prefix('+').unwrap_or(&compact);
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let groups: Vec<&str> = whole.split(',').collect();
    let grouped_well = groups.len() == 1
        || (groups.first().is_some_and(|g| (1..=3).contains(&g.len())) && groups.iter().skip(1).all(|g| g.len() == 3));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !grouped_well || !groups.iter().all(|g| digits(g)) || !(fraction.is_empty() || digits(fraction)) {
        return Err("is not a whole number".into());
    }
    if fraction.bytes().any(|b| b != b'0') {
        return Err("is not a whole number".into());
    }
    groups.concat().parse().map_err(|_| "is too large".to_owned())
}

fn count_of(cell: &Cell) -> Result<u64, String> {
    match cell {
        Cell::Number(n) if *n < 0.0 => Err("is a negative count".into()),
        Cell::Number(n) if n.fract() != 0.0 => Err("is not a whole number".into()),
        Cell::Number(n) if *n > 1e15 => Err("is too large".into()),
        Cell::Number(n) => Ok(*n as u64),
        Cell::Text(t) => parse_count(t),
        _ => Err("is not a whole number".into()),
    }
}

fn date_of(cell: &Cell, today: Date) -> Result<Date, String> {
    let date = match cell {
        Cell::Date(serial) | Cell::Number(serial) => from_serial(*serial),
        Cell::Text(t) => parse_date(t),
        _ => None,
    }
    .ok_or_else(|| "is not a date (YYYY-MM-DD, DD/MM/YYYY or an Excel date)".to_owned())?;
    if date > today { Err("is in the future".into()) } else { Ok(date) }
}

fn code_of(cell: &Cell, check: fn(&str) -> bool, what: &str) -> Result<String, String> {
    let code = cell.shown().trim().to_uppercase();
    if check(&code) { Ok(code) } else { Err(format!("is not {what}")) }
}

/// Reads a non-blank cell for `field`; `Ok(None)` for a blank one. The error
/// is the reason, to be shown with the row, column and value.
pub fn read(cell: &Cell, field: &FieldDef, today: Date) -> Result<Option<Value>, String> {
    if let Cell::Error(e) = cell {
        return Err(format!("is a formula error ({e})"));
    }
    if cell.is_blank() {
        return if field.required { Err("is required".into()) } else { Ok(None) };
    }
    let value = match field.field_type {
        FieldType::Text => Value::Text(cell.shown().trim().to_owned()),
        FieldType::Integer => Value::Integer(count_of(cell)?),
        FieldType::Date => Value::Date(date_of(cell, today)?),
        FieldType::Country => Value::Code(code_of(cell, is_country, "an ISO 3166-1 alpha-3 country code")?),
        FieldType::Nationality => {
            Value::Code(code_of(cell, is_nationality, "a nationality code (ISO 3166-1 alpha-3)")?)
        }
        FieldType::Currency => Value::Code(code_of(cell, is_currency, "an ISO 4217 currency code")?),
        FieldType::Countries => {
            let text = cell.shown();
            let mut codes = Vec::new();
            for part in text.split([',', ';', '/', '|', '-', '>', '→', ' ']).filter(|p| !p.trim().is_empty()) {
                let code = part.trim().to_uppercase();
                if !is_country(&code) {
                    return Err(format!("{part} is not an ISO 3166-1 alpha-3 country code"));
                }
                codes.push(code);
            }
            Value::Codes(codes)
        }
        FieldType::Choice => {
            let wanted = fold(&cell.shown());
            let found = field.allowed.iter().find(|a| fold(a) == wanted);
            Value::Choice(found.cloned().ok_or_else(|| format!("is not one of: {}", field.allowed.join(", ")))?)
        }
    };
    Ok(Some(value))
}

#[cfg(test)]
mod tests {
    use godwit_domain::template::{FieldType, Target};
    use proptest::prelude::*;

    use super::*;

    fn today() -> Date {
        time::macros::date!(2026 - 11 - 23)
    }

    fn def(field_type: FieldType) -> FieldDef {
        FieldDef { key: "f".into(), label: "F".into(), field_type, required: false, allowed: Vec::new(), target: None }
    }

    fn text(t: &str) -> Cell {
        Cell::Text(t.into())
    }

    #[test]
    fn number_formats() {
        let int = def(FieldType::Integer);
        for (cell, want) in [
            (text("1234"), Ok(1234)),
            (text("1,234"), Ok(1234)),
            (text("1 234 567"), Ok(1_234_567)),
            (text("4500.00"), Ok(4500)),
            (Cell::Number(12.0), Ok(12)),
            (text("-3"), Err("is a negative count")),
            (Cell::Number(-1.0), Err("is a negative count")),
            (text("1,5"), Err("is not a whole number")),
            (text("4500.5"), Err("is not a whole number")),
            (text("twelve"), Err("is not a whole number")),
            (Cell::Bool(true), Err("is not a whole number")),
        ] {
            let got = read(&cell, &int, today()).map(|v| v.map(|v| v.text()));
            assert_eq!(got, want.map(|n: u64| Some(n.to_string())).map_err(str::to_owned), "{cell:?}");
        }
    }

    #[test]
    fn date_forms_and_excel_serials() {
        let date = def(FieldType::Date);
        for (cell, want) in [
            (text("2026-11-20"), Ok("2026-11-20")),
            (text("2026/11/20"), Ok("2026-11-20")),
            (text("2026-11-20T08:30:00"), Ok("2026-11-20")),
            (text("20/11/2026"), Ok("2026-11-20")),
            (text("5.1.2026"), Ok("2026-01-05")),
            (Cell::Date(45_981.0), Ok("2025-11-20")),
            (Cell::Number(45_981.75), Ok("2025-11-20")),
            (text("45981"), Ok("2025-11-20")),
            (text("2026-11-24"), Err("is in the future")),
            (text("31/02/2026"), Err("is not a date (YYYY-MM-DD, DD/MM/YYYY or an Excel date)")),
            (text("11/20/2026"), Err("is not a date (YYYY-MM-DD, DD/MM/YYYY or an Excel date)")),
            (Cell::Number(-5.0), Err("is not a date (YYYY-MM-DD, DD/MM/YYYY or an Excel date)")),
        ] {
            let got = read(&cell, &date, today()).map(|v| v.map(|v| v.text()));
            assert_eq!(got, want.map(|d| Some(d.to_owned())).map_err(str::to_owned), "{cell:?}");
        }
    }

    #[test]
    fn codes_choices_and_blanks() {
        assert_eq!(read(&text(" fji "), &def(FieldType::Country), today()), Ok(Some(Value::Code("FJI".into()))));
        assert!(read(&text("FJ"), &def(FieldType::Country), today()).is_err());
        assert_eq!(read(&text("xxa"), &def(FieldType::Nationality), today()), Ok(Some(Value::Code("XXA".into()))));
        assert!(read(&text("DOLLAR"), &def(FieldType::Currency), today()).is_err());
        assert_eq!(
            read(&text("LKA - mys / IDN"), &def(FieldType::Countries), today()),
            Ok(Some(Value::Codes(vec!["LKA".into(), "MYS".into(), "IDN".into()])))
        );
        let transport = FieldDef {
            allowed: Target::Transport.choices().into_iter().map(str::to_owned).collect(),
            ..def(FieldType::Choice)
        };
        assert_eq!(
            read(&text("Commercial Flight"), &transport, today()),
            Ok(Some(Value::Choice("commercial_flight".into())))
        );
        assert!(read(&text("camel"), &transport, today()).is_err_and(|e| e.starts_with("is not one of")));
        assert_eq!(read(&text("  "), &def(FieldType::Date), today()), Ok(None));
        let required = FieldDef { required: true, ..def(FieldType::Date) };
        assert_eq!(read(&Cell::Empty, &required, today()), Err("is required".into()));
        assert_eq!(
            read(&Cell::Error("#DIV/0!".into()), &def(FieldType::Text), today()),
            Err("is a formula error (#DIV/0!)".into())
        );
    }

    proptest! {
        #[test]
        fn counts_read_back_whatever_the_grouping(n in 0u64..10_000_000_000) {
            let plain = n.to_string();
            let grouped: String = {
                let digits: Vec<char> = plain.chars().collect();
                let mut out = String::new();
                for (i, c) in digits.iter().enumerate() {
                    if i > 0 && (digits.len() - i).is_multiple_of(3) {
                        out.push(',');
                    }
                    out.push(*c);
                }
                out
            };
            prop_assert_eq!(parse_count(&plain), Ok(n));
            prop_assert_eq!(parse_count(&grouped), Ok(n));
            prop_assert_eq!(parse_count(&format!("{n}.00")), Ok(n));
        }

        #[test]
        fn any_text_is_read_or_refused_with_a_reason(s in "\\PC{0,20}") {
            for t in [FieldType::Integer, FieldType::Date, FieldType::Countries] {
                if let Err(reason) = read(&Cell::Text(s.clone()), &def(t), today()) {
                    prop_assert!(!reason.is_empty());
                }
            }
        }

        #[test]
        fn every_day_round_trips_through_its_serial(days in 1i64..2_900_000) {
            let date = excel_epoch() + Duration::days(days);
            prop_assert_eq!(from_serial(days as f64), Some(date));
            prop_assert_eq!(parse_date(&iso(date)), Some(date));
        }
    }
}
