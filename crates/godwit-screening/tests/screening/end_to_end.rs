//! A flight screened from files to JSON lines, as `godwit screen` does.

use godwit_screening::manifest::{self, Location};
use godwit_screening::paxlst;
use godwit_screening::rules::RuleSet;
use godwit_screening::screen::{Decision, Screener, ScreeningResult};
use godwit_screening::watchlist::{documents, persons};
use time::Date;
use time::macros::date;

const TODAY: Date = date!(2026 - 11 - 23);

const PERSONS: &str = "id,name,aliases,date_of_birth,nationality,sex,reason
W-1,محمد يوسف,Mohamed Youssef,1980-05-03,SYR,M,facilitator
W-2,Иван Иванович Петров,,1975,RUS,M,document fraud
W-3,Anna Eriksson,,1990-01-01,SWE,F,different person same name
";

const DOCUMENTS: &str = "id,document_number,issuing_state,document_type,status,reason
D-1,L898902C3,UTO,P,stolen,blank stolen 2025
";

const RULES: &str = "[[rule]]
id = \"hub\"
weight = 0.5
route_through = [\"KUL\"]
";

const MANIFEST: &str = "traveller_id,surname,given_names,date_of_birth,sex,nationality,document_type,document_number,issuing_state,expiry_date,origin,destination
T1,YUSUF,MUHAMMAD,1980-03-05,M,SYR,P,N1234567,SYR,2030-01-01,CGK,SYD
T2,PETROV,IVAN,1975-06-01,M,RUS,P,751234567,RUS,2030-01-01,CGK,SYD
T3,ERIKSSON,ANNA MARIA,1974-08-12,F,UTO,P,L8989O2C3,UTO,2030-01-01,CGK,SYD
T4,SMITH,JOHN,1970-01-01,M,AUS,P,PA0000001,AUS,2030-01-01,CGK,SYD
T5,LEE,MEI,1985-02-02,F,SGP,P,K0000001,SGP,2030-01-01,KUL,SYD
T6,BROKEN,ROW,1985-02-31,F,SGP,P,K0000002,SGP,2030-01-01,CGK,SYD
";

fn screener() -> Screener {
    let persons = persons::load(PERSONS.as_bytes()).expect("header");
    let documents = documents::load(DOCUMENTS.as_bytes()).expect("header");
    assert!(persons.errors.is_empty() && documents.errors.is_empty());
    Screener::new(persons.entries, documents.entries, RuleSet::parse(RULES).expect("rules"))
}

fn by_id<'a>(results: &'a [ScreeningResult], id: &str) -> &'a ScreeningResult {
    results.iter().find(|r| r.traveller_id == id).expect("result for every traveller")
}

#[test]
fn csv_manifest_decisions_and_reasons() {
    let manifest = manifest::csv::parse(MANIFEST.as_bytes()).expect("header");
    let results = screener().screen_manifest(&manifest, TODAY);
    assert_eq!(results.len(), 6);

    // Arabic-script watchlist name, reversed order, day and month swapped.
    let t1 = by_id(&results, "T1");
    assert_eq!(t1.decision, Decision::Hit, "{t1:#?}");
    assert_eq!(t1.matches[0].watchlist_id, "W-1");
    let reasons = t1.matches[0].reasons.join(" | ");
    assert!(reasons.contains("day and month swapped"), "{reasons}");
    assert!(reasons.contains("nationality SYR matches"), "{reasons}");

    // Cyrillic with patronymic; listed year of birth only: a name with
    // only the year to support it is reviewed, not a hit.
    let t2 = by_id(&results, "T2");
    assert_eq!(t2.decision, Decision::Review, "{t2:#?}");
    assert!(t2.matches[0].reasons.iter().any(|r| r.contains("year of birth 1975 matches")));

    // Stolen document read with O for 0; the same-name person with another
    // date of birth stays below the review threshold.
    let t3 = by_id(&results, "T3");
    assert_eq!(t3.decision, Decision::Hit, "{t3:#?}");
    assert_eq!(t3.matches.len(), 1);
    assert_eq!(t3.matches[0].watchlist_id, "D-1");

    assert_eq!(by_id(&results, "T4").decision, Decision::Clear);

    let t5 = by_id(&results, "T5");
    assert_eq!(t5.decision, Decision::Review, "transit rule");
    assert_eq!(t5.rules[0].rule_id, "hub");

    let t6 = by_id(&results, "T6");
    assert_eq!(t6.decision, Decision::Review, "unscreenable is never clear");
    let location = &t6.unscreenable.as_ref().expect("unscreenable").location;
    assert_eq!(location, &Location::Cell { row: 7, column: "date_of_birth".into() });
}

