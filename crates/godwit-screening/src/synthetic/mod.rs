//! Synthetic watchlists and manifests with planted hits, for benchmarks and
//! for measuring recall and precision. Deterministic from a seed; nothing
//! is downloaded.
//!
//! Names are built from syllables that exist in Latin, Cyrillic, Greek and
//! Arabic script (`ka` = `ка` = `κα` = `كا`), plus Chinese names from common
//! surname and given-name characters, so the same person can be written on
//! the watchlist in one script and in the manifest in another. A planted
//! traveller is a watchlist person written in Latin (as a passport would)
//! with mutations: name order swapped, patronymic dropped, one vowel
//! misspelt, date of birth with day and month swapped or one day off; or a
//! fresh person carrying a listed document, sometimes with an OCR
//! confusion in its number.

pub mod evaluate;
pub mod export;

use std::collections::HashSet;

use time::{Date, Duration, Month};

use crate::dates::PartialDate;
use crate::traveller::{Sex, TravelDocument, Traveller};
use crate::watchlist::{DocumentEntry, DocumentStatus, PersonEntry};

/// A small deterministic generator (SplitMix64).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { usize::try_from(self.next_u64() % n as u64).unwrap_or(0) }
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        items.get(self.below(items.len()))
    }
}

/// Latin, Cyrillic, Greek, Arabic.
type Letter = [&'static str; 4];
const CONSONANTS: &[Letter] = &[
    ["k", "к", "κ", "ك"],
    ["l", "л", "λ", "ل"],
    ["m", "м", "μ", "م"],
    ["n", "н", "ν", "ن"],
    ["r", "р", "ρ", "ر"],
    ["s", "с", "σ", "س"],
    ["t", "т", "τ", "ت"],
    ["d", "д", "δ", "د"],
];
const VOWELS: &[Letter] =
    &[["a", "а", "α", "ا"], ["i", "и", "ι", "ي"], ["o", "о", "ο", "و"], ["e", "е", "ε", ""], ["u", "у", "ου", "و"]];
/// Common Chinese surnames (99) and given-name characters (220), without
/// characters read two ways; their pinyin comes from `any_ascii`, as a
/// passport would romanise them. Pools much smaller than real names use
/// (this was 40 × 50) make a million-name list full of namesakes: travellers
/// who are not planted yet have a listed person's exact name and year of
/// birth, which no screening can tell apart and the answer key calls false.
const HAN_SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余于杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴莫孔向汤";
const HAN_GIVEN: &str = "伟芳娜敏静强磊军勇艳杰涛明超秀英华慧建国平志红文玉春海鹏飞云霞丹宁浩宇婷雪晨欣瑞博丽娟兰桂凤洁琳素梅美燕玲萍颖琴荣晶倩佳嘉莉月莹雯悦瑶怡岚薇璐露蓉青清菲芬淑珍贞彤巧蕾萱妍婉姗娅琦莎璇雅惠敬心蕊诗梦梓涵子轩然泽宸铭睿哲翔天昊俊凯昕烨晟炎熠辉斌彬鑫森林峰岩山川江河波洋涌鸿雁龙虎松柏桦枫杨柳荷莲菊竹苗田野原光亮晖阳旭东南西北安康福禄寿喜庆祥顺利成功胜德仁义礼智信忠孝勤俭恒毅刚坚正直诚实善良温柔思远方圆永久世代承继立新兴旺盛达富贵耀彩虹星辰乾坤";

/// The scripts a generated name may be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Script {
    Latin,
    Cyrillic,
    Greek,
    Arabic,
    Han,
}

/// A generated person name: the Latin words as a passport writes them and
/// the name as the watchlist writes it.
struct GenName {
    given: Vec<String>,
    surname: String,
    patronymic: Option<String>,
    listed: String,
}

