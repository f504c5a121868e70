//! Date of birth, nationality and sex: evidence that raises or lowers a
//! name match.
//!
//! Dates of birth are often wrong in small ways: day and month swapped
//! (US and European order), off by one day (time zones, clerical error),
//! or only the year known. Those count for the match, less than an exact
//! date; a clearly different date counts strongly against it. The weights
//! are set so that a name alone (worth at most [`NAME_WEIGHT`]) makes a
//! review, and a hit needs the date of birth to agree to the month at least.

use time::{Date, Duration};

use crate::countries;
use crate::dates::PartialDate;
use crate::traveller::Sex;

/// The share of the score that the name similarity can give.
pub const NAME_WEIGHT: f64 = 0.75;

/// One piece of evidence and what it does to the score.
#[derive(Debug, Clone, PartialEq)]
pub struct Qualifier {
    pub delta: f64,
    pub reason: String,
}

fn q(delta: f64, reason: String) -> Option<Qualifier> {
    Some(Qualifier { delta, reason })
}

/// Compares the traveller's date of birth with the listed (possibly partial) one.
pub fn date_of_birth(traveller: Option<Date>, listed: Option<PartialDate>) -> Option<Qualifier> {
    let (t, l) = (traveller?, listed?);
    let month = u8::from(t.month());
    match (l.month, l.day) {
        (Some(m), Some(d)) => {
            let full = l.full()?;
            if full == t {
                return q(0.25, format!("date of birth {t} exact (+0.25)"));
            }
            if (full - t).abs() <= Duration::days(1) {
                return q(0.18, format!("date of birth {t} one day from listed {full} (+0.18)"));
            }
            if l.year == t.year() && m == t.day() && d == month {
                return q(0.18, format!("date of birth {t} is listed {full} with day and month swapped (+0.18)"));
            }
            q(-0.3, format!("date of birth {t} differs from listed {full} (-0.30)"))
        }
        (Some(m), None) if l.year == t.year() && m == month => {
            q(0.08, format!("year and month of birth {}-{m:02} match (+0.08)", l.year))
        }
        (None, _) if l.year == t.year() => q(0.03, format!("year of birth {} matches (+0.03)", l.year)),
        _ => q(-0.3, format!("date of birth {t} differs from listed year {} (-0.30)", l.year)),
    }
}

/// Compares nationalities after mapping ICAO codes to ISO (`D` = `DEU`).
pub fn nationality(traveller: Option<&str>, listed: Option<&str>) -> Option<Qualifier> {
    let (t, l) = (countries::comparable(traveller?), countries::comparable(listed?));
    if t == l {
        q(0.03, format!("nationality {t} matches (+0.03)"))
    } else {
        q(-0.05, format!("nationality {t} differs from listed {l} (-0.05)"))
    }
}

/// Compares sexes when both are specified.
pub fn sex(traveller: Option<Sex>, listed: Option<Sex>) -> Option<Qualifier> {
    match (traveller?, listed?) {
        (Sex::Unspecified, _) | (_, Sex::Unspecified) => None,
        (t, l) if t == l => None,
        (t, l) => q(-0.15, format!("sex {t:?} differs from listed {l:?} (-0.15)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn delta(t: Date, listed: &str) -> f64 {
        date_of_birth(Some(t), PartialDate::parse(listed)).map_or(0.0, |q| q.delta)
    }

    #[test]
    fn date_of_birth_evidence() {
        let t = date!(1980 - 05 - 03);
        assert_eq!(delta(t, "1980-05-03"), 0.25);
        assert_eq!(delta(t, "1980-03-05"), 0.18, "swapped");
        assert_eq!(delta(t, "1980-05-04"), 0.18, "one day");
        assert_eq!(delta(t, "1980-05"), 0.08);
        assert_eq!(delta(t, "1980"), 0.03);
        assert_eq!(delta(t, "1981"), -0.3);
        assert_eq!(delta(t, "1975-05-03"), -0.3);
        assert_eq!(date_of_birth(None, PartialDate::parse("1980")), None);
    }

    #[test]
    fn nationality_and_sex() {
        assert_eq!(nationality(Some("D"), Some("DEU")).map(|q| q.delta), Some(0.03));
        assert_eq!(nationality(Some("FRA"), Some("DEU")).map(|q| q.delta), Some(-0.05));
        assert_eq!(sex(Some(Sex::Male), Some(Sex::Female)).map(|q| q.delta), Some(-0.15));
        assert_eq!(sex(Some(Sex::Male), Some(Sex::Unspecified)), None);
    }
}
