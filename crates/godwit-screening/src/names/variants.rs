//! Groups of spellings of the same name across transliterations.
//!
//! Phonetic keys and edit distance cover most spelling variation; this
//! table covers what they cannot: abbreviations (`Mohd`), sound shifts
//! between languages (`Magomed`, `Mehmet`, `Oleksandr`), and Chinese
//! surnames romanised from different languages (`Chen`, `Chan`, `Tan`).
//! Words transliterated from an unvowelled script are looked up by their
//! consonant skeleton, so `محمد` (`mhmd`) finds the Mohammed group.

use std::collections::HashMap;
use std::sync::LazyLock;

use super::phonetic;

/// Each line is one group of spellings.
const GROUPS: &[&str] = &[
    "mohammed muhammad mohammad mohamed mohamad muhamad muhammed mohd mohamud muhamed mehmet mehmed mamadou magomed mukhammad",
    "yusuf youssef yousef yousuf yusef yousif yusif youssouf yosef yossef",
    "aleksandr alexander aleksander alexandre alessandro alejandro oleksandr aliaksandr",
    "ahmed ahmad ahmet achmed akhmed",
    "abdullah abdallah abdulla abdollah abdalla",
    "hussein husein hussain husain hossein husayn huseyin",
    "hassan hasan hasen",
    "ali aly",
    "omar umar omer",
    "osama usama usamah",
    "khalid khaled halid",
    "abdulrahman abdelrahman abderrahmane abdurrahman abdurahman",
    "abdulkadir abdelkader abdulqadir abdelkadir",
    "ibrahim ebrahim ibragim brahim",
    "mustafa mostafa moustafa mustapha",
    "mahmoud mahmud mahmood",
    "suleiman sulayman sulaiman suleyman",
    "yahya yehia yahia",
    "zakaria zakariya zakariyya",
    "jafar jaafar jafer",
    "fatima fatma fatimah fatemeh",
    "aisha ayesha aysha aicha",
    "mikhail michael mikael mikhael michel miguel",
    "sergei sergey serhii sergiy serguei",
    "dmitri dmitry dmitrii dmytro",
    "yuri yuriy iurii yury",
    "evgeny yevgeny evgenii yevgeniy ievgen",
    "nikolai nikolay mykola nicolai",
    "andrei andrey andrii andriy",
    "alexei aleksei alexey oleksii aleksey",
    "tatiana tatyana tetiana",
    "natalia natalya nataliia",
    "olga olha",
    "chen chan tan",
    "zhang cheung chang",
    "li lee",
    "wang wong ong",
    "somchai somchay",
];

struct Table {
    by_spelling: HashMap<&'static str, u16>,
    by_skeleton: HashMap<String, u16>,
}

static TABLE: LazyLock<Table> = LazyLock::new(|| {
    let mut table = Table { by_spelling: HashMap::new(), by_skeleton: HashMap::new() };
    for (id, line) in (0u16..).zip(GROUPS) {
        for spelling in line.split(' ') {
            table.by_spelling.insert(spelling, id);
            if let Some(sk) = phonetic::skeleton(spelling) {
                table.by_skeleton.entry(sk).or_insert(id);
            }
        }
    }
    table
});

/// The group of a transliterated word, if any.
pub fn group_of(word: &str, unvowelled: bool) -> Option<u16> {
    let table = &*TABLE;
    table.by_spelling.get(word).copied().or_else(|| {
        if unvowelled { phonetic::skeleton(word).and_then(|sk| table.by_skeleton.get(&sk).copied()) } else { None }
    })
}

#[cfg(test)]
mod tests {
    use super::group_of;

    #[test]
    fn spellings_and_skeletons_find_groups() {
        assert!(group_of("mohd", false).is_some());
        assert_eq!(group_of("mohd", false), group_of("muhammad", false));
        assert_eq!(group_of("mhmd", true), group_of("muhammad", false));
        assert_eq!(group_of("ywsf", true), group_of("youssef", false));
        assert_eq!(group_of("oleksandr", false), group_of("alexander", false));
        assert_eq!(group_of("mhmd", false), None, "skeletons only for unvowelled scripts");
    }
}
