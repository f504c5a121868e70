//! The fields of the questionnaire editor's forms ([`super::survey_editor`])
//! and how they read: options, matrix items and themes one per line, as
//! `key: label` or the label alone (the key is then made from it); a theme's
//! keywords after `=`, separated by commas: `training: Training = training, course`.

use godwit_domain::item::{Category, Releasability};
use godwit_domain::marking::{Caveats, Tlp};
use godwit_domain::member::MemberCode;
use godwit_domain::survey::{
    Audience, Choice as Offered, Condition, Question, QuestionKind, Questionnaire, QuestionnaireDraft, Theme, is_key,
};
use serde::Deserialize;
use uuid::Uuid;

use crate::state::AppState;
use crate::web::forms::FieldErrors;
use crate::web::surveys::kind_tag;

/// The longest key [`slug`] makes.
const MAX_SLUG_CHARS: usize = 40;

/// A key made from words: `Rank the support` → `rank_the_support`, as many
/// whole words as fit in [`MAX_SLUG_CHARS`] (a first word longer than that
/// is cut), `fallback` when no letter or digit is left.
pub(crate) fn slug(text: &str, fallback: &str) -> String {
    let lower = text.to_lowercase();
    let mut key = String::new();
    for word in lower.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()) {
        if key.is_empty() {
            // ASCII only, so any byte is a character boundary.
            key.push_str(word.get(..MAX_SLUG_CHARS).unwrap_or(word));
        } else if key.len() + 1 + word.len() <= MAX_SLUG_CHARS {
            key.push('_');
            key.push_str(word);
        } else {
            break;
        }
    }
    if key.is_empty() { fallback.to_owned() } else { key }
}

/// `base`, or `base_2`, `base_3`… the first that is not `taken`.
pub(crate) fn unique(base: String, taken: impl Fn(&str) -> bool) -> String {
    if !taken(&base) {
        return base;
    }
    (2..).map(|n| format!("{base}_{n}")).find(|k| !taken(k)).unwrap_or(base)
}

/// `key: rest` when the words before the first colon are a key, else the
/// whole line as `rest` without a key.
fn split_key(line: &str) -> (Option<String>, String) {
    match line.split_once(':') {
        Some((key, rest)) if is_key(key.trim()) => (Some(key.trim().to_owned()), rest.trim().to_owned()),
        _ => (None, line.trim().to_owned()),
    }
}

/// Options (or matrix items) from their lines, `key: label` or `label`.
fn options_from(text: &str, fallback: &str) -> Vec<Offered> {
    let mut out: Vec<Offered> = Vec::new();
    for (n, line) in text.lines().filter(|l| !l.trim().is_empty()).enumerate() {
        let (key, label) = split_key(line);
        let key = key.unwrap_or_else(|| {
            unique(slug(&label, &format!("{fallback}{}", n + 1)), |k| out.iter().any(|o| o.key == k))
        });
        out.push(Offered { key, label });
    }
    out
}

fn options_text(options: &[Offered]) -> String {
    options.iter().map(|o| format!("{}: {}", o.key, o.label)).collect::<Vec<_>>().join("\n")
}

/// Themes from their lines: `key: Label = keyword, keyword`.
pub(crate) fn themes_from(text: &str) -> Vec<Theme> {
    let mut out: Vec<Theme> = Vec::new();
    for (n, line) in text.lines().filter(|l| !l.trim().is_empty()).enumerate() {
        let (named, keywords) = line.split_once('=').unwrap_or((line, ""));
        let (key, label) = split_key(named);
        let key =
            key.unwrap_or_else(|| unique(slug(&label, &format!("theme{}", n + 1)), |k| out.iter().any(|t| t.key == k)));
        let keywords = keywords.split(',').map(str::trim).filter(|k| !k.is_empty()).map(str::to_owned).collect();
        out.push(Theme { key, label, keywords });
    }
    out
}

fn themes_text(themes: &[Theme]) -> String {
    themes.iter().map(|t| format!("{}: {} = {}", t.key, t.label, t.keywords.join(", "))).collect::<Vec<_>>().join("\n")
}

