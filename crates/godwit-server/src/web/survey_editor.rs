//! The questionnaire editor in the portal, for a member's designers (the
//! rule of the API's create and update, `designs_questionnaire`):
//! `/surveys/new` sets a questionnaire up (title, round, dates, audience,
//! markings, release, the earlier round); `/surveys/{id}/design` shows its
//! sections and questions with the steps to add, edit, remove and reorder
//! them, each a plain form posted to the server. Every change saves the
//! whole design through the store, which validates it: a fault shows the form
//! again as typed, the message beside its field. Once published, only the
//! dates, markings and release change, and the themes of free-text questions
//! (analysis, not the question).
//!
//! The forms' fields and how they read are [`super::survey_form`]'s.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use godwit_domain::item::{Category, Releasability};
use godwit_domain::marking::{Caveats, Tlp};
use godwit_domain::member::MemberCode;
use godwit_domain::survey::{
    Audience, Choice as Offered, Question, QuestionKind, Questionnaire, QuestionnaireDraft, QuestionnaireState,
    Section, designs_questionnaire,
};
use godwit_store::StoreError;
use serde::Deserialize;
use uuid::Uuid;

use crate::error::ApiError;
use crate::state::AppState;
use crate::web::forms::FieldErrors;
use crate::web::item_form::{Choice, choices};
use crate::web::page::{Chrome, WebError, render};
use crate::web::survey_form::{DesignForm, KINDS, slug, themes_from, unique};
use crate::web::surveys::allowed;
use crate::web::viewer::{Viewer, WebForm};

/// The refusal of a form drawn from an older version.
fn changed_meanwhile() -> ApiError {
    StoreError::Conflict("the questionnaire changed meanwhile: open it again and repeat your change".into()).into()
}

/// The choices of the settings form.
pub struct SettingsChoices {
    pub audience_members: Vec<Choice>,
    pub audience_groups: Vec<Choice>,
    pub release_members: Vec<Choice>,
    pub release_groups: Vec<Choice>,
    pub categories: Vec<Choice>,
    pub levels: Vec<Choice>,
    pub tlps: Vec<Choice>,
    /// The member's other questionnaires, for the earlier round.
    pub previous: Vec<Choice>,
    /// Once published, the audience stays.
    pub published: bool,
}

async fn settings_choices(
    state: &AppState,
    viewer: &Viewer,
    form: &DesignForm,
    this: Option<&Questionnaire>,
) -> Result<SettingsChoices, WebError> {
    let subject = &viewer.caller.subject;
    let members = state.store.members().await?;
    let groups = state.store.groups().await?;
    let picked = |list: &[String], value: &str| list.iter().any(|v| v == value);
    let member_choices = |chosen: &[String]| -> Vec<Choice> {
        members
            .iter()
            .map(|m| Choice {
                value: m.code.to_string(),
                label: format!("{} ({})", m.name, m.code),
                selected: picked(chosen, m.code.as_str()),
            })
            .collect()
    };
    let group_choices = |chosen: &[String]| -> Vec<Choice> {
        groups
            .iter()
            .map(|g| Choice {
                value: g.code.clone(),
                label: format!("{} ({})", g.name, g.code),
                selected: picked(chosen, &g.code),
            })
            .collect()
    };
    let scale = state.store.scale();
    let previous = state
        .store
        .questionnaires(subject)
        .await?
        .into_iter()
        .filter(|l| l.member == subject.member && this.is_none_or(|q| q.id != l.id))
        .map(|l| Choice {
            selected: l.id.to_string() == form.previous_round.trim(),
            value: l.id.to_string(),
            label: if l.round.is_empty() { l.title } else { format!("{} ({})", l.title, l.round) },
        })
        .collect();
    Ok(SettingsChoices {
        audience_members: member_choices(&form.audience_members),
        audience_groups: group_choices(&form.audience_groups),
        release_members: member_choices(&form.release_members),
        release_groups: group_choices(&form.release_groups),
        categories: choices(Category::ALL, Category::as_str, form.category.trim()),
        levels: scale
            .all()
            .filter(|c| *c <= subject.clearance)
            .map(|c| Choice {
                value: scale.name(c).to_owned(),
                label: scale.name(c).to_owned(),
                selected: scale.name(c) == form.classification,
            })
            .collect(),
        tlps: Tlp::ALL
            .iter()
            .map(|t| Choice { value: t.as_str().into(), label: t.as_str().into(), selected: t.as_str() == form.tlp })
            .collect(),
        previous,
        published: this.is_some_and(|q| q.state == QuestionnaireState::Published),
    })
}

