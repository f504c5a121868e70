//! The PAXLST segments of the WCO/IATA/ICAO API guidelines (D05B), typed.
//!
//! Each [`RawSegment`] becomes a [`Segment`] whose required elements are
//! present; segments PAXLST does not screen on (COM, FTX, EMP…) stay
//! [`Segment::Other`].

use thiserror::Error;

use super::tokenizer::RawSegment;

/// A segment whose required data is present.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// Interchange header: `UNB+syntax+sender+recipient+date:time+reference`.
    Unb {
        sender: String,
        recipient: String,
        /// Preparation date `YYMMDD`.
        date: String,
        reference: String,
    },
    /// Functional group header: `UNG+PAXLST+sender+recipient+date:time+reference`.
    Ung { reference: String },
    /// Message header: `UNH+reference+PAXLST:D:05B:UN:IATA`.
    Unh { reference: String, message_type: String },
    /// Beginning of message: `BGM+745` passengers, `BGM+250` crew.
    Bgm { code: String },
    /// Name and address: `NAD+FL+++SURNAME:GIVEN:GIVEN`.
    Nad { function: String, surname: String, given_names: Vec<String> },
    /// Attribute: `ATT+2++M` (sex).
    Att { function: String, value: String },
    /// Date/time: `DTM+329:740812` (qualifier, value, optional format).
    Dtm { qualifier: String, value: String },
    /// Nationality: `NAT+2+UTO`.
    Nat { code: String },
    /// Reference: `RFF+AVF:ABC123`.
    Rff { qualifier: String, value: String },
    /// Document: `DOC+P:110:111+L898902C3`.
    Doc { document_type: String, number: String },
    /// Place: `LOC+178+BKK`.
    Loc { qualifier: String, place: String },
    /// Transport: `TDT+20+UA123+++UA`.
    Tdt { conveyance: String, carrier: String },
    /// Control total: `CNT+42:120`.
    Cnt { qualifier: String, value: u32 },
    /// Message trailer: `UNT+count+reference`.
    Unt { count: u32, reference: String },
    /// Group trailer: `UNE+count+reference`.
    Une { count: u32, reference: String },
    /// Interchange trailer: `UNZ+count+reference`.
    Unz { count: u32, reference: String },
    /// A segment screening does not use.
    Other,
}

/// A segment that lacks what its type requires.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{tag} segment #{index} at byte {offset}: {message}")]
pub struct SegmentError {
    pub tag: String,
    pub index: usize,
    pub offset: usize,
    pub message: String,
}

impl Segment {
    /// Types a raw segment.
    pub fn from_raw(raw: &RawSegment) -> Result<Segment, SegmentError> {
        let req = |e: usize, c: usize, what: &str| -> Result<String, SegmentError> {
            let v = raw.get(e, c).trim();
            if v.is_empty() { Err(error(raw, format!("missing {what}"))) } else { Ok(v.to_string()) }
        };
        let opt = |e: usize, c: usize| raw.get(e, c).trim().to_string();
        let number = |e: usize, what: &str| -> Result<u32, SegmentError> {
            let text = req(e, 0, what)?;
            text.parse().map_err(|_| error(raw, format!("{what} {text:?} is not a number")))
        };
        Ok(match raw.tag.as_str() {
            "UNB" => Segment::Unb {
                sender: req(1, 0, "sender")?,
                recipient: req(2, 0, "recipient")?,
                date: opt(3, 0),
                reference: req(4, 0, "control reference")?,
            },
            "UNG" => Segment::Ung { reference: req(4, 0, "group reference")? },
            "UNH" => {
                Segment::Unh { reference: req(0, 0, "message reference")?, message_type: req(1, 0, "message type")? }
            }
            "BGM" => Segment::Bgm { code: req(0, 0, "document name code")? },
            "NAD" => {
                let function = req(0, 0, "party function")?;
                let surname = opt(3, 0);
                let given_names: Vec<String> = raw
                    .elements
                    .get(3)
                    .map(|e| e.iter().skip(1).map(|g| g.trim().to_string()).filter(|g| !g.is_empty()).collect())
                    .unwrap_or_default();
                if surname.is_empty() && matches!(function.as_str(), "FL" | "FM" | "DDT" | "DDU") {
                    return Err(error(raw, "traveller without surname".into()));
                }
                Segment::Nad { function, surname, given_names }
            }
            "ATT" => Segment::Att { function: req(0, 0, "attribute function")?, value: opt(2, 0) },
            "DTM" => Segment::Dtm { qualifier: req(0, 0, "date qualifier")?, value: req(0, 1, "date value")? },
            "NAT" => Segment::Nat { code: req(1, 0, "nationality code")? },
            "RFF" => {
                Segment::Rff { qualifier: req(0, 0, "reference qualifier")?, value: req(0, 1, "reference value")? }
            }
            "DOC" => Segment::Doc { document_type: req(0, 0, "document type")?, number: req(1, 0, "document number")? },
            "LOC" => Segment::Loc { qualifier: req(0, 0, "location qualifier")?, place: req(1, 0, "place")? },
            "TDT" => Segment::Tdt { conveyance: req(1, 0, "conveyance reference")?, carrier: opt(4, 0) },
            "CNT" => {
                let qualifier = req(0, 0, "control qualifier")?;
                let text = req(0, 1, "control value")?;
                let value = text.parse().map_err(|_| error(raw, format!("control value {text:?} is not a number")))?;
                Segment::Cnt { qualifier, value }
            }
            "UNT" => Segment::Unt { count: number(0, "segment count")?, reference: opt(1, 0) },
            "UNE" => Segment::Une { count: number(0, "message count")?, reference: opt(1, 0) },
            "UNZ" => Segment::Unz { count: number(0, "message count")?, reference: opt(1, 0) },
            _ => Segment::Other,
        })
    }
}

/// An error about `raw`.
fn error(raw: &RawSegment, message: String) -> SegmentError {
    SegmentError { tag: raw.tag.clone(), index: raw.index, offset: raw.offset, message }
}
