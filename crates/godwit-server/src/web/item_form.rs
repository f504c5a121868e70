//! Writing an item: one form for every kind, with its markings, a releasability
//! picker that shows which agreement in force carries the item to each chosen
//! member, a preview, and errors beside their fields.

use std::collections::BTreeSet;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use godwit_domain::Timestamp;
use godwit_domain::agreement::Agreement;
use godwit_domain::grading::{GradingScheme, SourceGrading};
use godwit_domain::item::{
    AlertType, AlertedDocument, BorderEnvironment, Category, CountryRef, CountryRole, Envelope, FraudType, Item,
    ItemContent, ItemDetails, ItemKind, ItemState, Releasability, ReportLevel,
};
use godwit_domain::marking::{Caveats, Classification, ClassificationScale, Tlp};
use godwit_domain::member::{Member, MemberCode};
use godwit_domain::user::Subject;
use godwit_store::items::Method;
use serde::Deserialize;
use uuid::Uuid;

use crate::state::AppState;
use crate::web::forms::{FieldErrors, date, parse_date, words};
use crate::web::page::{Chrome, WebError, render};
use crate::web::viewer::{Viewer, WebForm};

/// The form as submitted: every field as text, so that nothing typed is lost
/// when the form comes back with errors.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ItemFields {
    pub kind: String,
    pub title: String,
    pub summary: String,
    pub body: String,
    pub category: String,
    pub classification: String,
    pub tlp: String,
    pub caveat_no_third_party: Option<String>,
    pub caveat_not_for_judicial_use: Option<String>,
    pub caveat_personal_data: Option<String>,
    pub release_members: Vec<String>,
    pub release_groups: Vec<String>,
    pub release_orgs: Vec<String>,
    pub grading_scheme: String,
    pub grading_source: String,
    pub grading_information: String,
    pub grading_handling: String,
    /// One `namespace:value` per line or comma.
    pub tags: String,
    pub country_code: Vec<String>,
    pub country_role: Vec<String>,
    pub environment: String,
    pub valid_from: String,
    pub valid_until: String,
    // Kind-specific fields.
    pub alert_type: String,
    pub doc_type: String,
    pub doc_issuing_state: String,
    pub doc_fraud_type: String,
    pub doc_series: String,
    pub report_level: String,
    pub occurred_on: String,
    pub place: String,
    pub border_post: String,
    pub persons: String,
    pub method: String,
    pub outcome: String,
    pub profile_nationality: Vec<String>,
    pub profile_sex: Vec<String>,
    pub profile_age: Vec<String>,
    pub profile_count: Vec<String>,
    pub route_origin: String,
    /// Transit countries in order, separated by commas.
    pub route_transit: String,
    pub route_destination: String,
    pub transport: String,
    pub method_type: String,
    pub fee_amount: String,
    pub fee_currency: String,
    pub facilitator_count: String,
    pub facilitator_nationalities: String,
    pub used_doc_type: Vec<String>,
    pub used_doc_state: Vec<String>,
    pub used_doc_fraud: Vec<String>,
    pub outcome_type: String,
    pub addressee: String,
    pub due: String,
    pub request: String,
    pub document_type: String,
    /// Set by the Preview button: show, do not save.
    pub preview: Option<String>,
}

fn list(text: &str) -> Vec<String> {
    text.split([',', '\n']).map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned).collect()
}

fn checked(field: &Option<String>) -> bool {
    field.is_some()
}

/// `value`, or a message for `field` when it is missing.
fn need<T>(errors: &mut FieldErrors, field: &str, value: Option<T>, message: &str) -> Option<T> {
    if value.is_none() {
        errors.add(field, message);
    }
    value
}

