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

use super::{Name, Role, Word, joined, phonetic};

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
/// The most a name written in Han characters scores when one of its
/// syllables is missing from the other name (every word of which is
/// matched). A passport romanises every character, so `LI HUI` is not
/// `黎慧瑞` (`li hui rui`) with a syllable left out but another given name,
/// which for a Latin name (`Jane Smith` against `John Smith`) scores 0.5.
/// A syllable facing an unmatched word of the other name is not missing
/// but spelt another way (`CHAN CHI MING` for `陈志明`, `chen zhi ming`, in
/// Cantonese): the usual score.
const INCOMPLETE_HAN_NAME: f64 = 0.5;
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
    // A syllable written in Han characters is one character read one way:
    // `zheng` (郑) and `zhang` (张), `sheng` and `cheng`, are other
    // characters, not spellings of it. Romanisations of other dialects
    // (`Chan`, `Cheung`, `Wong`) come from the variant table.
    if a.script.han || b.script.han {
        return None;
    }
    // Short words (`Ali`, `Hu`) differ by one letter and are different
    // names: spelling similarity needs four letters, sound-alike keys five;
    // shorter variants come from the variant table.
    let shortest = a.text.len().min(b.text.len());
    let spelling =
        if shortest >= 4 { jaro_winkler::normalized_similarity(a.text.bytes(), b.text.bytes()) } else { 0.0 };
    let mut best = (spelling, How::Spelling);
    if shortest >= 5 && a.phonetic.is_some() && a.phonetic == b.phonetic && best.0 < 0.85 {
        best = (0.85, How::Phonetic);
    }
    if a.skeleton.is_some()
        && a.skeleton == b.skeleton
        && let Some(score) = skeleton_score(a, b).filter(|s| *s > best.0)
    {
        best = (score, How::Skeleton);
    }
    (best.0 >= WORD_THRESHOLD).then_some(best)
}

