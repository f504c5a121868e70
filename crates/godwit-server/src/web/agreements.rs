//! The agreements registry in the portal: every member's users read it; a
//! party's national focal point proposes, changes (which asks every other
//! party to confirm again), confirms and ends agreements and attaches the
//! signed MoU, through the rules in [`crate::agreements`].

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use godwit_domain::agreement::{Agreement, AgreementKind, AgreementStatus, ThirdPartyRule};
use godwit_domain::item::{AttachmentMeta, Category};
use godwit_domain::marking::Classification;
use godwit_domain::member::MemberCode;
use serde::Deserialize;
use uuid::Uuid;

use crate::agreements as rules;
use crate::state::AppState;
use crate::web::forms::{FieldErrors, date, parse_date, when, words};
use crate::web::item_form::Choice;
use crate::web::page::{Chrome, WebError, render};
use crate::web::viewer::{Viewer, WebForm, WebMultipart};

pub struct AgreementRow {
    pub id: Uuid,
    pub title: String,
    pub kind: String,
    pub status: String,
    pub in_force: bool,
    pub parties: String,
    pub categories: String,
    pub max_classification: String,
    pub personal_data: bool,
    pub validity: String,
    /// Waits for the viewer's member to confirm it.
    pub awaiting: bool,
}

#[derive(Template)]
#[template(path = "agreements.html")]
struct AgreementsPage {
    chrome: Chrome,
    rows: Vec<AgreementRow>,
    awaiting: Vec<AgreementRow>,
    may_propose: bool,
}

fn row_of(state: &AppState, a: Agreement, awaiting: bool) -> AgreementRow {
    let now = state.store.clock().now();
    AgreementRow {
        id: a.id,
        in_force: a.in_force(now),
        kind: words(a.kind.as_str()),
        status: words(a.status.as_str()),
        parties: a.parties.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(", "),
        categories: a.categories.iter().map(|c| words(c.as_str())).collect::<Vec<_>>().join(", "),
        max_classification: state.store.scale().name(a.max_classification).to_owned(),
        personal_data: a.personal_data,
        validity: format!(
            "{} to {}",
            when(a.valid_from),
            a.valid_until.map(when).unwrap_or_else(|| "open-ended".into())
        ),
        title: a.title,
        awaiting,
    }
}

pub async fn list(State(state): State<AppState>, viewer: Viewer) -> Result<Response, WebError> {
    let user = &viewer.caller.user;
    let mut rows = Vec::new();
    let mut awaiting = Vec::new();
    for a in state.store.agreements().await? {
        let waits = a.status == AgreementStatus::Proposed
            && rules::awaits_confirmation(user, &a, &state.store.agreement_confirmations(a.id).await?);
        let row = row_of(&state, a, waits);
        if waits {
            awaiting.push(row);
        } else {
            rows.push(row);
        }
    }
    rows.sort_by(|a, b| (!a.in_force, &a.title).cmp(&(!b.in_force, &b.title)));
    render(&AgreementsPage {
        chrome: Chrome::new(&viewer, "Agreements", "/agreements"),
        rows,
        awaiting,
        may_propose: rules::edits_agreements(user),
    })
}

#[derive(Template)]
#[template(path = "agreement.html")]
struct AgreementPage {
    chrome: Chrome,
    row: AgreementRow,
    third_party_rule: String,
    confirmed_by: String,
    documents: Vec<DocumentRow>,
    reads_documents: bool,
    may_confirm: bool,
    may_end: bool,
    may_attach: bool,
    may_change: bool,
    error: Option<String>,
}

pub struct DocumentRow {
    pub id: Uuid,
    pub filename: String,
    pub content_type: String,
    pub size: String,
    pub uploaded: String,
    pub sha256: String,
}

impl DocumentRow {
    fn of(d: AttachmentMeta) -> Self {
        DocumentRow {
            id: d.id,
            size: format!("{:.1} KiB", d.size as f64 / 1024.0),
            uploaded: when(d.uploaded_at),
            filename: d.filename,
            content_type: d.content_type,
            sha256: d.sha256,
        }
    }
}

