//! Comparing two names word by word, whatever their order.
//!
//! Each side is split into units: single words, and each pair of adjacent
//! words joined (so `Xiuying` meets `Xiu Ying` and `Alhassan` meets
//! `al Hassan`). Every unit of one side is scored against every unit of the
//! other ([`word_similarity`]); the best pairs that do not reuse a word are
//! kept, greedily. The score is a Dice coefficient over words: matched words
//! of both sides, weighted by how well they matched, over all the words that
//! count. Particles, patronymics and initials count only when matched, so
//! a passport without the patronymic of a watchlist entry loses nothing.

use rapidfuzz::distance::jaro_winkler;
use serde::Serialize;

use super::{Name, Role, Word, word};

/// How two words were found to be the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum How {
    Exact,
    /// Same group in the variant table (`Mohd` / `Muhammad`).
    Variant,
    /// Same phonetic key (`Youssef` / `Yusuf`).
    Phonetic,
    /// Same consonant skeleton, one side from an unvowelled script.
    Skeleton,
    /// Close spelling (Jaro-Winkler).
    Spelling,
    /// An initial and a word starting with it.
    Initial,
}

/// One matched pair of words (either side may be two words joined).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WordMatch {
    pub query: String,
    pub candidate: String,
    pub how: How,
    pub score: f64,
}

/// The outcome of comparing two names.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NameComparison {
    pub score: f64,
    pub matched: Vec<WordMatch>,
    /// Words of either side that found no partner and counted against the score.
    pub missing: Vec<String>,
}

/// Below this a pair of words is not a match.
const WORD_THRESHOLD: f64 = 0.8;
/// Names are cut at this many words (bit masks of `u32`).
const MAX_WORDS: usize = 16;

/// The similarity of two words and how it was established.
pub fn word_similarity(a: &Word, b: &Word) -> Option<(f64, How)> {
    if a.text == b.text {
        return Some((1.0, How::Exact));
    }
    if a.group.is_some() && a.group == b.group {
        return Some((0.95, How::Variant));
    }
    match (a.role, b.role) {
        (Role::Initial, Role::Initial) => return None,
        (Role::Initial, _) | (_, Role::Initial) => {
            let (i, w) = if a.role == Role::Initial { (a, b) } else { (b, a) };
            return w.text.starts_with(&i.text).then_some((0.8, How::Initial));
        }
        _ => {}
    }
    let spelling = jaro_winkler::normalized_similarity(a.text.bytes(), b.text.bytes());
    let mut best = (spelling, How::Spelling);
    if a.phonetic.is_some() && a.phonetic == b.phonetic && best.0 < 0.85 {
        best = (0.85, How::Phonetic);
    }
    if (a.unvowelled || b.unvowelled) && a.skeleton.is_some() && a.skeleton == b.skeleton && best.0 < 0.9 {
        best = (0.9, How::Skeleton);
    }
    (best.0 >= WORD_THRESHOLD).then_some(best)
}

/// A word or two adjacent words joined, with the positions it covers.
struct Unit {
    word: Word,
    mask: u32,
}

fn units(name: &Name) -> Vec<Unit> {
    let words = &name.words[..name.words.len().min(MAX_WORDS)];
    let mut units: Vec<Unit> = (0..).zip(words).map(|(i, w)| Unit { word: w.clone(), mask: 1 << i }).collect();
    for (i, pair) in (0..).zip(words.windows(2)) {
        if let [a, b] = pair {
            let joined = word(format!("{}{}", a.text, b.text), a.unvowelled);
            units.push(Unit { word: Word { role: Role::Core, ..joined }, mask: 0b11 << i });
        }
    }
    units
}

