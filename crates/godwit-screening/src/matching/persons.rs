//! The persons watchlist as an inverted index.
//!
//! Every name and alias of an entry is normalised into a form. Each core
//! word of a form (and each pair of adjacent words joined) is posted under
//! its text, phonetic key, skeleton and variant group, within the entry's
//! year of birth. A query looks up the same keys for its own words, in the
//! years of birth that can still agree with the traveller's (and among
//! entries listed without one), and keeps the forms where keys join at
//! least two of its words to two of the form's words (one for a one-word
//! name); only those are weighed, and their names compared in full only
//! when the date of birth, nationality and sex leave a chance of reaching
//! the threshold.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, DefaultHasher, Hash, Hasher};

use super::qualifiers::Evidence;
use super::{ListKind, Match, qualifiers, round};
use crate::countries;
use crate::names::compare::{How, NameComparison, Prepared, compare};
use crate::names::{Role, Word, fingerprint, joined, normalise};
use crate::traveller::Traveller;
use crate::watchlist::PersonEntry;

/// Forms whose name score is below this are not considered at all.
const MIN_NAME_SCORE: f64 = 0.6;

/// One name or alias of an entry, normalised.
struct Form {
    entry: u32,
    /// Index in `aliases`, or `None` for the main name.
    alias: Option<usize>,
    name: Prepared,
}

/// A cheap hasher for keys that are already hashes or small integers (form
/// ids); SipHash would only cost time.
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        // Spread the bits: the hash table uses the top ones.
        self.0.wrapping_mul(0x9E37_79B9_7F4A_7C15)
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) ^ u64::from(*b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// An index over a persons watchlist.
pub struct PersonIndex {
    entries: Vec<PersonEntry>,
    forms: Vec<Form>,
    /// Key and year of birth ([`in_year`]) → its postings.
    postings: Postings,
    /// The years of birth of the entries (`None`: listed without one).
    years: Vec<Option<i32>>,
    /// Number of core words of each form.
    core_words: Vec<u8>,
    /// Each entry's nationality as [`countries::comparable`] maps it.
    nationalities: Vec<Option<String>>,
}

/// A posting key: the kind of key (`t`ext, `p`honetic, `s`keleton,
/// `g`roup) and its fingerprint.
fn key(kind: u8, fingerprint: u64) -> u64 {
    let mut h = DefaultHasher::new();
    kind.hash(&mut h);
    fingerprint.hash(&mut h);
    h.finish()
}

/// Every key's postings, (form, positions in the form of the words having
/// the key) in form order, in one array: one allocation rather than one per
/// key (millions of keys once split by year of birth).
#[derive(Default)]
struct Postings {
    /// Key → start and length in `entries`.
    ranges: HashMap<u64, (u32, u32), BuildHasherDefault<KeyHasher>>,
    entries: Vec<(u32, u32)>,
}

impl Postings {
    /// From (key, form, positions) triples in any order; a form's
    /// positions under one key are merged.
    fn build(mut all: Vec<(u64, u32, u32)>) -> Self {
        all.sort_unstable_by_key(|&(key, form, _)| (key, form));
        let mut postings = Postings { ranges: HashMap::default(), entries: Vec::with_capacity(all.len()) };
        let mut current: Option<(u64, usize)> = None;
        for (key, form, mask) in all {
            match (current, postings.entries.last_mut()) {
                (Some((k, _)), Some(last)) if k == key && last.0 == form => last.1 |= mask,
                (Some((k, _)), _) if k == key => postings.entries.push((form, mask)),
                _ => {
                    postings.close(current);
                    current = Some((key, postings.entries.len()));
                    postings.entries.push((form, mask));
                }
            }
        }
        postings.close(current);
        postings.entries.shrink_to_fit();
        postings
    }

    /// Records the range of `key` that started at `start` and ends here.
    fn close(&mut self, key: Option<(u64, usize)>) {
        if let Some((key, start)) = key {
            let (Ok(from), Ok(len)) = (u32::try_from(start), u32::try_from(self.entries.len() - start)) else { return };
            self.ranges.insert(key, (from, len));
        }
    }

    fn get(&self, key: u64) -> &[(u32, u32)] {
        self.ranges
            .get(&key)
            .and_then(|&(from, len)| self.entries.get(from as usize..(from as usize + len as usize)))
            .unwrap_or_default()
    }
}

/// A key within the postings of one year of birth (`None`: entries listed
/// without a date of birth). A date of birth that differs rules a
/// candidate out at the usual thresholds
/// ([`qualifiers::differing_birth_rules_out`]), so a traveller's keys are
/// looked up in the two or three years that can still agree, not among the
/// whole list: the posting lists of common keys shrink by the number of
/// years the list spans.
fn in_year(key: u64, year: Option<i32>) -> u64 {
    match year {
        None => key,
        Some(y) => key ^ u64::from(y.unsigned_abs()).wrapping_add(1).wrapping_mul(0xD6E8_FEB8_6659_FD93),
    }
}

/// Whether keys are made for the index or for a query.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Index,
    Query,
}