/// Files errors of the settings under their form fields.
fn settings_errors(e: &ApiError) -> FieldErrors {
    FieldErrors::from_api(e, |f| match f {
        "title" | "description" | "round" | "opens_on" | "closes_on" | "audience" | "classification" | "category" => {
            Some(f.to_owned())
        }
        "audience/members" => Some("audience_members".into()),
        "audience/groups" => Some("audience_groups".into()),
        _ => None,
    })
}

/// Errors that a form shows again, as typed; others are pages.
fn shown_again(e: ApiError) -> Result<ApiError, WebError> {
    if e.status == StatusCode::UNPROCESSABLE_ENTITY || e.status == StatusCode::CONFLICT { Ok(e) } else { Err(e.into()) }
}

#[derive(Template)]
#[template(path = "survey_new.html")]
struct NewPage {
    chrome: Chrome,
    form: DesignForm,
    settings: SettingsChoices,
    errors: FieldErrors,
}

async fn new_page(
    state: &AppState,
    viewer: &Viewer,
    form: DesignForm,
    errors: FieldErrors,
) -> Result<Response, WebError> {
    let settings = settings_choices(state, viewer, &form, None).await?;
    render(&NewPage { chrome: Chrome::new(viewer, "New questionnaire", "/surveys"), form, settings, errors })
}

/// A designer of the viewer's member, or a refusal.
fn designer(viewer: &Viewer, member: &MemberCode) -> Result<(), WebError> {
    if designs_questionnaire(&viewer.caller.subject, member) {
        Ok(())
    } else {
        Err(WebError::page(
            StatusCode::FORBIDDEN,
            "Questionnaires are designed by the secretariat, focal points and authorising officers of their member.",
        ))
    }
}

pub async fn new_form(State(state): State<AppState>, viewer: Viewer) -> Result<Response, WebError> {
    allowed(&viewer)?;
    designer(&viewer, &viewer.caller.subject.member)?;
    let today = state.store.clock().now();
    let day = |t: godwit_domain::Timestamp| t.to_datetime().date().to_string();
    let draft = QuestionnaireDraft {
        title: String::new(),
        description: String::new(),
        round: today.to_datetime().year().to_string(),
        previous_round: None,
        opens_on: day(today),
        closes_on: day(today.plus_days(30)),
        audience: Audience { members: Default::default(), groups: viewer.caller.subject.member_groups.clone() },
        category: Category::BorderManagement,
        classification: godwit_domain::marking::Classification(1),
        tlp: Tlp::Amber,
        caveats: Caveats::default(),
        release: Releasability { groups: viewer.caller.subject.member_groups.clone(), ..Releasability::default() },
        sections: Vec::new(),
    };
    let form = DesignForm::of_settings(&draft, state.store.scale().name(draft.classification), None);
    new_page(&state, &viewer, form, FieldErrors::default()).await
}

/// Creates the questionnaire as a draft without questions, and opens its design.
pub async fn create(
    State(state): State<AppState>,
    WebForm { viewer, form }: WebForm<DesignForm>,
) -> Result<Response, WebError> {
    allowed(&viewer)?;
    let mut errors = FieldErrors::default();
    let blank = QuestionnaireDraft {
        title: String::new(),
        description: String::new(),
        round: String::new(),
        previous_round: None,
        opens_on: String::new(),
        closes_on: String::new(),
        audience: Audience::default(),
        category: Category::BorderManagement,
        classification: godwit_domain::marking::Classification(1),
        tlp: Tlp::Amber,
        caveats: Caveats::default(),
        release: Releasability::default(),
        sections: Vec::new(),
    };
    let draft = form.apply_settings(&state, blank, &mut errors);
    if !errors.is_empty() {
        return new_page(&state, &viewer, form, errors).await;
    }
    match state.store.create_questionnaire(&viewer.caller.subject, draft).await {
        Ok(q) => Ok(Redirect::to(&format!("/surveys/{}/design?done=created", q.id)).into_response()),
        Err(e) => {
            let e = shown_again(e.into())?;
            new_page(&state, &viewer, form, settings_errors(&e)).await
        }
    }
}

