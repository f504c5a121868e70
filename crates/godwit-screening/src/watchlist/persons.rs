//! Persons CSV: `id,name,aliases,date_of_birth,nationality,sex,reason`.
//!
//! Names and aliases may be in any script; aliases are separated by `|`;
//! the date of birth is `YYYY-MM-DD`, `YYYY-MM` or `YYYY`.

use std::io::Read;

use serde::Serialize;

use super::Loaded;
use crate::csv_table::{self, CellError, CsvError, Row};
use crate::dates::PartialDate;
use crate::traveller::Sex;

/// The required header, in order.
pub const HEADER: &[&str] = &["id", "name", "aliases", "date_of_birth", "nationality", "sex", "reason"];

/// A person on a watchlist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonEntry {
    pub id: String,
    pub name: String,
    pub aliases: Vec<String>,
    pub date_of_birth: Option<PartialDate>,
    pub nationality: Option<String>,
    pub sex: Option<Sex>,
    pub reason: String,
}

/// Reads a persons watchlist; fails only on a wrong header.
pub fn load<R: Read>(input: R) -> Result<Loaded<PersonEntry>, CsvError> {
    let mut loaded = Loaded::default();
    for row in csv_table::read(input, HEADER)? {
        match row.and_then(|r| entry(&r)) {
            Ok(e) => loaded.entries.push(e),
            Err(e) => loaded.errors.push(e),
        }
    }
    Ok(loaded)
}

fn entry(row: &Row) -> Result<PersonEntry, CellError> {
    let id = row.get("id");
    if id.is_empty() {
        return Err(row.error("id", "id is empty"));
    }
    let name = row.get("name");
    if name.is_empty() {
        return Err(row.error("name", "name is empty"));
    }
    let date_of_birth = match row.optional("date_of_birth") {
        None => None,
        Some(text) => Some(
            PartialDate::parse(&text)
                .ok_or_else(|| row.error("date_of_birth", format!("{text:?} is not YYYY-MM-DD, YYYY-MM or YYYY")))?,
        ),
    };
    let sex_text = row.get("sex");
    let sex = Sex::from_code(sex_text).ok_or_else(|| row.error("sex", format!("{sex_text:?} is not M, F, X or U")))?;
    Ok(PersonEntry {
        id: id.to_string(),
        name: name.to_string(),
        aliases: row.get("aliases").split('|').map(str::trim).filter(|a| !a.is_empty()).map(String::from).collect(),
        date_of_birth,
        nationality: row.optional("nationality"),
        sex: (!sex_text.is_empty()).then_some(sex),
        reason: row.get("reason").to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn persons_with_aliases_scripts_and_partial_dates() {
        let text = "id,name,aliases,date_of_birth,nationality,sex,reason
W1,Muhammad Yusuf,محمد يوسف|Mohamed Youssef,1980-05,SYR,M,wanted
W2,Иван Петров,,1975,RUS,,
W3,,x,1975,RUS,M,
W4,Zhang Wei,张伟,1975-02-30,CHN,M,
";
        let loaded = load(text.as_bytes()).expect("header ok");
        assert_eq!(loaded.entries.len(), 2);
        assert_eq!(loaded.entries[0].aliases, vec!["محمد يوسف", "Mohamed Youssef"]);
        assert_eq!(loaded.entries[0].date_of_birth.and_then(|d| d.month), Some(5));
        assert_eq!(loaded.entries[1].sex, None);
        let errors: Vec<(usize, &str)> = loaded.errors.iter().map(|e| (e.row, e.column.as_str())).collect();
        assert_eq!(errors, vec![(4, "name"), (5, "date_of_birth")]);
    }
}
