//! The risk method of a threat register (seed 004): likelihood and consequence
//! on 5-point scales, and a risk matrix that turns the pair into a rating.
//!
//! The scales' words and the matrix are configurable per register; the points
//! (1 to 5) and the ratings (low, medium, high, extreme) are common to every
//! register, so that members' registers can be compared in the regional
//! picture whatever words each member uses.

use serde::{Deserialize, Serialize};

use crate::ValidationErrors;
use crate::item::named_enum;

named_enum! {
    /// The rating the matrix gives a likelihood and a consequence, lowest first.
    Rating {
        Low = "low",
        Medium = "medium",
        High = "high",
        Extreme = "extreme",
    }
}

impl Rating {
    /// Position on the scale, 0 (low) to 3 (extreme): how far two ratings differ.
    pub fn rank(self) -> u8 {
        match self {
            Rating::Low => 0,
            Rating::Medium => 1,
            Rating::High => 2,
            Rating::Extreme => 3,
        }
    }
}

named_enum! {
    /// Which way the risk is moving since the last review.
    Trend {
        Rising = "rising",
        Stable = "stable",
        Falling = "falling",
    }
}

/// Points on each scale.
pub const POINTS: u8 = 5;
const LABEL_CHARS: usize = 40;

/// The scales' words and the matrix of one register.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskMethod {
    /// The words of likelihood points 1 to 5.
    pub likelihood: Vec<String>,
    /// The words of consequence points 1 to 5.
    pub consequence: Vec<String>,
    /// `matrix[l - 1][c - 1]` is the rating of likelihood `l` and consequence `c`.
    pub matrix: Vec<Vec<Rating>>,
}

impl Default for RiskMethod {
    /// The common 5 × 5 matrix of ISO 31000 practice, as the Bali Process
    /// workshop used it.
    fn default() -> Self {
        use Rating::{Extreme as E, High as H, Low as L, Medium as M};
        let words = |w: [&str; 5]| w.map(String::from).to_vec();
        RiskMethod {
            likelihood: words(["Rare", "Unlikely", "Possible", "Likely", "Almost certain"]),
            consequence: words(["Insignificant", "Minor", "Moderate", "Major", "Severe"]),
            matrix: vec![
                vec![L, L, M, H, H],
                vec![L, L, M, H, E],
                vec![L, M, H, E, E],
                vec![M, M, H, E, E],
                vec![M, H, E, E, E],
            ],
        }
    }
}

/// Whether `point` is on a 5-point scale.
pub fn is_point(point: u8) -> bool {
    (1..=POINTS).contains(&point)
}

impl RiskMethod {
    /// The rating of `likelihood` and `consequence` (1 to 5); none off the scale.
    pub fn rate(&self, likelihood: u8, consequence: u8) -> Option<Rating> {
        if !is_point(likelihood) || !is_point(consequence) {
            return None;
        }
        self.matrix.get(usize::from(likelihood - 1))?.get(usize::from(consequence - 1)).copied()
    }

    /// The word for a likelihood point, or the number when the scale has none.
    pub fn likelihood_word(&self, point: u8) -> String {
        word(&self.likelihood, point)
    }

    pub fn consequence_word(&self, point: u8) -> String {
        word(&self.consequence, point)
    }

    /// Five words per scale and a 5 × 5 matrix whose rating never falls as
    /// likelihood or consequence rises (a more likely or graver risk is never
    /// rated lower).
    pub fn validate(&self, errors: &mut ValidationErrors) {
        for (field, words) in [("method/likelihood", &self.likelihood), ("method/consequence", &self.consequence)] {
            if words.len() != usize::from(POINTS) {
                errors.push(field, format!("must have {POINTS} words, one per point"));
            }
            for (n, w) in words.iter().enumerate() {
                if w.trim().is_empty() || w.chars().count() > LABEL_CHARS || w.chars().any(char::is_control) {
                    errors.push(format!("{field}/{n}"), format!("must be 1 to {LABEL_CHARS} printable characters"));
                }
            }
        }
        let square =
            self.matrix.len() == usize::from(POINTS) && self.matrix.iter().all(|row| row.len() == usize::from(POINTS));
        if !square {
            errors.push("method/matrix", format!("must be {POINTS} rows of {POINTS} ratings"));
            return;
        }
        let points = 1..=POINTS;
        let falls = points.clone().flat_map(|l| points.clone().map(move |c| (l, c))).any(|(l, c)| {
            let here = self.rate(l, c);
            let above = if l < POINTS { self.rate(l + 1, c) } else { here };
            let right = if c < POINTS { self.rate(l, c + 1) } else { here };
            above < here || right < here
        });
        if falls {
            errors.push("method/matrix", "a rating must not fall as likelihood or consequence rises");
        }
    }
}

fn word(words: &[String], point: u8) -> String {
    usize::from(point).checked_sub(1).and_then(|i| words.get(i)).cloned().unwrap_or_else(|| point.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_matrix_rates_corners_and_middle() {
        let m = RiskMethod::default();
        assert_eq!(m.rate(1, 1), Some(Rating::Low));
        assert_eq!(m.rate(3, 3), Some(Rating::High));
        assert_eq!(m.rate(5, 5), Some(Rating::Extreme));
        assert_eq!(m.rate(1, 5), Some(Rating::High));
        assert_eq!(m.rate(0, 3), None);
        assert_eq!(m.rate(3, 6), None);
        let mut errors = ValidationErrors::default();
        m.validate(&mut errors);
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn a_configured_matrix_gives_its_own_rating() {
        let mut m = RiskMethod::default();
        // Stricter in the middle column: moderate consequences rate extreme
        // from "possible" up.
        m.matrix[2][2] = Rating::Extreme;
        m.matrix[3][2] = Rating::Extreme;
        assert_eq!(m.rate(3, 3), Some(Rating::Extreme));
        let mut errors = ValidationErrors::default();
        m.validate(&mut errors);
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn bad_methods_are_named() {
        let mut m = RiskMethod::default();
        m.likelihood.pop();
        m.consequence[1] = " ".into();
        m.matrix[4][4] = Rating::Low;
        let mut errors = ValidationErrors::default();
        m.validate(&mut errors);
        let fields: Vec<_> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["method/likelihood", "method/consequence/1", "method/matrix"]);
        m.matrix.pop();
        let mut errors = ValidationErrors::default();
        m.validate(&mut errors);
        assert!(errors.0.iter().any(|e| e.message.contains("5 rows")));
    }

    #[test]
    fn words_fall_back_to_the_number() {
        let m = RiskMethod::default();
        assert_eq!(m.likelihood_word(5), "Almost certain");
        assert_eq!(m.consequence_word(0), "0");
    }
}