async fn agreement_page(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    error: Option<String>,
) -> Result<Response, WebError> {
    let user = &viewer.caller.user;
    let agreement = state.store.agreement(id).await?;
    let confirmed = state.store.agreement_confirmations(id).await?;
    let documents = rules::documents(state, user, &agreement).await?.into_iter().map(DocumentRow::of).collect();
    let party_nfp = rules::is_party_nfp(user, &agreement);
    let page = AgreementPage {
        chrome: Chrome::new(viewer, agreement.title.clone(), "/agreements"),
        third_party_rule: words(agreement.third_party_rule.as_str()),
        confirmed_by: confirmed.iter().map(|m| m.as_str()).collect::<Vec<_>>().join(", "),
        documents,
        reads_documents: rules::reads_documents(user, &agreement),
        may_confirm: rules::awaits_confirmation(user, &agreement, &confirmed),
        may_end: party_nfp && agreement.status != AgreementStatus::Terminated,
        may_attach: party_nfp,
        may_change: party_nfp && agreement.status != AgreementStatus::Terminated,
        error,
        row: row_of(state, agreement, false),
    };
    let status = if page.error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    render(&page).map(|mut r| {
        *r.status_mut() = status;
        r
    })
}

pub async fn show(State(state): State<AppState>, viewer: Viewer, Path(id): Path<Uuid>) -> Result<Response, WebError> {
    agreement_page(&state, &viewer, id, None).await
}

/// The fields of the proposal form, as typed.
#[derive(Deserialize, Default)]
pub struct AgreementForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    kind: String,
    /// The other parties; the proposer's member is always one.
    #[serde(default)]
    parties: Vec<String>,
    #[serde(default)]
    categories: Vec<String>,
    #[serde(default)]
    max_classification: String,
    #[serde(default)]
    personal_data: Option<String>,
    #[serde(default)]
    third_party_rule: String,
    #[serde(default)]
    valid_from: String,
    #[serde(default)]
    valid_until: String,
}

#[derive(Template)]
#[template(path = "agreement_form.html")]
struct AgreementFormPage {
    chrome: Chrome,
    /// `None` for a new proposal, the agreement being changed otherwise.
    changing: Option<Uuid>,
    form: AgreementForm,
    own_member: String,
    kinds: Vec<Choice>,
    parties: Vec<Choice>,
    categories: Vec<Choice>,
    classifications: Vec<Choice>,
    third_party_rules: Vec<Choice>,
    errors: FieldErrors,
}

fn require_editor(viewer: &Viewer) -> Result<(), WebError> {
    if rules::edits_agreements(&viewer.caller.user) {
        Ok(())
    } else {
        Err(WebError::page(StatusCode::FORBIDDEN, "Only a national focal point proposes or changes agreements."))
    }
}

fn named_choices<T: Copy>(all: &[T], name: impl Fn(T) -> &'static str, current: &[String]) -> Vec<Choice> {
    all.iter()
        .map(|v| Choice {
            value: name(*v).into(),
            label: words(name(*v)),
            selected: current.iter().any(|c| c == name(*v)),
        })
        .collect()
}

async fn form_page(
    state: &AppState,
    viewer: &Viewer,
    changing: Option<Uuid>,
    form: AgreementForm,
    errors: FieldErrors,
) -> Result<Response, WebError> {
    let own = viewer.caller.user.member.clone();
    let scale = state.store.scale();
    let members = state.store.members().await?;
    let title = if changing.is_some() { "Change an agreement" } else { "Propose an agreement" };
    let page = AgreementFormPage {
        chrome: Chrome::new(viewer, title, "/agreements"),
        changing,
        own_member: own.to_string(),
        kinds: named_choices(AgreementKind::ALL, AgreementKind::as_str, std::slice::from_ref(&form.kind)),
        parties: members
            .iter()
            .filter(|m| m.code != own)
            .map(|m| Choice {
                value: m.code.to_string(),
                label: format!("{} ({})", m.name, m.code),
                selected: form.parties.iter().any(|p| p == m.code.as_str()),
            })
            .collect(),
        categories: named_choices(Category::ALL, Category::as_str, &form.categories),
        classifications: (0..=scale.highest().0)
            .map(|c| Choice {
                value: c.to_string(),
                label: scale.name(Classification(c)).to_owned(),
                selected: form.max_classification == c.to_string(),
            })
            .collect(),
        third_party_rules: named_choices(
            ThirdPartyRule::ALL,
            ThirdPartyRule::as_str,
            std::slice::from_ref(&form.third_party_rule),
        ),
        form,
        errors,
    };
    let status = if page.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    render(&page).map(|mut r| {
        *r.status_mut() = status;
        r
    })
}

