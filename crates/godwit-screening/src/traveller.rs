//! The traveller as every manifest format reduces it: the fields screening
//! compares, whatever file they came from.

use serde::{Deserialize, Serialize};
use time::Date;

/// Sex as recorded in travel documents (Doc 9303: `M`, `F`, `X` or `<`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Sex {
    #[serde(rename = "M")]
    Male,
    #[serde(rename = "F")]
    Female,
    /// `X` or `<`: unspecified.
    #[serde(rename = "X")]
    Unspecified,
}

impl Sex {
    /// Parses the one-letter codes used by MRZs, PAXLST `ATT` and CSV files
    /// (`U` is PAXLST's "unknown"). Empty input means unspecified.
    pub fn from_code(code: &str) -> Option<Sex> {
        match code.trim().to_ascii_uppercase().as_str() {
            "M" | "MALE" => Some(Sex::Male),
            "F" | "FEMALE" => Some(Sex::Female),
            "X" | "<" | "U" | "" => Some(Sex::Unspecified),
            _ => None,
        }
    }
}

/// A travel document as a manifest declares it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct TravelDocument {
    /// Document type code (`P` passport, `V` visa, `I`/`AC`/`C` identity cards…).
    pub document_type: String,
    pub number: String,
    pub issuing_state: Option<String>,
    #[serde(default, with = "crate::dates::iso_option")]
    pub expiry_date: Option<Date>,
}

/// One passenger or crew member to screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Traveller {
    /// The manifest's own reference for the traveller, echoed in results.
    pub traveller_id: String,
    pub surname: String,
    pub given_names: String,
    #[serde(default, with = "crate::dates::iso_option")]
    pub date_of_birth: Option<Date>,
    pub sex: Option<Sex>,
    pub nationality: Option<String>,
    /// Passports, visas and other documents the traveller presents.
    pub documents: Vec<TravelDocument>,
    /// Airport or place where the journey starts.
    pub origin: Option<String>,
    /// Airport or place where the journey ends.
    pub destination: Option<String>,
    /// Places the journey passes through between origin and destination.
    pub transit: Vec<String>,
}

impl Traveller {
    /// Full name as one string, given names first.
    pub fn full_name(&self) -> String {
        format!("{} {}", self.given_names, self.surname).trim().to_string()
    }
}
