//! Nationality and issuing-state codes as they appear in travel documents.
//!
//! ICAO Doc 9303 Part 3 §5 uses ISO 3166-1 alpha-3 codes plus a few of its
//! own: `D` for Germany, the five British nationality categories, codes for
//! organisations (UN, EU, Interpol…) and for people without a nationality
//! (stateless, refugees). Screening compares nationalities, so every code
//! is mapped to the ISO alpha-3 code of the state it stands for where one
//! exists (`D` → `DEU`, `GBD` → `GBR`) and left unmapped where none does
//! (`XXA`, `UNO`, `RKS`).

use std::collections::HashMap;
use std::sync::LazyLock;

use godwit_domain::codes::ISO_ALPHA3;
use serde::Serialize;

/// What kind of entity a document code stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CodeKind {
    /// An ISO 3166-1 alpha-3 code.
    Iso,
    /// A code ICAO assigns to a state or nationality category instead of ISO's.
    IcaoState,
    /// An organisation issuing travel documents (UN, EU, Interpol…).
    Organisation,
    /// A person without a determined nationality (stateless, refugee, unspecified).
    NoNationality,
    /// The fictional state `UTO` used by the Doc 9303 specimens.
    Specimen,
}

/// A recognised document code with its meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CountryCode {
    /// The code as written in the document (`D`, `GBD`, `FRA`).
    pub code: &'static str,
    /// The ISO 3166-1 alpha-3 code it maps to, if any.
    pub iso_alpha3: Option<&'static str>,
    /// What the code stands for.
    pub kind: CodeKind,
}

/// Codes of Doc 9303 Part 3 that are not ISO alpha-3, with their mapping.
const ICAO_SPECIAL: &[CountryCode] = &[
    special("D", Some("DEU"), CodeKind::IcaoState),
    special("EUE", None, CodeKind::Organisation),
    special("GBD", Some("GBR"), CodeKind::IcaoState),
    special("GBN", Some("GBR"), CodeKind::IcaoState),
    special("GBO", Some("GBR"), CodeKind::IcaoState),
    special("GBP", Some("GBR"), CodeKind::IcaoState),
    special("GBS", Some("GBR"), CodeKind::IcaoState),
    special("RKS", None, CodeKind::IcaoState),
    special("UNA", None, CodeKind::Organisation),
    special("UNK", None, CodeKind::Organisation),
    special("UNO", None, CodeKind::Organisation),
    special("UTO", None, CodeKind::Specimen),
    special("XBA", None, CodeKind::Organisation),
    special("XCC", None, CodeKind::Organisation),
    special("XCE", None, CodeKind::Organisation),
    special("XCO", None, CodeKind::Organisation),
    special("XEC", None, CodeKind::Organisation),
    special("XES", None, CodeKind::Organisation),
    special("XIM", None, CodeKind::Organisation),
    special("XOM", None, CodeKind::Organisation),
    special("XPO", None, CodeKind::Organisation),
    special("XXA", None, CodeKind::NoNationality),
    special("XXB", None, CodeKind::NoNationality),
    special("XXC", None, CodeKind::NoNationality),
    special("XXX", None, CodeKind::NoNationality),
];

const fn special(code: &'static str, iso: Option<&'static str>, kind: CodeKind) -> CountryCode {
    CountryCode { code, iso_alpha3: iso, kind }
}

/// Every known code, for constant-time lookup.
static TABLE: LazyLock<HashMap<&'static str, CountryCode>> = LazyLock::new(|| {
    let iso =
        ISO_ALPHA3.split(' ').map(|code| (code, CountryCode { code, iso_alpha3: Some(code), kind: CodeKind::Iso }));
    iso.chain(ICAO_SPECIAL.iter().map(|c| (c.code, *c))).collect()
});

/// Looks up a code as written in a document or manifest (`<` fillers and
/// surrounding spaces ignored, case-sensitive as ICAO codes are upper case).
pub fn lookup(code: &str) -> Option<CountryCode> {
    TABLE.get(code.trim().trim_end_matches('<')).copied()
}

/// The ISO alpha-3 code to compare nationalities with: the mapping where
/// there is one, otherwise the code itself upper-cased (so `XXA` still
/// equals `XXA`).
pub fn comparable(code: &str) -> String {
    let trimmed = code.trim().trim_end_matches('<').to_ascii_uppercase();
    match lookup(&trimmed).and_then(|c| c.iso_alpha3) {
        Some(iso) => iso.to_string(),
        None => trimmed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn icao_codes_map_to_iso_where_possible() {
        let map = |c: &str| lookup(c).and_then(|c| c.iso_alpha3);
        assert_eq!(map("D"), Some("DEU"));
        assert_eq!(map("D<<"), Some("DEU"));
        for british in ["GBD", "GBN", "GBO", "GBP", "GBS"] {
            assert_eq!(map(british), Some("GBR"));
        }
        for unmapped in ["UNO", "UNA", "UNK", "XXA", "XXB", "XXC", "XXX", "RKS", "EUE"] {
            let code = lookup(unmapped).expect("known code");
            assert_eq!(code.iso_alpha3, None, "{unmapped}");
        }
        assert_eq!(map("FRA"), Some("FRA"));
        assert!(lookup("QQQ").is_none());
        assert_eq!(comparable("d"), "DEU");
        assert_eq!(comparable("XXA"), "XXA");
    }
}