/// A question in the design's list.
pub struct DesignQuestion {
    pub key: String,
    pub text: String,
    pub kind_name: &'static str,
    pub required: bool,
    /// "Asked if abmis is no", or empty.
    pub condition: String,
    /// The options, items or scale in words.
    pub detail: String,
    pub free_text: bool,
    /// Theme labels.
    pub themes: Vec<String>,
}

pub struct DesignSection {
    pub key: String,
    pub title: String,
    pub description: String,
    pub questions: Vec<DesignQuestion>,
}

fn design_question(q: &Question) -> DesignQuestion {
    let labels = |list: &[Offered]| list.iter().map(|o| o.label.as_str()).collect::<Vec<_>>().join(" · ");
    let detail = match &q.kind {
        QuestionKind::YesNo | QuestionKind::FreeText => String::new(),
        QuestionKind::SingleChoice { options } | QuestionKind::MultipleChoice { options } => labels(options),
        QuestionKind::Ranking { options, most } => match most {
            Some(m) => format!("{} (at most {m} ranked)", labels(options)),
            None => labels(options),
        },
        QuestionKind::Number { min, max } => match (min, max) {
            (None, None) => String::new(),
            (min, max) => format!(
                "from {} to {}",
                min.map_or_else(|| "any".to_owned(), |m| m.to_string()),
                max.map_or_else(|| "any".to_owned(), |m| m.to_string())
            ),
        },
        QuestionKind::Scale { min, max, low_label, high_label } => {
            format!("{min} {low_label} to {max} {high_label}").replace("  ", " ")
        }
        QuestionKind::Matrix { items, options } => format!("{} × {}", labels(items), labels(options)),
    };
    DesignQuestion {
        key: q.key.clone(),
        text: q.text.clone(),
        kind_name: q.kind.name(),
        required: q.required,
        condition: q
            .show_if
            .as_ref()
            .map(|c| format!("asked if {} is {}", c.question, c.any_of.join(" or ")))
            .unwrap_or_default(),
        detail,
        free_text: q.kind == QuestionKind::FreeText,
        themes: q.themes.iter().map(|t| t.label.clone()).collect(),
    }
}

#[derive(Template)]
#[template(path = "survey_design.html")]
struct DesignPage {
    chrome: Chrome,
    q: Questionnaire,
    classification: String,
    draft: bool,
    form: DesignForm,
    settings: SettingsChoices,
    sections: Vec<DesignSection>,
    /// Faults of the settings, by field.
    errors: FieldErrors,
    /// Faults of a step on the sections and questions.
    problems: Vec<String>,
    done: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
}

fn done_message(done: Option<&str>) -> Option<&'static str> {
    match done {
        Some("created") => Some("The questionnaire was created as a draft: add its sections and questions."),
        Some("saved") => Some("The change was saved."),
        Some("removed") => Some("It was removed."),
        Some("moved") => Some("It was moved."),
        _ => None,
    }
}

/// The questionnaire `id` for its designer.
async fn designed(state: &AppState, viewer: &Viewer, id: Uuid) -> Result<Questionnaire, WebError> {
    allowed(viewer)?;
    let q = state.store.questionnaire(&viewer.caller.subject, id).await?;
    designer(viewer, &q.member)?;
    Ok(q)
}