/// The keys of a name's retrievable units, with the word positions each
/// covers. Particles and initials are not keys: they would retrieve half
/// the list. Skeletons only count when one side is unvowelled (see
/// [`crate::names::compare::word_similarity`]), so they are posted under
/// two kinds: `s` for unvowelled words, `S` for others; a vowelled query
/// looks up `s` only, and a skeleton shared by two Latin names (`Yanyang`
/// and `Ying`) retrieves nothing.
fn keys(name: &Prepared, side: Side) -> Vec<(u64, u32)> {
    let mut out = Vec::new();
    for (w, mask) in name.units() {
        unit_keys(w, mask, side, &mut out);
    }
    if side == Side::Query {
        // Adjacent words joined in the other order too: a name written in
        // another order whose words are all too short for skeleton keys
        // (`Domam Nunuk` against `نونوك دومام`, both `dm` and `nk`) is
        // only found through its joined words.
        for (i, pair) in (0..).zip(name.name.words.windows(2)) {
            if let [a, b] = pair {
                unit_keys(&joined(b, a), 0b11 << i, side, &mut out);
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// The keys of one word or joined pair covering `mask`.
fn unit_keys(w: &Word, mask: u32, side: Side, out: &mut Vec<(u64, u32)>) {
    if matches!(w.role, Role::Particle | Role::Initial) {
        return;
    }
    // Sound-alike keys only count for words of five letters or more
    // (see `word_similarity`), so shorter words are not posted under
    // them, and neither are joined words (`Yanyang` would sound like
    // every `Yang`).
    let phonetic = w.phonetic.filter(|_| w.text.len() >= 5 && mask.count_ones() == 1);
    // A word's group postings hold every word (or joined pair) spelt
    // like it, so a query looks its spelling up only when it has none.
    if side == Side::Index || w.group.is_none() {
        out.push((key(b't', fingerprint(&w.text)), mask));
    }
    if let Some(g) = w.group {
        out.push((key(b'g', u64::from(g)), mask));
    }
    if let Some(p) = phonetic {
        out.push((key(b'p', p), mask));
    }
    if let Some(s) = w.skeleton.filter(|_| w.skeleton_len >= 3) {
        let kinds: &[u8] = match (side, w.script.unvowelled) {
            (Side::Index, true) => b"s",
            (Side::Index, false) => b"S",
            (Side::Query, true) => b"sS",
            (Side::Query, false) => b"s",
        };
        out.extend(kinds.iter().map(|kind| (key(*kind, s), mask)));
    }
}

/// Core words of a name (at most 255).
fn core_count(name: &Prepared) -> u8 {
    let n = name.name.words.iter().filter(|w| w.role == Role::Core).count();
    u8::try_from(n).unwrap_or(u8::MAX)
}

impl PersonIndex {
    /// Normalises and indexes every name and alias.
    pub fn build(entries: Vec<PersonEntry>) -> Self {
        let mut forms = Vec::new();
        let mut all = Vec::new();
        let mut core_words = Vec::new();
        for (entry, e) in (0u32..).zip(&entries) {
            let names = std::iter::once((None, &e.name)).chain(e.aliases.iter().enumerate().map(|(i, a)| (Some(i), a)));
            for (alias, text) in names {
                let name = Prepared::new(normalise(text));
                let id = u32::try_from(forms.len()).unwrap_or(u32::MAX);
                let year = e.date_of_birth.map(|d| d.year);
                all.extend(keys(&name, Side::Index).into_iter().map(|(k, mask)| (in_year(k, year), id, mask)));
                core_words.push(core_count(&name));
                forms.push(Form { entry, alias, name });
            }
        }
        let nationalities = entries.iter().map(|e| e.nationality.as_deref().map(countries::comparable)).collect();
        let mut years: Vec<Option<i32>> = entries.iter().map(|e| e.date_of_birth.map(|d| d.year)).collect();
        years.sort_unstable();
        years.dedup();
        PersonIndex { entries, forms, postings: Postings::build(all), years, core_words, nationalities }
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

    /// The years of birth to look up for a traveller born on `born`: those
    /// that can agree and `None` (listed without a date), or every year
    /// when the date is unknown or a differing date could still reach
    /// `min_score`.
    fn years_to_search(&self, born: Option<time::Date>, min_score: f64) -> Vec<Option<i32>> {
        match born {
            Some(t) if qualifiers::differing_birth_rules_out(min_score) => {
                std::iter::once(None).chain(qualifiers::birth_years(t).map(Some)).collect()
            }
            _ => self.years.clone(),
        }
    }

    /// Calls `each` with every form listed in one of `years` that shares
    /// keys with enough of the query's words: at least two query words and
    /// two form words must take part (one when either name has a single
    /// core word). Counting both sides keeps one form word whose key two
    /// query words share (`Ying` and `Yang` both sound like `Yang`) from
    /// passing for two.
    fn candidates(&self, name: &Prepared, years: &[Option<i32>], mut each: impl FnMut(u32)) {
        thread_local! {
            /// Per form, the query words (high half) and form words (low
            /// half) that shared keys, and the forms touched: reused between
            /// queries and reset after each, so that the postings of common
            /// keys are merged in one pass instead of being sorted.
            static SEEN: RefCell<(Vec<u32>, Vec<u32>, Vec<u32>)> =
                const { RefCell::new((Vec::new(), Vec::new(), Vec::new())) };
        }
        let query_core = core_count(name);
        SEEN.with_borrow_mut(|(masks, touched, passed)| {
            if masks.len() < self.forms.len() {
                masks.resize(self.forms.len(), 0);
            }
            touched.clear();
            passed.clear();
            let keys = keys(name, Side::Query);
            let lists = years.iter().flat_map(|&year| keys.iter().map(move |&(k, mask)| (in_year(k, year), mask)));
            for (k, query_mask) in lists {
                let query_mask = (query_mask & 0xFFFF) << 16;
                for &(form, form_mask) in self.postings.get(k) {
                    let Some(seen) = masks.get_mut(form as usize) else { continue };
                    if *seen == 0 {
                        touched.push(form);
                    }
                    *seen |= query_mask | (form_mask & 0xFFFF);
                }
            }
            for &form in touched.iter() {
                let Some(seen) = masks.get_mut(form as usize) else { continue };
                let (query_mask, form_mask) = (*seen >> 16, *seen & 0xFFFF);
                *seen = 0;
                let form_core = self.core_words.get(form as usize).copied().unwrap_or(0);
                let needed = query_core.min(form_core).clamp(1, 2);
                if query_mask.count_ones().min(form_mask.count_ones()) >= u32::from(needed) {
                    passed.push(form);
                }
            }
            // In form order, as the index holds them: a main name before
            // its aliases when both score the same.
            passed.sort_unstable();
            passed.iter().for_each(|&form| each(form));
        });
    }

    /// Matches for a traveller scoring at least `min_score`, best first.
    ///
    /// The evidence (date of birth, nationality, sex) is weighed first, so
    /// that the name only needs comparing in full, with explanation, when
    /// it can still lift the candidate to `min_score`.
    pub fn search(&self, traveller: &Traveller, min_score: f64) -> Vec<Match> {
        let query = Prepared::new(normalise(&traveller.full_name()));
        let nationality = traveller.nationality.as_deref().map(countries::comparable);
        let mut best: HashMap<u32, Match> = HashMap::new();
        let years = self.years_to_search(traveller.date_of_birth, min_score);
        self.candidates(&query, &years, |form_id| {
            let Some(form) = self.forms.get(form_id as usize) else { return };
            let Some(entry) = self.entries.get(form.entry as usize) else { return };
            let evidence: Vec<Evidence> = [
                qualifiers::date_of_birth(traveller.date_of_birth, entry.date_of_birth),
                qualifiers::nationality(
                    nationality.as_deref(),
                    self.nationalities.get(form.entry as usize).and_then(Option::as_deref),
                ),
                qualifiers::sex(traveller.sex, entry.sex),
            ]
            .into_iter()
            .flatten()
            .collect();
            let bonus: f64 = evidence.iter().map(Evidence::delta).sum();
            let needed = ((min_score - bonus) / qualifiers::NAME_WEIGHT).max(MIN_NAME_SCORE);
            if needed > 1.0 {
                return; // even identical names would not reach min_score
            }
            let Some(cmp) = compare(&query, &form.name, needed - 1e-9) else { return };
            let score = round((cmp.score * qualifiers::NAME_WEIGHT + bonus).clamp(0.0, 1.0));
            if score < min_score || best.get(&form.entry).is_some_and(|m| m.score >= score) {
                return;
            }
            let mut reasons = Vec::new();
            if let Some(alias) = form.alias.and_then(|i| entry.aliases.get(i)) {
                reasons.push(format!("matched alias {alias:?}"));
            }
            reasons.push(explain_name(&cmp));
            if !cmp.missing.is_empty() {
                reasons.push(format!("name words without a match: {}", cmp.missing.join(", ")));
            }
            reasons.extend(evidence.iter().map(ToString::to_string));
            best.insert(form.entry, Match { watchlist_id: entry.id.clone(), list: ListKind::Persons, score, reasons });
        });
        let mut matches: Vec<Match> = best.into_values().collect();
        matches.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.watchlist_id.cmp(&b.watchlist_id)));
        matches
    }
}

/// `name 0.93 (+0.70): yusuf ~ ywsf (same consonants, 0.90), …`
fn explain_name(cmp: &NameComparison) -> String {
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
    let part = cmp.score * qualifiers::NAME_WEIGHT;
    format!("name {:.2} (+{part:.2}): {}", cmp.score, pairs.join(", "))
}