fn syllable_word(rng: &mut Rng, script: Script) -> (String, String) {
    let col = match script {
        Script::Latin | Script::Han => 0,
        Script::Cyrillic => 1,
        Script::Greek => 2,
        Script::Arabic => 3,
    };
    let (mut latin, mut native) = (String::new(), String::new());
    for _ in 0..2 + rng.below(2) {
        for table in [CONSONANTS, VOWELS] {
            if let Some(letter) = rng.pick(table) {
                latin.push_str(letter[0]);
                native.push_str(letter.get(col).copied().unwrap_or(""));
            }
        }
    }
    if let Some(letter) = rng.pick(CONSONANTS) {
        latin.push_str(letter[0]);
        native.push_str(letter.get(col).copied().unwrap_or(""));
    }
    (latin.to_uppercase(), capitalise(&native))
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

fn name(rng: &mut Rng, script: Script) -> GenName {
    if script == Script::Han {
        let pinyin = |c: char| any_ascii::any_ascii_char(c).to_uppercase();
        let surnames: Vec<char> = HAN_SURNAMES.chars().collect();
        let given_chars: Vec<char> = HAN_GIVEN.chars().collect();
        let surname = rng.pick(&surnames).copied().unwrap_or('李');
        let (mut g_latin, mut g_han) = (String::new(), String::new());
        for _ in 0..1 + usize::from(rng.chance(0.8)) {
            let c = rng.pick(&given_chars).copied().unwrap_or('伟');
            g_latin.push_str(&pinyin(c));
            g_han.push(c);
        }
        let listed = format!("{surname}{g_han}");
        return GenName { given: vec![g_latin], surname: pinyin(surname), patronymic: None, listed };
    }
    let mut given = Vec::new();
    let mut native = Vec::new();
    for _ in 0..1 + usize::from(rng.chance(0.3)) {
        let (l, n) = syllable_word(rng, script);
        given.push(l);
        native.push(n);
    }
    let patronymic = (script == Script::Cyrillic && rng.chance(0.5)).then(|| {
        let (l, n) = syllable_word(rng, script);
        native.push(format!("{n}ович"));
        format!("{l}OVICH")
    });
    let (surname, s_native) = syllable_word(rng, script);
    native.push(s_native);
    let listed = if script == Script::Latin {
        format!("{} {}", capitalise(&given.join(" ").to_lowercase()), capitalise(&surname.to_lowercase()))
    } else {
        native.join(" ")
    };
    GenName { given, surname, patronymic, listed }
}

fn script(rng: &mut Rng) -> Script {
    match rng.below(10) {
        0..=3 => Script::Latin,
        4 | 5 => Script::Arabic,
        6 => Script::Cyrillic,
        7 => Script::Greek,
        _ => Script::Han,
    }
}

fn nationality(rng: &mut Rng, script: Script) -> &'static str {
    let pool: &[&str] = match script {
        Script::Latin => &["FRA", "DEU", "GBR", "USA", "AUS", "IDN", "PHL", "NZL"],
        Script::Cyrillic => &["RUS", "UKR", "KAZ"],
        Script::Greek => &["GRC", "CYP"],
        Script::Arabic => &["SYR", "IRQ", "EGY", "JOR", "AFG"],
        Script::Han => &["CHN", "TWN", "SGP"],
    };
    rng.pick(pool).copied().unwrap_or("XXX")
}

fn birth_date(rng: &mut Rng) -> Date {
    let start = Date::from_calendar_date(1940, Month::January, 1).unwrap_or(Date::MIN);
    start + Duration::days(i64::try_from(rng.below(365 * 65)).unwrap_or(0))
}

fn document_number(rng: &mut Rng) -> String {
    const ALNUM: &[u8] = b"ABCDEFGHJKLMNPRTUVWXY0123456789";
    (0..9).map(|_| char::from(ALNUM.get(rng.below(ALNUM.len())).copied().unwrap_or(b'0'))).collect()
}

/// A generated data set and the planted pairs to find.
pub struct Dataset {
    pub persons: Vec<PersonEntry>,
    pub documents: Vec<DocumentEntry>,
    pub travellers: Vec<Traveller>,
    /// `(traveller_id, watchlist_id)` of every planted hit.
    pub planted: Vec<(String, String)>,
}

