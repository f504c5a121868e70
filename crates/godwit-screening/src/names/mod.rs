//! Names: normalisation, transliteration, sound-alike keys, variant groups
//! and the comparison that explains itself.
//!
//! A name is reduced once to a [`Name`]: its words in lower-case ASCII, each
//! with the keys used to find and compare it. Order does not matter
//! anywhere: `PETROV IVAN` and `Ivan Petrov` are the same name.

pub mod compare;
pub mod phonetic;
pub mod transliterate;
pub mod variants;

use std::hash::{DefaultHasher, Hash, Hasher};

use serde::Serialize;

/// What a word contributes to a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A given name or surname that must be matched.
    Core,
    /// `al`, `bin`, `van`, `de`…: matched when present, not missed when absent.
    Particle,
    /// A patronymic (`Ivanovich`, `Petrovna`, `oglu`): often left out of
    /// documents, so not missed when absent.
    Patronymic,
    /// A single letter: matches a word with that initial.
    Initial,
}

/// One word of a name with its comparison keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub role: Role,
    /// Fingerprint of the phonetic key ([`phonetic::phonetic_key`]); keys are
    /// only ever compared for equality, so a hash saves memory in an index
    /// of a million names.
    pub phonetic: Option<u64>,
    /// Fingerprint of the consonant skeleton ([`phonetic::skeleton`]).
    pub skeleton: Option<u64>,
    /// Letters in the skeleton (short skeletons are compared, not indexed).
    pub skeleton_len: u8,
    /// The variant group (Mohammed/Muhammad/Mohd…) the word belongs to.
    pub group: Option<u16>,
    /// The script the word was written in.
    pub script: Script,
}

/// What the script a name was written in tells about its words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Script {
    /// A script that omits short vowels (Arabic, Hebrew, Thai…), so the
    /// word's skeleton is meaningful on its own.
    pub unvowelled: bool,
    /// Han characters: each word is the syllable of one character, and a
    /// passport romanises every character, so a syllable is never left out
    /// and is never a particle (`Bin` 斌, `Da` 达, `Du` 杜 are names).
    pub han: bool,
}

impl Script {
    /// The script of `text`, judged by its characters.
    fn of(text: &str) -> Self {
        Script { unvowelled: unvowelled_script(text), han: text.chars().any(transliterate::is_han) }
    }
}

/// A normalised name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Name {
    pub words: Vec<Word>,
}

const PARTICLES: &[&str] = &[
    "al", "el", "ul", "bin", "ibn", "bint", "ben", "binti", "van", "von", "der", "den", "de", "del", "della", "di",
    "da", "dos", "das", "du", "la", "le", "ter", "ten", "y",
];

const PATRONYMIC_SUFFIXES: &[&str] =
    &["ovich", "evich", "ovna", "evna", "ichna", "ogly", "oglu", "uly", "kyzy", "qizi", "ovych", "ivna", "yevich"];

fn role(word: &str) -> Role {
    if word.len() == 1 && word.bytes().all(|b| b.is_ascii_alphabetic()) {
        Role::Initial
    } else if PARTICLES.contains(&word) {
        Role::Particle
    } else if PATRONYMIC_SUFFIXES.iter().any(|s| word.len() > s.len() + 2 && word.ends_with(s)) {
        Role::Patronymic
    } else {
        Role::Core
    }
}

/// Whether `text` is written mostly in a script without short vowels.
fn unvowelled_script(text: &str) -> bool {
    text.chars().any(|c| {
        matches!(u32::from(c), 0x0590..=0x05FF | 0x0600..=0x06FF | 0x0750..=0x077F | 0x0E00..=0x0E7F | 0xFB1D..=0xFEFF)
    })
}

/// A 64-bit fingerprint of a key (deterministic across runs).
pub fn fingerprint(key: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    key.hash(&mut hasher);
    hasher.finish()
}

/// Builds the word with its keys.
pub fn word(text: String, script: Script) -> Word {
    let skeleton = phonetic::skeleton(&text);
    Word {
        role: if script.han { Role::Core } else { role(&text) },
        phonetic: phonetic::phonetic_key(&text).map(|k| fingerprint(&k)),
        skeleton: skeleton.as_deref().map(fingerprint),
        skeleton_len: skeleton.map_or(0, |s| u8::try_from(s.len()).unwrap_or(u8::MAX)),
        group: variants::group_of(&text, script.unvowelled),
        script,
        text,
    }
}

/// Two words written as one (`first` then `second`), a core word in the
/// script of `first`: `Xiu Ying` as `Xiuying`, `al Hassan` as `Alhassan`.
pub fn joined(first: &Word, second: &Word) -> Word {
    Word { role: Role::Core, ..word(format!("{}{}", first.text, second.text), first.script) }
}

/// Normalises a name written in any script.
pub fn normalise(text: &str) -> Name {
    let script = Script::of(text);
    Name { words: transliterate::words(text).into_iter().map(|w| word(w, script)).collect() }
}

impl Name {
    /// Whether the name was written in Han characters.
    pub fn is_han(&self) -> bool {
        self.words.iter().any(|w| w.script.han)
    }

    /// The words to compare, as text (for explanations).
    pub fn display(&self) -> String {
        self.words.iter().map(|w| w.text.as_str()).collect::<Vec<_>>().join(" ")
    }
}
