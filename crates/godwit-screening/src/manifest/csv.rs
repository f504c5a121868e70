//! CSV manifests with the header
//! `traveller_id,surname,given_names,date_of_birth,sex,nationality,document_type,document_number,issuing_state,expiry_date,origin,destination`.
//!
//! Dates are ISO `YYYY-MM-DD`; every column but `surname` may be empty. A
//! row with a defect becomes an [`Unscreenable`] naming its row and column.

use std::io::Read;

use super::{Location, Manifest, Unscreenable};
use crate::csv_table::{self, CellError, CsvError, Row};
use crate::dates;
use crate::traveller::{Sex, TravelDocument, Traveller};

/// The required header, in order.
pub const HEADER: &[&str] = &[
    "traveller_id",
    "surname",
    "given_names",
    "date_of_birth",
    "sex",
    "nationality",
    "document_type",
    "document_number",
    "issuing_state",
    "expiry_date",
    "origin",
    "destination",
];

/// Reads a CSV manifest; fails only on a wrong header.
pub fn parse<R: Read>(input: R) -> Result<Manifest, CsvError> {
    let mut manifest = Manifest::default();
    for row in csv_table::read(input, HEADER)? {
        match row {
            Ok(row) => match traveller(&row) {
                Ok(t) => manifest.travellers.push(t),
                Err(e) => manifest.unscreenable.push(unscreenable(Some(&row), e)),
            },
            Err(e) => manifest.unscreenable.push(unscreenable(None, e)),
        }
    }
    Ok(manifest)
}

fn unscreenable(row: Option<&Row>, e: CellError) -> Unscreenable {
    let id = row.and_then(|r| r.optional("traveller_id"));
    let name = row.map(|r| format!("{} {}", r.get("given_names"), r.get("surname")));
    Unscreenable {
        traveller_id: id.unwrap_or_else(|| format!("row-{}", e.row)),
        name: name.unwrap_or_default().trim().to_string(),
        location: Location::Cell { row: e.row, column: e.column },
        message: e.message,
    }
}

fn traveller(row: &Row) -> Result<Traveller, CellError> {
    let surname = row.get("surname");
    if surname.is_empty() {
        return Err(row.error("surname", "surname is empty"));
    }
    let date = |column: &str| -> Result<Option<time::Date>, CellError> {
        match row.optional(column) {
            None => Ok(None),
            Some(text) => dates::parse_iso(&text)
                .map(Some)
                .ok_or_else(|| row.error(column, format!("{text:?} is not a date YYYY-MM-DD"))),
        }
    };
    let sex_text = row.get("sex");
    let sex = Sex::from_code(sex_text).ok_or_else(|| row.error("sex", format!("{sex_text:?} is not M, F, X or U")))?;
    let documents = match row.optional("document_number") {
        None => Vec::new(),
        Some(number) => vec![TravelDocument {
            document_type: row.optional("document_type").unwrap_or_else(|| "P".into()),
            number,
            issuing_state: row.optional("issuing_state"),
            expiry_date: date("expiry_date")?,
        }],
    };
    Ok(Traveller {
        traveller_id: row.optional("traveller_id").unwrap_or_else(|| format!("row-{}", row.number)),
        surname: surname.to_string(),
        given_names: row.get("given_names").to_string(),
        date_of_birth: date("date_of_birth")?,
        sex: (!sex_text.is_empty()).then_some(sex),
        nationality: row.optional("nationality"),
        documents,
        origin: row.optional("origin"),
        destination: row.optional("destination"),
        transit: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const GOOD: &str = "traveller_id,surname,given_names,date_of_birth,sex,nationality,document_type,document_number,issuing_state,expiry_date,origin,destination
T1,Eriksson,Anna Maria,1974-08-12,F,UTO,P,L898902C3,UTO,2027-04-15,CGK,SYD
T2,Smith,John,1980-13-01,M,GBR,P,123,GBR,,CGK,SYD
T3,\"Al Rashid\",Omar,,X,,,,,,CGK,SYD
T4,Short
";

    #[test]
    fn rows_and_cell_errors() {
        let m = parse(GOOD.as_bytes()).expect("header ok");
        assert_eq!(m.travellers.len(), 2);
        let anna = &m.travellers[0];
        assert_eq!(anna.date_of_birth, Some(date!(1974 - 08 - 12)));
        assert_eq!(anna.documents[0].expiry_date, Some(date!(2027 - 04 - 15)));
        assert_eq!(m.travellers[1].surname, "Al Rashid");
        assert!(m.travellers[1].documents.is_empty());
        let bad: Vec<(&str, &Location)> =
            m.unscreenable.iter().map(|u| (u.traveller_id.as_str(), &u.location)).collect();
        assert_eq!(
            bad,
            vec![
                ("T2", &Location::Cell { row: 3, column: "date_of_birth".into() }),
                ("row-5", &Location::Cell { row: 5, column: "given_names".into() }),
            ]
        );
    }

    #[test]
    fn wrong_header_is_refused() {
        assert!(matches!(parse("id,name\n".as_bytes()), Err(CsvError::Header { .. })));
    }
}
