//! The documents watchlist: numbers looked up exactly after normalisation,
//! and through the confusions OCR and typists make (`0`/`O`, `1`/`I`,
//! `5`/`S`, `8`/`B`, `2`/`Z`).

use std::collections::HashMap;

use super::{ListKind, Match};
use crate::countries;
use crate::traveller::TravelDocument;
use crate::watchlist::DocumentEntry;

/// Upper-case letters and digits only: `l 898-902 c3` → `L898902C3`.
pub fn normalise_number(number: &str) -> String {
    number.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_uppercase()).collect()
}

/// The normalised number with every confusable letter read as its digit.
pub fn ocr_key(number: &str) -> String {
    normalise_number(number)
        .chars()
        .map(|c| match c {
            'O' => '0',
            'I' => '1',
            'S' => '5',
            'B' => '8',
            'Z' => '2',
            c => c,
        })
        .collect()
}

/// An index over a documents watchlist.
pub struct DocumentIndex {
    entries: Vec<DocumentEntry>,
    exact: HashMap<String, Vec<u32>>,
    confusable: HashMap<String, Vec<u32>>,
}

impl DocumentIndex {
    /// Indexes every document number.
    pub fn build(entries: Vec<DocumentEntry>) -> Self {
        let mut exact: HashMap<String, Vec<u32>> = HashMap::new();
        let mut confusable: HashMap<String, Vec<u32>> = HashMap::new();
        for (i, e) in (0u32..).zip(&entries) {
            exact.entry(normalise_number(&e.document_number)).or_default().push(i);
            confusable.entry(ocr_key(&e.document_number)).or_default().push(i);
        }
        DocumentIndex { entries, exact, confusable }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Listed documents with this number (exactly or through OCR confusion).
    pub fn search(&self, document: &TravelDocument) -> Vec<Match> {
        let number = normalise_number(&document.number);
        if number.is_empty() {
            return Vec::new();
        }
        let exact = self.exact.get(&number).into_iter().flatten();
        let confusable = self.confusable.get(&ocr_key(&number)).into_iter().flatten();
        let mut ids: Vec<u32> = exact.chain(confusable).copied().collect();
        ids.sort_unstable();
        ids.dedup();
        ids.into_iter()
            .filter_map(|i| self.entries.get(i as usize))
            .map(|e| self.explain(e, &number, document.issuing_state.as_deref()))
            .collect()
    }

    fn explain(&self, entry: &DocumentEntry, number: &str, issuing_state: Option<&str>) -> Match {
        let listed = normalise_number(&entry.document_number);
        let status = format!("{:?}", entry.status).to_lowercase();
        let mut reasons = Vec::new();
        let mut score = if listed == number {
            reasons.push(format!("document number {number} is listed as {status}"));
            1.0
        } else {
            reasons.push(format!(
                "document number {number} reads as listed {listed} ({status}) when O/0, I/1, S/5, B/8, Z/2 are confused (0.90)"
            ));
            0.9
        };
        if !entry.reason.is_empty() {
            reasons.push(format!("listed because: {}", entry.reason));
        }
        if let (Some(t), Some(l)) = (issuing_state, entry.issuing_state.as_deref()) {
            let (t, l) = (countries::comparable(t), countries::comparable(l));
            if t == l {
                reasons.push(format!("issuing state {t} matches"));
            } else {
                score -= 0.3;
                reasons.push(format!("issuing state {t} differs from listed {l} (-0.30)"));
            }
        }
        Match { watchlist_id: entry.id.clone(), list: ListKind::Documents, score, reasons }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::watchlist::DocumentStatus;

    fn index() -> DocumentIndex {
        DocumentIndex::build(vec![DocumentEntry {
            id: "D1".into(),
            document_number: "L898902C3".into(),
            issuing_state: Some("UTO".into()),
            document_type: Some("P".into()),
            status: DocumentStatus::Stolen,
            reason: String::new(),
        }])
    }

    fn doc(number: &str, state: &str) -> TravelDocument {
        TravelDocument { number: number.into(), issuing_state: Some(state.into()), ..TravelDocument::default() }
    }

    #[test]
    fn exact_confusable_and_state() {
        let idx = index();
        assert_eq!(idx.search(&doc("l898 902-c3", "UTO"))[0].score, 1.0);
        assert_eq!(idx.search(&doc("L8989O2C3", "UTO"))[0].score, 0.9);
        assert!((idx.search(&doc("L898902C3", "FRA"))[0].score - 0.7).abs() < 1e-9);
        assert!(idx.search(&doc("L898902C4", "UTO")).is_empty());
    }
}
