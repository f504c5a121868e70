//! Dates as the input formats write them: ISO `YYYY-MM-DD` in CSV files,
//! two-digit years (`YYMMDD`) in MRZs and PAXLST, and partial dates of birth
//! (`YYYY-MM`, `YYYY`) in watchlists.

use serde::Serialize;
use time::{Date, Month};

/// A date of birth that may be known only to the month or the year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PartialDate {
    pub year: i32,
    pub month: Option<u8>,
    pub day: Option<u8>,
}

impl PartialDate {
    /// Parses `YYYY-MM-DD`, `YYYY-MM` or `YYYY`; `None` if malformed or not a
    /// real date.
    pub fn parse(text: &str) -> Option<PartialDate> {
        let mut parts = text.trim().split('-');
        let year = parse_digits(parts.next()?, 4)?;
        let month = match parts.next() {
            Some(m) => Some(u8::try_from(parse_digits(m, 2)?).ok()?),
            None => None,
        };
        let day = match parts.next() {
            Some(d) => Some(u8::try_from(parse_digits(d, 2)?).ok()?),
            None => None,
        };
        if parts.next().is_some() {
            return None;
        }
        match (month, day) {
            (Some(m), Some(d)) => {
                make_date(year, m, d)?;
            }
            (Some(m), None) => {
                Month::try_from(m).ok()?;
            }
            _ => {}
        }
        Some(PartialDate { year, month, day })
    }

    /// The full date when day and month are known.
    pub fn full(&self) -> Option<Date> {
        make_date(self.year, self.month?, self.day?)
    }
}

/// Parses an ISO `YYYY-MM-DD` date.
pub fn parse_iso(text: &str) -> Option<Date> {
    PartialDate::parse(text)?.full()
}

/// Builds a date, `None` if it does not exist.
pub fn make_date(year: i32, month: u8, day: u8) -> Option<Date> {
    Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()
}

/// Parses `YYMMDD` (or `CCYYMMDD`) digits. Six-digit dates get the century
/// that puts them at or before `pivot_year` when `past` (dates of birth),
/// or the 21st century unless that is more than 50 years after the pivot
/// (expiry dates).
pub fn parse_yymmdd(text: &str, pivot_year: i32, past: bool) -> Option<Date> {
    let text = text.trim();
    if text.len() == 8 {
        let year = parse_digits(text.get(0..4)?, 4)?;
        return make_date(year, two(text, 4)?, two(text, 6)?);
    }
    if text.len() != 6 {
        return None;
    }
    let yy = i32::from(two(text, 0)?);
    let year = resolve_century(yy, pivot_year, past);
    make_date(year, two(text, 2)?, two(text, 4)?)
}

/// Picks the century for a two-digit year (see [`parse_yymmdd`]).
pub fn resolve_century(yy: i32, pivot_year: i32, past: bool) -> i32 {
    let in_2000s = 2000 + yy;
    if past {
        if in_2000s <= pivot_year { in_2000s } else { 1900 + yy }
    } else if in_2000s > pivot_year + 50 {
        1900 + yy
    } else {
        in_2000s
    }
}

fn two(text: &str, at: usize) -> Option<u8> {
    u8::try_from(parse_digits(text.get(at..at + 2)?, 2)?).ok()
}

fn parse_digits(text: &str, len: usize) -> Option<i32> {
    if text.len() != len || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn partial_dates() {
        let full = PartialDate::parse("1974-08-12").expect("full");
        assert_eq!(full.full(), Some(date!(1974 - 08 - 12)));
        assert_eq!(PartialDate::parse("1974-08").and_then(|d| d.month), Some(8));
        assert_eq!(PartialDate::parse("1974").map(|d| d.year), Some(1974));
        for bad in ["1974-13", "1974-02-30", "74", "1974-8-1", "x", "1974-01-01-01"] {
            assert_eq!(PartialDate::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn two_digit_years() {
        assert_eq!(parse_yymmdd("740812", 2026, true), Some(date!(1974 - 08 - 12)));
        assert_eq!(parse_yymmdd("200101", 2026, true), Some(date!(2020 - 01 - 01)));
        assert_eq!(parse_yymmdd("120415", 2026, false), Some(date!(2012 - 04 - 15)));
        assert_eq!(parse_yymmdd("19740812", 2026, true), Some(date!(1974 - 08 - 12)));
        assert_eq!(parse_yymmdd("741312", 2026, true), None);
    }
}

/// Serde for `Option<Date>` as ISO `YYYY-MM-DD` strings (the `time` crate's
/// own serde form is a `[year, ordinal]` pair, unreadable in JSON output).
pub mod iso_option {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;

    pub fn serialize<S: Serializer>(date: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
        match date {
            Some(d) => s.serialize_str(&d.to_string()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(text) => super::parse_iso(&text)
                .map(Some)
                .ok_or_else(|| serde::de::Error::custom(format!("{text:?} is not a date YYYY-MM-DD"))),
        }
    }
}