#[test]
fn results_serialise_as_json_lines() {
    let manifest = manifest::csv::parse(MANIFEST.as_bytes()).expect("header");
    let results = screener().screen_manifest(&manifest, TODAY);
    let line = serde_json::to_string(by_id(&results, "T3")).expect("json");
    let value: serde_json::Value = serde_json::from_str(&line).expect("parse back");
    assert_eq!(value["traveller_id"], "T3");
    assert_eq!(value["decision"], "hit");
    assert_eq!(value["score"], 0.9);
    assert_eq!(value["matches"][0]["watchlist_id"], "D-1");
    assert!(value["matches"][0]["reasons"].is_array());
    let clear = serde_json::to_value(by_id(&results, "T4")).expect("json");
    assert_eq!(clear, serde_json::json!({"traveller_id": "T4", "decision": "clear", "score": 0.0, "matches": []}));
}

#[test]
fn paxlst_manifest_is_screened_too() {
    let text = "UNA:+.? '
UNB+UNOA:4+AIR+GOV+261123:0900+1'
UNH+1+PAXLST:D:05B:UN:IATA'
BGM+745'
TDT+20+GW7'
LOC+125+KUL'
LOC+87+SYD'
NAD+FL+++PETROV:IVAN'
DTM+329:750601'
NAT+2+RUS'
DOC+P+751234567'
NAD+FL+++GOOD:TRAVELLER'
DTM+329:751301'
CNT+42:2'
UNT+13+1'
UNZ+1+1'";
    let p = paxlst::parse(text, TODAY);
    assert!(p.manifest.problems.is_empty(), "{:?}", p.manifest.problems);
    let results = screener().screen_manifest(&p.manifest, TODAY);
    assert_eq!(results.len(), 2);
    assert_eq!(results[0].decision, Decision::Review, "name and year of birth only");
    assert_eq!(results[0].matches[0].watchlist_id, "W-2");
    assert_eq!(results[0].rules[0].reason, "route passes through KUL");
    let broken = &results[1];
    assert_eq!(broken.decision, Decision::Review);
    let location = &broken.unscreenable.as_ref().expect("unscreenable").location;
    let offset = text.find("DTM+329:751301").expect("in text");
    assert_eq!(location, &Location::Segment { tag: "DTM".into(), index: 11, offset });
}

#[test]
fn document_check_finds_the_stolen_specimen() {
    let index = godwit_screening::matching::documents::DocumentIndex::build(
        documents::load(DOCUMENTS.as_bytes()).expect("header").entries,
    );
    let mrz = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10";
    let check = godwit_screening::document_check::check(mrz, Some(&index), TODAY).expect("mrz");
    assert!(check.valid);
    assert_eq!(check.expired, Some(true));
    assert_eq!(check.matches[0].watchlist_id, "D-1");
    let json = serde_json::to_value(&check).expect("json");
    assert_eq!(json["date_of_birth"], "1974-08-12");
    assert_eq!(json["mrz"]["format"], "TD3");
}

#[test]
fn synthetic_data_round_trips_through_csv_and_is_found() {
    use godwit_screening::synthetic::{self, evaluate::evaluate, export};

    let data = synthetic::generate(3000, 1000, 0.2, 7);
    let (mut p, mut d, mut m) = (Vec::new(), Vec::new(), Vec::new());
    export::persons_csv(&data, &mut p).expect("persons");
    export::documents_csv(&data, &mut d).expect("documents");
    export::manifest_csv(&data, &mut m).expect("manifest");
    let persons = persons::load(p.as_slice()).expect("header");
    let documents = documents::load(d.as_slice()).expect("header");
    let manifest = manifest::csv::parse(m.as_slice()).expect("header");
    assert!(persons.errors.is_empty(), "{:?}", persons.errors.first());
    assert!(documents.errors.is_empty(), "{:?}", documents.errors.first());
    assert!(manifest.unscreenable.is_empty(), "{:?}", manifest.unscreenable.first());
    assert_eq!(persons.entries, data.persons);
    assert_eq!(manifest.travellers, data.travellers);

    let screener = Screener::new(persons.entries, documents.entries, RuleSet::default());
    let results = screener.screen_manifest(&manifest, TODAY);
    let e = evaluate(&data.planted, &results);
    assert!(e.planted > 150, "{e:?}");
    assert!(e.recall_at_review >= 0.97, "{e:?}");
    assert!(e.precision_of_hits >= 0.95, "{e:?}");
    assert!(e.precision_of_flagged >= 0.95, "everything flagged, `review` included: {e:?}");
}
