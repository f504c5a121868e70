//! Findings: what a questionnaire's submitted responses say, as a viewer may
//! see them.
//!
//! SECURITY — the disclosure rule (docs/surveys.md has it in words): counts,
//! percentages and a member's individual answers, free text included, come
//! only from the responses the access policy releases to the viewer
//! ([`Respondent::released`] is `decide` on the response's envelope). An
//! answer not released is never counted, however many members responded:
//! a unanimous result, or the findings compared before and after one member
//! submits, would give it away. Where the questionnaire's findings are
//! released to the viewer it also learns how many members submitted (as the
//! list of questionnaires shows), never what they answered.

use std::collections::BTreeMap;

use serde::Serialize;

use super::answers::{AnswerValue, Answers};
use super::{Choice, OTHER_THEME, QuestionKind, QuestionnaireDraft, Theme};
use crate::member::MemberCode;

/// One submitted response, as the findings see it.
#[derive(Debug, Clone, Copy)]
pub struct Respondent<'a> {
    pub member: &'a MemberCode,
    pub answers: &'a Answers,
    /// Whether the access policy releases this response to the viewer.
    pub released: bool,
}

/// The count of respondents who gave one answer, and its share of the
/// responding members (rounded half up to a whole per cent).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Count {
    pub key: String,
    pub label: String,
    pub count: usize,
    pub percent: u32,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MatrixRow {
    pub key: String,
    pub label: String,
    pub options: Vec<Count>,
}

/// An option of a ranked-priorities question in the overall order.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ranked {
    pub key: String,
    pub label: String,
    /// Borda points: with `m` options, a member's first choice earns `m`, its
    /// second `m - 1`, and so on; options it did not rank earn nothing.
    pub points: u64,
    /// Members who ranked it first.
    pub first: usize,
    /// Members who ranked it at all.
    pub ranked_by: usize,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TextAnswer {
    pub member: MemberCode,
    pub text: String,
}

/// What the answers to one question add up to.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Tally {
    /// Yes/no, single and multiple choice, scale: respondents per answer.
    Options {
        options: Vec<Count>,
    },
    Numbers {
        min: Option<i64>,
        max: Option<i64>,
        median: Option<i64>,
        total: i64,
    },
    Matrix {
        rows: Vec<MatrixRow>,
    },
    /// In overall order, highest first.
    Ranking {
        order: Vec<Ranked>,
    },
    /// Like every tally, only from responses released to the viewer.
    Text {
        answers: Vec<TextAnswer>,
        /// The same answers listed under each theme of the question they
        /// match, then "Other" for those matching none; empty when the
        /// question has no themes.
        themes: Vec<ThemeAnswers>,
    },
}

/// The free-text answers listed under one theme.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ThemeAnswers {
    /// The theme's key; [`OTHER_THEME`] for the answers matching no theme.
    pub key: String,
    pub label: String,
    pub answers: Vec<TextAnswer>,
}