async fn design_page(
    state: &AppState,
    viewer: &Viewer,
    q: Questionnaire,
    form: Option<DesignForm>,
    errors: FieldErrors,
    problems: Vec<String>,
    done: Option<&'static str>,
) -> Result<Response, WebError> {
    let scale = state.store.scale();
    let form = form
        .unwrap_or_else(|| DesignForm::of_settings(&q.draft, scale.name(q.draft.classification), Some(q.updated_at.0)));
    let settings = settings_choices(state, viewer, &form, Some(&q)).await?;
    let sections = q
        .draft
        .sections
        .iter()
        .map(|s| DesignSection {
            key: s.key.clone(),
            title: s.title.clone(),
            description: s.description.clone(),
            questions: s.questions.iter().map(design_question).collect(),
        })
        .collect();
    render(&DesignPage {
        chrome: Chrome::new(viewer, format!("Design: {}", q.draft.title), "/surveys"),
        classification: scale.name(q.draft.classification).to_owned(),
        draft: q.state == QuestionnaireState::Draft,
        form,
        settings,
        sections,
        errors,
        problems,
        done,
        q,
    })
}

pub async fn design(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    let q = designed(&state, &viewer, id).await?;
    design_page(&state, &viewer, q, None, FieldErrors::default(), Vec::new(), done_message(done.done.as_deref())).await
}

/// Saves `draft` as `q`'s design, if the form was drawn from `q` as it is.
async fn save(
    state: &AppState,
    viewer: &Viewer,
    q: &Questionnaire,
    form: &DesignForm,
    draft: QuestionnaireDraft,
) -> Result<(), ApiError> {
    if !form.current(q) {
        return Err(changed_meanwhile());
    }
    state.store.update_questionnaire(&viewer.caller.subject, q.id, draft, false).await?;
    Ok(())
}

fn saved(id: Uuid, done: &str) -> Response {
    Redirect::to(&format!("/surveys/{id}/design?done={done}")).into_response()
}

/// Saves the settings; a published questionnaire keeps its audience.
pub async fn save_settings(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    WebForm { viewer, form }: WebForm<DesignForm>,
) -> Result<Response, WebError> {
    let q = designed(&state, &viewer, id).await?;
    let mut errors = FieldErrors::default();
    let mut draft = form.apply_settings(&state, q.draft.clone(), &mut errors);
    if q.state == QuestionnaireState::Published {
        draft.audience = q.draft.audience.clone();
    }
    let result = if errors.is_empty() { save(&state, &viewer, &q, &form, draft).await } else { Ok(()) };
    match result {
        Ok(()) if errors.is_empty() => Ok(saved(id, "saved")),
        Ok(()) => design_page(&state, &viewer, q, Some(form), errors, Vec::new(), None).await,
        Err(e) => {
            let e = shown_again(e)?;
            design_page(&state, &viewer, q, Some(form), settings_errors(&e), Vec::new(), None).await
        }
    }
}

/// Where a section or question is in the design.
fn section_index(draft: &QuestionnaireDraft, key: &str) -> Option<usize> {
    draft.sections.iter().position(|s| s.key == key)
}

fn question_index(draft: &QuestionnaireDraft, key: &str) -> Option<(usize, usize)> {
    draft
        .sections
        .iter()
        .enumerate()
        .find_map(|(s, section)| section.questions.iter().position(|q| q.key == key).map(|n| (s, n)))
}

fn not_found(what: &str) -> WebError {
    WebError::page(StatusCode::NOT_FOUND, format!("No such {what} in this questionnaire."))
}

fn only_drafts(q: &Questionnaire) -> Result<(), WebError> {
    if q.state == QuestionnaireState::Draft {
        Ok(())
    } else {
        Err(WebError::page(
            StatusCode::CONFLICT,
            "The questions of a published questionnaire stay as members answer them.",
        ))
    }
}