impl ItemFields {
    /// The fields of an existing item, for editing.
    pub fn of(item: &Item) -> Self {
        let c = &item.content;
        let mut f = ItemFields {
            kind: item.kind.as_str().into(),
            title: c.title.clone(),
            summary: c.summary.clone(),
            body: c.body.clone(),
            category: c.category.as_str().into(),
            classification: c.classification.0.to_string(),
            tlp: c.tlp.as_str().into(),
            caveat_no_third_party: c.caveats.no_third_party.then(|| "on".into()),
            caveat_not_for_judicial_use: c.caveats.not_for_judicial_use.then(|| "on".into()),
            caveat_personal_data: c.caveats.personal_data.then(|| "on".into()),
            release_members: c.release.members.iter().map(|m| m.to_string()).collect(),
            release_groups: c.release.groups.iter().cloned().collect(),
            release_orgs: c.release.organisations.iter().map(|o| o.to_string()).collect(),
            tags: c.tags.join("\n"),
            country_code: c.countries.iter().map(|r| r.code.clone()).collect(),
            country_role: c.countries.iter().map(|r| r.role.as_str().into()).collect(),
            environment: c.environment.map(|e| e.as_str().into()).unwrap_or_default(),
            valid_from: c.valid_from.map(date).unwrap_or_default(),
            valid_until: c.valid_until.map(date).unwrap_or_default(),
            ..Default::default()
        };
        if let Some(g) = &c.grading {
            f.grading_scheme = g.scheme.as_str().into();
            f.grading_source = g.source.clone();
            f.grading_information = g.information.clone();
            f.grading_handling = g.handling.clone().unwrap_or_default();
        }
        match &c.details {
            ItemDetails::Alert { alert_type, document } => {
                f.alert_type = alert_type.as_str().into();
                if let Some(d) = document {
                    f.doc_type = d.document_type.clone();
                    f.doc_issuing_state = d.issuing_state.clone();
                    f.doc_fraud_type = d.fraud_type.map(|t| t.as_str().into()).unwrap_or_default();
                    f.doc_series = d.series.join(", ");
                }
            }
            ItemDetails::IntelligenceReport { level } => f.report_level = level.as_str().into(),
            ItemDetails::IncidentRecord(incident) => f.fill_incident(incident),
            ItemDetails::RequestForInformation { addressee, due } => {
                f.addressee = addressee.to_string();
                f.due = date(*due);
            }
            ItemDetails::RfiResponse { request } => f.request = request.to_string(),
            ItemDetails::LibraryDocument { document_type } => f.document_type = document_type.clone(),
            ItemDetails::Bulletin | ItemDetails::ThreatAssessment => {}
        }
        f
    }

    /// A blank form for a new item of `kind`, with the safest markings preselected.
    pub fn blank(kind: ItemKind) -> Self {
        ItemFields {
            kind: kind.as_str().into(),
            classification: "1".into(),
            tlp: Tlp::Amber.as_str().into(),
            ..Default::default()
        }
    }

    pub fn kind(&self) -> Option<ItemKind> {
        ItemKind::parse(&self.kind)
    }