/// Generates `persons` watchlist persons, as many listed documents, and
/// `travellers` travellers of whom a `hit_rate` share are planted hits.
pub fn generate(persons: usize, travellers: usize, hit_rate: f64, seed: u64) -> Dataset {
    let mut rng = Rng::new(seed);
    let mut people = Vec::with_capacity(persons);
    let mut latin_forms = Vec::with_capacity(persons);
    for i in 0..persons {
        let s = script(&mut rng);
        let n = name(&mut rng, s);
        let dob = birth_date(&mut rng);
        let listed_dob = match rng.below(10) {
            0 => PartialDate { year: dob.year(), month: None, day: None },
            1 => PartialDate { year: dob.year(), month: Some(u8::from(dob.month())), day: None },
            _ => PartialDate { year: dob.year(), month: Some(u8::from(dob.month())), day: Some(dob.day()) },
        };
        let sex = if rng.chance(0.5) { Sex::Male } else { Sex::Female };
        people.push(PersonEntry {
            id: format!("P{i}"),
            name: n.listed,
            aliases: Vec::new(),
            date_of_birth: Some(listed_dob),
            nationality: Some(nationality(&mut rng, s).to_string()),
            sex: Some(sex),
            reason: "synthetic".into(),
        });
        latin_forms.push((n.given, n.surname, n.patronymic, dob));
    }
    let documents: Vec<DocumentEntry> = (0..persons)
        .map(|i| DocumentEntry {
            id: format!("D{i}"),
            document_number: document_number(&mut rng),
            issuing_state: Some(nationality(&mut rng, Script::Latin).to_string()),
            document_type: Some("P".into()),
            status: DocumentStatus::Stolen,
            reason: "synthetic".into(),
        })
        .collect();
    // A traveller who is not planted yet has a listed person's name (as a
    // passport writes it, in any order) and year of birth is that person's
    // namesake: any screening must flag them for review, so the answer key
    // would call a justified flag false. Planted travellers have their
    // names in another order too (surname and given name swapped), so a
    // namesake in another order (`ZHONG LEI` born 1967 against `钟蕾` born
    // 1967) cannot be told from them either. The generator makes no such
    // traveller.
    let namesakes: HashSet<(String, i32)> = latin_forms
        .iter()
        .map(|(given, surname, _, dob)| (name_words(given.iter().chain([surname])), dob.year()))
        .collect();
    let is_namesake = |t: &Traveller| {
        let year = t.date_of_birth.map_or(0, |d| d.year());
        namesakes.contains(&(name_words([&t.surname, &t.given_names]), year))
    };
    let mut out = Vec::with_capacity(travellers);
    let mut planted = Vec::new();
    for i in 0..travellers {
        let id = format!("T{i}");
        let plant = persons > 0 && rng.chance(hit_rate);
        let mut t = fresh_traveller(&mut rng, id.clone());
        while is_namesake(&t) {
            t = fresh_traveller(&mut rng, id.clone());
        }
        if plant && rng.chance(0.8) {
            let k = rng.below(persons);
            if let (Some(p), Some((given, surname, patronymic, dob))) = (people.get(k), latin_forms.get(k)) {
                let mut given = given.clone();
                if let Some(pat) = patronymic.as_ref().filter(|_| rng.chance(0.5)) {
                    given.push(pat.clone());
                }
                let mut surname = surname.clone();
                misspell(&mut rng, &mut surname);
                if rng.chance(0.2) {
                    std::mem::swap(&mut surname, &mut given[0]);
                }
                t.surname = surname;
                t.given_names = given.join(" ");
                t.date_of_birth = Some(mutate_date(&mut rng, *dob));
                t.nationality.clone_from(&p.nationality);
                t.sex = p.sex;
                planted.push((id, p.id.clone()));
            }
        } else if plant {
            let k = rng.below(persons);
            if let Some(d) = documents.get(k) {
                let mut number = d.document_number.clone();
                if rng.chance(0.3) {
                    number = number.replacen('0', "O", 1).replacen('1', "I", 1);
                }
                t.documents[0].number = number;
                t.documents[0].issuing_state.clone_from(&d.issuing_state);
                planted.push((id, d.id.clone()));
            }
        }
        out.push(t);
    }
    Dataset { persons: people, documents, travellers: out, planted }
}