/// Moves a section or question up or down (within its section), or removes it.
pub async fn rearrange(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    WebForm { viewer, form }: WebForm<DesignForm>,
) -> Result<Response, WebError> {
    let q = designed(&state, &viewer, id).await?;
    only_drafts(&q)?;
    let mut draft = q.draft.clone();
    let key = form.key.trim();
    let (list_len, at) = match form.what.as_str() {
        "section" => {
            let s = section_index(&draft, key).ok_or_else(|| not_found("section"))?;
            (draft.sections.len(), (s, None))
        }
        "question" => {
            let (s, n) = question_index(&draft, key).ok_or_else(|| not_found("question"))?;
            (draft.sections[s].questions.len(), (s, Some(n)))
        }
        _ => return Err(not_found("step")),
    };
    let position = at.1.unwrap_or(at.0);
    let done = match form.step.as_str() {
        "up" | "down" => {
            let to =
                if form.step == "up" { position.checked_sub(1) } else { Some(position + 1).filter(|p| *p < list_len) };
            if let Some(to) = to {
                match at {
                    (s, Some(n)) => draft.sections[s].questions.swap(n, to),
                    (s, None) => draft.sections.swap(s, to),
                }
            }
            "moved"
        }
        "remove" => {
            match at {
                (s, Some(n)) => {
                    draft.sections[s].questions.remove(n);
                }
                (s, None) => {
                    draft.sections.remove(s);
                }
            }
            "removed"
        }
        _ => return Err(not_found("step")),
    };
    match save(&state, &viewer, &q, &form, draft).await {
        Ok(()) => Ok(saved(id, done)),
        Err(e) => {
            let e = shown_again(e)?;
            design_page(&state, &viewer, q, None, FieldErrors::default(), e.problems(), None).await
        }
    }
}

#[derive(Template)]
#[template(path = "survey_section_form.html")]
struct SectionPage {
    chrome: Chrome,
    q: Questionnaire,
    classification: String,
    /// Where the form posts.
    action: String,
    form: DesignForm,
    errors: FieldErrors,
}

async fn section_page(
    state: &AppState,
    viewer: &Viewer,
    q: Questionnaire,
    action: String,
    form: DesignForm,
    errors: FieldErrors,
) -> Result<Response, WebError> {
    let title = if form.key.is_empty() { "New section".to_owned() } else { format!("Section: {}", form.title) };
    render(&SectionPage {
        chrome: Chrome::new(viewer, title, "/surveys"),
        classification: state.store.scale().name(q.draft.classification).to_owned(),
        action,
        form,
        errors,
        q,
    })
}

/// Files errors of section `s` under the section form's fields.
fn section_errors(e: &ApiError, s: usize) -> FieldErrors {
    let prefix = format!("sections/{s}/");
    FieldErrors::from_api(e, |f| match f.strip_prefix(&prefix) {
        Some(field @ ("key" | "title" | "description")) => Some(field.to_owned()),
        _ => None,
    })
}

pub async fn section_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, key)): Path<(Uuid, String)>,
) -> Result<Response, WebError> {
    let q = designed(&state, &viewer, id).await?;
    only_drafts(&q)?;
    let s = section_index(&q.draft, &key).ok_or_else(|| not_found("section"))?;
    let section = &q.draft.sections[s];
    let form = DesignForm {
        updated: q.updated_at.0.to_string(),
        key: section.key.clone(),
        title: section.title.clone(),
        description: section.description.clone(),
        ..DesignForm::default()
    };
    let action = format!("/surveys/{id}/sections/{key}");
    section_page(&state, &viewer, q, action, form, FieldErrors::default()).await
}

/// Which questionnaire a design form posts to, and the section or question
/// it changes: none when it adds one.
#[derive(Deserialize)]
pub struct Editing {
    id: Uuid,
    key: Option<String>,
}

/// Adds a section at the end (no `key` in the path) or changes one.
pub async fn put_section(
    State(state): State<AppState>,
    Path(Editing { id, key: editing }): Path<Editing>,
    WebForm { viewer, form }: WebForm<DesignForm>,
) -> Result<Response, WebError> {
    let q = designed(&state, &viewer, id).await?;
    only_drafts(&q)?;
    let mut draft = q.draft.clone();
    let key = match form.key.trim() {
        "" => unique(slug(&form.title, "section"), |k| draft.sections.iter().any(|s| s.key == k)),
        key => key.to_owned(),
    };
    let s = match &editing {
        Some(old) => {
            let s = section_index(&draft, old).ok_or_else(|| not_found("section"))?;
            let section = &mut draft.sections[s];
            section.key = key;
            section.title = form.title.trim().to_owned();
            section.description = form.description.trim().to_owned();
            s
        }
        None => {
            draft.sections.push(Section {
                key,
                title: form.title.trim().to_owned(),
                description: form.description.trim().to_owned(),
                questions: Vec::new(),
            });
            draft.sections.len() - 1
        }
    };
    match save(&state, &viewer, &q, &form, draft).await {
        Ok(()) => Ok(saved(id, "saved")),
        Err(e) => {
            let e = shown_again(e)?;
            let action = match &editing {
                Some(old) => format!("/surveys/{id}/sections/{old}"),
                None => format!("/surveys/{id}/sections"),
            };
            section_page(&state, &viewer, q, action, form, section_errors(&e, s)).await
        }
    }
}