    /// The item the form describes, or every problem with it by form field.
    /// `previous` keeps what the form does not show (alert number ranges…).
    pub fn to_content(&self, previous: Option<&ItemContent>) -> Result<ItemContent, FieldErrors> {
        let mut errors = FieldErrors::default();
        if self.title.trim().is_empty() {
            errors.add("title", "must not be empty");
        }
        let kind = need(&mut errors, "kind", self.kind(), "choose what kind of item this is");
        let category = need(&mut errors, "category", Category::parse(&self.category), "choose a category");
        let classification = need(
            &mut errors,
            "classification",
            self.classification.parse::<u8>().ok().map(Classification),
            "choose a classification",
        );
        let tlp = need(&mut errors, "tlp", Tlp::parse(&self.tlp), "choose a TLP label");
        let environment = if self.environment.is_empty() {
            None
        } else {
            need(&mut errors, "environment", BorderEnvironment::parse(&self.environment), "is not a border environment")
        };
        let date_field = |errors: &mut FieldErrors, field: &str, text: &str| -> Option<Timestamp> {
            if text.trim().is_empty() {
                return None;
            }
            let parsed = parse_date(text);
            if parsed.is_none() {
                errors.add(field, "must be a date YYYY-MM-DD");
            }
            parsed
        };
        let valid_from = date_field(&mut errors, "valid_from", &self.valid_from);
        let valid_until = date_field(&mut errors, "valid_until", &self.valid_until);
        let grading = if self.grading_scheme.is_empty() {
            None
        } else {
            match GradingScheme::parse(&self.grading_scheme) {
                Some(scheme) => Some(SourceGrading {
                    scheme,
                    source: self.grading_source.trim().to_uppercase(),
                    information: self.grading_information.trim().to_uppercase(),
                    handling: Some(self.grading_handling.trim().to_uppercase()).filter(|h| !h.is_empty()),
                }),
                None => {
                    errors.add("grading", "is not a grading scheme");
                    None
                }
            }
        };
        let mut members = BTreeSet::new();
        for code in &self.release_members {
            match MemberCode::parse(code) {
                Some(m) => {
                    members.insert(m);
                }
                None => errors.add("release_members", &format!("{code} is not a member code")),
            }
        }
        let mut organisations = BTreeSet::new();
        for id in &self.release_orgs {
            match Uuid::parse_str(id) {
                Ok(o) => {
                    organisations.insert(o);
                }
                Err(_) => errors.add("release_orgs", "is not an organisation"),
            }
        }
        let mut countries = Vec::new();
        for (code, role) in self.country_code.iter().zip(self.country_role.iter()) {
            let code = code.trim().to_uppercase();
            if code.is_empty() {
                continue;
            }
            match CountryRole::parse(role) {
                Some(role) => countries.push(CountryRef { code, role }),
                None => errors.add("countries", &format!("choose the role of {code}")),
            }
        }
        let details = kind.and_then(|kind| self.details(kind, previous, &mut errors));
        match (kind, category, classification, tlp, details) {
            (Some(_), Some(category), Some(classification), Some(tlp), Some(details)) if errors.is_empty() => {
                Ok(ItemContent {
                    title: self.title.trim().to_owned(),
                    summary: self.summary.trim().to_owned(),
                    body: self.body.clone(),
                    category,
                    details,
                    classification,
                    tlp,
                    caveats: Caveats {
                        no_third_party: checked(&self.caveat_no_third_party),
                        not_for_judicial_use: checked(&self.caveat_not_for_judicial_use),
                        personal_data: checked(&self.caveat_personal_data),
                    },
                    release: Releasability {
                        members,
                        groups: self.release_groups.iter().cloned().collect(),
                        organisations,
                    },
                    grading,
                    tags: list(&self.tags),
                    countries,
                    environment,
                    valid_from,
                    valid_until,
                })
            }
            _ => Err(errors),
        }
    }

    fn details(&self, kind: ItemKind, previous: Option<&ItemContent>, errors: &mut FieldErrors) -> Option<ItemDetails> {
        Some(match kind {
            ItemKind::Alert => {
                let alert_type =
                    need(errors, "alert_type", AlertType::parse(&self.alert_type), "choose the type of alert")?;
                let previous_doc = previous.and_then(|p| match &p.details {
                    ItemDetails::Alert { document, .. } => document.clone(),
                    _ => None,
                });
                let fraud_type = if self.doc_fraud_type.is_empty() {
                    None
                } else {
                    Some(need(errors, "doc_fraud_type", FraudType::parse(&self.doc_fraud_type), "is not a fraud type")?)
                };
                let any_doc = !(self.doc_type.trim().is_empty()
                    && self.doc_issuing_state.trim().is_empty()
                    && self.doc_series.trim().is_empty()
                    && fraud_type.is_none());
                let document = any_doc.then(|| {
                    let mut doc: AlertedDocument = previous_doc.unwrap_or_default();
                    doc.document_type = self.doc_type.trim().to_owned();
                    doc.issuing_state = self.doc_issuing_state.trim().to_uppercase();
                    doc.fraud_type = fraud_type;
                    doc.series = list(&self.doc_series);
                    doc
                });
                ItemDetails::Alert { alert_type, document }
            }
            ItemKind::IntelligenceReport => ItemDetails::IntelligenceReport {
                level: need(
                    errors,
                    "report_level",
                    ReportLevel::parse(&self.report_level),
                    "choose the level of the report",
                )?,
            },
            ItemKind::IncidentRecord => {
                let mut incident = self.incident(errors);
                incident.import_key = previous.and_then(|p| match &p.details {
                    ItemDetails::IncidentRecord(previous) => previous.import_key.clone(),
                    _ => None,
                });
                ItemDetails::IncidentRecord(Box::new(incident))
            }
            ItemKind::Bulletin => ItemDetails::Bulletin,
            ItemKind::ThreatAssessment => ItemDetails::ThreatAssessment,
            ItemKind::RequestForInformation => {
                let addressee =
                    need(errors, "addressee", MemberCode::parse(self.addressee.trim()), "choose the member asked");
                let due = need(errors, "due", parse_date(&self.due), "must be a date YYYY-MM-DD");
                ItemDetails::RequestForInformation { addressee: addressee?, due: due? }
            }
            ItemKind::RfiResponse => ItemDetails::RfiResponse {
                request: need(
                    errors,
                    "request",
                    Uuid::parse_str(self.request.trim()).ok(),
                    "must be the id of the request answered",
                )?,
            },
            ItemKind::LibraryDocument => {
                ItemDetails::LibraryDocument { document_type: self.document_type.trim().to_owned() }
            }
        })
    }
}

