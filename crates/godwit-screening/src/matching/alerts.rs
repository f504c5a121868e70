//! Document alerts: the series (serial prefixes or whole numbers) and
//! ranges of document numbers that document-fraud alerts name, looked up
//! like the documents watchlist, exactly after normalisation and through
//! the OCR confusions of [`super::documents::ocr_key`].
//!
//! Series are kept in a hash map by their OCR key; a query looks up each
//! prefix of its own key whose length some series has, so the lookup costs
//! a few probes whatever the number of alerts. Ranges are few (an alert
//! names one or two) and are compared one by one.

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;

use super::documents::{normalise_number, ocr_key};
use super::{ListKind, Match};
use crate::countries;
use crate::traveller::TravelDocument;

/// Score of a document whose number an alert names whole.
pub const WHOLE_NUMBER: f64 = 1.0;
/// Score of a document whose number lies in an alerted series or range.
pub const IN_SERIES: f64 = 0.9;
/// Taken off when the number only matches through OCR confusions.
pub const OCR_PENALTY: f64 = 0.1;
/// Taken off when the issuing state differs from the alert's.
pub const STATE_PENALTY: f64 = 0.3;

/// One alert as screening sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct AlertEntry {
    /// The alert's id, reported as the match's `watchlist_id`.
    pub id: String,
    /// A short label for reasons: the alert's title.
    pub title: String,
    pub document_type: Option<String>,
    pub issuing_state: Option<String>,
    /// `forged`, `counterfeit`, … as the alert says.
    pub fraud_type: Option<String>,
    /// Serial prefixes or whole numbers.
    pub series: Vec<String>,
    /// Inclusive ranges `(from, to)` of equal-length numbers.
    pub ranges: Vec<(String, String)>,
}

/// How a number met an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fit {
    Whole,
    Series,
    Range,
}

/// An index over the series and ranges of document alerts.
pub struct AlertIndex {
    entries: Vec<AlertEntry>,
    /// OCR key of a series → (entry, series position).
    series: HashMap<String, Vec<(u32, u32)>>,
    /// Lengths of the series keys, to know which prefixes to probe.
    lengths: BTreeSet<usize>,
    /// (entry, normalised from, normalised to).
    ranges: Vec<(u32, String, String)>,
}

impl AlertIndex {
    /// Indexes the alerts; series and ranges that normalise to nothing are
    /// left out (they would match every number).
    pub fn build(entries: Vec<AlertEntry>) -> Self {
        let mut series: HashMap<String, Vec<(u32, u32)>> = HashMap::new();
        let mut lengths = BTreeSet::new();
        let mut ranges = Vec::new();
        for (i, e) in (0u32..).zip(&entries) {
            for (j, s) in (0u32..).zip(&e.series) {
                let key = ocr_key(s);
                if key.is_empty() {
                    continue;
                }
                lengths.insert(key.len());
                series.entry(key).or_default().push((i, j));
            }
            for (from, to) in &e.ranges {
                let (from, to) = (normalise_number(from), normalise_number(to));
                if !from.is_empty() && from.len() == to.len() && from <= to {
                    ranges.push((i, from, to));
                }
            }
        }
        AlertIndex { entries, series, lengths, ranges }
    }

    /// Number of alerts.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no alerts.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The alerts, in the order given to [`AlertIndex::build`].
    pub fn entries(&self) -> &[AlertEntry] {
        &self.entries
    }

