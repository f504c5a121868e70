//! Screening: one decision per traveller from watchlist matches and risk
//! rules.
//!
//! - `hit`: a watchlist match at or above the hit threshold;
//! - `review`: a match at or above the review threshold, risk rules adding
//!   up to their review threshold, or a traveller that could not be read
//!   (never silently clear);
//! - `clear`: none of these.
//!
//! The score is the best match score, or the rule score if higher (capped
//! at 1).

use serde::Serialize;
use time::Date;

use crate::manifest::{Location, Manifest, Unscreenable};
use crate::matching::alerts::AlertIndex;
use crate::matching::documents::DocumentIndex;
use crate::matching::persons::PersonIndex;
use crate::matching::{ListKind, Match, round};
use crate::rules::{RuleHit, RuleSet};
use crate::traveller::{TravelDocument, Traveller};
use crate::watchlist::{DocumentEntry, PersonEntry};

/// The outcome for one traveller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Clear,
    Review,
    Hit,
}

/// Score thresholds for watchlist matches.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Thresholds {
    pub hit: f64,
    pub review: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds { hit: 0.85, review: 0.7 }
    }
}

/// Why a traveller could not be screened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotScreened {
    pub location: Location,
    pub message: String,
}

/// The screening result of one traveller; serialised as one JSON line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScreeningResult {
    pub traveller_id: String,
    pub decision: Decision,
    pub score: f64,
    pub matches: Vec<Match>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<RuleHit>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unscreenable: Option<NotScreened>,
}

/// A persons and a documents watchlist, indexed.
pub struct Watchlists {
    persons: PersonIndex,
    documents: DocumentIndex,
}

impl Watchlists {
    /// Builds the indexes.
    pub fn new(persons: Vec<PersonEntry>, documents: Vec<DocumentEntry>) -> Self {
        Watchlists { persons: PersonIndex::build(persons), documents: DocumentIndex::build(documents) }
    }

    /// Matches of the traveller's name and documents at `min_score` or more.
    fn search(&self, traveller: &Traveller, min_score: f64) -> impl Iterator<Item = Match> {
        let persons = self.persons.search(traveller, min_score);
        let documents = traveller.documents.iter().flat_map(|d| self.documents.search(d));
        persons.into_iter().chain(documents.collect::<Vec<_>>()).filter(move |m| m.score >= min_score)
    }
}

/// Lists that vary with the reader, screened beside the screener's own:
/// the document alerts the reader may read and the national lists (a
/// member's own, or released to it) the reader's member uses. Kept apart so
/// that one index of the node's lists serves every reader.
#[derive(Clone, Copy, Default)]
pub struct ReaderLists<'a> {
    pub alerts: Option<&'a AlertIndex>,
    /// Their matches are reported as [`ListKind::NationalPersons`] and
    /// [`ListKind::NationalDocuments`].
    pub national: Option<&'a Watchlists>,
}

impl ReaderLists<'_> {
    /// Matches of one document on the reader's document alerts and
    /// national documents lists.
    pub fn search_document(&self, document: &TravelDocument) -> Vec<Match> {
        let mut matches = self.alerts.map(|alerts| alerts.search(document)).unwrap_or_default();
        if let Some(national) = self.national {
            matches.extend(national.documents.search(document).into_iter().map(as_national));
        }
        matches
    }
}

/// A match on one of the node's lists, reported as one on a national list.
fn as_national(m: Match) -> Match {
    let list = if m.list == ListKind::Persons { ListKind::NationalPersons } else { ListKind::NationalDocuments };
    Match { list, ..m }
}

/// Watchlists, rules and thresholds, ready to screen travellers.
pub struct Screener {
    lists: Watchlists,
    rules: RuleSet,
    thresholds: Thresholds,
}

impl Screener {
    /// Builds the indexes.
    pub fn new(persons: Vec<PersonEntry>, documents: Vec<DocumentEntry>, rules: RuleSet) -> Self {
        Screener { lists: Watchlists::new(persons, documents), rules, thresholds: Thresholds::default() }
    }

    /// Replaces the default thresholds.
    pub fn with_thresholds(mut self, thresholds: Thresholds) -> Self {
        self.thresholds = thresholds;
        self
    }

    /// The persons index (for document checks and statistics).
    pub fn persons(&self) -> &PersonIndex {
        &self.lists.persons
    }

    /// The documents index (for document checks).
    pub fn documents(&self) -> &DocumentIndex {
        &self.lists.documents
    }

    /// The thresholds in use.
    pub fn thresholds(&self) -> Thresholds {
        self.thresholds
    }

    /// Screens one traveller; `today` is the screening date for rules.
    pub fn screen(&self, traveller: &Traveller, today: Date) -> ScreeningResult {
        self.screen_with(traveller, today, ReaderLists::default())
    }

    /// Screens one traveller against the lists, and also against the
    /// reader's lists.
    pub fn screen_with(&self, traveller: &Traveller, today: Date, reader: ReaderLists<'_>) -> ScreeningResult {
        let review = self.thresholds.review;
        let mut matches: Vec<Match> = self.lists.search(traveller, review).collect();
        if let Some(alerts) = reader.alerts {
            let alerted = traveller.documents.iter().flat_map(|d| alerts.search(d));
            matches.extend(alerted.filter(|m| m.score >= review));
        }
        if let Some(national) = reader.national {
            matches.extend(national.search(traveller, review).map(as_national));
        }
        matches.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.watchlist_id.cmp(&b.watchlist_id)));
        let rules = self.rules.evaluate(traveller, today);
        let rule_score: f64 = rules.iter().map(|r| r.weight).sum::<f64>().min(1.0);
        let best = matches.first().map_or(0.0, |m| m.score);
        let decision = if best >= self.thresholds.hit {
            Decision::Hit
        } else if best >= self.thresholds.review || (!rules.is_empty() && rule_score >= self.rules.review_threshold) {
            Decision::Review
        } else {
            Decision::Clear
        };
        ScreeningResult {
            traveller_id: traveller.traveller_id.clone(),
            decision,
            score: round(best.max(rule_score)),
            matches,
            rules,
            unscreenable: None,
        }
    }

    /// Screens every traveller of a manifest; unscreenable travellers come
    /// out as `review` with the defect's location.
    pub fn screen_manifest(&self, manifest: &Manifest, today: Date) -> Vec<ScreeningResult> {
        self.screen_manifest_with(manifest, today, ReaderLists::default())
    }

    /// [`Screener::screen_manifest`] with the reader's lists as well.
    pub fn screen_manifest_with(
        &self,
        manifest: &Manifest,
        today: Date,
        reader: ReaderLists<'_>,
    ) -> Vec<ScreeningResult> {
        let screened = manifest.travellers.iter().map(|t| self.screen_with(t, today, reader));
        screened.chain(manifest.unscreenable.iter().map(unscreenable)).collect()
    }
}

fn unscreenable(u: &Unscreenable) -> ScreeningResult {
    ScreeningResult {
        traveller_id: u.traveller_id.clone(),
        decision: Decision::Review,
        score: 0.0,
        matches: Vec::new(),
        rules: Vec::new(),
        unscreenable: Some(NotScreened { location: u.location.clone(), message: u.message.clone() }),
    }
}