#[derive(Template)]
#[template(path = "survey_question_form.html")]
struct QuestionPage {
    chrome: Chrome,
    q: Questionnaire,
    classification: String,
    action: String,
    form: DesignForm,
    kinds: Vec<Choice>,
    /// Earlier questions a condition may name, with their answers.
    conditions: Vec<Choice>,
    /// Once published, only the themes change.
    published: bool,
    errors: FieldErrors,
}

/// The questions before section `s`'s question `n` (all of section `s`
/// when `n` is `None`) that may control a condition.
fn controlling(draft: &QuestionnaireDraft, s: usize, n: Option<usize>, chosen: &str) -> Vec<Choice> {
    draft
        .sections
        .iter()
        .enumerate()
        .take(s + 1)
        .flat_map(|(i, section)| {
            let end = if i == s { n.unwrap_or(section.questions.len()) } else { section.questions.len() };
            section.questions.iter().take(end)
        })
        .filter_map(|q| {
            let values = q.kind.condition_values()?;
            Some(Choice {
                value: q.key.clone(),
                label: format!("{} ({}: {})", q.text, q.key, values.join(", ")),
                selected: q.key == chosen,
            })
        })
        .collect()
}

async fn question_page(
    state: &AppState,
    viewer: &Viewer,
    q: Questionnaire,
    at: (usize, Option<usize>),
    form: DesignForm,
    errors: FieldErrors,
) -> Result<Response, WebError> {
    let action = match at.1 {
        Some(n) => format!("/surveys/{}/questions/{}", q.id, q.draft.sections[at.0].questions[n].key),
        None => format!("/surveys/{}/questions", q.id),
    };
    let title = if at.1.is_some() { format!("Question: {}", form.text) } else { "New question".to_owned() };
    let kinds = KINDS
        .iter()
        .map(|(value, label)| Choice { value: (*value).into(), label: (*label).into(), selected: form.kind == *value })
        .collect();
    render(&QuestionPage {
        chrome: Chrome::new(viewer, title, "/surveys"),
        classification: state.store.scale().name(q.draft.classification).to_owned(),
        action,
        conditions: controlling(&q.draft, at.0, at.1, &form.show_if_question),
        kinds,
        published: q.state == QuestionnaireState::Published,
        form,
        errors,
        q,
    })
}

#[derive(Deserialize)]
pub struct InSection {
    section: String,
}

pub async fn new_question(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Query(at): Query<InSection>,
) -> Result<Response, WebError> {
    let q = designed(&state, &viewer, id).await?;
    only_drafts(&q)?;
    let s = section_index(&q.draft, &at.section).ok_or_else(|| not_found("section"))?;
    let form = DesignForm {
        updated: q.updated_at.0.to_string(),
        section: at.section,
        kind: "yes_no".into(),
        required: Some(String::new()),
        ..DesignForm::default()
    };
    question_page(&state, &viewer, q, (s, None), form, FieldErrors::default()).await
}

pub async fn question_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, key)): Path<(Uuid, String)>,
) -> Result<Response, WebError> {
    let q = designed(&state, &viewer, id).await?;
    let (s, n) = question_index(&q.draft, &key).ok_or_else(|| not_found("question"))?;
    let section = &q.draft.sections[s];
    let form = DesignForm::of_question(&section.key, &section.questions[n], q.updated_at.0);
    question_page(&state, &viewer, q, (s, Some(n)), form, FieldErrors::default()).await
}

