use super::*;
use crate::traveller::TravelDocument;
use time::macros::date;

const FILE: &str = r#"review_threshold = 0.4

[[rule]]
id = "expiring"
weight = 0.3
document_expires_within_days = 30

[[rule]]
id = "nationality"
weight = 0.2
nationality_differs_from_issuing_state = true

[[rule]]
id = "hub"
weight = 0.4
route_through = ["kul", "BKK"]

[[rule]]
id = "series"
weight = 0.6
document_series = { issuing_state = "UTO", from = "L8989000", to = "L8989999" }
"#;

fn traveller() -> Traveller {
    Traveller {
        traveller_id: "T1".into(),
        nationality: Some("D".into()),
        origin: Some("BKK".into()),
        documents: vec![TravelDocument {
            document_type: "P".into(),
            number: "L8989123".into(),
            issuing_state: Some("UTO".into()),
            expiry_date: Some(date!(2026 - 12 - 01)),
        }],
        ..Traveller::default()
    }
}

#[test]
fn all_four_conditions_fire() {
    let rules = RuleSet::parse(FILE).expect("valid");
    assert_eq!(rules.review_threshold, 0.4);
    let hits = rules.evaluate(&traveller(), date!(2026 - 11 - 23));
    let ids: Vec<&str> = hits.iter().map(|h| h.rule_id.as_str()).collect();
    assert_eq!(ids, vec!["expiring", "nationality", "hub", "series"]);
    assert_eq!(hits[1].reason, "nationality DEU differs from issuing state UTO of L8989123");
}

#[test]
fn nothing_fires_for_an_ordinary_traveller() {
    let rules = RuleSet::parse(FILE).expect("valid");
    let mut t = traveller();
    t.nationality = Some("UTO".into());
    t.origin = Some("CGK".into());
    t.documents[0].number = "X1".into();
    t.documents[0].expiry_date = Some(date!(2030 - 01 - 01));
    assert_eq!(rules.evaluate(&t, date!(2026 - 11 - 23)), vec![]);
}

#[test]
fn errors_name_their_line() {
    let cases = [
        (FILE.replace("weight = 0.4", "weight = 4.0"), 15, "not in (0, 1]"),
        (FILE.replace("route_through", "route_thru"), 16, "unknown field"),
        (FILE.replace("document_expires_within_days = 30", ""), 3, "exactly one condition"),
        (FILE.replace("days = 30", "days = -3"), 6, ""),
        (FILE.replace("from = \"L8989000\"", "from = \"L898\""), 18, "series"),
        ("[[rule]\n".to_string(), 1, ""),
    ];
    for (text, line, needle) in cases {
        let err = RuleSet::parse(&text).expect_err("refused");
        assert_eq!(err.line, line, "{err}");
        assert!(err.message.contains(needle), "{err}");
    }
}
