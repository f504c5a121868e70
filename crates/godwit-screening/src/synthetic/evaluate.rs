//! Recall and precision of screening results against the planted hits of
//! a generated [`Dataset`](super::Dataset).

use std::collections::HashMap;

use serde::Serialize;

use crate::screen::{Decision, ScreeningResult};

/// How well results found the planted hits.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Evaluation {
    pub planted: usize,
    /// Planted hits decided `hit` with the planted entry among the matches.
    pub recall_at_hit: f64,
    /// Planted hits decided `hit` or `review` with the planted entry among the matches.
    pub recall_at_review: f64,
    /// Share of `hit` decisions that are planted hits with their entry matched.
    pub precision_of_hits: f64,
    /// Share of `hit` or `review` decisions that are planted hits with their entry matched.
    pub precision_of_flagged: f64,
}

/// Compares `results` with `planted` `(traveller_id, watchlist_id)` pairs.
pub fn evaluate(planted: &[(String, String)], results: &[ScreeningResult]) -> Evaluation {
    let expected: HashMap<&str, &str> = planted.iter().map(|(t, w)| (t.as_str(), w.as_str())).collect();
    let (mut found_hit, mut found_review, mut hits, mut true_hits, mut flagged, mut true_flagged) = (0, 0, 0, 0, 0, 0);
    for r in results {
        let matched =
            expected.get(r.traveller_id.as_str()).is_some_and(|w| r.matches.iter().any(|m| m.watchlist_id == *w));
        let hit = r.decision == Decision::Hit;
        let flag = r.decision != Decision::Clear;
        hits += usize::from(hit);
        flagged += usize::from(flag);
        true_hits += usize::from(hit && matched);
        true_flagged += usize::from(flag && matched);
        found_hit += usize::from(hit && matched);
        found_review += usize::from(flag && matched);
    }
    let share = |n: usize, of: usize| if of == 0 { 0.0 } else { n as f64 / of as f64 };
    Evaluation {
        planted: expected.len(),
        recall_at_hit: share(found_hit, expected.len()),
        recall_at_review: share(found_review, expected.len()),
        precision_of_hits: share(true_hits, hits),
        precision_of_flagged: share(true_flagged, flagged),
    }
}

/// The planted `(traveller_id, watchlist_id)` pairs that `results` did not
/// flag with the planted entry among the matches, in manifest order: the
/// cases to read when recall falls short.
pub fn misses<'a>(planted: &'a [(String, String)], results: &[ScreeningResult]) -> Vec<&'a (String, String)> {
    let flagged: HashMap<&str, &ScreeningResult> =
        results.iter().filter(|r| r.decision != Decision::Clear).map(|r| (r.traveller_id.as_str(), r)).collect();
    planted
        .iter()
        .filter(|(t, w)| !flagged.get(t.as_str()).is_some_and(|r| r.matches.iter().any(|m| m.watchlist_id == *w)))
        .collect()
}