pub async fn new_form(State(state): State<AppState>, viewer: Viewer) -> Result<Response, WebError> {
    require_editor(&viewer)?;
    let form = AgreementForm {
        kind: AgreementKind::Bilateral.as_str().into(),
        third_party_rule: ThirdPartyRule::OriginatorConsent.as_str().into(),
        max_classification: "1".into(),
        valid_from: date(state.store.clock().now()),
        ..Default::default()
    };
    form_page(&state, &viewer, None, form, FieldErrors::default()).await
}

/// The agreement `id`, for a national focal point of one of its parties to change.
async fn changeable(state: &AppState, viewer: &Viewer, id: Uuid) -> Result<Agreement, WebError> {
    require_editor(viewer)?;
    let agreement = state.store.agreement(id).await?;
    if !rules::is_party_nfp(&viewer.caller.user, &agreement) {
        return Err(WebError::page(
            StatusCode::FORBIDDEN,
            "Only a national focal point of a party changes an agreement.",
        ));
    }
    if agreement.status == AgreementStatus::Terminated {
        return Err(WebError::page(StatusCode::CONFLICT, "This agreement has ended; propose a new one."));
    }
    Ok(agreement)
}

/// The proposal form filled with the agreement's terms as they stand.
pub async fn edit_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
) -> Result<Response, WebError> {
    let a = changeable(&state, &viewer, id).await?;
    let own = &viewer.caller.user.member;
    let form = AgreementForm {
        kind: a.kind.as_str().into(),
        parties: a.parties.iter().filter(|p| *p != own).map(|p| p.to_string()).collect(),
        categories: a.categories.iter().map(|c| c.as_str().to_owned()).collect(),
        max_classification: a.max_classification.0.to_string(),
        personal_data: a.personal_data.then(|| "yes".to_owned()),
        third_party_rule: a.third_party_rule.as_str().into(),
        valid_from: date(a.valid_from),
        valid_until: a.valid_until.map(date).unwrap_or_default(),
        title: a.title,
    };
    form_page(&state, &viewer, Some(id), form, FieldErrors::default()).await
}

/// Reads the form into an agreement, naming every field that cannot be read.
fn agreement_of(form: &AgreementForm, own: &MemberCode, scale_top: Classification) -> Result<Agreement, FieldErrors> {
    let mut errors = FieldErrors::default();
    let kind = AgreementKind::parse(&form.kind);
    if kind.is_none() {
        errors.add("kind", "choose a kind");
    }
    let mut parties = std::collections::BTreeSet::from([own.clone()]);
    for p in &form.parties {
        match MemberCode::parse(p) {
            Some(code) => {
                parties.insert(code);
            }
            None => errors.add("parties", "choose members from the list"),
        }
    }
    let mut categories = std::collections::BTreeSet::new();
    for c in &form.categories {
        match Category::parse(c) {
            Some(c) => {
                categories.insert(c);
            }
            None => errors.add("categories", "choose categories from the list"),
        }
    }
    let max_classification = form.max_classification.parse::<u8>().ok().map(Classification).filter(|c| *c <= scale_top);
    if max_classification.is_none() {
        errors.add("max_classification", "choose a classification");
    }
    let third_party_rule = ThirdPartyRule::parse(&form.third_party_rule);
    if third_party_rule.is_none() {
        errors.add("third_party_rule", "choose a rule");
    }
    let valid_from = parse_date(&form.valid_from);
    if valid_from.is_none() {
        errors.add("valid_from", "give a date as YYYY-MM-DD");
    }
    let valid_until =
        if form.valid_until.trim().is_empty() { Ok(None) } else { parse_date(&form.valid_until).map(Some).ok_or(()) };
    if valid_until.is_err() {
        errors.add("valid_until", "give a date as YYYY-MM-DD, or leave it empty for an open-ended agreement");
    }
    match (kind, max_classification, third_party_rule, valid_from, valid_until) {
        (Some(kind), Some(max_classification), Some(third_party_rule), Some(valid_from), Ok(valid_until))
            if errors.is_empty() =>
        {
            let agreement = Agreement {
                id: Uuid::now_v7(),
                title: form.title.trim().to_owned(),
                kind,
                status: AgreementStatus::Proposed,
                parties,
                categories,
                max_classification,
                personal_data: form.personal_data.is_some(),
                third_party_rule,
                valid_from,
                valid_until,
            };
            // The domain's own rules (two parties, a bilateral has exactly two, …), beside their fields.
            match agreement.validate() {
                Ok(()) => Ok(agreement),
                Err(e) => {
                    for error in e.0 {
                        errors.add(&error.field, &error.message);
                    }
                    Err(errors)
                }
            }
        }
        _ => Err(errors),
    }
}

