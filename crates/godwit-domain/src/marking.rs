//! Markings carried by every item: classification, TLP 2.0 and handling caveats.

use serde::{Deserialize, Serialize};

/// A rank on the node's classification scale; 0 is the lowest (unclassified).
///
/// Ranks are compared; names come from the [`ClassificationScale`] configured on
/// the node, so an agency can use its own words without changing the rules.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
#[serde(transparent)]
pub struct Classification(pub u8);

impl Classification {
    pub const LOWEST: Classification = Classification(0);
}

/// The ordered names of the classification levels, lowest first.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassificationScale {
    pub levels: Vec<String>,
}

impl Default for ClassificationScale {
    fn default() -> Self {
        Self { levels: ["UNCLASSIFIED", "IN-CONFIDENCE", "RESTRICTED", "CONFIDENTIAL"].map(String::from).to_vec() }
    }
}

impl ClassificationScale {
    pub fn name(&self, level: Classification) -> &str {
        self.levels.get(usize::from(level.0)).map(String::as_str).unwrap_or("UNKNOWN")
    }

    /// Looks a level up by name, ignoring case.
    pub fn parse(&self, name: &str) -> Option<Classification> {
        self.levels
            .iter()
            .position(|l| l.eq_ignore_ascii_case(name.trim()))
            .and_then(|p| u8::try_from(p).ok())
            .map(Classification)
    }

    pub fn highest(&self) -> Classification {
        Classification(u8::try_from(self.levels.len().saturating_sub(1)).unwrap_or(u8::MAX))
    }

    pub fn all(&self) -> impl Iterator<Item = Classification> + '_ {
        (0..self.levels.len()).filter_map(|i| u8::try_from(i).ok()).map(Classification)
    }
}

/// Traffic Light Protocol 2.0 (FIRST).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Tlp {
    Clear,
    Green,
    Amber,
    #[serde(rename = "AMBER+STRICT")]
    AmberStrict,
    Red,
}

impl Tlp {
    pub const ALL: [Tlp; 5] = [Tlp::Clear, Tlp::Green, Tlp::Amber, Tlp::AmberStrict, Tlp::Red];

    /// The label as written in TLP 2.0 (`TLP:AMBER+STRICT`, without the prefix).
    pub fn as_str(self) -> &'static str {
        match self {
            Tlp::Clear => "CLEAR",
            Tlp::Green => "GREEN",
            Tlp::Amber => "AMBER",
            Tlp::AmberStrict => "AMBER+STRICT",
            Tlp::Red => "RED",
        }
    }

    pub fn parse(text: &str) -> Option<Tlp> {
        let text = text.trim();
        let text = text.strip_prefix("TLP:").unwrap_or(text);
        Tlp::ALL.into_iter().find(|t| t.as_str().eq_ignore_ascii_case(text))
    }

    /// What the label asks of a recipient, in words.
    pub fn meaning(self) -> &'static str {
        match self {
            Tlp::Clear => "Disclosure is not limited.",
            Tlp::Green => "Limited disclosure: the recipient's community, not public channels.",
            Tlp::Amber => "Limited disclosure: the recipient's organisation and its clients on a need-to-know basis.",
            Tlp::AmberStrict => "Limited disclosure: the recipient's organisation only.",
            Tlp::Red => "For the eyes and ears of the named recipients only.",
        }
    }
}

/// Handling caveats set by the originator.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Caveats {
    /// No further dissemination to third parties without the originator's consent.
    #[serde(default)]
    pub no_third_party: bool,
    /// Intelligence is not evidence: not for use in judicial proceedings.
    #[serde(default)]
    pub not_for_judicial_use: bool,
    /// Contains personal data: flows only under agreements that allow it.
    #[serde(default)]
    pub personal_data: bool,
}

impl Caveats {
    /// The caveats in words, for marking banners.
    pub fn labels(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.no_third_party {
            out.push("NO THIRD-PARTY DISSEMINATION");
        }
        if self.not_for_judicial_use {
            out.push("NOT FOR JUDICIAL USE");
        }
        if self.personal_data {
            out.push("CONTAINS PERSONAL DATA");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_parses_names_case_insensitively() {
        let scale = ClassificationScale::default();
        assert_eq!(scale.parse("restricted"), Some(Classification(2)));
        assert_eq!(scale.parse("SECRET"), None);
        assert_eq!(scale.name(Classification(3)), "CONFIDENTIAL");
        assert_eq!(scale.highest(), Classification(3));
    }

    #[test]
    fn tlp_round_trips_through_its_label() {
        for tlp in Tlp::ALL {
            assert_eq!(Tlp::parse(&format!("TLP:{}", tlp.as_str())), Some(tlp));
        }
        assert_eq!(serde_json::to_string(&Tlp::AmberStrict).ok().as_deref(), Some("\"AMBER+STRICT\""));
    }
}
