//! UN/EDIFACT PAXLST passenger and crew lists (D05B, as profiled by the
//! WCO/IATA/ICAO guidelines on Advance Passenger Information).
//!
//! # Grammar
//!
//! ```text
//! interchange = [UNA] UNB [UNG] message+ [UNE] UNZ
//! message     = UNH BGM (745 passengers | 250 crew) [NAD+MS …]
//!               TDT LOC+125 DTM+189 LOC+87 DTM+232 {LOC+92 …}   ; flight legs
//!               traveller* CNT+42|41 UNT
//! traveller   = NAD+FL|FM|DDT|DDU+++surname:given:given
//!               [ATT+2++M|F|U|X] [DTM+329:YYMMDD] {LOC+178|179|22|174|180+place}
//!               [NAT+2+code] {RFF+qualifier:value}
//!               {DOC+type+number [DTM+36:YYMMDD] [LOC+91+issuing state]}
//! segment     = tag {element-sep element} terminator
//! element     = component {component-sep component}
//! ```
//!
//! The separators default to `:+.? '` and are redefined by `UNA`; the
//! release character `?` makes the next character literal. Reading goes in
//! two stages: the [`tokenizer`] cuts the text into raw segments, then
//! [`segments`] types them and this module assembles travellers. A segment
//! that is wrong inside a traveller makes that traveller unscreenable (with
//! the segment's tag, index and byte offset); the others are still read.
//! The control counts (`UNT`, `UNE`, `UNZ`, `CNT`) are checked and any
//! mismatch is reported as a [`ManifestProblem`].

mod assemble;
pub mod segments;
pub mod tokenizer;

use serde::Serialize;
use time::Date;

use crate::manifest::{Location, Manifest};
use assemble::Assembler;
use tokenizer::Tokenizer;

/// The kind of list a message carries (`BGM`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ListKind {
    /// `BGM+745`.
    Passengers,
    /// `BGM+250`.
    Crew,
    /// Any other document code, kept as written.
    Other(String),
}

/// The flight a message reports (`TDT`, `LOC`, `DTM`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Flight {
    pub number: String,
    pub carrier: String,
    /// `LOC+125`: last departure airport before arrival.
    pub departure: Option<String>,
    /// `DTM+189` as written (`YYMMDDHHMM`).
    pub departure_time: Option<String>,
    /// `LOC+87`: first arrival airport.
    pub arrival: Option<String>,
    /// `DTM+232` as written.
    pub arrival_time: Option<String>,
    /// `LOC+92`: other airports on the routing.
    pub transit: Vec<String>,
}

/// One PAXLST message (`UNH` … `UNT`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MessageInfo {
    pub reference: String,
    pub list: ListKind,
    pub flight: Flight,
}

/// A parsed interchange: its messages and the travellers of all of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Paxlst {
    pub sender: String,
    pub recipient: String,
    pub messages: Vec<MessageInfo>,
    pub manifest: Manifest,
}

/// Parses a PAXLST interchange. `today` decides the century of two-digit
/// dates of birth when the interchange header carries no date.
pub fn parse(text: &str, today: Date) -> Paxlst {
    let mut asm = Assembler::new(today.year());
    match Tokenizer::new(text) {
        Ok(tokens) => {
            for token in tokens {
                match token {
                    Ok(raw) => asm.segment(&raw),
                    Err(e) => {
                        let offset = match &e {
                            tokenizer::TokenError::ShortUna { offset }
                            | tokenizer::TokenError::Unterminated { offset }
                            | tokenizer::TokenError::DanglingRelease { offset }
                            | tokenizer::TokenError::BadTag { offset, .. } => *offset,
                        };
                        asm.problem(Location::Byte { offset }, e.to_string());
                    }
                }
            }
        }
        Err(e) => asm.problem(Location::Byte { offset: 0 }, e.to_string()),
    }
    asm.finish(text.len())
}

#[cfg(test)]
mod tests;