/// The form field an error path from validation belongs to.
fn field_of(path: &str) -> Option<String> {
    let head = path.split('/').next().unwrap_or(path);
    let field = match head {
        "details" => match path.split('/').nth(1) {
            Some("document") => format!("doc_{}", path.rsplit('/').next().unwrap_or_default()),
            Some(rest) => rest.to_owned(),
            None => "kind".into(),
        },
        "release" => match path.split('/').nth(1) {
            Some("organisations") => "release_orgs".into(),
            Some(rest) => format!("release_{rest}"),
            None => "release_members".into(),
        },
        "grading" | "tags" | "countries" | "title" | "summary" | "body" | "category" | "classification" | "tlp"
        | "valid_from" | "valid_until" | "environment" | "caveats" => head.to_owned(),
        _ => return None,
    };
    Some(field)
}

/// One choice in a select or a group of boxes.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub(crate) fn choices<T: Copy>(all: &[T], value: impl Fn(T) -> &'static str, current: &str) -> Vec<Choice> {
    all.iter()
        .map(|v| Choice { value: value(*v).into(), label: words(value(*v)), selected: value(*v) == current })
        .collect()
}

/// For one member the item is released to: which agreement carries it there.
pub struct Coverage {
    pub member: String,
    pub agreement: Option<String>,
    /// Why no agreement covers it, when none does.
    pub gap: String,
}

/// What decides whether an agreement carries an item to a member, read from
/// a form that may still be incomplete.
pub struct ReleaseTerms {
    category: Option<Category>,
    classification: Classification,
    tlp: Tlp,
    personal_data: bool,
    members: Vec<MemberCode>,
}

impl ItemFields {
    pub fn release_terms(&self) -> ReleaseTerms {
        ReleaseTerms {
            category: Category::parse(&self.category),
            classification: self.classification.parse::<u8>().map(Classification).unwrap_or(Classification::LOWEST),
            tlp: Tlp::parse(&self.tlp).unwrap_or(Tlp::Amber),
            personal_data: checked(&self.caveat_personal_data),
            members: self.release_members.iter().filter_map(|m| MemberCode::parse(m)).collect(),
        }
    }
}