/// `answers` listed under every theme of `themes` they match (an answer
/// matching several is listed under each), each theme in its order even when
/// none matches, then under "Other" those matching none, if any. Nothing
/// when there are no themes.
pub fn by_theme(themes: &[Theme], answers: &[TextAnswer]) -> Vec<ThemeAnswers> {
    if themes.is_empty() {
        return Vec::new();
    }
    let mut groups: Vec<ThemeAnswers> = themes
        .iter()
        .map(|t| ThemeAnswers {
            key: t.key.clone(),
            label: t.label.clone(),
            answers: answers.iter().filter(|a| t.matches(&a.text)).cloned().collect(),
        })
        .collect();
    let other: Vec<TextAnswer> =
        answers.iter().filter(|a| !themes.iter().any(|t| t.matches(&a.text))).cloned().collect();
    if !other.is_empty() {
        groups.push(ThemeAnswers { key: OTHER_THEME.to_owned(), label: "Other".to_owned(), answers: other });
    }
    groups
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuestionFindings {
    pub section: String,
    pub key: String,
    pub text: String,
    /// Respondents counted who answered it.
    pub answered: usize,
    pub tally: Tally,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Findings {
    /// N in "of N responding members": the responses counted, those released
    /// to the viewer.
    pub responding: usize,
    /// How many members submitted, released or not; only where the
    /// questionnaire's findings are released to the viewer.
    pub submitted: Option<usize>,
    pub questions: Vec<QuestionFindings>,
}

/// `count` of `n` as a whole per cent, rounded half up.
pub fn percent(count: usize, n: usize) -> u32 {
    if n == 0 { 0 } else { u32::try_from((count * 200 + n) / (2 * n)).unwrap_or(u32::MAX) }
}

/// The findings of `questionnaire` over the `respondents` released to the
/// viewer, to whom the questionnaire's findings are (`findings_released`) or
/// are not released.
pub fn findings(questionnaire: &QuestionnaireDraft, respondents: &[Respondent], findings_released: bool) -> Findings {
    let counted: Vec<&Respondent> = respondents.iter().filter(|r| r.released).collect();
    let n = counted.len();
    let questions = questionnaire
        .questions()
        .map(|(section, question)| {
            let answers: Vec<(&MemberCode, &AnswerValue)> =
                counted.iter().filter_map(|r| r.answers.get(&question.key).map(|a| (r.member, a))).collect();
            let tally = match &question.kind {
                QuestionKind::FreeText => {
                    let answers: Vec<TextAnswer> = counted
                        .iter()
                        .filter_map(|r| match r.answers.get(&question.key) {
                            Some(AnswerValue::Text(t)) => {
                                Some(TextAnswer { member: r.member.clone(), text: t.clone() })
                            }
                            _ => None,
                        })
                        .collect();
                    Tally::Text { themes: by_theme(&question.themes, &answers), answers }
                }
                kind => tally(kind, answers.iter().map(|(_, a)| *a), n),
            };
            QuestionFindings {
                section: section.key.clone(),
                key: question.key.clone(),
                text: question.text.clone(),
                answered: answers.len(),
                tally,
            }
        })
        .collect();
    Findings { responding: n, submitted: findings_released.then_some(respondents.len()), questions }
}

fn option_counts<'a>(choices: &[Choice], picked: impl Iterator<Item = &'a str>, n: usize) -> Vec<Count> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for key in picked {
        *counts.entry(key).or_default() += 1;
    }
    choices
        .iter()
        .map(|c| {
            let count = counts.get(c.key.as_str()).copied().unwrap_or(0);
            Count { key: c.key.clone(), label: c.label.clone(), count, percent: percent(count, n) }
        })
        .collect()
}

fn choice(key: &str, label: &str) -> Choice {
    Choice { key: key.into(), label: label.into() }
}

/// The tally of one (non-free-text) question over the answers given.
fn tally<'a>(kind: &QuestionKind, answers: impl Iterator<Item = &'a AnswerValue> + Clone, n: usize) -> Tally {
    let texts = |answers: &mut dyn Iterator<Item = &'a AnswerValue>| -> Vec<&'a str> {
        answers
            .flat_map(|a| match a {
                AnswerValue::Text(t) => vec![t.as_str()],
                AnswerValue::List(l) => l.iter().map(String::as_str).collect(),
                AnswerValue::Bool(b) => vec![if *b { "yes" } else { "no" }],
                _ => Vec::new(),
            })
            .collect()
    };
    let numbers: Vec<i64> =
        answers.clone().filter_map(|a| if let AnswerValue::Number(x) = a { Some(*x) } else { None }).collect();
    match kind {
        QuestionKind::YesNo => Tally::Options {
            options: option_counts(
                &[choice("yes", "Yes"), choice("no", "No")],
                texts(&mut answers.clone()).into_iter(),
                n,
            ),
        },
        QuestionKind::SingleChoice { options } | QuestionKind::MultipleChoice { options } => {
            Tally::Options { options: option_counts(options, texts(&mut answers.clone()).into_iter(), n) }
        }
        QuestionKind::Scale { min, max, .. } => {
            let points: Vec<Choice> = (*min..=*max).map(|p| choice(&p.to_string(), &p.to_string())).collect();
            let picked: Vec<String> = numbers.iter().map(i64::to_string).collect();
            Tally::Options { options: option_counts(&points, picked.iter().map(String::as_str), n) }
        }
        QuestionKind::Number { .. } => {
            let mut sorted = numbers.clone();
            Tally::Numbers {
                min: numbers.iter().min().copied(),
                max: numbers.iter().max().copied(),
                median: crate::rfi::median(&mut sorted),
                total: numbers.iter().fold(0i64, |sum, x| sum.saturating_add(*x)),
            }
        }
        QuestionKind::Matrix { items, options } => Tally::Matrix {
            rows: items
                .iter()
                .map(|item| {
                    let picked = answers.clone().filter_map(|a| match a {
                        AnswerValue::Map(m) => m.get(&item.key).map(String::as_str),
                        _ => None,
                    });
                    MatrixRow {
                        key: item.key.clone(),
                        label: item.label.clone(),
                        options: option_counts(options, picked, n),
                    }
                })
                .collect(),
        },
        QuestionKind::Ranking { options, .. } => Tally::Ranking { order: borda(options, answers) },
        QuestionKind::FreeText => Tally::Text { answers: Vec::new(), themes: Vec::new() },
    }
}