    /// The alerts this document falls under, best first, one match per alert.
    pub fn search(&self, document: &TravelDocument) -> Vec<Match> {
        let number = normalise_number(&document.number);
        if number.is_empty() {
            return Vec::new();
        }
        let key = ocr_key(&number);
        let mut best: HashMap<u32, Match> = HashMap::new();
        let mut offer = |entry: u32, m: Match| {
            if best.get(&entry).is_none_or(|b| b.score < m.score) {
                best.insert(entry, m);
            }
        };
        for len in self.lengths.range(..=key.len()) {
            let Some(found) = key.get(..*len).and_then(|prefix| self.series.get(prefix)) else { continue };
            for &(entry, position) in found {
                let Some(alert) = self.entries.get(entry as usize) else { continue };
                let Some(listed) = alert.series.get(position as usize) else { continue };
                let listed = normalise_number(listed);
                let exact = number.starts_with(&listed);
                let fit = if listed.len() == number.len() { Fit::Whole } else { Fit::Series };
                offer(entry, self.explain(alert, &number, &listed, fit, exact, document));
            }
        }
        for (entry, from, to) in &self.ranges {
            if from.len() != number.len() {
                continue;
            }
            let exact = *from <= number && number <= *to;
            let confusable = !exact && ocr_key(from) <= key && key <= ocr_key(to);
            if !(exact || confusable) {
                continue;
            }
            let Some(alert) = self.entries.get(*entry as usize) else { continue };
            offer(*entry, self.explain(alert, &number, &format!("{from}–{to}"), Fit::Range, exact, document));
        }
        let mut matches: Vec<Match> = best.into_values().collect();
        matches.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.watchlist_id.cmp(&b.watchlist_id)));
        matches
    }

    fn explain(
        &self,
        alert: &AlertEntry,
        number: &str,
        listed: &str,
        fit: Fit,
        exact: bool,
        document: &TravelDocument,
    ) -> Match {
        let what = [alert.fraud_type.as_deref(), alert.document_type.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        let what = if what.is_empty() { String::new() } else { format!(" ({what})") };
        let (mut score, mut reason) = match fit {
            Fit::Whole => (WHOLE_NUMBER, format!("document number {number} is named by alert {:?}{what}", alert.title)),
            Fit::Series => {
                (IN_SERIES, format!("document number {number} is in series {listed} of alert {:?}{what}", alert.title))
            }
            Fit::Range => {
                (IN_SERIES, format!("document number {number} is in range {listed} of alert {:?}{what}", alert.title))
            }
        };
        if !exact {
            score -= OCR_PENALTY;
            reason.push_str(&format!(" when O/0, I/1, S/5, B/8, Z/2 are confused (-{OCR_PENALTY:.2})"));
        }
        let mut reasons = vec![reason];
        if let (Some(t), Some(l)) = (document.issuing_state.as_deref(), alert.issuing_state.as_deref()) {
            let (t, l) = (countries::comparable(t), countries::comparable(l));
            if t == l {
                reasons.push(format!("issuing state {t} matches"));
            } else {
                score -= STATE_PENALTY;
                reasons.push(format!("issuing state {t} differs from the alert's {l} (-{STATE_PENALTY:.2})"));
            }
        }
        Match { watchlist_id: alert.id.clone(), list: ListKind::DocumentAlerts, score: super::round(score), reasons }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> AlertIndex {
        AlertIndex::build(vec![
            AlertEntry {
                id: "A1".into(),
                title: "Counterfeit Fijian passports".into(),
                document_type: Some("P".into()),
                issuing_state: Some("FJI".into()),
                fraud_type: Some("counterfeit".into()),
                series: vec!["FP12".into(), "Q1234567".into(), "".into()],
                ranges: vec![("B0001000".into(), "B0001999".into())],
            },
            AlertEntry {
                id: "A2".into(),
                title: "Empty".into(),
                ranges: vec![("".into(), "".into())],
                ..AlertEntry::default()
            },
        ])
    }

    fn doc(number: &str, state: &str) -> TravelDocument {
        TravelDocument { number: number.into(), issuing_state: Some(state.into()), ..TravelDocument::default() }
    }

    fn scores(idx: &AlertIndex, number: &str, state: &str) -> Vec<(String, f64)> {
        idx.search(&doc(number, state)).into_iter().map(|m| (m.watchlist_id, m.score)).collect()
    }

    #[test]
    fn series_whole_numbers_and_ranges() {
        let idx = index();
        assert_eq!(scores(&idx, "fp12 3456", "FJI"), vec![("A1".to_string(), 0.9)]);
        assert_eq!(scores(&idx, "Q1234567", "FJI"), vec![("A1".to_string(), 1.0)]);
        assert_eq!(scores(&idx, "B0001500", "FJI"), vec![("A1".to_string(), 0.9)]);
        assert_eq!(scores(&idx, "B0002000", "FJI"), vec![]);
        assert_eq!(scores(&idx, "FQ12999", "FJI"), vec![]);
        // An empty series and an empty range match nothing.
        assert_eq!(scores(&idx, "ZZZ", "FJI"), vec![]);
    }

    #[test]
    fn ocr_confusions_and_issuing_state_lower_the_score() {
        let idx = index();
        assert_eq!(scores(&idx, "FPI2345", "FJI"), vec![("A1".to_string(), 0.8)]);
        assert_eq!(scores(&idx, "B000I500", "FJI"), vec![("A1".to_string(), 0.8)]);
        assert_eq!(scores(&idx, "FP12345", "NZL"), vec![("A1".to_string(), 0.6)]);
        let reasons = &idx.search(&doc("FP12345", "FJI"))[0].reasons;
        assert!(reasons[0].contains("series FP12") && reasons[0].contains("counterfeit P"), "{reasons:?}");
        assert_eq!(reasons[1], "issuing state FJI matches");
    }
}