/// Compares two names; the score is between 0 and 1.
pub fn compare(query: &Name, candidate: &Name) -> NameComparison {
    let (qu, cu) = (units(query), units(candidate));
    let mut pairs: Vec<(f64, usize, usize, How)> = Vec::new();
    for (qi, q) in qu.iter().enumerate() {
        for (ci, c) in cu.iter().enumerate() {
            if q.mask.count_ones() + c.mask.count_ones() > 3 {
                continue; // joined against joined is just two single matches
            }
            if let Some((score, how)) = word_similarity(&q.word, &c.word) {
                pairs.push((score, qi, ci, how));
            }
        }
    }
    // Best first; on equal score prefer covering more words.
    pairs.sort_by(|a, b| {
        let cover = |p: &(f64, usize, usize, How)| {
            qu.get(p.1).map_or(0, |u| u.mask.count_ones()) + cu.get(p.2).map_or(0, |u| u.mask.count_ones())
        };
        b.0.total_cmp(&a.0).then(cover(b).cmp(&cover(a)))
    });
    let (mut q_used, mut c_used) = (0u32, 0u32);
    let mut matched = Vec::new();
    let mut weighted = 0.0;
    for (score, qi, ci, how) in pairs {
        let (Some(q), Some(c)) = (qu.get(qi), cu.get(ci)) else { continue };
        if q.mask & q_used != 0 || c.mask & c_used != 0 {
            continue;
        }
        q_used |= q.mask;
        c_used |= c.mask;
        weighted += score * f64::from(q.mask.count_ones() + c.mask.count_ones());
        matched.push(WordMatch { query: q.word.text.clone(), candidate: c.word.text.clone(), how, score });
    }
    let mut missing = Vec::new();
    let mut counted = 0u32;
    for (name, used) in [(query, q_used), (candidate, c_used)] {
        for (i, w) in (0u32..).zip(name.words.iter().take(MAX_WORDS)) {
            let is_used = used & (1 << i) != 0;
            if is_used || w.role == Role::Core {
                counted += 1;
            }
            if !is_used && w.role == Role::Core {
                missing.push(w.text.clone());
            }
        }
    }
    let score = if counted == 0 { 0.0 } else { (weighted / f64::from(counted)).min(1.0) };
    NameComparison { score, matched, missing }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::normalise;

    fn score(a: &str, b: &str) -> f64 {
        compare(&normalise(a), &normalise(b)).score
    }

    #[test]
    fn order_and_case_do_not_matter() {
        assert_eq!(score("PETROV IVAN", "Ivan Petrov"), 1.0);
    }

    #[test]
    fn recall_across_scripts() {
        for (a, b) in [
            ("Muhammad Yusuf", "محمد يوسف"),
            ("Mohd Youssef", "Muhammad Yusuf"),
            ("IULIIA SHCHERBAKOVA", "Юлия Щербакова"),
            ("Yulia Shcherbakova", "Юлия Щербакова"),
            ("Ivan Petrov", "Иван Иванович Петров"),
            ("ZHANG WEI", "张伟"),
            ("WANG XIUYING", "王秀英"),
            ("Georgios Papadopoulos", "Γεώργιος Παπαδόπουλος"),
            ("Hassan Alhassan", "Hassan al-Hassan"),
            ("MUELLER JOSE", "José Müller"),
            ("Aleksandr Ivanov", "Alexander Ivanov"),
            ("Abdullah Ahmed", "عبد الله أحمد"),
        ] {
            let s = score(a, b);
            assert!(s >= 0.85, "{a} vs {b}: {s} {:?}", compare(&normalise(a), &normalise(b)));
        }
    }

    #[test]
    fn different_names_score_low() {
        for (a, b) in [("Ivan Petrov", "Olga Sidorova"), ("Hassan Ali", "Hussein Omar"), ("John Smith", "Jane Doe")] {
            let s = score(a, b);
            assert!(s < 0.6, "{a} vs {b}: {s}");
        }
    }

    #[test]
    fn explanation_lists_pairs_and_missing_words() {
        let c = compare(&normalise("Mohd Yusuf Karimi"), &normalise("Muhammad Youssef"));
        let hows: Vec<How> = c.matched.iter().map(|m| m.how).collect();
        assert_eq!(hows, vec![How::Variant, How::Variant]);
        assert_eq!(c.missing, vec!["karimi"]);
        assert!((c.score - 0.76).abs() < 1e-9);
    }
}
