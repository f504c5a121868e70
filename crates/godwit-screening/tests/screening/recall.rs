//! Recall across scripts and spellings, and precision against different
//! people with similar names.

use godwit_screening::dates::PartialDate;
use godwit_screening::matching::persons::PersonIndex;
use godwit_screening::traveller::Traveller;
use godwit_screening::watchlist::PersonEntry;

fn entry(id: &str, name: &str) -> PersonEntry {
    PersonEntry {
        id: id.into(),
        name: name.into(),
        aliases: Vec::new(),
        date_of_birth: PartialDate::parse("1980-06-15"),
        nationality: None,
        sex: None,
        reason: String::new(),
    }
}

fn traveller(surname: &str, given: &str) -> Traveller {
    Traveller {
        traveller_id: "T".into(),
        surname: surname.into(),
        given_names: given.into(),
        date_of_birth: godwit_screening::dates::parse_iso("1980-06-15"),
        ..Traveller::default()
    }
}

/// (watchlist name, traveller surname, traveller given names)
const VARIANTS: &[(&str, &str, &str)] = &[
    ("محمد يوسف", "YUSUF", "MUHAMMAD"),
    ("Muhammad Yusuf", "YOUSSEF", "MOHD"),
    ("عبد الله أحمد", "AHMED", "ABDULLAH"),
    ("أحمد الحسن", "ALHASSAN", "AHMAD"),
    ("Юлия Щербакова", "SHCHERBAKOVA", "IULIIA"),
    ("Юлия Щербакова", "SHCHERBAKOVA", "YULIA"),
    ("Иван Иванович Петров", "PETROV", "IVAN"),
    ("Олександр Шевченко", "SHEVCHENKO", "ALEXANDER"),
    ("Γεώργιος Παπαδόπουλος", "PAPADOPOULOS", "GEORGIOS"),
    ("张伟", "ZHANG", "WEI"),
    ("王秀英", "WANG", "XIUYING"),
    ("陈志明", "CHAN", "CHI MING"),
    ("Jürgen Müller", "MUELLER", "JUERGEN"),
    ("Jürgen Müller", "MULLER", "JURGEN"),
    ("José Núñez García", "NUNEZ GARCIA", "JOSE"),
    ("Nguyễn Văn Hùng", "NGUYEN", "VAN HUNG"),
    ("Jean-Pierre Dubois", "DUBOIS", "JEANPIERRE"),
    ("Seán O'Neill", "ONEILL", "SEAN"),
    ("Aleksandr Ivanov", "IVANOV", "ALEXANDER"),
    ("Mohammed bin Salman", "SALMAN", "MOHAMMED"),
    ("สมชาย ใจดี", "JAIDEE", "SOMCHAI"),
];

#[test]
fn variants_across_scripts_are_found() {
    let index = PersonIndex::build(VARIANTS.iter().enumerate().map(|(i, v)| entry(&format!("W{i}"), v.0)).collect());
    let mut missed = Vec::new();
    for (i, (listed, surname, given)) in VARIANTS.iter().enumerate() {
        let found = index.search(&traveller(surname, given), 0.7);
        if !found.iter().any(|m| m.watchlist_id == format!("W{i}")) {
            missed.push(format!("{listed} <- {given} {surname}"));
        }
    }
    assert!(missed.is_empty(), "missed: {missed:#?}");
}

#[test]
fn different_people_are_not_matched() {
    let index = PersonIndex::build(vec![
        entry("W1", "Ivan Petrov"),
        entry("W2", "Hassan Ali"),
        entry("W3", "John Smith"),
        entry("W4", "Zhang Wei"),
    ]);
    for (surname, given) in
        [("SIDOROVA", "OLGA"), ("OMAR", "HUSSEIN"), ("DOE", "JANE"), ("WANG", "WEI"), ("PETROVA", "MARIA")]
    {
        let found = index.search(&traveller(surname, given), 0.7);
        assert!(found.is_empty(), "{given} {surname}: {found:#?}");
    }
}

mod properties {
    use godwit_screening::matching::persons::PersonIndex;
    use godwit_screening::names::{compare, normalise};
    use proptest::prelude::*;

    use super::{entry, traveller};

    proptest! {
        #[test]
        fn any_name_normalises_to_ascii_words(text in "\\PC{0,60}") {
            for word in normalise(&text).words {
                prop_assert!(!word.text.is_empty());
                prop_assert!(word.text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()), "{:?}", word.text);
            }
        }

        #[test]
        fn a_name_matches_itself_in_any_order(words in proptest::collection::vec("[A-Z]{4,9}", 2..5)) {
            let forward = words.join(" ");
            let mut reversed = words.clone();
            reversed.reverse();
            let a = compare::Prepared::new(normalise(&forward));
            let b = compare::Prepared::new(normalise(&reversed.join(" ")));
            let cmp = compare::compare(&a, &b, 0.0).expect("min 0");
            prop_assert!((cmp.score - 1.0).abs() < 1e-9, "{:?}", cmp);
        }

        #[test]
        fn screening_any_traveller_never_panics(listed in "\\PC{0,40}", surname in "\\PC{0,30}", given in "\\PC{0,30}") {
            let index = PersonIndex::build(vec![entry("W", &listed)]);
            let _ = index.search(&traveller(&surname, &given), 0.0);
        }
    }
}
