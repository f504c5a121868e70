//! Any script to lower-case ASCII words.
//!
//! `any_ascii` does most scripts. Where ICAO Doc 9303 Part 3 §6 (the
//! transliteration used in machine readable zones) differs from it, the ICAO
//! rule wins so that a name typed in Cyrillic or Greek comes out as the
//! traveller's passport writes it: `Юлия` is `IULIIA`, not `Yuliya`;
//! `Müller` is `MUELLER`. Three further adjustments make words comparable:
//! - every Han or Hangul character is one syllable, so it becomes its own
//!   word (`张伟` → `zhang wei`, not `zhangwei`);
//! - the Arabic article `ال` written onto a name is split off (`الحسن` →
//!   `al hsn`), except in `الله` (Allah, as in `عبد الله`);
//! - Thai leading vowels move after their consonant and `จ` is `j`, as
//!   Thai passports write it (`ใจดี` → `jaidi`);
//! - punctuation inside a word disappears (`O'Neill` → `oneill`) and any
//!   other separator splits words.

use unicode_normalization::UnicodeNormalization;

/// ICAO 9303 Part 3 Cyrillic (Russian, Ukrainian, Belarusian, Serbian,
/// Macedonian, Bulgarian letters), upper case only; lower case is folded
/// before lookup.
fn cyrillic(c: char) -> Option<&'static str> {
    Some(match c {
        'А' => "a",
        'Б' => "b",
        'В' => "v",
        'Г' => "g",
        'Ґ' => "g",
        'Д' => "d",
        'Ђ' => "d",
        'Ѓ' => "g",
        'Е' => "e",
        'Ё' => "e",
        'Є' => "ie",
        'Ж' => "zh",
        'З' => "z",
        'Ѕ' => "dz",
        'И' => "i",
        'І' => "i",
        'Ї' => "i",
        'Й' => "i",
        'Ј' => "j",
        'К' => "k",
        'Л' => "l",
        'Љ' => "lj",
        'М' => "m",
        'Н' => "n",
        'Њ' => "nj",
        'О' => "o",
        'П' => "p",
        'Р' => "r",
        'С' => "s",
        'Т' => "t",
        'Ћ' => "c",
        'Ќ' => "k",
        'У' => "u",
        'Ў' => "u",
        'Ф' => "f",
        'Х' => "kh",
        'Ц' => "ts",
        'Ч' => "ch",
        'Џ' => "dz",
        'Ш' => "sh",
        'Щ' => "shch",
        'Ъ' => "ie",
        'Ы' => "y",
        'Ь' => "",
        'Э' => "e",
        'Ю' => "iu",
        'Я' => "ia",
        _ => return None,
    })
}

/// ICAO 9303 Part 3 Greek, upper case, accents removed before lookup.
fn greek(c: char) -> Option<&'static str> {
    Some(match c {
        'Α' => "a",
        'Β' => "v",
        'Γ' => "g",
        'Δ' => "d",
        'Ε' => "e",
        'Ζ' => "z",
        'Η' => "i",
        'Θ' => "th",
        'Ι' => "i",
        'Κ' => "k",
        'Λ' => "l",
        'Μ' => "m",
        'Ν' => "n",
        'Ξ' => "x",
        'Ο' => "o",
        'Π' => "p",
        'Ρ' => "r",
        'Σ' => "s",
        'Τ' => "t",
        'Υ' => "y",
        'Φ' => "f",
        'Χ' => "ch",
        'Ψ' => "ps",
        'Ω' => "o",
        _ => return None,
    })
}

/// ICAO 9303 Part 3 Latin letters that are not a base letter plus accents.
fn latin_special(c: char) -> Option<&'static str> {
    Some(match c {
        'Ä' | 'ä' => "ae",
        'Ö' | 'ö' => "oe",
        'Ü' | 'ü' => "ue",
        'Å' | 'å' => "aa",
        'Æ' | 'æ' => "ae",
        'Ø' | 'ø' => "oe",
        'Œ' | 'œ' => "oe",
        'ß' => "ss",
        'Þ' | 'þ' => "th",
        'Ð' | 'ð' => "d",
        'Ĳ' | 'ĳ' => "ij",
        _ => return None,
    })
}

