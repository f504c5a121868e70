//! Member capacity surveys in the portal: the list, a questionnaire's page
//! (its designers publish a draft there), the answering form of a member's
//! focal point and of the colleagues given a section, the authorising
//! officer's approval, and the findings with their charts and downloads.
//! Rules, notifications and audit are the store's, as for `/api/v1/surveys`.
//!
//! A question whose condition is not met is not shown (the `hidden`
//! attribute, decided here from the saved answers); `godwit.js` shows and
//! hides such questions as the controlling answer changes, and whatever the
//! browser sends, the store keeps no answer to a question not asked.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use godwit_domain::item::Releasability;
use godwit_domain::marking::{Caveats, Classification, Tlp};
use godwit_domain::member::MemberCode;
use godwit_domain::survey::answers::{
    AnswerValue, Answers, ResponseAction, ResponseRelease, ResponseState, may_be_delegated,
};
use godwit_domain::survey::findings::{Tally, TextAnswer};
use godwit_domain::survey::{Question, QuestionKind, Questionnaire, QuestionnaireState, designs_questionnaire};
use godwit_domain::user::Role;
use godwit_store::surveys::{FindingsView, QuestionnaireListed};
use uuid::Uuid;

use crate::api::incidents::ExportParams;
use crate::collect::ExportFormat;
use crate::error::ApiError;
use crate::state::AppState;
use crate::surveys::{
    ResponseView, basis_note, file_name, findings_file, findings_pdf, pdf_file_name, responding_line, response_view,
};
use crate::web::chart::horizontal_bars;
use crate::web::forms::{FieldErrors, when, words};
use crate::web::item_form::Choice;
use crate::web::page::{Chrome, WebError, render};
use crate::web::plans::{codes, sees_plans};
use crate::web::viewer::{Viewer, WebForm};

/// Surveys are for those who read intelligence (not front-line officers),
/// as the store's rules also say.
pub(crate) fn allowed(viewer: &Viewer) -> Result<(), WebError> {
    if sees_plans(viewer) {
        Ok(())
    } else {
        Err(WebError::page(StatusCode::FORBIDDEN, "Surveys are for those who read intelligence."))
    }
}

#[derive(Template)]
#[template(path = "surveys.html")]
struct SurveysPage {
    chrome: Chrome,
    rows: Vec<QuestionnaireListed>,
    /// Whether the viewer designs its member's questionnaires.
    designs: bool,
}

pub async fn list(State(state): State<AppState>, viewer: Viewer) -> Result<Response, WebError> {
    allowed(&viewer)?;
    let rows = state.store.questionnaires(&viewer.caller.subject).await?;
    let subject = &viewer.caller.subject;
    let designs = designs_questionnaire(subject, &subject.member);
    render(&SurveysPage { chrome: Chrome::new(&viewer, "Surveys", "/surveys"), rows, designs })
}

/// A question as the pages show it: its answer in words, and for the form
/// the values to fill in.
pub struct QuestionView {
    pub key: String,
    pub text: String,
    pub help: String,
    pub required: bool,
    /// `yes_no`, `single_choice`, … (the kind's tag).
    pub kind: &'static str,
    pub kind_name: &'static str,
    /// Options of choices, scales, matrices and rankings: key, label, and
    /// whether chosen (`checked`) or the rank given (`rank`).
    pub options: Vec<OptionView>,
    /// Matrix items: key, label, the option chosen.
    pub items: Vec<(String, String, String)>,
    /// Ranks offered for a ranking (1 to the most that may be ranked).
    pub ranks: Vec<usize>,
    /// Text or number as typed.
    pub value: String,
    pub min: String,
    pub max: String,
    /// The condition: the controlling question and its values, space-separated.
    pub show_if: Option<(String, String)>,
    /// Whether the question is asked given the answers so far.
    pub shown: bool,
    /// The answer in words, for reading.
    pub answer: String,
    pub error: Option<String>,
}

pub struct OptionView {
    pub key: String,
    pub label: String,
    pub checked: bool,
    pub rank: String,
}

