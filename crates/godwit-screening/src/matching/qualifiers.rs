//! Date of birth, nationality and sex: evidence that raises or lowers a
//! name match.
//!
//! Dates of birth are often wrong in small ways: day and month swapped
//! (US and European order), off by one day (time zones, clerical error),
//! or only the year known. Those count for the match, less than an exact
//! date; a clearly different date counts strongly against it. The weights
//! are set so that a name alone (worth at most [`NAME_WEIGHT`]) makes a
//! review, and a hit needs the date of birth to agree to the month at least.
//!
//! Evidence is computed for every candidate, its text only for the matches
//! that are kept, hence the [`Evidence`] enum rather than strings.

use std::fmt;

use time::{Date, Duration};

use crate::dates::PartialDate;
use crate::traveller::Sex;

/// The share of the score that the name similarity can give.
pub const NAME_WEIGHT: f64 = 0.75;

/// One piece of evidence about a candidate.
#[derive(Debug, Clone, PartialEq)]
pub enum Evidence<'a> {
    BirthExact(Date),
    BirthOneDayOff {
        traveller: Date,
        listed: Date,
    },
    BirthDayMonthSwapped {
        traveller: Date,
        listed: Date,
    },
    BirthYearMonth {
        year: i32,
        month: u8,
    },
    /// Only the year and month are listed, and they are the traveller's
    /// with day and month swapped.
    BirthYearMonthSwapped {
        traveller: Date,
        year: i32,
        month: u8,
    },
    /// Only the year and month are listed, and the traveller's date is one
    /// day from that month (the 1st of the next, the last of the one before).
    BirthYearMonthOneDayOff {
        traveller: Date,
        year: i32,
        month: u8,
    },
    BirthYear(i32),
    BirthDiffers {
        traveller: Date,
        listed: PartialDate,
    },
    NationalityMatches(&'a str),
    NationalityDiffers {
        traveller: &'a str,
        listed: &'a str,
    },
    SexDiffers {
        traveller: Sex,
        listed: Sex,
    },
}

impl Evidence<'_> {
    /// What the evidence adds to (or takes from) the score.
    pub fn delta(&self) -> f64 {
        match self {
            Evidence::BirthExact(_) => 0.25,
            Evidence::BirthOneDayOff { .. } | Evidence::BirthDayMonthSwapped { .. } => 0.18,
            Evidence::BirthYearMonth { .. } => 0.08,
            Evidence::BirthYearMonthSwapped { .. } | Evidence::BirthYearMonthOneDayOff { .. } => 0.05,
            Evidence::BirthYear(_) => 0.03,
            Evidence::BirthDiffers { .. } => -0.3,
            Evidence::NationalityMatches(_) => 0.03,
            Evidence::NationalityDiffers { .. } => -0.05,
            Evidence::SexDiffers { .. } => -0.15,
        }
    }
}

impl fmt::Display for Evidence<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.delta();
        match self {
            Evidence::BirthExact(t) => write!(f, "date of birth {t} exact ({d:+.2})"),
            Evidence::BirthOneDayOff { traveller, listed } => {
                write!(f, "date of birth {traveller} one day from listed {listed} ({d:+.2})")
            }
            Evidence::BirthDayMonthSwapped { traveller, listed } => {
                write!(f, "date of birth {traveller} is listed {listed} with day and month swapped ({d:+.2})")
            }
            Evidence::BirthYearMonth { year, month } => {
                write!(f, "year and month of birth {year}-{month:02} match ({d:+.2})")
            }
            Evidence::BirthYearMonthSwapped { traveller, year, month } => {
                write!(
                    f,
                    "date of birth {traveller} with day and month swapped is in listed {year}-{month:02} ({d:+.2})"
                )
            }
            Evidence::BirthYearMonthOneDayOff { traveller, year, month } => {
                write!(f, "date of birth {traveller} is one day from listed {year}-{month:02} ({d:+.2})")
            }
            Evidence::BirthYear(year) => write!(f, "year of birth {year} matches ({d:+.2})"),
            Evidence::BirthDiffers { traveller, listed } => {
                let listed = match (listed.month, listed.day) {
                    (Some(m), Some(day)) => format!("{}-{m:02}-{day:02}", listed.year),
                    (Some(m), None) => format!("{}-{m:02}", listed.year),
                    _ => listed.year.to_string(),
                };
                write!(f, "date of birth {traveller} differs from listed {listed} ({d:+.2})")
            }
            Evidence::NationalityMatches(n) => write!(f, "nationality {n} matches ({d:+.2})"),
            Evidence::NationalityDiffers { traveller, listed } => {
                write!(f, "nationality {traveller} differs from listed {listed} ({d:+.2})")
            }
            Evidence::SexDiffers { traveller, listed } => {
                write!(f, "sex {traveller:?} differs from listed {listed:?} ({d:+.2})")
            }
        }
    }
}