/// The words of a name's parts, sorted: the name whatever its order.
fn name_words<'a>(parts: impl IntoIterator<Item = &'a String>) -> String {
    let mut words: Vec<&str> = parts.into_iter().flat_map(|p| p.split_whitespace()).collect();
    words.sort_unstable();
    words.join(" ")
}

fn fresh_traveller(rng: &mut Rng, traveller_id: String) -> Traveller {
    let s = script(rng);
    let n = name(rng, s);
    let nat = nationality(rng, s).to_string();
    Traveller {
        traveller_id,
        surname: n.surname,
        given_names: n.given.join(" "),
        date_of_birth: Some(birth_date(rng)),
        sex: Some(if rng.chance(0.5) { Sex::Male } else { Sex::Female }),
        documents: vec![TravelDocument {
            document_type: "P".into(),
            number: document_number(rng),
            issuing_state: Some(nat.clone()),
            expiry_date: Date::from_calendar_date(2030, Month::June, 1).ok(),
        }],
        nationality: Some(nat),
        origin: Some("CGK".into()),
        destination: Some("SYD".into()),
        transit: Vec::new(),
    }
}

/// Replaces one vowel of a long word by another (a typist's or a
/// transliterator's variant).
fn misspell(rng: &mut Rng, word: &mut String) {
    if word.len() < 6 || !rng.chance(0.3) {
        return;
    }
    let vowels: Vec<usize> = word.char_indices().filter(|(_, c)| "AEIOU".contains(*c)).map(|(i, _)| i).collect();
    if let (Some(&at), Some(&with)) = (rng.pick(&vowels), rng.pick(&["A", "E", "I", "O", "U"])) {
        word.replace_range(at..at + 1, with);
    }
}

fn mutate_date(rng: &mut Rng, dob: Date) -> Date {
    match rng.below(10) {
        0 if dob.day() <= 12 => Month::try_from(dob.day())
            .ok()
            .and_then(|m| Date::from_calendar_date(dob.year(), m, u8::from(dob.month())).ok())
            .unwrap_or(dob),
        1 => dob + Duration::days(1),
        _ => dob,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::generate;
    use crate::names::normalise;

    /// The words of a name as screening reads them, sorted.
    fn words_in_any_order(name: &str) -> String {
        let mut words: Vec<String> = normalise(name).words.into_iter().map(|w| w.text).collect();
        words.sort_unstable();
        words.join(" ")
    }

    /// A traveller who is not planted never has a listed person's name, in
    /// any order, and year of birth: the answer key would call flagging
    /// them false, yet no screening could tell them from a planted traveller
    /// whose names were swapped. (Names listed in Han characters with a
    /// one-syllable given name are where this happened: `ZHONG LEI` against
    /// `钟蕾`.)
    #[test]
    fn no_traveller_is_a_namesake_in_any_order() {
        let data = generate(200_000, 50_000, 0.01, 11);
        let planted: HashSet<&str> = data.planted.iter().map(|(t, _)| t.as_str()).collect();
        let listed: HashSet<(String, i32)> =
            data.persons.iter().filter_map(|p| Some((words_in_any_order(&p.name), p.date_of_birth?.year))).collect();
        let namesakes: Vec<String> = data
            .travellers
            .iter()
            .filter(|t| !planted.contains(t.traveller_id.as_str()))
            .filter_map(|t| Some((t, (words_in_any_order(&t.full_name()), t.date_of_birth?.year()))))
            .filter(|(_, key)| listed.contains(key))
            .map(|(t, _)| format!("{} {:?}", t.full_name(), t.date_of_birth))
            .collect();
        assert!(namesakes.is_empty(), "{namesakes:?}");
    }
}
