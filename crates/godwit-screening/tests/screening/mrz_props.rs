//! MRZ properties: generated documents parse back to their fields with
//! every check passing; a changed character is caught; no input panics.

use godwit_screening::mrz::{self, CheckedField, MrzFormat, check_digit};
use proptest::prelude::*;

use crate::mrz_gen::{Doc, td1, td2, td3};

fn word() -> impl Strategy<Value = String> {
    "[A-Z]{2,8}"
}

fn date() -> impl Strategy<Value = String> {
    (0u8..100, 1u8..13, 1u8..29).prop_map(|(y, m, d)| format!("{y:02}{m:02}{d:02}"))
}

fn doc() -> impl Strategy<Value = Doc> {
    (
        word(),
        proptest::collection::vec(word(), 1..3),
        "[A-Z0-9]{9}",
        prop::sample::select(vec!["UTO", "FRA", "D<<", "GBD", "XXA", "RKS"]),
        date(),
        prop::sample::select(vec!['M', 'F', '<']),
        date(),
        "[A-Z0-9]{0,9}",
    )
        .prop_map(|(surname, given, number, nationality, birth, sex, expiry, optional)| Doc {
            surname,
            given: given.join(" "),
            number,
            nationality,
            birth,
            sex,
            expiry,
            optional,
        })
}

proptest! {
    #[test]
    fn generated_td3_round_trips(d in doc()) {
        let text = td3(&d);
        let m = mrz::parse(&text).expect("well formed");
        prop_assert_eq!(m.format, MrzFormat::Td3);
        prop_assert!(m.is_valid(), "{:?}", m);
        prop_assert_eq!(&m.surname, &d.surname);
        prop_assert_eq!(&m.given_names, &d.given);
        prop_assert_eq!(&m.document_number, &d.number);
        prop_assert_eq!(m.nationality.code.as_str(), d.nationality.trim_end_matches('<'));
        prop_assert_eq!(&m.optional_data, &d.optional);
    }

    #[test]
    fn generated_td1_round_trips(d in doc()) {
        let m = mrz::parse(&td1(&d)).expect("well formed");
        prop_assert_eq!(m.format, MrzFormat::Td1);
        prop_assert!(m.is_valid(), "{:?}", m);
        prop_assert_eq!(&m.document_number, &d.number);
        prop_assert_eq!(&m.given_names, &d.given);
    }

    #[test]
    fn generated_td2_round_trips(d in doc()) {
        let m = mrz::parse(&td2(&d)).expect("well formed");
        prop_assert_eq!(m.format, MrzFormat::Td2);
        prop_assert!(m.is_valid(), "{:?}", m);
        prop_assert_eq!(&m.surname, &d.surname);
        prop_assert_eq!(&m.document_number, &d.number);
    }

    #[test]
    fn a_changed_number_character_fails_its_check(d in doc(), pos in 0usize..9, with in "[A-Z0-9]") {
        let text = td3(&d);
        let (line1, line2) = text.split_once('\n').expect("two lines");
        let mut chars: Vec<char> = line2.chars().collect();
        let replacement = with.chars().next().expect("one char");
        prop_assume!(chars[pos] != replacement);
        // Characters with the same value mod 10 under every weight can collide; skip those.
        let old = check_digit::char_value(chars[pos]).expect("valid");
        let new = check_digit::char_value(replacement).expect("valid");
        prop_assume!(old % 10 != new % 10);
        chars[pos] = replacement;
        let changed: String = chars.into_iter().collect();
        let m = mrz::parse(&format!("{line1}\n{changed}")).expect("still shaped");
        let failed: Vec<CheckedField> = m.checks.iter().filter(|c| !c.passed).map(|c| c.field).collect();
        prop_assert!(failed.contains(&CheckedField::DocumentNumber), "{:?}", failed);
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,120}") {
        let _ = mrz::parse(&text);
    }

    #[test]
    fn shaped_noise_never_panics(lines in proptest::collection::vec("[A-Z0-9<]{30}|[A-Z0-9<]{36}|[A-Z0-9<]{44}", 1..4)) {
        let _ = mrz::parse(&lines.join("\n"));
    }
}