/// The kinds of question as the form offers them.
pub(crate) const KINDS: [(&str, &str); 8] = [
    ("yes_no", "Yes or no"),
    ("single_choice", "One of several options"),
    ("multiple_choice", "Any of several options"),
    ("number", "A whole number"),
    ("scale", "A point on a scale"),
    ("free_text", "Free text"),
    ("matrix", "A grid: for each item, one option"),
    ("ranking", "Ranked priorities"),
];

/// Every field of the editor's forms; each form sends its own. `updated`
/// is the version the form was drawn from, so that a change made meanwhile
/// by another designer is not overwritten.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct DesignForm {
    pub updated: String,
    // The questionnaire's settings.
    pub title: String,
    pub description: String,
    pub round: String,
    pub opens_on: String,
    pub closes_on: String,
    pub audience_members: Vec<String>,
    pub audience_groups: Vec<String>,
    pub category: String,
    pub classification: String,
    pub tlp: String,
    pub caveat_no_third_party: Option<String>,
    pub caveat_not_for_judicial_use: Option<String>,
    pub caveat_personal_data: Option<String>,
    pub release_members: Vec<String>,
    pub release_groups: Vec<String>,
    pub previous_round: String,
    // A section, or the section a new question goes to.
    pub section: String,
    pub key: String,
    // A question (its key is `key`); a section's title is `title`.
    pub text: String,
    pub help: String,
    pub kind: String,
    pub required: Option<String>,
    pub options: String,
    pub items: String,
    pub min: String,
    pub max: String,
    pub low_label: String,
    pub high_label: String,
    pub most: String,
    pub show_if_question: String,
    pub show_if_values: String,
    pub themes: String,
    // Reordering and removing.
    pub step: String,
    pub what: String,
}

fn parse_number<T: std::str::FromStr>(errors: &mut FieldErrors, field: &str, text: &str) -> Option<T> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let parsed = text.parse().ok();
    if parsed.is_none() {
        errors.add(field, "must be a whole number");
    }
    parsed
}

impl DesignForm {
    /// The settings of `draft` (its sections aside).
    pub(crate) fn of_settings(draft: &QuestionnaireDraft, scale_name: &str, updated: Option<i64>) -> Self {
        let codes = |set: &std::collections::BTreeSet<MemberCode>| set.iter().map(|m| m.to_string()).collect();
        DesignForm {
            updated: updated.map(|u| u.to_string()).unwrap_or_default(),
            title: draft.title.clone(),
            description: draft.description.clone(),
            round: draft.round.clone(),
            opens_on: draft.opens_on.clone(),
            closes_on: draft.closes_on.clone(),
            audience_members: codes(&draft.audience.members),
            audience_groups: draft.audience.groups.iter().cloned().collect(),
            category: draft.category.as_str().to_owned(),
            classification: scale_name.to_owned(),
            tlp: draft.tlp.as_str().to_owned(),
            caveat_no_third_party: draft.caveats.no_third_party.then(String::new),
            caveat_not_for_judicial_use: draft.caveats.not_for_judicial_use.then(String::new),
            caveat_personal_data: draft.caveats.personal_data.then(String::new),
            release_members: codes(&draft.release.members),
            release_groups: draft.release.groups.iter().cloned().collect(),
            previous_round: draft.previous_round.map(|p| p.to_string()).unwrap_or_default(),
            ..DesignForm::default()
        }
    }

