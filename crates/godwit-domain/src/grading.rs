//! Source grading: how reliable the source is and how credible the information.
//!
//! The scheme is stored with the grade, because members use different ones
//! (seed 001 §31 asks for enough source detail to judge reliability and veracity).

use serde::{Deserialize, Serialize};

use crate::ValidationErrors;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GradingScheme {
    /// Admiralty / NATO system: source reliability A–F, information credibility 1–6.
    Admiralty,
    /// Europol 4×4: source A–D or X, information 1–4.
    Europol4x4,
    /// UK 3×5×2: source 1–3, intelligence A–E, handling P or C.
    Uk3x5x2,
}

impl GradingScheme {
    pub const ALL: [GradingScheme; 3] = [GradingScheme::Admiralty, GradingScheme::Europol4x4, GradingScheme::Uk3x5x2];

    pub fn as_str(self) -> &'static str {
        match self {
            GradingScheme::Admiralty => "admiralty",
            GradingScheme::Europol4x4 => "europol_4x4",
            GradingScheme::Uk3x5x2 => "uk_3x5x2",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// The source-reliability codes with their meaning.
    pub fn source_scale(self) -> &'static [(&'static str, &'static str)] {
        match self {
            GradingScheme::Admiralty => &[
                ("A", "completely reliable"),
                ("B", "usually reliable"),
                ("C", "fairly reliable"),
                ("D", "not usually reliable"),
                ("E", "unreliable"),
                ("F", "reliability cannot be judged"),
            ],
            GradingScheme::Europol4x4 => &[
                ("A", "no doubt of the source's authenticity, trustworthiness and competence"),
                ("B", "source has proved reliable in most instances"),
                ("C", "source has proved unreliable in most instances"),
                ("X", "reliability of the source cannot be assessed"),
            ],
            GradingScheme::Uk3x5x2 => &[("1", "reliable"), ("2", "untested"), ("3", "not reliable")],
        }
    }

    /// The information-credibility codes with their meaning.
    pub fn information_scale(self) -> &'static [(&'static str, &'static str)] {
        match self {
            GradingScheme::Admiralty => &[
                ("1", "confirmed by other sources"),
                ("2", "probably true"),
                ("3", "possibly true"),
                ("4", "doubtful"),
                ("5", "improbable"),
                ("6", "truth cannot be judged"),
            ],
            GradingScheme::Europol4x4 => &[
                ("1", "accuracy not in doubt"),
                ("2", "known personally to the source but not to the official passing it on"),
                ("3", "not known personally to the source but corroborated"),
                ("4", "not known personally to the source and cannot be corroborated"),
            ],
            GradingScheme::Uk3x5x2 => &[
                ("A", "known directly to the source"),
                ("B", "known indirectly to the source but corroborated"),
                ("C", "known indirectly to the source"),
                ("D", "not known"),
                ("E", "suspected to be false"),
            ],
        }
    }

    /// UK 3×5×2 handling codes; empty for the other schemes.
    pub fn handling_scale(self) -> &'static [(&'static str, &'static str)] {
        match self {
            GradingScheme::Uk3x5x2 => {
                &[("P", "lawful sharing permitted"), ("C", "lawful sharing permitted with conditions")]
            }
            _ => &[],
        }
    }
}

/// A grade in a named scheme, e.g. Admiralty `B2`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SourceGrading {
    pub scheme: GradingScheme,
    pub source: String,
    pub information: String,
    /// Only for the UK 3×5×2 scheme.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handling: Option<String>,
}

fn meaning_of(scale: &'static [(&'static str, &'static str)], code: &str) -> Option<&'static str> {
    scale.iter().find(|(c, _)| *c == code).map(|(_, m)| *m)
}

impl SourceGrading {
    pub fn validate(&self, field: &str, errors: &mut ValidationErrors) {
        let scheme = self.scheme;
        if meaning_of(scheme.source_scale(), &self.source).is_none() {
            errors.push(format!("{field}.source"), format!("not a source code of the {} scheme", scheme.as_str()));
        }
        if meaning_of(scheme.information_scale(), &self.information).is_none() {
            errors.push(
                format!("{field}.information"),
                format!("not an information code of the {} scheme", scheme.as_str()),
            );
        }
        match (&self.handling, scheme.handling_scale().is_empty()) {
            (Some(h), false) if meaning_of(scheme.handling_scale(), h).is_none() => {
                errors.push(format!("{field}.handling"), "handling code must be P or C")
            }
            (None, false) => errors.push(format!("{field}.handling"), "the uk_3x5x2 scheme needs a handling code"),
            (Some(_), true) => errors.push(format!("{field}.handling"), "this scheme has no handling code"),
            _ => {}
        }
    }

    /// The grade as an analyst writes it: `B2`, `1-B-P`.
    pub fn code(&self) -> String {
        match &self.handling {
            Some(h) => format!("{}-{}-{}", self.source, self.information, h),
            None => format!("{}{}", self.source, self.information),
        }
    }

    /// The grade explained in words, for readers who do not know the scheme.
    pub fn explain(&self) -> String {
        let source = meaning_of(self.scheme.source_scale(), &self.source).unwrap_or("unknown source grade");
        let info =
            meaning_of(self.scheme.information_scale(), &self.information).unwrap_or("unknown information grade");
        let mut text = format!("Source {source}; information {info}");
        if let Some(h) = self.handling.as_deref().and_then(|h| meaning_of(self.scheme.handling_scale(), h)) {
            text.push_str("; ");
            text.push_str(h);
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grade(scheme: GradingScheme, s: &str, i: &str, h: Option<&str>) -> SourceGrading {
        SourceGrading { scheme, source: s.into(), information: i.into(), handling: h.map(String::from) }
    }

    #[test]
    fn admiralty_grade_is_explained() {
        let g = grade(GradingScheme::Admiralty, "B", "2", None);
        let mut errors = ValidationErrors::default();
        g.validate("grading", &mut errors);
        assert!(errors.is_empty());
        assert_eq!(g.code(), "B2");
        assert_eq!(g.explain(), "Source usually reliable; information probably true");
    }

    #[test]
    fn codes_from_another_scheme_are_refused_with_the_field() {
        let mut errors = ValidationErrors::default();
        grade(GradingScheme::Europol4x4, "F", "6", Some("P")).validate("grading", &mut errors);
        let fields: Vec<_> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["grading.source", "grading.information", "grading.handling"]);
    }

    #[test]
    fn uk_scheme_requires_handling() {
        let mut errors = ValidationErrors::default();
        grade(GradingScheme::Uk3x5x2, "1", "A", None).validate("g", &mut errors);
        assert_eq!(errors.0.len(), 1);
        let g = grade(GradingScheme::Uk3x5x2, "1", "A", Some("C"));
        assert_eq!(g.code(), "1-A-C");
    }
}
