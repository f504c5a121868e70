//! Risk rules: declarative checks over a traveller's documents and route,
//! read from a TOML file, each adding its weight to the risk score.
//!
//! ```toml
//! review_threshold = 0.5          # optional: rule score that makes a review
//!
//! [[rule]]
//! id = "expiring-document"
//! weight = 0.3
//! document_expires_within_days = 30
//!
//! [[rule]]
//! id = "nationality-not-issuer"
//! weight = 0.2
//! nationality_differs_from_issuing_state = true
//!
//! [[rule]]
//! id = "transit-hub"
//! weight = 0.4
//! route_through = ["KUL", "BKK"]
//!
//! [[rule]]
//! id = "stolen-blank-series"
//! weight = 0.6
//! document_series = { issuing_state = "UTO", from = "L8989000", to = "L8989999" }
//! ```
//!
//! Each rule has exactly one condition. A file with any error — unknown key,
//! weight outside (0, 1], no condition or two — is refused, naming the line.

use std::ops::Range;

use serde::{Deserialize, Serialize};
use thiserror::Error;
use time::{Date, Duration};
use toml::Spanned;

use crate::countries;
use crate::matching::documents::normalise_number;
use crate::traveller::Traveller;

/// A rule file that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("rules line {line}: {message}")]
pub struct RulesError {
    pub line: usize,
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    review_threshold: Option<Spanned<f64>>,
    #[serde(default)]
    rule: Vec<Spanned<RuleDef>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleDef {
    id: String,
    #[serde(default)]
    description: String,
    weight: Spanned<f64>,
    document_expires_within_days: Option<u32>,
    nationality_differs_from_issuing_state: Option<bool>,
    route_through: Option<Vec<String>>,
    document_series: Option<Series>,
}

/// A run of document numbers: a prefix, or a range of equal-length numbers.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Series {
    pub issuing_state: Option<String>,
    pub prefix: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// What a rule checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    /// A document expires within this many days of the screening date (or has expired).
    DocumentExpiresWithin(u32),
    /// The nationality is not the state that issued a document.
    NationalityDiffersFromIssuingState,
    /// The origin or a transit point is one of these places.
    RouteThrough(Vec<String>),
    /// A document number belongs to an alerted series.
    DocumentSeries(Series),
}

/// One rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rule {
    pub id: String,
    pub description: String,
    pub weight: f64,
    pub condition: Condition,
}

/// The rules of one file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
    /// Rule score at or above which a traveller is reviewed.
    pub review_threshold: f64,
}

impl Default for RuleSet {
    fn default() -> Self {
        RuleSet { rules: Vec::new(), review_threshold: 0.5 }
    }
}

/// A rule that fired for a traveller.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleHit {
    pub rule_id: String,
    pub weight: f64,
    pub reason: String,
}

fn line_of(text: &str, span: Option<Range<usize>>) -> usize {
    let end = span.map_or(0, |s| s.start).min(text.len());
    text.get(..end).map_or(1, |t| t.matches('\n').count() + 1)
}

fn weight(text: &str, w: &Spanned<f64>, what: &str) -> Result<f64, RulesError> {
    let value = *w.get_ref();
    if value > 0.0 && value <= 1.0 {
        Ok(value)
    } else {
        Err(RulesError { line: line_of(text, Some(w.span())), message: format!("{what} {value} is not in (0, 1]") })
    }
}

