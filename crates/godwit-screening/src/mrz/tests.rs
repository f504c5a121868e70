//! Doc 9303 specimens (Parts 4–7) and defects.

use super::*;
use time::macros::date;

const TD3: &str = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10";
const TD1: &str = "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<";
const TD2: &str = "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nD231458907UTO7408122F1204159<<<<<<<6";
const MRV_A: &str = "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL8988901C4XXX4009078F96121096ZE184226B<<<<<<";
const MRV_B: &str = "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nL8988901C4XXX4009078F9612109<<<<<<<<";

fn parsed(text: &str) -> Mrz {
    match parse(text) {
        Ok(mrz) => mrz,
        Err(e) => panic!("{e}"),
    }
}

fn failed(mrz: &Mrz) -> Vec<CheckedField> {
    mrz.checks.iter().filter(|c| !c.passed).map(|c| c.field).collect()
}

#[test]
fn td3_specimen() {
    let mrz = parsed(TD3);
    assert_eq!(mrz.format, MrzFormat::Td3);
    assert_eq!(mrz.document_code, "P");
    assert_eq!(mrz.issuing_state.code, "UTO");
    assert_eq!(mrz.surname, "ERIKSSON");
    assert_eq!(mrz.given_names, "ANNA MARIA");
    assert_eq!(mrz.document_number, "L898902C3");
    assert_eq!(mrz.sex, Some(Sex::Female));
    assert_eq!(mrz.optional_data, "ZE184226B");
    let today = date!(2026 - 11 - 23);
    let dob = mrz.date_of_birth.and_then(|d| d.as_birth_date(today));
    assert_eq!(dob, Some(date!(1974 - 08 - 12)));
    let expiry = mrz.date_of_expiry.and_then(|d| d.as_expiry_date(today));
    assert_eq!(expiry, Some(date!(2012 - 04 - 15)));
    assert_eq!(mrz.checks.len(), 5);
    assert!(mrz.is_valid(), "{:?}", mrz);
}

#[test]
fn td1_specimen() {
    let mrz = parsed(TD1);
    assert_eq!(mrz.format, MrzFormat::Td1);
    assert_eq!(mrz.document_number, "D23145890");
    assert_eq!(mrz.nationality.code, "UTO");
    assert_eq!((mrz.surname.as_str(), mrz.given_names.as_str()), ("ERIKSSON", "ANNA MARIA"));
    assert_eq!(mrz.optional_data_2.as_deref(), Some(""));
    assert_eq!(mrz.checks.len(), 4);
    assert!(mrz.is_valid(), "{:?}", mrz);
}

#[test]
fn td2_specimen() {
    let mrz = parsed(TD2);
    assert_eq!(mrz.format, MrzFormat::Td2);
    assert_eq!(mrz.document_number, "D23145890");
    assert!(mrz.is_valid(), "{:?}", mrz);
}

#[test]
fn visa_specimens() {
    for (text, format) in [(MRV_A, MrzFormat::MrvA), (MRV_B, MrzFormat::MrvB)] {
        let mrz = parsed(text);
        assert_eq!(mrz.format, format);
        assert_eq!(mrz.document_number, "L8988901C");
        assert_eq!(mrz.nationality.code, "XXX");
        assert_eq!(mrz.nationality.iso_alpha3, None);
        assert_eq!(mrz.checks.len(), 3, "visas have no composite");
        assert!(mrz.is_valid(), "{:?}", mrz);
    }
}

#[test]
fn one_line_input_is_split() {
    let joined: String = TD3.lines().collect();
    assert_eq!(parsed(&joined), parsed(TD3));
}

#[test]
fn wrong_check_digits_are_reported() {
    let broken = TD3.replace("L898902C36", "L898902C37");
    let mrz = parsed(&broken);
    assert_eq!(failed(&mrz), vec![CheckedField::DocumentNumber, CheckedField::Composite]);
    let check = &mrz.checks[0];
    assert_eq!((check.found, check.expected), ('7', '6'));
    assert_eq!(check.position, Position { line: 2, column: 10 });
    assert!(!mrz.is_valid());
}

#[test]
fn german_d_and_british_codes() {
    let text = TD3.replacen("UTO", "D<<", 1).replace("UTO74", "GBD74");
    let mrz = parsed(&text);
    assert_eq!(mrz.issuing_state.code, "D");
    assert_eq!(mrz.issuing_state.iso_alpha3, Some("DEU"));
    assert_eq!(mrz.nationality.iso_alpha3, Some("GBR"));
}

#[test]
fn td1_long_document_number() {
    // Doc 9303 Part 5 §4.2.4: number D23145890734 → check digit 9 moves
    // into the optional data after the overflow characters.
    let line1 = "I<UTOD23145890<7349<<<<<<<<<<<";
    let number_check = check_digit::compute("D23145890734");
    let line1 = line1.replace("7349", &format!("734{number_check}"));
    let composite_src = format!("{}7408122{}<<<<<<<<<<<", &line1[5..30], "1204159");
    let composite = check_digit::compute(&composite_src);
    let text = format!("{line1}\n7408122F1204159UTO<<<<<<<<<<<{composite}\nERIKSSON<<ANNA<MARIA<<<<<<<<<<");
    let mrz = parsed(&text);
    assert_eq!(mrz.document_number, "D23145890734");
    assert!(mrz.is_valid(), "{:?}", mrz);
}

#[test]
fn shape_and_character_errors() {
    assert!(matches!(parse("P<UTO"), Err(MrzError::Shape { .. })));
    let lower = TD3.replace("ERIKSSON", "Eriksson");
    assert_eq!(
        parse(&lower),
        Err(MrzError::InvalidCharacter { position: Position { line: 1, column: 7 }, found: 'r' })
    );
}

#[test]
fn impossible_dates_and_sex_are_problems() {
    let text = TD3.replace("7408122F", "7413122Q");
    let mrz = parsed(&text);
    let fields: Vec<&str> = mrz.problems.iter().map(|p| p.field).collect();
    assert_eq!(fields, vec!["date_of_birth", "sex"]);
    assert_eq!(mrz.date_of_birth, None);
}
