//! Writing a generated [`Dataset`](super::Dataset) as the CSV files the CLI
//! reads (and a peer tool such as Splink can read too), with the planted
//! pairs as the answer key.

use std::io::Write;

use super::Dataset;
use crate::dates::PartialDate;
use crate::manifest;
use crate::traveller::Sex;
use crate::watchlist::{documents, persons};

fn sex(s: Option<Sex>) -> &'static str {
    match s {
        Some(Sex::Male) => "M",
        Some(Sex::Female) => "F",
        Some(Sex::Unspecified) => "X",
        None => "",
    }
}

fn partial(d: Option<PartialDate>) -> String {
    match d {
        Some(PartialDate { year, month: Some(m), day: Some(day) }) => format!("{year:04}-{m:02}-{day:02}"),
        Some(PartialDate { year, month: Some(m), day: None }) => format!("{year:04}-{m:02}"),
        Some(PartialDate { year, .. }) => format!("{year:04}"),
        None => String::new(),
    }
}

fn iso(d: Option<time::Date>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

/// Writes the persons watchlist CSV.
pub fn persons_csv<W: Write>(data: &Dataset, out: W) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(persons::HEADER)?;
    for p in &data.persons {
        let dob = partial(p.date_of_birth);
        let aliases = p.aliases.join("|");
        let nationality = p.nationality.as_deref().unwrap_or("");
        w.write_record([p.id.as_str(), &p.name, &aliases, &dob, nationality, sex(p.sex), &p.reason])?;
    }
    w.flush()?;
    Ok(())
}

/// Writes the documents watchlist CSV.
pub fn documents_csv<W: Write>(data: &Dataset, out: W) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(documents::HEADER)?;
    for d in &data.documents {
        let status = format!("{:?}", d.status).to_lowercase();
        let state = d.issuing_state.as_deref().unwrap_or("");
        let kind = d.document_type.as_deref().unwrap_or("");
        w.write_record([d.id.as_str(), &d.document_number, state, kind, &status, &d.reason])?;
    }
    w.flush()?;
    Ok(())
}

/// Writes the manifest CSV (first document of each traveller).
pub fn manifest_csv<W: Write>(data: &Dataset, out: W) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(manifest::csv::HEADER)?;
    for t in &data.travellers {
        let (kind, number, state, expiry) = match t.documents.first() {
            Some(d) => (d.document_type.as_str(), d.number.as_str(), d.issuing_state.as_deref(), iso(d.expiry_date)),
            None => ("", "", None, String::new()),
        };
        w.write_record([
            t.traveller_id.as_str(),
            &t.surname,
            &t.given_names,
            &iso(t.date_of_birth),
            sex(t.sex),
            t.nationality.as_deref().unwrap_or(""),
            kind,
            number,
            state.unwrap_or(""),
            &expiry,
            t.origin.as_deref().unwrap_or(""),
            t.destination.as_deref().unwrap_or(""),
        ])?;
    }
    w.flush()?;
    Ok(())
}

/// Writes the answer key: `traveller_id,watchlist_id` per planted hit.
pub fn planted_csv<W: Write>(data: &Dataset, out: W) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(["traveller_id", "watchlist_id"])?;
    for (t, id) in &data.planted {
        w.write_record([t, id])?;
    }
    w.flush()?;
    Ok(())
}