/// Which agreement in force carries an item on `terms` from `from` to each chosen member.
pub fn coverage(terms: &ReleaseTerms, from: &Subject, agreements: &[Agreement], now: Timestamp) -> Vec<Coverage> {
    let open = terms.classification == Classification::LOWEST && terms.tlp == Tlp::Clear;
    terms
        .members
        .iter()
        .filter(|m| **m != from.member)
        .map(|member| {
            let Some(category) = terms.category else {
                return Coverage { member: member.to_string(), agreement: None, gap: "choose a category first".into() };
            };
            let envelope = Envelope {
                id: Uuid::nil(),
                kind: ItemKind::Alert,
                category,
                originator_member: from.member.clone(),
                originator_org: from.organisation,
                author: from.user,
                state: ItemState::Published,
                classification: terms.classification,
                tlp: terms.tlp,
                caveats: Caveats { personal_data: terms.personal_data, ..Default::default() },
                release: Releasability::default(),
                valid_from: None,
                valid_until: None,
            };
            let covering: Vec<&str> =
                agreements.iter().filter(|a| a.covers(&envelope, member, now)).map(|a| a.title.as_str()).collect();
            let agreement = (!covering.is_empty()).then(|| covering.join(" · "));
            let gap = if agreement.is_some() || open {
                String::new()
            } else {
                let between: Vec<&Agreement> = agreements
                    .iter()
                    .filter(|a| a.in_force(now) && a.parties.contains(&from.member) && a.parties.contains(member))
                    .collect();
                if between.is_empty() {
                    "no agreement in force with this member".into()
                } else if !between.iter().any(|a| a.categories.contains(&category)) {
                    "the agreements in force do not cover this category".into()
                } else if !between.iter().any(|a| terms.classification <= a.max_classification) {
                    "the classification is above what the agreements allow".into()
                } else {
                    "the agreements in force do not allow personal data".into()
                }
            };
            let agreement = agreement.or_else(|| open.then(|| "unclassified and TLP:CLEAR: needs no agreement".into()));
            Coverage { member: member.to_string(), agreement, gap }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "item_form.html")]
pub struct ItemFormPage {
    chrome: Chrome,
    heading: String,
    action: String,
    draft_key: String,
    kind: ItemKind,
    kind_label: String,
    f: ItemFields,
    errors: FieldErrors,
    categories: Vec<Choice>,
    classifications: Vec<Choice>,
    tlps: Vec<Choice>,
    environments: Vec<Choice>,
    schemes: Vec<Choice>,
    country_rows: Vec<(String, Vec<Choice>)>,
    members: Vec<Choice>,
    groups: Vec<Choice>,
    organisations: Vec<Choice>,
    alert_types: Vec<Choice>,
    fraud_types: Vec<Choice>,
    report_levels: Vec<Choice>,
    incident: crate::web::incident_form::IncidentChoices,
    addressees: Vec<Choice>,
    coverage: Vec<Coverage>,
    preview: Option<crate::web::items::Rendered>,
    max_body_kb: usize,
}

fn scale_choices(scale: &ClassificationScale, current: &str) -> Vec<Choice> {
    scale
        .all()
        .map(|c| Choice {
            value: c.0.to_string(),
            label: scale.name(c).to_owned(),
            selected: c.0.to_string() == current,
        })
        .collect()
}

fn member_choices(members: &[Member], chosen: &[String], except: Option<&MemberCode>) -> Vec<Choice> {
    members
        .iter()
        .filter(|m| Some(&m.code) != except)
        .map(|m| Choice {
            value: m.code.to_string(),
            label: format!("{} ({})", m.name, m.code),
            selected: chosen.iter().any(|c| c == m.code.as_str()),
        })
        .collect()
}

/// Draws the form, with `errors` beside their fields and a preview if asked.
pub async fn form_page(
    state: &AppState,
    viewer: &Viewer,
    editing: Option<Uuid>,
    f: ItemFields,
    errors: FieldErrors,
) -> Result<Response, WebError> {
    let kind = f.kind().unwrap_or(ItemKind::Alert);
    let store = &state.store;
    let subject = &viewer.caller.subject;
    let members = store.members().await?;
    let groups = store.groups().await?;
    let organisations = store.organisations(Some(&subject.member)).await?;
    let agreements = store.agreements().await?;
    let now = store.clock().now();
    let coverage = coverage(&f.release_terms(), subject, &agreements, now);
    let preview = f
        .preview
        .as_ref()
        .and_then(|_| f.to_content(None).ok())
        .map(|c| crate::web::items::Rendered::of_content(&c, &subject.member, &store.scale()));
    let mut country_rows: Vec<(String, Vec<Choice>)> = f
        .country_code
        .iter()
        .zip(f.country_role.iter())
        .map(|(code, role)| (code.clone(), choices(CountryRole::ALL, CountryRole::as_str, role)))
        .collect();
    while country_rows.len() < 4 {
        country_rows.push((String::new(), choices(CountryRole::ALL, CountryRole::as_str, "")));
    }
    let (heading, action, draft_key) = match editing {
        Some(id) => {
            (format!("Edit {}", words(kind.as_str()).to_lowercase()), format!("/items/{id}"), format!("item-{id}"))
        }
        None => {
            (format!("New {}", words(kind.as_str()).to_lowercase()), "/items".into(), format!("new-{}", kind.as_str()))
        }
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = ItemFormPage {
        chrome: Chrome::new(viewer, heading.clone(), "/items"),
        heading,
        action,
        draft_key,
        kind,
        kind_label: words(kind.as_str()),
        categories: choices(Category::ALL, Category::as_str, &f.category),
        classifications: scale_choices(&store.scale(), &f.classification),
        tlps: Tlp::ALL
            .iter()
            .map(|t| Choice {
                value: t.as_str().into(),
                label: format!("TLP:{} — {}", t.as_str(), t.meaning()),
                selected: t.as_str() == f.tlp,
            })
            .collect(),
        environments: choices(BorderEnvironment::ALL, BorderEnvironment::as_str, &f.environment),
        schemes: choices(&GradingScheme::ALL, GradingScheme::as_str, &f.grading_scheme),
        country_rows,
        members: member_choices(&members, &f.release_members, Some(&subject.member)),
        groups: groups
            .iter()
            .map(|g| Choice {
                value: g.code.clone(),
                label: g.name.clone(),
                selected: f.release_groups.contains(&g.code),
            })
            .collect(),
        organisations: organisations
            .iter()
            .map(|o| Choice {
                value: o.id.to_string(),
                label: o.name.clone(),
                selected: f.release_orgs.contains(&o.id.to_string()),
            })
            .collect(),
        alert_types: choices(AlertType::ALL, AlertType::as_str, &f.alert_type),
        fraud_types: choices(FraudType::ALL, FraudType::as_str, &f.doc_fraud_type),
        report_levels: choices(ReportLevel::ALL, ReportLevel::as_str, &f.report_level),
        incident: crate::web::incident_form::IncidentChoices::of(&f),
        addressees: member_choices(&members, std::slice::from_ref(&f.addressee), Some(&subject.member)),
        coverage,
        preview,
        max_body_kb: godwit_domain::item::MAX_BODY_BYTES / 1024,
        f,
        errors,
    };
    render(&page).map(|html| (status, html).into_response())
}

#[derive(Deserialize)]
pub struct NewQuery {
    #[serde(default)]
    kind: Option<String>,
    /// For a response: the request it answers (the request's page links here).
    #[serde(default)]
    request: Option<Uuid>,
}

pub async fn new_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<NewQuery>,
) -> Result<Response, WebError> {
    if !viewer.caller.subject.roles.iter().any(|r| r.authors_content()) {
        return Err(WebError::page(StatusCode::FORBIDDEN, "Your roles do not write items."));
    }
    let kind = q.kind.as_deref().and_then(ItemKind::parse).unwrap_or(ItemKind::Alert);
    let mut fields = ItemFields::blank(kind);
    if let Some(request) = q.request {
        fields.request = request.to_string();
    }
    form_page(&state, &viewer, None, fields, FieldErrors::default()).await
}

pub async fn create(
    State(state): State<AppState>,
    WebForm { viewer, form }: WebForm<ItemFields>,
) -> Result<Response, WebError> {
    let content = match form.to_content(None) {
        Ok(content) if form.preview.is_none() => content,
        Ok(_) => return form_page(&state, &viewer, None, form, FieldErrors::default()).await,
        Err(errors) => return form_page(&state, &viewer, None, form, errors).await,
    };
    match state.store.create_item(&viewer.caller.subject, content).await {
        Ok(item) => Ok(Redirect::to(&format!("/items/{}?saved=new-{}", item.id, item.kind.as_str())).into_response()),
        Err(e) => {
            let e = crate::error::ApiError::from(e);
            if e.status == StatusCode::UNPROCESSABLE_ENTITY || e.status == StatusCode::BAD_REQUEST {
                form_page(&state, &viewer, None, form, FieldErrors::from_api(&e, field_of)).await
            } else {
                Err(e.into())
            }
        }
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
) -> Result<Response, WebError> {
    let item = state.store.read_item(&viewer.caller.subject, id, Method::Portal).await?;
    form_page(&state, &viewer, Some(id), ItemFields::of(&item), FieldErrors::default()).await
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    WebForm { viewer, form }: WebForm<ItemFields>,
) -> Result<Response, WebError> {
    let previous = state.store.read_item(&viewer.caller.subject, id, Method::Portal).await?;
    let content = match form.to_content(Some(&previous.content)) {
        Ok(content) if form.preview.is_none() => content,
        Ok(_) => return form_page(&state, &viewer, Some(id), form, FieldErrors::default()).await,
        Err(errors) => return form_page(&state, &viewer, Some(id), form, errors).await,
    };
    match state.store.update_item(&viewer.caller.subject, id, content).await {
        Ok(item) => Ok(Redirect::to(&format!("/items/{}?saved=item-{}", item.id, item.id)).into_response()),
        Err(e) => {
            let e = crate::error::ApiError::from(e);
            if e.status == StatusCode::UNPROCESSABLE_ENTITY || e.status == StatusCode::BAD_REQUEST {
                form_page(&state, &viewer, Some(id), form, FieldErrors::from_api(&e, field_of)).await
            } else {
                Err(e.into())
            }
        }
    }
}

#[derive(Template)]
#[template(path = "coverage.html")]
struct CoverageFragment {
    coverage: Vec<Coverage>,
}

/// The coverage list alone, for the picker to refresh as boxes are ticked.
pub async fn coverage_fragment(
    State(state): State<AppState>,
    viewer: Viewer,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> Result<Response, WebError> {
    let fields: ItemFields = serde_html_form::from_str(query.as_deref().unwrap_or_default()).unwrap_or_default();
    let agreements = state.store.agreements().await?;
    let now = state.store.clock().now();
    let coverage = coverage(&fields.release_terms(), &viewer.caller.subject, &agreements, now);
    render(&CoverageFragment { coverage })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert_fields() -> ItemFields {
        ItemFields {
            title: "Forged FJI passports".into(),
            category: "document_fraud".into(),
            alert_type: "document_fraud".into(),
            release_members: vec!["NZL".into()],
            country_code: vec!["fji".into(), "".into()],
            country_role: vec!["issuing_state".into(), "".into()],
            tags: "fraud:forged, route:air\n".into(),
            valid_until: "2027-01-31".into(),
            ..ItemFields::blank(ItemKind::Alert)
        }
    }

    #[test]
    fn a_complete_form_becomes_content_and_back() {
        let content = alert_fields().to_content(None).expect("valid");
        assert_eq!(content.tags, vec!["fraud:forged", "route:air"]);
        assert_eq!(content.countries, vec![CountryRef { code: "FJI".into(), role: CountryRole::IssuingState }]);
        assert_eq!(content.tlp, Tlp::Amber);
        assert!(content.release.members.contains(&MemberCode::parse("NZL").expect("code")));
        assert_eq!(content.valid_until, parse_date("2027-01-31"));
        let fji = MemberCode::parse("FJI").expect("code");
        let item_like = ItemFields::of(&crate::web::items::unsaved_item(&content, &fji));
        assert_eq!(item_like.to_content(Some(&content)).expect("valid"), content);
    }

    #[test]
    fn every_problem_is_named_by_its_field() {
        let fields = ItemFields {
            category: "nonsense".into(),
            tlp: "PURPLE".into(),
            alert_type: String::new(),
            valid_from: "31/01/2027".into(),
            release_members: vec!["nz".into()],
            country_code: vec!["FJI".into()],
            country_role: vec![String::new()],
            ..alert_fields()
        };
        let errors = fields.to_content(None).expect_err("invalid");
        for field in ["category", "tlp", "alert_type", "valid_from", "release_members", "countries"] {
            assert!(errors.get(field).is_some(), "no error for {field}: {:?}", errors.all());
        }
    }

    #[test]
    fn validation_paths_map_to_form_fields() {
        assert_eq!(field_of("details/occurred_on").as_deref(), Some("occurred_on"));
        assert_eq!(field_of("details/document/issuing_state").as_deref(), Some("doc_issuing_state"));
        assert_eq!(field_of("release/members/0").as_deref(), Some("release_members"));
        assert_eq!(field_of("tags/2").as_deref(), Some("tags"));
        assert_eq!(field_of("grading/source").as_deref(), Some("grading"));
        assert_eq!(field_of("something_else"), None);
    }
}
