//! Machine readable zones of travel documents (ICAO Doc 9303, 8th edition).
//!
//! # Grammar
//!
//! ```text
//! mrz     = td1 | td2 | td3 | mrv-a | mrv-b        ; lines separated by newlines,
//!                                                 ; or one line of 90, 72 or 88 characters
//! char    = "A".."Z" | "0".."9" | "<"
//! td1     = 3 lines of 30 chars:
//!           code(2) state(3) number(9) check(1) optional(15)
//!           birth(6) check(1) sex(1) expiry(6) check(1) nationality(3) optional(11) composite(1)
//!           names(30)
//! td2     = 2 lines of 36 chars, code not starting with "V":
//!           code(2) state(3) names(31)
//!           number(9) check(1) nationality(3) birth(6) check(1) sex(1) expiry(6) check(1)
//!           optional(7) composite(1)
//! td3     = 2 lines of 44 chars, code not starting with "V":
//!           code(2) state(3) names(39)
//!           number(9) check(1) nationality(3) birth(6) check(1) sex(1) expiry(6) check(1)
//!           optional(14) check(1) composite(1)
//! mrv-a   = as td3 with code "V…", line 2 ending in optional(16) and no check digits after expiry
//! mrv-b   = as td2 with code "V…", line 2 ending in optional(8)
//! names   = primary ["<<" secondary] {"<"}       ; "<" inside a part separates words
//! date    = YYMMDD | "<<<<<<"                    ; all fillers: unknown
//! sex     = "M" | "F" | "X" | "<"
//! ```
//!
//! Check digits use weights 7-3-1 ([`check_digit`]). A document number
//! longer than 9 characters (TD1, TD2) puts `<` in its check-digit position
//! and continues in the optional data, followed by its check digit.
//!
//! Parsing fails only when the text is not shaped like an MRZ (wrong line
//! lengths, a character outside `A–Z 0–9 <`). Everything else — a wrong check
//! digit, an impossible date, an unknown country code — is reported in the
//! result so that an officer sees every defect of a document at once.

pub mod check_digit;
mod layout;

use layout::{At, Layout, Span, layout};
use serde::Serialize;
use thiserror::Error;
use time::Date;

use crate::countries;
use crate::dates;
use crate::traveller::Sex;

/// The five machine-readable document formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING-KEBAB-CASE")]
pub enum MrzFormat {
    /// Identity card size, 3 lines of 30.
    Td1,
    /// 2 lines of 36.
    Td2,
    /// Passport book, 2 lines of 44.
    Td3,
    /// Full-size visa, 2 lines of 44.
    MrvA,
    /// Small visa, 2 lines of 36.
    MrvB,
}

/// A position in the MRZ, one-based like Doc 9303's own tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

impl From<At> for Position {
    fn from((line, column): At) -> Self {
        Position { line: line + 1, column: column + 1 }
    }
}

/// Why a text is not an MRZ at all.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MrzError {
    #[error("expected 3 lines of 30, or 2 lines of 36 or 44 characters; found line lengths {lengths:?}")]
    Shape { lengths: Vec<usize> },
    #[error("character {found:?} at line {}, column {} is not A-Z, 0-9 or <", position.line, position.column)]
    InvalidCharacter { position: Position, found: char },
}

/// The field a check digit protects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckedField {
    DocumentNumber,
    DateOfBirth,
    DateOfExpiry,
    OptionalData,
    Composite,
}

/// The outcome of one check digit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub field: CheckedField,
    /// Where the check digit is.
    pub position: Position,
    /// The digit in the document.
    pub found: char,
    /// The digit computed from the data.
    pub expected: char,
    pub passed: bool,
}

/// A field whose content is not acceptable (the MRZ still parsed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldProblem {
    pub field: &'static str,
    pub position: Position,
    pub message: String,
}

/// A `YYMMDD` date as written; the century is decided by the reader
/// ([`MrzDate::as_birth_date`], [`MrzDate::as_expiry_date`]) since the MRZ
/// does not carry it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MrzDate {
    pub year: u8,
    pub month: u8,
    pub day: u8,
}

impl MrzDate {
    /// The date of birth, in the latest century that puts it no later than
    /// `today`.
    pub fn as_birth_date(&self, today: Date) -> Option<Date> {
        let year = dates::resolve_century(i32::from(self.year), today.year(), true);
        dates::make_date(year, self.month, self.day)
    }

    /// The expiry date, in this century unless that is over 50 years ahead.
    pub fn as_expiry_date(&self, today: Date) -> Option<Date> {
        let year = dates::resolve_century(i32::from(self.year), today.year(), false);
        dates::make_date(year, self.month, self.day)
    }
}

/// A country code field with its ISO mapping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CodeField {
    pub code: String,
    pub iso_alpha3: Option<&'static str>,
    /// Whether Doc 9303 or ISO 3166 knows the code.
    pub known: bool,
}