/// The score of two words with the same consonant skeleton: only when one
/// comes from an unvowelled script (Arabic, Hebrew, Thai); 0.9 when the
/// long vowels that script writes agree with the other spelling's vowels,
/// 0.85 with one disagreement (a vowel misspelt), none with more or when
/// the letters cannot be aligned ([`phonetic::vowel_conflicts`]). Two
/// unvowelled spellings have no vowels to compare.
fn skeleton_score(a: &Word, b: &Word) -> Option<f64> {
    let (vowelled, unvowelled) = match (a.script.unvowelled, b.script.unvowelled) {
        (false, false) => return None,
        (true, true) => return Some(0.9),
        (false, true) => (a, b),
        (true, false) => (b, a),
    };
    match phonetic::vowel_conflicts(&vowelled.text, &unvowelled.text)? {
        0 => Some(0.9),
        1 => Some(0.85),
        _ => None,
    }
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
                [a, b] => Some(joined(a, b)),
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
    // A name in Han characters has no particles, so a word of the other
    // name that looks like one (`Bin`, `Da`, `De`) is a syllable there too.
    let han = query.name.is_han() || candidate.name.is_han();
    let counts_when_missing = |w: &Word| w.role == Role::Core || (han && w.role == Role::Particle);
    let counts = |name: &Name, used: u32| {
        (0u32..).zip(&name.words).filter(|(i, w)| used & (1 << i) != 0 || counts_when_missing(w)).count()
    };
    let counted = counts(&query.name, q_used) + counts(&candidate.name, c_used);
    let mut score = if counted == 0 { 0.0 } else { (weighted / counted as f64).min(1.0) };
    let unmatched = |name: &Name, used: u32, which: &dyn Fn(&Word) -> bool| {
        (0u32..).zip(&name.words).any(|(i, w)| used & (1 << i) == 0 && which(w))
    };
    let syllable_missing = |(name, used), (other, other_used)| {
        unmatched(name, used, &|w: &Word| w.script.han) && !unmatched(other, other_used, &counts_when_missing)
    };
    let (q, c) = ((&query.name, q_used), (&candidate.name, c_used));
    if syllable_missing(q, c) || syllable_missing(c, q) {
        score = score.min(INCOMPLETE_HAN_NAME);
    }
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
            (0u32..).zip(&name.words).filter(move |(i, w)| used & (1 << i) == 0 && counts_when_missing(w))
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

    /// A passport romanises every character of a Chinese name: a listed
    /// syllable missing from the passport's name makes another name, not a
    /// shortened one, and the name scores no more than a Latin name whose
    /// given name differs.
    #[test]
    fn a_han_name_with_a_syllable_unmatched_is_another_name() {
        for (traveller, listed) in [("LI HUI", "黎慧瑞"), ("GUO HE", "任荷国"), ("SHI TANG", "汤实俭")] {
            let s = score(traveller, listed);
            assert!(s <= INCOMPLETE_HAN_NAME, "{traveller} vs {listed}: {s} {:?}", cmp(traveller, listed));
        }
        assert_eq!(score("LI HUIRUI", "黎慧瑞"), 1.0, "the given name written as one word");
        assert_eq!(score("HUI RUI LI", "黎慧瑞"), 1.0, "in another order, given name apart");
        assert_eq!(score("Jane Smith", "John Smith"), 0.5, "the Latin score the cap is set to");
    }

    /// `Bin`, `Da`, `De`, `Du` are particles in Arabic, Portuguese or
    /// French names and Chinese syllables in `王斌`, `夏达`, `秦德`, `杜莉`:
    /// against a Han name they must be matched like any other word.
    #[test]
    fn han_syllables_that_look_like_particles_count() {
        assert_eq!(score("WANG BIN", "王斌"), 1.0);
        for (traveller, listed) in [("BIN XIA", "夏达"), ("WANG MA", "王斌"), ("DE QIN", "秦梓"), ("LIN DU", "林梅")]
        {
            let c = cmp(traveller, listed);
            assert!(c.score <= 0.5, "{traveller} vs {listed}: {c:?}");
            assert!(!c.missing.is_empty(), "the particle-like syllable is named as missing: {c:?}");
        }
        // Elsewhere particles still count only when matched.
        assert_eq!(score("Mohammed Salman", "Mohammed bin Salman"), 1.0);
    }

    /// Han syllables are characters: a syllable one letter away is another
    /// character (`郑` zheng, `张` zhang), while romanisations from the
    /// variant table (`Chan` for `陈`) still match.
    #[test]
    fn han_syllables_match_exactly_or_as_listed_variants() {
        assert!(score("YUAN ZHANG", "郑远") <= 0.5, "{:?}", cmp("YUAN ZHANG", "郑远"));
        assert!(score("ZHENG ZHONG", "杜盛晟") < 0.5, "{:?}", cmp("ZHENG ZHONG", "杜盛晟"));
        let cantonese = cmp("CHAN CHI MING", "陈志明");
        assert!((cantonese.score - 0.65).abs() < 1e-9, "chan ~ chen as variants, ming, not chi ~ zhi: {cantonese:?}");
    }

    /// A Latin spelling whose vowels contradict the long vowels an Arabic
    /// spelling writes is not read as it, even with the same consonants.
    #[test]
    fn arabic_long_vowels_must_agree_with_the_latin_vowels() {
        let how = |a: &str, b: &str| cmp(a, b).matched.iter().map(|m| (m.how, m.score)).collect::<Vec<_>>();
        assert_eq!(how("KALUM", "كالوم"), vec![(How::Skeleton, 0.9)], "k-a-l-u-m as written");
        assert_eq!(how("KALIM", "كالوم"), vec![(How::Skeleton, 0.85)], "one vowel misspelt");
        assert!(score("ROTAL TATUK", "راتول تتاتوك") < 0.5, "{:?}", cmp("ROTAL TATUK", "راتول تتاتوك"));
        assert!(score("NOSUT LALISID", "لوسود نيسوت") < 0.5, "{:?}", cmp("NOSUT LALISID", "لوسود نيسوت"));
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