impl RuleSet {
    /// Parses and checks a rule file.
    pub fn parse(text: &str) -> Result<RuleSet, RulesError> {
        let file: RuleFile = toml::from_str(text)
            .map_err(|e| RulesError { line: line_of(text, e.span()), message: e.message().to_string() })?;
        let review_threshold = match &file.review_threshold {
            Some(t) => weight(text, t, "review_threshold")?,
            None => RuleSet::default().review_threshold,
        };
        let mut rules = Vec::new();
        for spanned in &file.rule {
            let line = line_of(text, Some(spanned.span()));
            let def = spanned.get_ref();
            let err = |message: String| RulesError { line, message };
            let mut conditions = Vec::new();
            if let Some(days) = def.document_expires_within_days {
                conditions.push(Condition::DocumentExpiresWithin(days));
            }
            match def.nationality_differs_from_issuing_state {
                Some(true) => conditions.push(Condition::NationalityDiffersFromIssuingState),
                Some(false) => return Err(err(format!("rule {:?}: a condition cannot be false", def.id))),
                None => {}
            }
            if let Some(places) = &def.route_through {
                conditions.push(Condition::RouteThrough(places.iter().map(|p| p.trim().to_uppercase()).collect()));
            }
            if let Some(series) = &def.document_series {
                let range_ok = match (&series.from, &series.to) {
                    (Some(f), Some(t)) => f.len() == t.len() && f <= t,
                    (None, None) => series.prefix.is_some(),
                    _ => false,
                };
                if !range_ok || (series.prefix.is_some() && series.from.is_some()) {
                    return Err(err(format!(
                        "rule {:?}: a series has a prefix, or from and to of equal length with from <= to",
                        def.id
                    )));
                }
                conditions.push(Condition::DocumentSeries(series.clone()));
            }
            if conditions.len() != 1 {
                return Err(err(format!(
                    "rule {:?} must have exactly one condition, has {}",
                    def.id,
                    conditions.len()
                )));
            }
            let Some(condition) = conditions.pop() else { continue };
            if rules.iter().any(|r: &Rule| r.id == def.id) {
                return Err(err(format!("rule id {:?} is used twice", def.id)));
            }
            rules.push(Rule {
                id: def.id.clone(),
                description: def.description.clone(),
                weight: weight(text, &def.weight, "weight")?,
                condition,
            });
        }
        Ok(RuleSet { rules, review_threshold })
    }

    /// The rules that fire for `traveller` on `today`.
    pub fn evaluate(&self, traveller: &Traveller, today: Date) -> Vec<RuleHit> {
        self.rules
            .iter()
            .filter_map(|rule| {
                rule.condition.reason(traveller, today).map(|reason| RuleHit {
                    rule_id: rule.id.clone(),
                    weight: rule.weight,
                    reason,
                })
            })
            .collect()
    }
}

impl Series {
    fn contains(&self, number: &str, issuing_state: Option<&str>) -> bool {
        if let (Some(want), Some(got)) = (&self.issuing_state, issuing_state)
            && countries::comparable(want) != countries::comparable(got)
        {
            return false;
        }
        if self.issuing_state.is_some() && issuing_state.is_none() {
            return false;
        }
        let number = normalise_number(number);
        match (&self.prefix, &self.from, &self.to) {
            (Some(p), _, _) => number.starts_with(&normalise_number(p)),
            (None, Some(f), Some(t)) => {
                let (f, t) = (normalise_number(f), normalise_number(t));
                number.len() == f.len() && f <= number && number <= t
            }
            _ => false,
        }
    }
}

impl Condition {
    /// Why the condition holds for `traveller`, or `None`.
    fn reason(&self, traveller: &Traveller, today: Date) -> Option<String> {
        let docs = &traveller.documents;
        match self {
            Condition::DocumentExpiresWithin(days) => {
                let limit = today + Duration::days(i64::from(*days));
                docs.iter().find_map(|d| {
                    let expiry = d.expiry_date?;
                    if expiry < today {
                        Some(format!("document {} expired on {expiry}", d.number))
                    } else {
                        (expiry <= limit)
                            .then(|| format!("document {} expires on {expiry}, within {days} days", d.number))
                    }
                })
            }
            Condition::NationalityDiffersFromIssuingState => {
                let nationality = countries::comparable(traveller.nationality.as_deref()?);
                docs.iter().find_map(|d| {
                    let issuer = countries::comparable(d.issuing_state.as_deref()?);
                    (issuer != nationality).then(|| {
                        format!("nationality {nationality} differs from issuing state {issuer} of {}", d.number)
                    })
                })
            }
            Condition::RouteThrough(places) => {
                let route = traveller.origin.iter().chain(&traveller.transit);
                route
                    .map(|p| p.trim().to_uppercase())
                    .find(|p| places.contains(p))
                    .map(|p| format!("route passes through {p}"))
            }
            Condition::DocumentSeries(series) => docs
                .iter()
                .find(|d| series.contains(&d.number, d.issuing_state.as_deref()))
                .map(|d| format!("document {} is in an alerted series", d.number)),
        }
    }
}

#[cfg(test)]
mod tests;