/// A parsed machine readable zone, valid or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mrz {
    pub format: MrzFormat,
    /// `P`, `PD`, `I`, `AC`, `V`… with fillers removed.
    pub document_code: String,
    pub issuing_state: CodeField,
    /// Primary identifier (before `<<`), words separated by spaces.
    pub surname: String,
    /// Secondary identifier (after `<<`), words separated by spaces.
    pub given_names: String,
    pub document_number: String,
    pub nationality: CodeField,
    pub date_of_birth: Option<MrzDate>,
    pub sex: Option<Sex>,
    pub date_of_expiry: Option<MrzDate>,
    /// Optional data (personal number on TD3), fillers removed.
    pub optional_data: String,
    /// TD1's second optional data field.
    pub optional_data_2: Option<String>,
    pub checks: Vec<Check>,
    pub problems: Vec<FieldProblem>,
}

impl Mrz {
    /// True when every check digit passes and no field has a problem.
    pub fn is_valid(&self) -> bool {
        self.checks.iter().all(|c| c.passed) && self.problems.is_empty()
    }
}

/// Parses and validates an MRZ.
pub fn parse(input: &str) -> Result<Mrz, MrzError> {
    let lines = split_lines(input)?;
    let format = detect_format(&lines)?;
    Reader::new(lines, format).read()
}

fn split_lines(input: &str) -> Result<Vec<Vec<char>>, MrzError> {
    let mut lines: Vec<Vec<char>> =
        input.lines().map(str::trim).filter(|l| !l.is_empty()).map(|l| l.chars().collect()).collect();
    if let [single] = lines.as_slice() {
        let width = match single.len() {
            90 => Some(30),
            72 => Some(36),
            88 => Some(44),
            _ => None,
        };
        if let Some(width) = width {
            lines = single.chunks(width).map(<[char]>::to_vec).collect();
        }
    }
    for (l, line) in lines.iter().enumerate() {
        if let Some((c, found)) = line.iter().enumerate().find(|(_, ch)| !is_mrz_char(**ch)) {
            return Err(MrzError::InvalidCharacter { position: (l, c).into(), found: *found });
        }
    }
    Ok(lines)
}

fn is_mrz_char(c: char) -> bool {
    c.is_ascii_uppercase() || c.is_ascii_digit() || c == '<'
}

fn detect_format(lines: &[Vec<char>]) -> Result<MrzFormat, MrzError> {
    let lengths: Vec<usize> = lines.iter().map(Vec::len).collect();
    let visa = lines.first().and_then(|l| l.first()) == Some(&'V');
    match lengths.as_slice() {
        [30, 30, 30] => Ok(MrzFormat::Td1),
        [36, 36] if visa => Ok(MrzFormat::MrvB),
        [36, 36] => Ok(MrzFormat::Td2),
        [44, 44] if visa => Ok(MrzFormat::MrvA),
        [44, 44] => Ok(MrzFormat::Td3),
        _ => Err(MrzError::Shape { lengths }),
    }
}

/// Reads the fields of an MRZ whose shape and characters are already valid.
struct Reader {
    lines: Vec<Vec<char>>,
    format: MrzFormat,
    layout: Layout,
    checks: Vec<Check>,
    problems: Vec<FieldProblem>,
}

impl Reader {
    fn new(lines: Vec<Vec<char>>, format: MrzFormat) -> Self {
        Reader { lines, format, layout: layout(format), checks: Vec::new(), problems: Vec::new() }
    }

    fn text(&self, s: Span) -> String {
        self.lines
            .get(s.line)
            .and_then(|l| l.get(s.start..s.start + s.len))
            .map(|cs| cs.iter().collect())
            .unwrap_or_default()
    }

    fn char_at(&self, (line, col): At) -> char {
        self.lines.get(line).and_then(|l| l.get(col)).copied().unwrap_or('<')
    }

    fn check(&mut self, field: CheckedField, data: &str, at: At) {
        let found = self.char_at(at);
        let expected = check_digit::compute(data);
        // Doc 9303 Part 4 §4.2.2: an unused personal number may have a
        // filler as its check digit.
        let filler_ok = field == CheckedField::OptionalData && found == '<' && data.chars().all(|c| c == '<');
        self.checks.push(Check { field, position: at.into(), found, expected, passed: found == expected || filler_ok });
    }

    fn problem(&mut self, field: &'static str, at: At, message: String) {
        self.problems.push(FieldProblem { field, position: at.into(), message });
    }

    fn code(&mut self, field: &'static str, s: Span) -> CodeField {
        let code = strip_fillers(&self.text(s));
        let found = countries::lookup(&code);
        if found.is_none() {
            self.problem(field, (s.line, s.start), format!("unknown code {code:?}"));
        }
        CodeField { code, iso_alpha3: found.and_then(|c| c.iso_alpha3), known: found.is_some() }
    }