/// Compares the traveller's date of birth with the listed (possibly partial) one.
pub fn date_of_birth(traveller: Option<Date>, listed: Option<PartialDate>) -> Option<Evidence<'static>> {
    let (t, l) = (traveller?, listed?);
    let month = u8::from(t.month());
    let differs = Evidence::BirthDiffers { traveller: t, listed: l };
    Some(match (l.month, l.day) {
        (Some(m), Some(d)) => {
            let Some(full) = l.full() else { return Some(differs) };
            if full == t {
                Evidence::BirthExact(t)
            } else if (full - t).abs() <= Duration::days(1) {
                Evidence::BirthOneDayOff { traveller: t, listed: full }
            } else if l.year == t.year() && m == t.day() && d == month {
                Evidence::BirthDayMonthSwapped { traveller: t, listed: full }
            } else {
                differs
            }
        }
        (Some(m), None) if l.year == t.year() && m == month => Evidence::BirthYearMonth { year: l.year, month: m },
        (Some(m), None) if l.year == t.year() && m == t.day() => {
            Evidence::BirthYearMonthSwapped { traveller: t, year: l.year, month: m }
        }
        (Some(m), None)
            if [t.previous_day(), t.next_day()]
                .into_iter()
                .flatten()
                .any(|n| n.year() == l.year && u8::from(n.month()) == m) =>
        {
            Evidence::BirthYearMonthOneDayOff { traveller: t, year: l.year, month: m }
        }
        (None, _) if l.year == t.year() => Evidence::BirthYear(l.year),
        _ => differs,
    })
}

/// The listed years of birth that can agree with a traveller born on `t`:
/// its year, and the year of the day before or after (a date one day off
/// across New Year). [`date_of_birth`] finds any other listed year
/// different, so the index looks only these years up
/// (see [`differing_birth_rules_out`]).
pub fn birth_years(t: Date) -> impl Iterator<Item = i32> {
    let (before, after) = (t.previous_day().map(Date::year), t.next_day().map(Date::year));
    std::iter::once(t.year()).chain(before.filter(|y| *y != t.year())).chain(after.filter(|y| *y != t.year()))
}

/// Whether a candidate whose date of birth differs can no longer reach
/// `min_score`, even with an identical name and nationality: then only
/// candidates listed without a date of birth, or born in one of
/// [`birth_years`], need to be retrieved. True at the default review
/// threshold (0.75 + 0.03 − 0.30 = 0.48 < 0.70).
pub fn differing_birth_rules_out(min_score: f64) -> bool {
    let best_without_birth = NAME_WEIGHT + Evidence::NationalityMatches("").delta();
    let differs =
        Evidence::BirthDiffers { traveller: Date::MIN, listed: PartialDate { year: 0, month: None, day: None } };
    best_without_birth + differs.delta() < min_score
}

/// Compares nationalities already mapped by [`crate::countries::comparable`]
/// (`D` → `DEU`), which the index does once per entry rather than once per
/// comparison.
pub fn nationality<'a>(traveller: Option<&'a str>, listed: Option<&'a str>) -> Option<Evidence<'a>> {
    let (t, l) = (traveller?, listed?);
    Some(if t == l {
        Evidence::NationalityMatches(t)
    } else {
        Evidence::NationalityDiffers { traveller: t, listed: l }
    })
}