/// The overall order of ranked priorities by Borda count: with `m` options a
/// member's k-th choice (from 0) earns `m - k` points. Ties go to the option
/// ranked first by more members, then to the questionnaire's order.
pub fn borda<'a>(options: &[Choice], answers: impl Iterator<Item = &'a AnswerValue>) -> Vec<Ranked> {
    let m = options.len() as u64;
    let mut ranked: Vec<Ranked> = options
        .iter()
        .map(|c| Ranked { key: c.key.clone(), label: c.label.clone(), points: 0, first: 0, ranked_by: 0 })
        .collect();
    for answer in answers {
        let AnswerValue::List(list) = answer else { continue };
        for (k, key) in list.iter().enumerate() {
            if let Some(r) = ranked.iter_mut().find(|r| r.key == *key) {
                r.points += m.saturating_sub(k as u64);
                r.ranked_by += 1;
                r.first += usize::from(k == 0);
            }
        }
    }
    // A stable sort keeps the questionnaire's order among full ties.
    ranked.sort_by(|a, b| b.points.cmp(&a.points).then(b.first.cmp(&a.first)));
    ranked
}

/// A share or a place that moved between an earlier round and this one.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoundChange {
    pub question: String,
    pub option: String,
    pub label: String,
    /// `percent` for answers, `rank` (1 = first) for ranked priorities.
    pub measure: &'static str,
    pub then: u32,
    pub now: u32,
}

/// What changed from `earlier` to `now`, for every answer of a question (by
/// key) and option (by key) found in both rounds.
pub fn compare(now: &Findings, earlier: &Findings) -> Vec<RoundChange> {
    let mut changes = Vec::new();
    for question in &now.questions {
        let Some(before) = earlier.questions.iter().find(|q| q.key == question.key) else { continue };
        let change = |option: &str, label: &str, measure, then: u32, now: u32| RoundChange {
            question: question.key.clone(),
            option: option.to_owned(),
            label: label.to_owned(),
            measure,
            then,
            now,
        };
        match (&question.tally, &before.tally) {
            (Tally::Options { options }, Tally::Options { options: old }) => {
                for o in options {
                    if let Some(b) = old.iter().find(|b| b.key == o.key) {
                        changes.push(change(&o.key, &o.label, "percent", b.percent, o.percent));
                    }
                }
            }
            (Tally::Ranking { order }, Tally::Ranking { order: old }) => {
                let place = |list: &[Ranked], key: &str| list.iter().position(|r| r.key == key).map(|p| p as u32 + 1);
                for r in order {
                    if let (Some(then), Some(now)) = (place(old, &r.key), place(order, &r.key)) {
                        changes.push(change(&r.key, &r.label, "rank", then, now));
                    }
                }
            }
            _ => {}
        }
    }
    changes
}
