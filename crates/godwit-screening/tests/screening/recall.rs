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

/// Names listed in Arabic and written on the passport in the other order,
/// each word too short for a skeleton key of its own (`Domam` and `دومام`
/// are both `dm`): found through their words joined in the other order,
/// and explained word by word.
#[test]
fn reordered_names_of_short_unvowelled_words_are_found() {
    let cases =
        [("نونوك دومام", "NUNUK", "DOMAM"), ("نانود دوتول", "NANUD", "DUTUL"), ("مومور نريماك", "MUMOR", "NORIMAK")];
    let index = PersonIndex::build(cases.iter().enumerate().map(|(i, c)| entry(&format!("W{i}"), c.0)).collect());
    for (i, (listed, surname, given)) in cases.iter().enumerate() {
        let found = index.search(&traveller(surname, given), 0.7);
        let m = found.iter().find(|m| m.watchlist_id == format!("W{i}"));
        let m = m.unwrap_or_else(|| panic!("{listed} <- {given} {surname} missed: {found:?}"));
        assert!(m.reasons.iter().any(|r| r.contains("(same consonants, 0.90)")), "{:?}", m.reasons);
    }
}

/// A traveller whose listed date of birth has only the year and month, and
/// whose passport has the day and month swapped or is one day off: the
/// date counts for the match (it used to count strongly against it).
#[test]
fn partial_dates_swapped_or_one_day_off_count_for_the_match() {
    let listed =
        |id: &str, dob: &str| PersonEntry { date_of_birth: PartialDate::parse(dob), ..entry(id, "Nesam Mulat") };
    let cases = [
        ("1968-06", "1968-11-06", "date of birth 1968-11-06 with day and month swapped is in listed 1968-06 (+0.05)"),
        ("2003-09", "2003-10-01", "date of birth 2003-10-01 is one day from listed 2003-09 (+0.05)"),
    ];
    for (dob, born, reason) in cases {
        let index = PersonIndex::build(vec![listed("W1", dob)]);
        let t = Traveller { date_of_birth: godwit_screening::dates::parse_iso(born), ..traveller("MULAT", "NESAM") };
        let found = index.search(&t, 0.7);
        let m = found.first().unwrap_or_else(|| panic!("{born} against {dob} missed"));
        assert!(m.reasons.iter().any(|r| r == reason), "{:?}", m.reasons);
        assert!(m.score >= 0.7 && m.score < 0.85, "a review, not a hit: {}", m.score);
    }
}
