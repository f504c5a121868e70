//! PAXLST properties: generated interchanges (with characters that need the
//! release character) parse back to their travellers with every control
//! count right; no input panics.

use godwit_screening::paxlst;
use proptest::prelude::*;
use time::macros::date;

#[derive(Debug, Clone)]
struct Pax {
    surname: String,
    given: String,
    dob: (u8, u8, u8),
    number: String,
}

fn escape(text: &str) -> String {
    text.chars().fold(String::new(), |mut s, c| {
        if ":+?'".contains(c) {
            s.push('?');
        }
        s.push(c);
        s
    })
}

fn interchange(pax: &[Pax]) -> String {
    let mut segs = vec![
        "UNH+M1+PAXLST:D:05B:UN:IATA".to_string(),
        "BGM+745".into(),
        "TDT+20+GW1".into(),
        "LOC+125+CGK".into(),
        "LOC+87+SYD".into(),
    ];
    for p in pax {
        segs.push(format!("NAD+FL+++{}:{}", escape(&p.surname), escape(&p.given)));
        segs.push(format!("DTM+329:{:02}{:02}{:02}", p.dob.0, p.dob.1, p.dob.2));
        segs.push(format!("DOC+P+{}", escape(&p.number)));
    }
    segs.push(format!("CNT+42:{}", pax.len()));
    segs.push(format!("UNT+{}+M1", segs.len() + 1));
    let body: String = segs.iter().map(|s| format!("{s}'\n")).collect();
    format!("UNA:+.? '\nUNB+UNOA:4+AIR+GOV+261123:0900+R1'\n{body}UNZ+1+R1'\n")
}

fn pax() -> impl Strategy<Value = Pax> {
    ("[A-Z][A-Z' +:?]{1,10}[A-Z]", "[A-Z]{1,8}", (0u8..100, 1u8..13, 1u8..29), "[A-Z0-9]{6,9}")
        .prop_map(|(surname, given, dob, number)| Pax { surname, given, dob, number })
}

proptest! {
    #[test]
    fn generated_interchanges_round_trip(list in proptest::collection::vec(pax(), 0..6)) {
        let text = interchange(&list);
        let p = paxlst::parse(&text, date!(2026 - 11 - 23));
        prop_assert_eq!(&p.manifest.problems, &vec![]);
        prop_assert_eq!(p.manifest.travellers.len(), list.len());
        for (t, g) in p.manifest.travellers.iter().zip(&list) {
            prop_assert_eq!(&t.surname, g.surname.trim());
            prop_assert_eq!(&t.given_names, &g.given);
            prop_assert_eq!(&t.documents[0].number, &g.number);
        }
    }

    #[test]
    fn tokenizer_matches_a_naive_split_without_special_characters(words in proptest::collection::vec("[A-Z0-9]{3}", 1..8)) {
        let text: String = words.iter().map(|w| format!("{w}+A:B'")).collect();
        let segs = paxlst::tokenizer::tokenize(&text).expect("valid");
        prop_assert_eq!(segs.len(), words.len());
        for (s, w) in segs.iter().zip(&words) {
            prop_assert_eq!(&s.tag, w);
            prop_assert_eq!(&s.elements, &vec![vec!["A".to_string(), "B".to_string()]]);
        }
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,300}") {
        let _ = paxlst::parse(&text, date!(2026 - 11 - 23));
    }

    #[test]
    fn segment_soup_never_panics(segs in proptest::collection::vec(
        ("(UNA|UNB|UNG|UNH|BGM|NAD|ATT|DTM|NAT|RFF|DOC|LOC|TDT|CNT|UNT|UNE|UNZ)", "[+:A-Z0-9?]{0,12}"), 0..30)) {
        let text: String = segs.iter().map(|(t, rest)| format!("{t}{rest}'")).collect();
        let _ = paxlst::parse(&text, date!(2026 - 11 - 23));
    }

    #[test]
    fn csv_manifests_never_panic(text in "\\PC{0,300}") {
        let header = "traveller_id,surname,given_names,date_of_birth,sex,nationality,document_type,document_number,issuing_state,expiry_date,origin,destination\n";
        let _ = godwit_screening::manifest::csv::parse(format!("{header}{text}").as_bytes());
    }

    #[test]
    fn rule_files_never_panic(text in "\\PC{0,200}") {
        let _ = godwit_screening::rules::RuleSet::parse(&text);
    }
}