/// Files errors of the question at `s`, `n` under the question form's
/// fields, naming the line of an option, item or theme.
fn question_errors(e: &ApiError, s: usize, n: usize) -> FieldErrors {
    let prefix = format!("sections/{s}/questions/{n}/");
    let mut errors = FieldErrors::default();
    for error in &e.errors {
        let path: Vec<&str> = error.field.strip_prefix(&prefix).map(|p| p.split('/').collect()).unwrap_or_default();
        let line = |i: &str| i.parse::<usize>().map(|i| format!("line {}: ", i + 1)).unwrap_or_default();
        let (field, message) = match path.as_slice() {
            [f @ ("key" | "text" | "help")] => (*f, error.message.clone()),
            ["kind", f @ ("options" | "items"), rest @ ..] => {
                (*f, format!("{}{}", rest.first().map_or_else(String::new, |i| line(i)), error.message))
            }
            ["kind", f @ ("max" | "most" | "low_label" | "high_label")] => (*f, error.message.clone()),
            ["show_if", ..] => ("show_if_question", error.message.clone()),
            ["themes", rest @ ..] => {
                ("themes", format!("{}{}", rest.first().map_or_else(String::new, |i| line(i)), error.message))
            }
            _ => {
                errors.general.push(format!("{}: {}", error.field, error.message));
                continue;
            }
        };
        errors.add(field, &message);
    }
    if e.errors.is_empty() {
        errors.general.push(e.detail.clone().unwrap_or_else(|| "the change was refused".into()));
    }
    errors
}

/// Adds a question at the end of its section (no `key` in the path) or
/// changes one; a question whose key changes keeps the conditions that name
/// it. Once published, only the themes of a free-text question change.
pub async fn put_question(
    State(state): State<AppState>,
    Path(Editing { id, key: editing }): Path<Editing>,
    WebForm { viewer, form }: WebForm<DesignForm>,
) -> Result<Response, WebError> {
    let q = designed(&state, &viewer, id).await?;
    let mut draft = q.draft.clone();
    let mut errors = FieldErrors::default();
    let at = match &editing {
        Some(key) => question_index(&draft, key).ok_or_else(|| not_found("question"))?,
        None => {
            only_drafts(&q)?;
            let s = section_index(&draft, form.section.trim()).ok_or_else(|| not_found("section"))?;
            (s, draft.sections[s].questions.len())
        }
    };
    let others: Vec<String> =
        draft.questions().map(|(_, x)| x.key.clone()).filter(|k| editing.as_deref() != Some(k.as_str())).collect();
    let (s, n) = at;
    match (&editing, q.state) {
        // Only the themes are sent: the other fields are shown, not posted.
        (Some(_), QuestionnaireState::Published) => {
            let question = &mut draft.sections[s].questions[n];
            if question.kind == QuestionKind::FreeText {
                question.themes = themes_from(&form.themes);
            }
        }
        (Some(old), QuestionnaireState::Draft) => {
            let typed = form.question(&mut errors, |k| others.iter().any(|o| o == k));
            if *old != typed.key {
                for condition in
                    draft.sections.iter_mut().flat_map(|x| x.questions.iter_mut()).filter_map(|x| x.show_if.as_mut())
                {
                    if condition.question == *old {
                        condition.question = typed.key.clone();
                    }
                }
            }
            draft.sections[s].questions[n] = typed;
        }
        (None, _) => draft.sections[s].questions.push(form.question(&mut errors, |k| others.iter().any(|o| o == k))),
    }
    let result = if errors.is_empty() { save(&state, &viewer, &q, &form, draft).await } else { Ok(()) };
    match result {
        Ok(()) if errors.is_empty() => Ok(saved(id, "saved")),
        Ok(()) => question_page(&state, &viewer, q, (s, editing.as_ref().map(|_| n)), form, errors).await,
        Err(e) => {
            let e = shown_again(e)?;
            let errors = question_errors(&e, s, n);
            question_page(&state, &viewer, q, (s, editing.as_ref().map(|_| n)), form, errors).await
        }
    }
}