    /// `draft` with the settings typed; faults of form in `errors`.
    pub(crate) fn apply_settings(
        &self,
        state: &AppState,
        mut draft: QuestionnaireDraft,
        errors: &mut FieldErrors,
    ) -> QuestionnaireDraft {
        draft.title = self.title.clone();
        draft.description = self.description.clone();
        draft.round = self.round.clone();
        draft.opens_on = self.opens_on.clone();
        draft.closes_on = self.closes_on.clone();
        draft.audience = Audience {
            members: self.audience_members.iter().map(|m| MemberCode(m.trim().to_owned())).collect(),
            groups: self.audience_groups.iter().map(|g| g.trim().to_owned()).collect(),
        };
        match Category::parse(self.category.trim()) {
            Some(c) => draft.category = c,
            None => errors.add("category", "choose a category"),
        }
        match state.store.scale().parse(&self.classification) {
            Some(c) => draft.classification = c,
            None => errors.add("classification", "choose a level"),
        }
        match Tlp::parse(self.tlp.trim()) {
            Some(t) => draft.tlp = t,
            None => errors.add("tlp", "choose a TLP"),
        }
        draft.caveats = Caveats {
            no_third_party: self.caveat_no_third_party.is_some(),
            not_for_judicial_use: self.caveat_not_for_judicial_use.is_some(),
            personal_data: self.caveat_personal_data.is_some(),
        };
        draft.release = Releasability {
            members: self.release_members.iter().map(|m| MemberCode(m.trim().to_owned())).collect(),
            groups: self.release_groups.iter().map(|g| g.trim().to_owned()).collect(),
            ..Releasability::default()
        };
        draft.previous_round = match self.previous_round.trim() {
            "" => None,
            id => Uuid::parse_str(id).map_err(|_| errors.add("previous_round", "choose an earlier round")).ok(),
        };
        draft
    }

    pub(crate) fn of_question(section: &str, q: &Question, updated: i64) -> Self {
        let mut form = DesignForm {
            updated: updated.to_string(),
            section: section.to_owned(),
            key: q.key.clone(),
            text: q.text.clone(),
            help: q.help.clone(),
            kind: kind_tag(&q.kind).to_owned(),
            required: q.required.then(String::new),
            show_if_question: q.show_if.as_ref().map(|c| c.question.clone()).unwrap_or_default(),
            show_if_values: q.show_if.as_ref().map(|c| c.any_of.join(", ")).unwrap_or_default(),
            themes: themes_text(&q.themes),
            ..DesignForm::default()
        };
        match &q.kind {
            QuestionKind::YesNo | QuestionKind::FreeText => {}
            QuestionKind::SingleChoice { options } | QuestionKind::MultipleChoice { options } => {
                form.options = options_text(options);
            }
            QuestionKind::Number { min, max } => {
                form.min = min.map(|m| m.to_string()).unwrap_or_default();
                form.max = max.map(|m| m.to_string()).unwrap_or_default();
            }
            QuestionKind::Scale { min, max, low_label, high_label } => {
                (form.min, form.max) = (min.to_string(), max.to_string());
                (form.low_label, form.high_label) = (low_label.clone(), high_label.clone());
            }
            QuestionKind::Matrix { items, options } => {
                form.items = options_text(items);
                form.options = options_text(options);
            }
            QuestionKind::Ranking { options, most } => {
                form.options = options_text(options);
                form.most = most.map(|m| m.to_string()).unwrap_or_default();
            }
        }
        form
    }

    /// The question typed; `taken` says which keys other questions use.
    pub(crate) fn question(&self, errors: &mut FieldErrors, taken: impl Fn(&str) -> bool) -> Question {
        let options = || options_from(&self.options, "option");
        let kind = match self.kind.as_str() {
            "yes_no" => QuestionKind::YesNo,
            "single_choice" => QuestionKind::SingleChoice { options: options() },
            "multiple_choice" => QuestionKind::MultipleChoice { options: options() },
            "number" => QuestionKind::Number {
                min: parse_number(errors, "min", &self.min),
                max: parse_number(errors, "max", &self.max),
            },
            "scale" => {
                let mut end = |field: &str, text: &str| {
                    parse_number(errors, field, text).unwrap_or_else(|| {
                        if text.trim().is_empty() {
                            errors.add(field, "a scale needs both ends");
                        }
                        0
                    })
                };
                QuestionKind::Scale {
                    min: end("min", &self.min),
                    max: end("max", &self.max),
                    low_label: self.low_label.trim().to_owned(),
                    high_label: self.high_label.trim().to_owned(),
                }
            }
            "free_text" => QuestionKind::FreeText,
            "matrix" => QuestionKind::Matrix { items: options_from(&self.items, "item"), options: options() },
            "ranking" => QuestionKind::Ranking { options: options(), most: parse_number(errors, "most", &self.most) },
            _ => {
                errors.add("kind", "choose a kind of question");
                QuestionKind::FreeText
            }
        };
        let key = match self.key.trim() {
            "" => unique(slug(&self.text, "question"), taken),
            key => key.to_owned(),
        };
        let show_if = match self.show_if_question.trim() {
            "" => None,
            question => Some(Condition {
                question: question.to_owned(),
                any_of: self
                    .show_if_values
                    .split([',', ' ', '\n'])
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .map(str::to_owned)
                    .collect(),
            }),
        };
        let themes = if kind == QuestionKind::FreeText { themes_from(&self.themes) } else { Vec::new() };
        Question {
            key,
            text: self.text.trim().to_owned(),
            help: self.help.trim().to_owned(),
            kind,
            required: self.required.is_some(),
            show_if,
            themes,
        }
    }

