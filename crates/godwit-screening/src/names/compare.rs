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
    // Short words (Chinese syllables, `Ali`, `Hu`) differ by one letter
    // and are different names: spelling similarity needs four letters,
    // sound-alike keys five; shorter variants come from the variant table.
    let shortest = a.text.len().min(b.text.len());
    let spelling =
        if shortest >= 4 { jaro_winkler::normalized_similarity(a.text.bytes(), b.text.bytes()) } else { 0.0 };
    let mut best = (spelling, How::Spelling);
    if shortest >= 5 && a.phonetic.is_some() && a.phonetic == b.phonetic && best.0 < 0.85 {
        best = (0.85, How::Phonetic);
    }
    if (a.unvowelled || b.unvowelled) && a.skeleton.is_some() && a.skeleton == b.skeleton && best.0 < 0.9 {
        best = (0.9, How::Skeleton);
    }
    (best.0 >= WORD_THRESHOLD).then_some(best)
}

/// A name ready for comparison: its words and each pair of adjacent
/// words joined, with their keys computed once.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub name: Name,
    /// `joined[i]` is words `i` and `i + 1` written as one.
    joined: Vec<Word>,
}

impl Prepared {
    pub fn new(mut name: Name) -> Self {
        name.words.truncate(MAX_WORDS);
        let joined = name
            .words
            .windows(2)
            .filter_map(|pair| match pair {
                [a, b] => Some(Word { role: Role::Core, ..word(format!("{}{}", a.text, b.text), a.unvowelled) }),
                _ => None,
            })
            .collect();
        Prepared { name, joined }
    }

    /// Single words and joined pairs, with the word positions each covers.
    pub fn units(&self) -> impl Iterator<Item = (&Word, u32)> {
        let singles = (0..).zip(&self.name.words).map(|(i, w)| (w, 1u32 << i));
        singles.chain((0..).zip(&self.joined).map(|(i, w)| (w, 0b11u32 << i)))
    }
}

/// Compares two names; `None` when the score (between 0 and 1) is below
/// `min_score`, so that rejected candidates cost no explanation.
pub fn compare(query: &Prepared, candidate: &Prepared, min_score: f64) -> Option<NameComparison> {
    let mut pairs: Vec<(f64, u32, u32, How, &Word, &Word)> = Vec::new();
    for (q, q_mask) in query.units() {
        for (c, c_mask) in candidate.units() {
            if q_mask.count_ones() + c_mask.count_ones() > 3 {
                continue; // joined against joined is just two single matches
            }
            if let Some((score, how)) = word_similarity(q, c) {
                pairs.push((score, q_mask, c_mask, how, q, c));
            }
        }
    }
    // Best first; on equal score prefer covering more words.
    pairs.sort_by(|a, b| {
        let cover = |p: &(f64, u32, u32, How, &Word, &Word)| p.1.count_ones() + p.2.count_ones();
        b.0.total_cmp(&a.0).then(cover(b).cmp(&cover(a)))
    });
    let (mut q_used, mut c_used) = (0u32, 0u32);
    let mut kept = Vec::new();
    let mut weighted = 0.0;
    for pair in pairs {
        let (score, q_mask, c_mask, ..) = pair;
        if q_mask & q_used != 0 || c_mask & c_used != 0 {
            continue;
        }
        q_used |= q_mask;
        c_used |= c_mask;
        weighted += score * f64::from(q_mask.count_ones() + c_mask.count_ones());
        kept.push(pair);
    }
    let counts = |name: &Name, used: u32| {
        (0u32..).zip(&name.words).filter(|(i, w)| used & (1 << i) != 0 || w.role == Role::Core).count()
    };
    let counted = counts(&query.name, q_used) + counts(&candidate.name, c_used);
    let score = if counted == 0 { 0.0 } else { (weighted / counted as f64).min(1.0) };
    if score < min_score {
        return None;
    }
    let matched = kept
        .into_iter()
        .map(|(score, _, _, how, q, c)| WordMatch { query: q.text.clone(), candidate: c.text.clone(), how, score })
        .collect();
    let missing = [(&query.name, q_used), (&candidate.name, c_used)]
        .into_iter()
        .flat_map(|(name, used)| {
            (0u32..).zip(&name.words).filter(move |(i, w)| used & (1 << i) == 0 && w.role == Role::Core)
        })
        .map(|(_, w)| w.text.clone())
        .collect();
    Some(NameComparison { score, matched, missing })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::normalise;

    fn cmp(a: &str, b: &str) -> NameComparison {
        compare(&Prepared::new(normalise(a)), &Prepared::new(normalise(b)), 0.0).expect("min 0")
    }

    fn score(a: &str, b: &str) -> f64 {
        cmp(a, b).score
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
            assert!(s >= 0.85, "{a} vs {b}: {s} {:?}", cmp(a, b));
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
        let c = cmp("Mohd Yusuf Karimi", "Muhammad Youssef");
        let hows: Vec<How> = c.matched.iter().map(|m| m.how).collect();
        assert_eq!(hows, vec![How::Variant, How::Variant]);
        assert_eq!(c.missing, vec!["karimi"]);
        assert!((c.score - 0.76).abs() < 1e-9);
    }
}