    fn date(&mut self, field: &'static str, s: Span) -> Option<MrzDate> {
        let raw = self.text(s);
        if raw.chars().all(|c| c == '<') {
            return None;
        }
        let digits: Option<Vec<u8>> = raw.chars().map(|c| c.to_digit(10).and_then(|d| u8::try_from(d).ok())).collect();
        let date = digits.and_then(|d| match d.as_slice() {
            [y1, y2, m1, m2, d1, d2] => Some(MrzDate { year: y1 * 10 + y2, month: m1 * 10 + m2, day: d1 * 10 + d2 }),
            _ => None,
        });
        // Valid in at least one century (29 February needs a leap year).
        let exists = date.is_some_and(|d| {
            [1900, 2000].iter().any(|c| dates::make_date(c + i32::from(d.year), d.month, d.day).is_some())
        });
        if !exists {
            self.problem(field, (s.line, s.start), format!("{raw:?} is not a date YYMMDD"));
            return None;
        }
        date
    }

    /// Reads the document number, following a TD1/TD2 long number into the
    /// optional data; returns the number and what remains of the optional data.
    fn number_and_optional(&mut self) -> (String, String) {
        let l = &self.layout;
        let (number_span, check_at, optional_span) = (l.number, l.number_check, l.optional);
        let number = self.text(number_span);
        let optional = self.text(optional_span);
        let long = self.layout.long_number
            && self.char_at(check_at) == '<'
            && !number.ends_with('<')
            && !optional.starts_with('<');
        if !long {
            self.check(CheckedField::DocumentNumber, &number, check_at);
            return (strip_fillers(&number), strip_fillers(&optional));
        }
        let overflow: String = optional.chars().take_while(|c| *c != '<').collect();
        let digit_col = optional_span.start + overflow.len().saturating_sub(1);
        let head: String = overflow.chars().take(overflow.len().saturating_sub(1)).collect();
        let full = format!("{number}{head}");
        self.check(CheckedField::DocumentNumber, &full, (optional_span.line, digit_col));
        let rest: String = optional.chars().skip(overflow.len()).collect();
        (full, strip_fillers(&rest))
    }

    fn read(mut self) -> Result<Mrz, MrzError> {
        let l = &self.layout;
        let (code_s, state_s, names_s, nat_s) = (l.code, l.issuing_state, l.names, l.nationality);
        let (birth_s, birth_at, sex_at) = (l.birth, l.birth_check, l.sex);
        let (expiry_s, expiry_at) = (l.expiry, l.expiry_check);
        let (optional_s, optional_check, optional_2, composite) =
            (l.optional, l.optional_check, l.optional_2, l.composite);

        let document_code = strip_fillers(&self.text(code_s));
        let issuing_state = self.code("issuing_state", state_s);
        let (surname, given_names) = split_names(&self.text(names_s));
        let (document_number, optional_data) = self.number_and_optional();
        let nationality = self.code("nationality", nat_s);

        let date_of_birth = self.date("date_of_birth", birth_s);
        self.check(CheckedField::DateOfBirth, &self.text(birth_s), birth_at);
        let date_of_expiry = self.date("date_of_expiry", expiry_s);
        self.check(CheckedField::DateOfExpiry, &self.text(expiry_s), expiry_at);

        let sex_char = self.char_at(sex_at);
        let sex = Sex::from_code(&sex_char.to_string());
        if sex.is_none() {
            self.problem("sex", sex_at, format!("{sex_char:?} is not M, F, X or <"));
        }
        if let Some(at) = optional_check {
            self.check(CheckedField::OptionalData, &self.text(optional_s), at);
        }
        if let Some((at, spans)) = composite {
            let data: String = spans.iter().map(|s| self.text(*s)).collect();
            self.check(CheckedField::Composite, &data, at);
        }
        let optional_data_2 = optional_2.map(|s| strip_fillers(&self.text(s)));
        Ok(Mrz {
            format: self.format,
            document_code,
            issuing_state,
            surname,
            given_names,
            document_number,
            nationality,
            date_of_birth,
            sex,
            date_of_expiry,
            optional_data,
            optional_data_2,
            checks: self.checks,
            problems: self.problems,
        })
    }
}

fn strip_fillers(text: &str) -> String {
    text.trim_matches('<').to_string()
}

/// Splits the name field at the first `<<` and turns inner fillers into spaces.
fn split_names(field: &str) -> (String, String) {
    let field = field.trim_end_matches('<');
    let (primary, secondary) = field.split_once("<<").unwrap_or((field, ""));
    let words = |part: &str| part.split('<').filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ");
    (words(primary), words(secondary))
}

#[cfg(test)]
mod tests;