pub struct SectionView {
    pub key: String,
    pub title: String,
    pub description: String,
    pub questions: Vec<QuestionView>,
    pub editable: bool,
    /// Whom the section was given to: user id and name.
    pub delegated_to: Option<(String, String)>,
}

pub(crate) fn kind_tag(kind: &QuestionKind) -> &'static str {
    match kind {
        QuestionKind::YesNo => "yes_no",
        QuestionKind::SingleChoice { .. } => "single_choice",
        QuestionKind::MultipleChoice { .. } => "multiple_choice",
        QuestionKind::Number { .. } => "number",
        QuestionKind::Scale { .. } => "scale",
        QuestionKind::FreeText => "free_text",
        QuestionKind::Matrix { .. } => "matrix",
        QuestionKind::Ranking { .. } => "ranking",
    }
}

/// The option labels of `keys`, in order.
fn labels(options: &[godwit_domain::survey::Choice], keys: &[String]) -> String {
    keys.iter()
        .map(|k| options.iter().find(|o| o.key == *k).map_or(k.as_str(), |o| o.label.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn question_view(question: &Question, answer: Option<&AnswerValue>, shown: bool, error: Option<&str>) -> QuestionView {
    let text = |a: Option<&AnswerValue>| match a {
        Some(AnswerValue::Text(t)) => t.clone(),
        Some(AnswerValue::Number(n)) => n.to_string(),
        Some(AnswerValue::Bool(b)) => if *b { "yes" } else { "no" }.to_owned(),
        _ => String::new(),
    };
    let list: Vec<String> = match answer {
        Some(AnswerValue::List(l)) => l.clone(),
        _ => Vec::new(),
    };
    let mut view = QuestionView {
        key: question.key.clone(),
        text: question.text.clone(),
        help: question.help.clone(),
        required: question.required,
        kind: kind_tag(&question.kind),
        kind_name: question.kind.name(),
        options: Vec::new(),
        items: Vec::new(),
        ranks: Vec::new(),
        value: text(answer),
        min: String::new(),
        max: String::new(),
        show_if: question.show_if.as_ref().map(|c| (c.question.clone(), c.any_of.join(" "))),
        shown,
        answer: String::new(),
        error: error.map(str::to_owned),
    };
    let option = |key: &str, label: &str, checked: bool, rank: String| OptionView {
        key: key.to_owned(),
        label: label.to_owned(),
        checked,
        rank,
    };
    match &question.kind {
        QuestionKind::YesNo => {
            view.options = vec![
                option("yes", "Yes", view.value == "yes", String::new()),
                option("no", "No", view.value == "no", String::new()),
            ];
            view.answer = words(&view.value);
        }
        QuestionKind::SingleChoice { options } | QuestionKind::MultipleChoice { options } => {
            let chosen: Vec<String> =
                if list.is_empty() && !view.value.is_empty() { vec![view.value.clone()] } else { list };
            view.options =
                options.iter().map(|o| option(&o.key, &o.label, chosen.contains(&o.key), String::new())).collect();
            view.answer = labels(options, &chosen);
        }
        QuestionKind::Number { min, max } => {
            view.min = min.map(|m| m.to_string()).unwrap_or_default();
            view.max = max.map(|m| m.to_string()).unwrap_or_default();
            view.answer = view.value.clone();
        }
        QuestionKind::Scale { min, max, low_label, high_label } => {
            view.options = (*min..=*max)
                .map(|p| {
                    let label = if p == *min {
                        format!("{p} {low_label}")
                    } else if p == *max {
                        format!("{p} {high_label}")
                    } else {
                        p.to_string()
                    };
                    option(&p.to_string(), label.trim(), view.value == p.to_string(), String::new())
                })
                .collect();
            view.answer = view.value.clone();
        }
        QuestionKind::FreeText => view.answer = view.value.clone(),
        QuestionKind::Matrix { items, options } => {
            let map = match answer {
                Some(AnswerValue::Map(m)) => m.clone(),
                _ => BTreeMap::new(),
            };
            view.options = options.iter().map(|o| option(&o.key, &o.label, false, String::new())).collect();
            view.items = items
                .iter()
                .map(|i| (i.key.clone(), i.label.clone(), map.get(&i.key).cloned().unwrap_or_default()))
                .collect();
            view.answer = items
                .iter()
                .filter_map(|i| {
                    map.get(&i.key).map(|o| format!("{}: {}", i.label, labels(options, std::slice::from_ref(o))))
                })
                .collect::<Vec<_>>()
                .join("; ");
        }
        QuestionKind::Ranking { options, most } => {
            view.ranks = (1..=most.unwrap_or(options.len())).collect();
            view.options = options
                .iter()
                .map(|o| {
                    let rank = list.iter().position(|k| *k == o.key).map(|p| (p + 1).to_string()).unwrap_or_default();
                    option(&o.key, &o.label, false, rank)
                })
                .collect();
            view.answer = list
                .iter()
                .enumerate()
                .map(|(n, k)| format!("{}. {}", n + 1, labels(options, std::slice::from_ref(k))))
                .collect::<Vec<_>>()
                .join(" ");
        }
    }
    view
}

/// The sections of `q` with `answers`, `editable` naming those the viewer answers.
fn section_views(
    q: &Questionnaire,
    answers: &Answers,
    editable: &[String],
    delegations: &BTreeMap<String, (String, String)>,
    errors: &FieldErrors,
) -> Vec<SectionView> {
    let asked = q.draft.asked(answers);
    q.draft
        .sections
        .iter()
        .map(|s| SectionView {
            key: s.key.clone(),
            title: s.title.clone(),
            description: s.description.clone(),
            questions: s
                .questions
                .iter()
                .map(|question| {
                    let error = errors.get(&question.key);
                    question_view(question, answers.get(&question.key), asked.contains(&question.key), error)
                })
                .collect(),
            editable: editable.contains(&s.key),
            delegated_to: delegations.get(&s.key).cloned(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "survey.html")]
struct SurveyPage {
    chrome: Chrome,
    q: Questionnaire,
    classification: String,
    sections: Vec<SectionView>,
    /// A designer, of a draft (it may publish it).
    designs: bool,
    /// A designer, of a draft or a published questionnaire.
    edits: bool,
    asked: bool,
    findings_released: bool,
    done: Option<&'static str>,
}

#[derive(serde::Deserialize)]
pub struct Done {
    done: Option<String>,
}

fn done_message(done: &Done) -> Option<&'static str> {
    match done.done.as_deref() {
        Some("published") => Some("The questionnaire was published to its audience."),
        Some("save") => Some("Your answers were saved as a draft."),
        Some("submit") => Some("The answers were sent to your member's authorising officer for approval."),
        Some("delegate") => Some("The section was given to your colleague, who was notified."),
        Some("approve") => Some("The answers were approved and submitted."),
        Some("return") => Some("The answers were returned to the focal point."),
        _ => None,
    }
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    allowed(&viewer)?;
    let subject = &viewer.caller.subject;
    let q = state.store.questionnaire(subject, id).await?;
    let listed = state.store.questionnaires(subject).await?;
    let findings_released = listed.iter().any(|l| l.id == id && l.findings_released);
    let page = SurveyPage {
        chrome: Chrome::new(&viewer, q.draft.title.clone(), "/surveys"),
        classification: state.store.scale().name(q.draft.classification).to_owned(),
        sections: section_views(&q, &Answers::new(), &[], &BTreeMap::new(), &FieldErrors::default()),
        designs: designs_questionnaire(subject, &q.member) && q.state == QuestionnaireState::Draft,
        edits: designs_questionnaire(subject, &q.member),
        asked: q.asks(subject),
        findings_released,
        done: done_message(&done),
        q,
    };
    render(&page)
}

/// A designer publishes a draft to its audience.
pub async fn publish(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    WebForm { viewer, form: _ }: WebForm<BTreeMap<String, String>>,
) -> Result<Response, WebError> {
    allowed(&viewer)?;
    let subject = &viewer.caller.subject;
    let q = state.store.questionnaire(subject, id).await?;
    state.store.update_questionnaire(subject, id, q.draft, true).await?;
    Ok(Redirect::to(&format!("/surveys/{id}?done=published")).into_response())
}

#[derive(Template)]
#[template(path = "survey_answer.html")]
struct AnswerPage {
    chrome: Chrome,
    q: Questionnaire,
    classification: String,
    state: Option<ResponseState>,
    returned_reason: Option<String>,
    sections: Vec<SectionView>,
    /// Whether the viewer may save answers now (a draft, and sections given).
    editing: bool,
    focal_point: bool,
    /// Colleagues a section may be given to.
    colleagues: Vec<Choice>,
    /// Whether the viewer approves or returns the answers now.
    approving: bool,
    levels: Vec<Choice>,
    tlps: &'static [Tlp],
    /// The approval's default TLP: the questionnaire's (its classification
    /// is the level selected).
    default_tlp: &'static str,
    problems: Vec<String>,
    done: Option<&'static str>,
}

/// The answering page for `answers` (saved, or as typed when `errors`).
async fn answer_page(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    typed: Option<Answers>,
    errors: FieldErrors,
    done: Option<&'static str>,
) -> Result<AnswerPage, WebError> {
    let subject = &viewer.caller.subject;
    let (q, ResponseView { response, editable_sections, .. }) = response_view(&state.store, subject, id).await?;
    let answering = !editable_sections.is_empty();
    let officer = subject.has(Role::AuthorisingOfficer);
    if !q.asks(subject) || (!answering && !officer && response.is_none()) {
        return Err(WebError::page(
            StatusCode::FORBIDDEN,
            "Your member's answers are given by its national focal point.",
        ));
    }
    let state_now = response.as_ref().map(|r| r.state);
    let draft = state_now.is_none_or(|s| s == ResponseState::Draft);
    let today = state.store.clock().now().to_datetime().date();
    let open = q.is_open_on(today);
    let focal_point = godwit_domain::survey::answers::answers_for_member(subject, &subject.member);
    let mut names = BTreeMap::new();
    let mut colleagues = Vec::new();
    if focal_point || response.as_ref().is_some_and(|r| !r.delegations.is_empty()) {
        for user in state.store.users(Some(&subject.member)).await? {
            names.insert(user.id, user.display_name.clone());
            if focal_point && user.id != subject.user && !user.disabled {
                let colleague = state.store.subject_for(&user).await?;
                if may_be_delegated(&colleague, &subject.member) && q.asks(&colleague) {
                    let (value, label) = (user.id.to_string(), user.display_name.clone());
                    colleagues.push(Choice { value, label, selected: false });
                }
            }
        }
    }
    let delegations: BTreeMap<String, (String, String)> = response
        .as_ref()
        .map(|r| {
            r.delegations
                .iter()
                .map(|(s, u)| (s.clone(), (u.to_string(), names.get(u).cloned().unwrap_or_else(|| u.to_string()))))
                .collect()
        })
        .unwrap_or_default();
    let saved = response.as_ref().map(|r| r.answers.clone()).unwrap_or_default();
    let answers = typed.unwrap_or(saved);
    let editing = open && draft && answering;
    let editable = if editing { editable_sections } else { Vec::new() };
    let approving = open
        && state_now == Some(ResponseState::AwaitingApproval)
        && subject.has(Role::AuthorisingOfficer)
        && response.as_ref().is_some_and(|r| r.submitted_by != Some(subject.user));
    let scale = state.store.scale();
    let levels = scale
        .all()
        .filter(|c| *c <= subject.clearance)
        .map(|c| Choice {
            value: c.0.to_string(),
            label: scale.name(c).to_owned(),
            selected: c == q.draft.classification,
        })
        .collect();
    Ok(AnswerPage {
        chrome: Chrome::new(viewer, format!("Answers to {}", q.draft.title), "/surveys"),
        classification: scale.name(q.draft.classification).to_owned(),
        state: state_now,
        returned_reason: response.as_ref().and_then(|r| r.returned_reason.clone()),
        sections: section_views(&q, &answers, &editable, &delegations, &errors),
        editing,
        focal_point: focal_point && editing,
        colleagues,
        approving,
        levels,
        tlps: &Tlp::ALL,
        default_tlp: q.draft.tlp.as_str(),
        problems: errors.all(),
        done,
        q,
    })
}

pub async fn answer_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    allowed(&viewer)?;
    render(&answer_page(&state, &viewer, id, None, FieldErrors::default(), done_message(&done)).await?)
}

/// The answers typed in the form, for the sections `editable`: each question
/// reads its own fields (`q.KEY`, `q.KEY.ITEM` for a matrix item or a
/// ranked option's place).
fn typed_answers(q: &Questionnaire, editable: &[String], fields: &[(String, String)]) -> (Answers, FieldErrors) {
    let mut errors = FieldErrors::default();
    let mut answers = Answers::new();
    let values = |name: &str| -> Vec<&str> {
        fields.iter().filter(|(k, _)| k == name).map(|(_, v)| v.trim()).filter(|v| !v.is_empty()).collect()
    };
    for section in q.draft.sections.iter().filter(|s| editable.contains(&s.key)) {
        for question in &section.questions {
            let name = format!("q.{}", question.key);
            let first = values(&name).first().map(|v| (*v).to_owned());
            let answer = match &question.kind {
                QuestionKind::YesNo => first.map(|v| AnswerValue::Bool(v == "yes")),
                QuestionKind::SingleChoice { .. } | QuestionKind::FreeText => first.map(AnswerValue::Text),
                QuestionKind::MultipleChoice { .. } => {
                    Some(AnswerValue::List(values(&name).into_iter().map(str::to_owned).collect()))
                }
                QuestionKind::Number { .. } | QuestionKind::Scale { .. } => match first.map(|v| v.parse::<i64>()) {
                    None => None,
                    Some(Ok(n)) => Some(AnswerValue::Number(n)),
                    Some(Err(_)) => {
                        errors.add(&question.key, "must be a whole number");
                        None
                    }
                },
                QuestionKind::Matrix { items, .. } => Some(AnswerValue::Map(
                    items
                        .iter()
                        .filter_map(|i| {
                            values(&format!("{name}.{}", i.key)).first().map(|v| (i.key.clone(), (*v).to_owned()))
                        })
                        .collect(),
                )),
                QuestionKind::Ranking { options, .. } => {
                    let mut ranked: Vec<(usize, String)> = Vec::new();
                    for o in options {
                        if let Some(rank) = values(&format!("{name}.{}", o.key)).first() {
                            match rank.parse::<usize>() {
                                Ok(r) if !ranked.iter().any(|(p, _)| *p == r) => ranked.push((r, o.key.clone())),
                                _ => errors.add(&question.key, "give each place once"),
                            }
                        }
                    }
                    ranked.sort();
                    Some(AnswerValue::List(ranked.into_iter().map(|(_, k)| k).collect()))
                }
            };
            if let Some(answer) = answer {
                answers.insert(question.key.clone(), answer);
            }
        }
    }
    (answers, errors)
}

/// Saves the answers typed (`step=save`), and sends them for approval
/// (`step=submit`) once saved; a fault shows the form again as typed.
pub async fn answer(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    WebForm { viewer, form }: WebForm<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    allowed(&viewer)?;
    let subject = &viewer.caller.subject;
    let (q, view) = response_view(&state.store, subject, id).await?;
    let (typed, errors) = typed_answers(&q, &view.editable_sections, &form);
    let submit = form.iter().any(|(k, v)| k == "step" && v == "submit");
    let result = if errors.is_empty() {
        let saved = state.store.act_on_survey_response(subject, id, ResponseAction::Save, typed.clone()).await;
        match saved {
            Ok(_) if submit => state
                .store
                .act_on_survey_response(subject, id, ResponseAction::Submit, Answers::new())
                .await
                .map(|_| ()),
            other => other.map(|_| ()),
        }
        .map_err(ApiError::from)
    } else {
        Ok(())
    };
    match result {
        Ok(()) if errors.is_empty() => {
            let step = if submit { "submit" } else { "save" };
            Ok(Redirect::to(&format!("/surveys/{id}/answer?done={step}")).into_response())
        }
        Ok(()) => render(&answer_page(&state, &viewer, id, Some(typed), errors, None).await?),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let errors = FieldErrors::from_api(&e, |f| f.strip_prefix("answers/").map(str::to_owned));
            // A refused submission leaves the draft saved: show what was saved.
            let typed = if submit { None } else { Some(typed) };
            render(&answer_page(&state, &viewer, id, typed, errors, None).await?)
        }
        Err(e) => Err(e.into()),
    }
}

/// The fields of the other steps' forms; each step reads its own.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct StepForm {
    section: String,
    to: String,
    classification: String,
    tlp: String,
    members: String,
    groups: String,
    reason: String,
}

/// Delegates a section, approves or returns the answers.
pub async fn act(
    State(state): State<AppState>,
    Path((id, step)): Path<(Uuid, String)>,
    WebForm { viewer, form }: WebForm<StepForm>,
) -> Result<Response, WebError> {
    allowed(&viewer)?;
    let action = match step.as_str() {
        "delegate" => ResponseAction::Delegate {
            section: form.section,
            to: match form.to.trim() {
                "" => None,
                to => Some(
                    Uuid::parse_str(to).map_err(|_| WebError::from(ApiError::invalid("to", "choose a colleague")))?,
                ),
            },
        },
        "approve" => ResponseAction::Approve(ResponseRelease {
            classification: form
                .classification
                .trim()
                .parse::<u8>()
                .map(Classification)
                .map_err(|_| WebError::from(ApiError::invalid("classification", "choose a classification")))?,
            tlp: Tlp::parse(form.tlp.trim()).ok_or_else(|| WebError::from(ApiError::invalid("tlp", "choose a TLP")))?,
            caveats: Caveats::default(),
            release: Releasability {
                members: codes(&form.members).map(MemberCode).collect(),
                groups: form
                    .groups
                    .split([',', ' ', ';'])
                    .map(str::trim)
                    .filter(|g| !g.is_empty())
                    .map(str::to_owned)
                    .collect(),
                ..Releasability::default()
            },
        }),
        "return" => ResponseAction::Return { reason: form.reason },
        _ => return Err(WebError::page(StatusCode::NOT_FOUND, "No such step.")),
    };
    state.store.act_on_survey_response(&viewer.caller.subject, id, action, Answers::new()).await?;
    Ok(Redirect::to(&format!("/surveys/{id}/answer?done={step}")).into_response())
}

/// An answer's label, count of members and share of the responding members.
type Share = (String, usize, u32);

/// One member's answers released to the reader: member, when submitted, and
/// each answer (question text, answer in words).
type MemberAnswers = (String, String, Vec<(String, String)>);

/// One question's findings as the page draws them.
pub struct FindingView {
    pub section: String,
    pub key: String,
    pub text: String,
    pub answered: usize,
    /// A bar chart (SVG) of the answers, for choices and scales.
    pub chart: Option<String>,
    /// Label, count, percent: choices and scales.
    pub counts: Vec<Share>,
    /// Matrix: item, then option label, count, percent.
    pub matrix: Vec<(String, Vec<Share>)>,
    /// Ranked priorities in overall order: place, label, points, ranked first by, ranked by.
    pub ranking: Vec<(usize, String, u64, usize, usize)>,
    /// Numbers: minimum, median, maximum, total.
    pub numbers: Option<(String, String, String, i64)>,
    /// Free text: member, text.
    pub texts: Vec<(String, String)>,
    /// Free text by theme, when the question has themes: label, then member, text.
    pub themes: Vec<(String, Vec<(String, String)>)>,
}

fn finding_view(n: usize, q: &godwit_domain::survey::findings::QuestionFindings) -> FindingView {
    let mut view = FindingView {
        section: q.section.clone(),
        key: q.key.clone(),
        text: q.text.clone(),
        answered: q.answered,
        chart: None,
        counts: Vec::new(),
        matrix: Vec::new(),
        ranking: Vec::new(),
        numbers: None,
        texts: Vec::new(),
        themes: Vec::new(),
    };
    let shown = |o: &godwit_domain::survey::findings::Count| (o.label.clone(), o.count, o.percent);
    match &q.tally {
        Tally::Options { options } => {
            view.counts = options.iter().map(shown).collect();
            let bars: Vec<(String, u64, u32)> =
                options.iter().map(|o| (o.label.clone(), o.count as u64, o.percent)).collect();
            view.chart = Some(horizontal_bars(
                &format!("q-{}", q.key),
                &format!("{} (of the {n} responding members whose answers are released to you)", q.text),
                &bars,
            ));
        }
        Tally::Matrix { rows } => {
            view.matrix = rows.iter().map(|r| (r.label.clone(), r.options.iter().map(shown).collect())).collect();
        }
        Tally::Ranking { order } => {
            view.ranking = order
                .iter()
                .enumerate()
                .map(|(p, r)| (p + 1, r.label.clone(), r.points, r.first, r.ranked_by))
                .collect();
        }
        Tally::Numbers { min, max, median, total } => {
            let figure = |v: &Option<i64>| v.map(|x| x.to_string()).unwrap_or_else(|| "–".into());
            view.numbers = Some((figure(min), figure(median), figure(max), *total));
        }
        Tally::Text { answers, themes } => {
            let listed =
                |answers: &[TextAnswer]| answers.iter().map(|a| (a.member.to_string(), a.text.clone())).collect();
            view.texts = listed(answers);
            view.themes = themes.iter().map(|t| (t.label.clone(), listed(&t.answers))).collect();
        }
    }
    view
}

#[derive(Template)]
#[template(path = "survey_findings.html")]
struct FindingsPage {
    chrome: Chrome,
    view: FindingsView,
    classification: String,
    /// Who responded and whose answers are counted.
    lead: String,
    /// How the figures are counted.
    basis: String,
    /// Section key → title.
    section_titles: BTreeMap<String, String>,
    questions: Vec<FindingView>,
    /// Question text, option, measure, then, now.
    changes: Vec<(String, String, &'static str, u32, u32)>,
    released: Vec<MemberAnswers>,
}

pub async fn findings(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
) -> Result<Response, WebError> {
    allowed(&viewer)?;
    let view = state.store.survey_findings(&viewer.caller.subject, id).await?;
    let q = &view.questionnaire;
    let n = view.findings.responding;
    let questions = view.findings.questions.iter().map(|f| finding_view(n, f)).collect();
    let text_of = |key: &str| q.draft.question(key).map_or_else(|| key.to_owned(), |x| x.text.clone());
    let changes =
        view.changes.iter().map(|c| (text_of(&c.question), c.label.clone(), c.measure, c.then, c.now)).collect();
    let released = view
        .released
        .iter()
        .map(|r| {
            let answers = q
                .draft
                .questions()
                .filter_map(|(_, question)| {
                    r.answers
                        .get(&question.key)
                        .map(|a| (question.text.clone(), question_view(question, Some(a), true, None).answer))
                })
                .collect();
            (r.member.to_string(), r.submitted_at.map(when).unwrap_or_default(), answers)
        })
        .collect();
    let page = FindingsPage {
        chrome: Chrome::new(&viewer, format!("Findings: {}", q.draft.title), "/surveys"),
        classification: state.store.scale().name(q.draft.classification).to_owned(),
        lead: responding_line(&view),
        basis: basis_note(&view.findings),
        section_titles: q.draft.sections.iter().map(|s| (s.key.clone(), s.title.clone())).collect(),
        questions,
        changes,
        released,
        view,
    };
    render(&page)
}

/// The findings' data as CSV or XLSX (audited).
pub async fn findings_data(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Query(params): Query<ExportParams>,
) -> Result<Response, WebError> {
    allowed(&viewer)?;
    let format = params.format.unwrap_or(ExportFormat::Csv);
    let (_, bytes) = findings_file(&state.store, &viewer.caller.subject, id, format).await?;
    let disposition = format!("attachment; filename=\"{}\"", file_name(id, format));
    Ok(([(header::CONTENT_TYPE, format.content_type().to_owned()), (header::CONTENT_DISPOSITION, disposition)], bytes)
        .into_response())
}

/// The findings printed to PDF (audited).
pub async fn findings_report(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
) -> Result<Response, WebError> {
    allowed(&viewer)?;
    let (_, bytes) = findings_pdf(&state.store, &viewer.caller.subject, id, "downloaded from the portal")
        .await
        .map_err(ApiError::from)?;
    Ok(crate::pdf::pdf_response(bytes, &pdf_file_name(id)))
}