    /// Whether the form was drawn from `q` as it is now.
    pub(crate) fn current(&self, q: &Questionnaire) -> bool {
        self.updated.trim() == q.updated_at.0.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_are_read_one_per_line_with_or_without_a_key() {
        let options = options_from("paper: On paper\n\nIn a database\nIn a database\nKept: in a safe", "option");
        let read: Vec<(&str, &str)> = options.iter().map(|o| (o.key.as_str(), o.label.as_str())).collect();
        assert_eq!(
            read,
            [
                ("paper", "On paper"),
                ("in_a_database", "In a database"),
                ("in_a_database_2", "In a database"),
                ("kept_in_a_safe", "Kept: in a safe"),
            ]
        );
        assert_eq!(options_from(&options_text(&options), "option"), options);
        assert_eq!(options_from("—", "item")[0].key, "item1");
    }

    #[test]
    fn keys_are_cut_between_words() {
        let key = slug("What training would help your officers most?", "question");
        assert_eq!(key, "what_training_would_help_your_officers");
        assert_eq!(slug("  Rank -- the support!", "q"), "rank_the_support");
        assert_eq!(slug(&"x".repeat(50), "q"), "x".repeat(MAX_SLUG_CHARS));
        assert_eq!(slug("Où ?", "q"), "o");
        assert_eq!(slug("—", "q"), "q");
    }

    #[test]
    fn themes_are_read_with_their_keywords() {
        let themes = themes_from("training: Training = training, course\nSystems=abmis,  database ,\nNo keywords");
        assert_eq!(
            themes[0],
            Theme {
                key: "training".into(),
                label: "Training".into(),
                keywords: vec!["training".into(), "course".into()]
            }
        );
        assert_eq!((themes[1].key.as_str(), themes[1].keywords.len()), ("systems", 2));
        assert!(themes[2].keywords.is_empty(), "left for the domain's check to name");
        assert_eq!(themes_from(&themes_text(&themes[..2])), themes[..2]);
    }

    #[test]
    fn a_question_is_read_from_the_form() {
        let form = DesignForm {
            text: "Rank the support you need".into(),
            kind: "ranking".into(),
            options: "sops: Policies\nLegislation".into(),
            most: "two".into(),
            show_if_question: "abmis".into(),
            show_if_values: "no, yes".into(),
            themes: "x: X = y".into(),
            ..DesignForm::default()
        };
        let mut errors = FieldErrors::default();
        let q = form.question(&mut errors, |k| k == "rank_the_support_you_need");
        assert_eq!(q.key, "rank_the_support_you_need_2");
        assert_eq!(errors.get("most"), Some("must be a whole number"));
        assert_eq!(q.show_if.as_ref().map(|c| c.any_of.clone()), Some(vec!["no".to_owned(), "yes".to_owned()]));
        assert!(q.themes.is_empty(), "themes only on free text");
        assert_eq!(DesignForm::of_question("s", &q, 1).options, "sops: Policies\nlegislation: Legislation");
    }
}