/// Compares sexes when both are specified.
pub fn sex(traveller: Option<Sex>, listed: Option<Sex>) -> Option<Evidence<'static>> {
    match (traveller?, listed?) {
        (Sex::Unspecified, _) | (_, Sex::Unspecified) => None,
        (t, l) if t == l => None,
        (t, l) => Some(Evidence::SexDiffers { traveller: t, listed: l }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn delta(t: Date, listed: &str) -> f64 {
        date_of_birth(Some(t), PartialDate::parse(listed)).map_or(0.0, |e| e.delta())
    }

    #[test]
    fn date_of_birth_evidence() {
        let t = date!(1980 - 05 - 03);
        assert_eq!(delta(t, "1980-05-03"), 0.25);
        assert_eq!(delta(t, "1980-03-05"), 0.18, "swapped");
        assert_eq!(delta(t, "1980-05-04"), 0.18, "one day");
        assert_eq!(delta(t, "1980-05"), 0.08);
        assert_eq!(delta(t, "1980"), 0.03);
        assert_eq!(delta(t, "1980-03"), 0.05, "day and month swapped, only year and month listed");
        assert_eq!(delta(date!(1980 - 06 - 01), "1980-05"), 0.05, "the 1st after the listed month");
        assert_eq!(delta(date!(1979 - 12 - 31), "1980-01"), 0.05, "the last day before the listed month");
        assert_eq!(delta(t, "1980-04"), -0.3);
        assert_eq!(delta(date!(1980 - 06 - 02), "1980-05"), -0.3);
        assert_eq!(delta(t, "1981"), -0.3);
        assert_eq!(delta(t, "1975-05-03"), -0.3);
        assert_eq!(date_of_birth(None, PartialDate::parse("1980")), None);
        let swapped = date_of_birth(Some(t), PartialDate::parse("1980-03-05")).expect("evidence");
        assert_eq!(
            swapped.to_string(),
            "date of birth 1980-05-03 is listed 1980-03-05 with day and month swapped (+0.18)"
        );
    }

    #[test]
    fn only_the_birth_years_can_agree() {
        let listed = |year: i32| ["", "-01", "-12", "-01-01", "-12-31", "-06-15"].map(|rest| format!("{year}{rest}"));
        for t in [date!(1980 - 05 - 03), date!(1980 - 01 - 01), date!(1979 - 12 - 31), date!(2000 - 02 - 29)] {
            let years: Vec<i32> = birth_years(t).collect();
            for year in 1975..1986 {
                for text in listed(year) {
                    let evidence = date_of_birth(Some(t), PartialDate::parse(&text));
                    let differs = matches!(evidence, Some(Evidence::BirthDiffers { .. }));
                    assert!(differs || years.contains(&year), "{t} against {text}: {evidence:?} outside {years:?}");
                }
            }
        }
        assert_eq!(birth_years(date!(1980 - 01 - 01)).collect::<Vec<_>>(), vec![1980, 1979]);
        assert_eq!(birth_years(date!(1980 - 12 - 31)).collect::<Vec<_>>(), vec![1980, 1981]);
        assert_eq!(birth_years(date!(1980 - 05 - 03)).collect::<Vec<_>>(), vec![1980]);
        assert!(differing_birth_rules_out(0.7));
        assert!(!differing_birth_rules_out(0.45));
    }

    #[test]
    fn nationality_and_sex() {
        let german = crate::countries::comparable("D");
        assert_eq!(nationality(Some(&german), Some("DEU")).map(|e| e.delta()), Some(0.03));
        assert_eq!(nationality(Some("FRA"), Some("DEU")).map(|e| e.delta()), Some(-0.05));
        assert_eq!(sex(Some(Sex::Male), Some(Sex::Female)).map(|e| e.delta()), Some(-0.15));
        assert_eq!(sex(Some(Sex::Male), Some(Sex::Unspecified)), None);
    }
}