pub async fn create(
    State(state): State<AppState>,
    WebForm { viewer, form }: WebForm<AgreementForm>,
) -> Result<Response, WebError> {
    require_editor(&viewer)?;
    record(&state, &viewer, None, form).await
}

/// Changes an agreement's terms: it is `proposed` again until every other party confirms.
pub async fn amend(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    WebForm { viewer, form }: WebForm<AgreementForm>,
) -> Result<Response, WebError> {
    changeable(&state, &viewer, id).await?;
    record(&state, &viewer, Some(id), form).await
}

/// Proposes the form's agreement (as a change of `changing`, when given), or
/// shows the form again with every error beside its field.
async fn record(
    state: &AppState,
    viewer: &Viewer,
    changing: Option<Uuid>,
    form: AgreementForm,
) -> Result<Response, WebError> {
    let user = &viewer.caller.user;
    let mut agreement = match agreement_of(&form, &user.member, state.store.scale().highest()) {
        Ok(a) => a,
        Err(errors) => return form_page(state, viewer, changing, form, errors).await,
    };
    if let Some(id) = changing {
        agreement.id = id;
    }
    match rules::propose(state, user, &agreement).await {
        Ok(stored) => Ok(Redirect::to(&format!("/agreements/{}", stored.id)).into_response()),
        Err(e) if !e.errors.is_empty() => {
            // `parties/1` is a ticked box: file it under the boxes.
            let errors = FieldErrors::from_api(&e, |f| Some(f.split('/').next().unwrap_or(f).to_owned()));
            form_page(state, viewer, changing, form, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

/// An action button's form: only the CSRF token.
#[derive(Deserialize)]
pub struct ActionForm {}

/// Confirms or ends an agreement, then shows it again; a refusal other than a
/// conflict is an error page.
pub async fn act(
    State(state): State<AppState>,
    Path((id, action)): Path<(Uuid, String)>,
    WebForm { viewer, form: ActionForm {} }: WebForm<ActionForm>,
) -> Result<Response, WebError> {
    require_editor(&viewer)?;
    let user = &viewer.caller.user;
    let result = match action.as_str() {
        "confirm" => rules::confirm(&state, user, id).await,
        "terminate" => rules::terminate(&state, user, id).await,
        _ => return Err(WebError::not_found()),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/agreements/{id}")).into_response()),
        Err(e) if e.status == StatusCode::CONFLICT => agreement_page(&state, &viewer, id, e.detail).await,
        Err(e) => Err(e.into()),
    }
}

/// Attaches the signed MoU sent with the form's `file` field.
pub async fn upload(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    WebMultipart { viewer, mut fields }: WebMultipart,
) -> Result<Response, WebError> {
    require_editor(&viewer)?;
    let field = fields
        .next_field()
        .await
        .map_err(|e| WebError::page(e.status(), e.body_text()))?
        .ok_or_else(|| WebError::page(StatusCode::BAD_REQUEST, "Choose a file to attach."))?;
    let filename = field.file_name().unwrap_or("signed-agreement").to_owned();
    let bytes = field.bytes().await.map_err(|e| WebError::page(e.status(), e.body_text()))?;
    match rules::attach_document(&state, &viewer.caller.user, id, &filename, &bytes).await {
        Ok(_) => Ok(Redirect::to(&format!("/agreements/{id}#documents")).into_response()),
        Err(e) if !e.errors.is_empty() => {
            let message = e.errors.iter().map(|f| format!("The file {}.", f.message)).collect::<Vec<_>>().join(" ");
            agreement_page(&state, &viewer, id, Some(format!("{message} Nothing was attached."))).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn download(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, document)): Path<(Uuid, Uuid)>,
) -> Result<Response, WebError> {
    let (meta, bytes) = rules::download_document(&state, &viewer.caller.user, id, document).await?;
    Ok(crate::api::items::attachment_response(&meta, bytes))
}