/// Han characters (CJK ideographs), each one syllable.
pub fn is_han(c: char) -> bool {
    matches!(u32::from(c), 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

/// Han and Hangul: one syllable per character.
fn is_syllabic(c: char) -> bool {
    is_han(c) || matches!(u32::from(c), 0xAC00..=0xD7A3)
}

fn is_arabic(c: char) -> bool {
    matches!(u32::from(c), 0x0600..=0x06FF | 0x0750..=0x077F | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF)
}

/// Upper-case single char and accents removed, for the table lookups.
fn base_upper(c: char) -> char {
    let upper = c.to_uppercase().next().unwrap_or(c);
    if cyrillic(upper).is_some() || greek(upper).is_some() {
        return upper;
    }
    upper.to_string().nfd().next().unwrap_or(upper)
}

/// Transliterates one character (Greek digraphs are handled by the caller).
fn char_to_ascii(c: char, out: &mut String) {
    if let Some(s) = latin_special(c) {
        out.push_str(s);
        return;
    }
    if c == 'จ' {
        // Thai passports write จ as J (RTGS would say CH).
        out.push('j');
        return;
    }
    let base = base_upper(c);
    if let Some(s) = cyrillic(base).or_else(|| greek(base)) {
        out.push_str(s);
    } else if is_syllabic(c) {
        out.push(' ');
        out.push_str(&any_ascii::any_ascii_char(c).to_lowercase());
        out.push(' ');
    } else {
        out.push_str(&any_ascii::any_ascii_char(c).to_lowercase());
    }
}

/// Thai writes the vowels เ แ โ ใ ไ before the consonant they follow in
/// speech; romanisation puts them after it (`ใจ` is `jai`).
fn is_thai_leading_vowel(c: char) -> bool {
    ('\u{0E40}'..='\u{0E44}').contains(&c)
}

fn is_thai_consonant(c: char) -> bool {
    ('\u{0E01}'..='\u{0E2E}').contains(&c)
}

/// Moves Thai leading vowels after their consonant.
fn reorder_thai(chars: &mut [char]) {
    let mut i = 0;
    while i + 1 < chars.len() {
        if chars.get(i).is_some_and(|c| is_thai_leading_vowel(*c))
            && chars.get(i + 1).is_some_and(|c| is_thai_consonant(*c))
        {
            chars.swap(i, i + 1);
            i += 2;
        } else {
            i += 1;
        }
    }
}

/// Transliterates `text` and splits it into lower-case ASCII words.
pub fn words(text: &str) -> Vec<String> {
    let mut chars: Vec<char> = text.nfkc().collect();
    reorder_thai(&mut chars);
    let mut ascii = String::with_capacity(chars.len() * 2);
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        let next = chars.get(i + 1).copied();
        let at_word_start = i == 0 || chars.get(i - 1).is_some_and(|p| !p.is_alphanumeric());
        if base_upper(c) == 'Ο' && next.map(base_upper) == Some('Υ') {
            // ICAO: the Greek digraph ΟΥ is "ou".
            ascii.push_str("ou");
            i += 2;
            continue;
        }
        let allah =
            chars.get(i..i + 4) == Some(&['ا', 'ل', 'ل', 'ه'][..]) && !chars.get(i + 4).is_some_and(|n| is_arabic(*n));
        if at_word_start && !allah && c == 'ا' && next == Some('ل') && chars.get(i + 2).is_some_and(|n| is_arabic(*n))
        {
            ascii.push_str("al ");
            i += 2;
            continue;
        }
        char_to_ascii(c, &mut ascii);
        i += 1;
    }
    let mut words = Vec::new();
    let mut word = String::new();
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            word.push(c.to_ascii_lowercase());
        } else if matches!(c, '\'' | '`' | '.' | '’') {
            // Apostrophes and dots join: O'Neill, Mohd., ʿAbd.
        } else if !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::words;

    fn w(text: &str) -> String {
        words(text).join(" ")
    }

    #[test]
    fn icao_cyrillic_and_greek() {
        assert_eq!(w("Юлия Щербакова"), "iuliia shcherbakova");
        assert_eq!(w("Иван Иванович Петров"), "ivan ivanovich petrov");
        assert_eq!(w("Андрій Шевченко"), "andrii shevchenko");
        assert_eq!(w("Γεώργιος Παπαδόπουλος"), "georgios papadopoulos");
    }

    #[test]
    fn latin_diacritics_follow_icao() {
        assert_eq!(w("Müller"), "mueller");
        assert_eq!(w("José Núñez"), "jose nunez");
        assert_eq!(w("Øystein Ærø"), "oeystein aeroe");
        assert_eq!(w("Şükrü Öztürk"), "suekrue oeztuerk");
        assert_eq!(w("Nguyễn Văn Hùng"), "nguyen van hung");
        assert_eq!(w("O'Neill, Seán-Pól"), "oneill sean pol");
        assert_eq!(w("ＭＡＲＩＡ"), "maria", "NFKC folds full-width letters");
    }

    #[test]
    fn arabic_han_thai() {
        assert_eq!(w("محمد يوسف"), "mhmd ywsf");
        assert_eq!(w("أحمد الحسن"), "hmd al hsn");
        assert_eq!(w("عبد الله"), "bd llh");
        assert_eq!(w("张伟"), "zhang wei");
        assert_eq!(w("王秀英"), "wang xiu ying");
        assert_eq!(w("김민준"), "gim min jun");
        assert_eq!(w("สมชาย ใจดี"), "smchay jaidi");
    }
}
