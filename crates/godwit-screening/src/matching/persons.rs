//! The persons watchlist as an inverted index.
//!
//! Every name and alias of an entry is normalised into a form. Each core
//! word of a form (and each pair of adjacent words joined) is posted under
//! its text, phonetic key, skeleton and variant group. A query looks up the
//! same keys for its own words and keeps the forms that share keys with at
//! least two of its words (one for a one-word name); only those are
//! compared in full.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use super::{ListKind, Match, qualifiers, round};
use crate::names::compare::{How, compare};
use crate::names::{Name, Role, Word, normalise, word};
use crate::traveller::Traveller;
use crate::watchlist::PersonEntry;

/// Forms whose name score is below this are not considered at all.
const MIN_NAME_SCORE: f64 = 0.6;

/// One name or alias of an entry, normalised.
struct Form {
    entry: u32,
    /// Index in `aliases`, or `None` for the main name.
    alias: Option<usize>,
    name: Name,
}

/// An index over a persons watchlist.
pub struct PersonIndex {
    entries: Vec<PersonEntry>,
    forms: Vec<Form>,
    postings: HashMap<u64, Vec<u32>>,
}

fn key(kind: u8, text: &str) -> u64 {
    let mut h = DefaultHasher::new();
    kind.hash(&mut h);
    text.hash(&mut h);
    h.finish()
}

/// The keys of a name's retrievable units, with the word positions each covers.
fn keys(name: &Name) -> Vec<(u64, u32)> {
    let core = |w: &Word| w.role == Role::Core || w.role == Role::Patronymic;
    let words = &name.words[..name.words.len().min(16)];
    let mut units: Vec<(Word, u32)> =
        (0..).zip(words).filter(|(_, w)| core(w)).map(|(i, w)| (w.clone(), 1u32 << i)).collect();
    for (i, pair) in (0..).zip(words.windows(2)) {
        if let [a, b] = pair {
            units.push((word(format!("{}{}", a.text, b.text), a.unvowelled), 0b11 << i));
        }
    }
    let mut out = Vec::with_capacity(units.len() * 4);
    for (w, mask) in units {
        out.push((key(b't', &w.text), mask));
        if let Some(p) = &w.phonetic {
            out.push((key(b'p', p), mask));
        }
        if let Some(s) = w.skeleton.as_ref().filter(|s| s.len() >= 3) {
            out.push((key(b's', s), mask));
        }
        if let Some(g) = w.group {
            out.push((key(b'g', &g.to_string()), mask));
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

impl PersonIndex {
    /// Normalises and indexes every name and alias.
    pub fn build(entries: Vec<PersonEntry>) -> Self {
        let mut forms = Vec::new();
        let mut postings: HashMap<u64, Vec<u32>> = HashMap::new();
        for (entry, e) in (0u32..).zip(&entries) {
            let names = std::iter::once((None, &e.name)).chain(e.aliases.iter().enumerate().map(|(i, a)| (Some(i), a)));
            for (alias, text) in names {
                let name = normalise(text);
                let id = u32::try_from(forms.len()).unwrap_or(u32::MAX);
                for (k, _) in keys(&name) {
                    let list = postings.entry(k).or_default();
                    if list.last() != Some(&id) {
                        list.push(id);
                    }
                }
                forms.push(Form { entry, alias, name });
            }
        }
        PersonIndex { entries, forms, postings }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The indexed entries, in the order given to [`PersonIndex::build`].
    pub fn entries(&self) -> &[PersonEntry] {
        &self.entries
    }

    /// Forms sharing keys with enough of the query's words.
    fn candidates(&self, name: &Name) -> Vec<u32> {
        let needed = name.words.iter().filter(|w| w.role == Role::Core).count().clamp(1, 2);
        let mut covered: HashMap<u32, u32> = HashMap::new();
        for (k, mask) in keys(name) {
            for form in self.postings.get(&k).into_iter().flatten() {
                *covered.entry(*form).or_default() |= mask;
            }
        }
        let mut found: Vec<u32> =
            covered.into_iter().filter(|(_, m)| m.count_ones() as usize >= needed).map(|(f, _)| f).collect();
        found.sort_unstable();
        found
    }

    /// Matches for a traveller scoring at least `min_score`, best first.
    pub fn search(&self, traveller: &Traveller, min_score: f64) -> Vec<Match> {
        let query = normalise(&traveller.full_name());
        let mut best: HashMap<u32, Match> = HashMap::new();
        for form_id in self.candidates(&query) {
            let Some(form) = self.forms.get(form_id as usize) else { continue };
            let Some(entry) = self.entries.get(form.entry as usize) else { continue };
            let cmp = compare(&query, &form.name);
            if cmp.score < MIN_NAME_SCORE {
                continue;
            }
            let mut reasons = Vec::new();
            if let Some(alias) = form.alias.and_then(|i| entry.aliases.get(i)) {
                reasons.push(format!("matched alias {alias:?}"));
            }
            let pairs: Vec<String> = cmp
                .matched
                .iter()
                .map(|m| {
                    let how = match m.how {
                        How::Exact => "exact",
                        How::Variant => "variant spelling",
                        How::Phonetic => "sounds alike",
                        How::Skeleton => "same consonants",
                        How::Spelling => "similar spelling",
                        How::Initial => "initial",
                    };
                    format!("{} ~ {} ({how}, {:.2})", m.query, m.candidate, m.score)
                })
                .collect();
            reasons.push(format!("name {:.2}: {}", cmp.score, pairs.join(", ")));
            if !cmp.missing.is_empty() {
                reasons.push(format!("name words without a match: {}", cmp.missing.join(", ")));
            }
            let mut score = cmp.score;
            let evidence = [
                qualifiers::date_of_birth(traveller.date_of_birth, entry.date_of_birth),
                qualifiers::nationality(traveller.nationality.as_deref(), entry.nationality.as_deref()),
                qualifiers::sex(traveller.sex, entry.sex),
            ];
            for q in evidence.into_iter().flatten() {
                score += q.delta;
                reasons.push(q.reason);
            }
            let score = round(score.clamp(0.0, 1.0));
            if score < min_score {
                continue;
            }
            let candidate = Match { watchlist_id: entry.id.clone(), list: ListKind::Persons, score, reasons };
            match best.get(&form.entry) {
                Some(existing) if existing.score >= score => {}
                _ => {
                    best.insert(form.entry, candidate);
                }
            }
        }
        let mut matches: Vec<Match> = best.into_values().collect();
        matches.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.watchlist_id.cmp(&b.watchlist_id)));
        matches
    }
}
