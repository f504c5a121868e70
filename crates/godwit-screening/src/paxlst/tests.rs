//! PAXLST samples written after the WCO/IATA/ICAO API guidelines' examples.

use super::*;
use crate::traveller::Sex;
use time::macros::date;

const TODAY: Date = date!(2026 - 11 - 23);

/// A passenger list: two passengers, one with a visa, a flight via SIN.
pub const PASSENGERS: &str = "UNA:+.? '
UNB+UNOA:4+AIRLINE1:ZZ+GODWITAPI:ZZ+261123:0900+000000001++PAXLST'
UNG+PAXLST+AIRLINE1:ZZ+GODWITAPI:ZZ+261123:0900+1+UN+D:05B'
UNH+PAX001+PAXLST:D:05B:UN:IATA+API01+01:F'
BGM+745'
NAD+MS+++JOHN SMITH'
TDT+20+GA123+++GA'
LOC+125+CGK'
DTM+189:2611231230:201'
LOC+87+SYD'
DTM+232:2611232200:201'
NAD+FL+++ERIKSSON:ANNA:MARIA'
ATT+2++F'
DTM+329:740812'
LOC+178+CGK'
LOC+179+SYD'
NAT+2+UTO'
RFF+AVF:ABC123'
DOC+P:110:111+L898902C3'
DTM+36:270415'
LOC+91+UTO'
NAD+FL+++O?'NEILL:SEAN'
ATT+2++M'
DTM+329:19850230'
NAT+2+IRL'
DOC+P+PB1234567'
NAD+FL+++PETROV:IVAN'
ATT+2++M'
DTM+329:900101'
NAT+2+RUS'
DOC+P+751234567'
DTM+36:300101'
LOC+91+RUS'
DOC+V+VX99'
LOC+91+AUS'
CNT+42:3'
UNT+34+PAX001'
UNE+1+1'
UNZ+1+000000001'
";

#[test]
fn passenger_list() {
    let p = parse(PASSENGERS, TODAY);
    assert_eq!(p.manifest.problems, vec![]);
    assert_eq!(p.sender, "AIRLINE1");
    let msg = &p.messages[0];
    assert_eq!(msg.list, ListKind::Passengers);
    assert_eq!(msg.flight.number, "GA123");
    assert_eq!(msg.flight.departure.as_deref(), Some("CGK"));
    assert_eq!(msg.flight.arrival_time.as_deref(), Some("2611232200"));

    let travellers = &p.manifest.travellers;
    assert_eq!(travellers.len(), 2);
    let anna = &travellers[0];
    assert_eq!(anna.traveller_id, "ABC123");
    assert_eq!((anna.surname.as_str(), anna.given_names.as_str()), ("ERIKSSON", "ANNA MARIA"));
    assert_eq!(anna.sex, Some(Sex::Female));
    assert_eq!(anna.date_of_birth, Some(date!(1974 - 08 - 12)));
    assert_eq!(anna.documents[0].number, "L898902C3");
    assert_eq!(anna.documents[0].expiry_date, Some(date!(2027 - 04 - 15)));
    assert_eq!(anna.documents[0].issuing_state.as_deref(), Some("UTO"));
    assert_eq!(anna.destination.as_deref(), Some("SYD"));

    let ivan = &travellers[1];
    assert_eq!(ivan.traveller_id, "PAX001-3");
    assert_eq!(ivan.documents.len(), 2);
    assert_eq!(ivan.documents[1].issuing_state.as_deref(), Some("AUS"));
    assert_eq!(ivan.origin.as_deref(), Some("CGK"), "flight departure by default");

    // 30 February: unscreenable, located at its DTM segment.
    let bad = &p.manifest.unscreenable;
    assert_eq!(bad.len(), 1);
    assert_eq!(bad[0].name, "SEAN O'NEILL");
    let offset = PASSENGERS.find("DTM+329:19850230").expect("in sample");
    assert_eq!(bad[0].location, Location::Segment { tag: "DTM".into(), index: 22, offset });
}

#[test]
fn crew_list_and_wrong_counts() {
    let text = "UNB+UNOA:4+AIRLINE1+GODWITAPI+261123:0900+7'
UNH+1+PAXLST:D:05B:UN:IATA'
BGM+250'
TDT+20+GA124'
NAD+FM+++TAN:MEI LING'
ATT+2++F'
NAD+FM+++:NOBODY'
CNT+41:3'
UNT+9+1'
UNZ+2+8'";
    let p = parse(text, TODAY);
    assert_eq!(p.messages[0].list, ListKind::Crew);
    assert_eq!(p.manifest.travellers.len(), 1);
    assert_eq!(p.manifest.unscreenable.len(), 1);
    assert!(p.manifest.unscreenable[0].message.contains("without surname"));
    let messages: Vec<&str> = p.manifest.problems.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(
        messages,
        vec![
            "UNT says 9 segments, the message has 8",
            "CNT+41 says 3 crew members, the message lists 2",
            "UNZ says 2, the interchange has 1 messages",
            "UNZ reference \"8\" differs from UNB \"7\"",
        ]
    );
}

#[test]
fn truncated_interchange_keeps_what_was_read() {
    let cut = PASSENGERS.find("NAD+FL+++PETROV").expect("in sample");
    let text = format!("{}NAD+FL+++PET", &PASSENGERS[..cut]);
    let p = parse(&text, TODAY);
    assert_eq!(p.manifest.travellers.len(), 1);
    assert_eq!(p.manifest.unscreenable.len(), 1);
    let messages: Vec<&str> = p.manifest.problems.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(messages.len(), 3, "{messages:?}");
    assert!(messages[0].contains("no terminator"));
}
