//! Screening in the portal: a manifest uploaded or pasted (CSV or PAXLST) is
//! screened exactly as `POST /api/v1/screening/manifests` screens it, against
//! the node's watchlists and the document alerts the viewer may read, and its
//! results are drawn hits first; a document's MRZ is checked as
//! `POST /api/v1/screening/documents` checks it. Every run is in the audit trail.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use godwit_screening::matching::{ListKind, Match};
use godwit_screening::mrz::{CheckedField, CodeField, MrzFormat};
use godwit_screening::screen::{Decision, ScreeningResult};
use godwit_screening::traveller::{Sex, Traveller};

use crate::api::screening::{
    Counts, DocumentCheckResponse, MAX_MANIFEST_BYTES, ManifestFormat, ManifestScreening, check_document,
    screen_manifest,
};
use crate::state::AppState;
use crate::web::page::{Chrome, WebError, render};
use crate::web::viewer::{Viewer, WebForm, WebMultipart};

/// One traveller's line in the results.
pub struct ResultRow {
    pub traveller_id: String,
    pub decision: &'static str,
    pub score: String,
    pub name: String,
    pub born: String,
    pub nationality: String,
    pub documents: Vec<String>,
    pub route: String,
    pub matches: Vec<MatchRow>,
    pub rules: Vec<String>,
    /// Why the traveller could not be screened, and where in the manifest.
    pub unscreenable: Option<String>,
}

pub struct MatchRow {
    pub list: &'static str,
    pub watchlist_id: String,
    /// A document alert is an item: link to it.
    pub href: Option<String>,
    pub score: String,
    pub reasons: Vec<String>,
}

/// A screened manifest, as the page shows it.
pub struct Outcome {
    pub run: String,
    pub format: &'static str,
    pub counts: Counts,
    pub flights: Vec<String>,
    pub problems: Vec<String>,
    /// Hits, then travellers to review (unscreenable ones among them), each by score.
    pub attention: Vec<ResultRow>,
    pub clear: Vec<ResultRow>,
}

/// A checked MRZ, as the page shows it.
pub struct DocumentOutcome {
    pub run: String,
    pub valid: bool,
    pub expired: bool,
    /// Field name and value, in the document's order.
    pub fields: Vec<(&'static str, String)>,
    /// Check digits: field, where, found, computed, passed.
    pub checks: Vec<(&'static str, String, char, char, bool)>,
    pub problems: Vec<String>,
    pub matches: Vec<MatchRow>,
}

#[derive(Template)]
#[template(path = "screening.html")]
struct ScreeningPage {
    chrome: Chrome,
    max_mb: usize,
    outcome: Option<Outcome>,
    error: Option<String>,
    problems: Vec<String>,
    mrz: String,
    document: Option<DocumentOutcome>,
    mrz_error: Option<String>,
}

fn page(viewer: &Viewer) -> ScreeningPage {
    ScreeningPage {
        chrome: Chrome::new(viewer, "Screening", "/screening"),
        max_mb: MAX_MANIFEST_BYTES / (1024 * 1024),
        outcome: None,
        error: None,
        problems: Vec::new(),
        mrz: String::new(),
        document: None,
        mrz_error: None,
    }
}

fn require_screening(viewer: &Viewer) -> Result<(), WebError> {
    if viewer.caller.subject.screens_travellers() {
        Ok(())
    } else {
        Err(WebError::page(
            StatusCode::FORBIDDEN,
            "Screening is for front-line officers, analysts and authorising officers.",
        ))
    }
}

pub async fn form(viewer: Viewer) -> Result<Response, WebError> {
    require_screening(&viewer)?;
    render(&page(&viewer))
}

/// Screens the uploaded file, or the pasted text when no file was chosen.
pub async fn submit(
    State(state): State<AppState>,
    WebMultipart { viewer, mut fields }: WebMultipart,
) -> Result<Response, WebError> {
    require_screening(&viewer)?;
    let too_large = || {
        WebError::page(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("The manifest is larger than {} MB. Nothing was screened.", MAX_MANIFEST_BYTES / (1024 * 1024)),
        )
    };
    let read_error = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            WebError::page(e.status(), e.body_text())
        }
    };
    let mut manifest = Vec::new();
    while let Some(field) = fields.next_field().await.map_err(read_error)? {
        let name = field.name().unwrap_or_default().to_owned();
        let bytes = field.bytes().await.map_err(read_error)?;
        // A chosen file wins over pasted text.
        if (name == "file" || (name == "text" && manifest.is_empty())) && !bytes.trim_ascii().is_empty() {
            manifest = bytes.to_vec();
        }
    }
    let mut shown = page(&viewer);
    if manifest.is_empty() {
        shown.error = Some("Choose a manifest file or paste one.".to_owned());
        return render(&shown);
    }
    // No declared type: the format is recognised from the content, as the API does for text/plain.
    match screen_manifest(&state, &viewer.caller, &HeaderMap::new(), &manifest).await {
        Ok(screening) => shown.outcome = Some(outcome(screening)),
        Err(e) if e.status.is_client_error() => {
            shown.error = Some(e.detail.clone().unwrap_or_else(|| "The manifest could not be read.".into()));
            shown.problems = e.problems();
        }
        Err(e) => return Err(e.into()),
    }
    render(&shown)
}

#[derive(serde::Deserialize)]
pub struct MrzForm {
    #[serde(default)]
    mrz: String,
}

/// Checks a document's machine readable zone.
pub async fn check_mrz(
    State(state): State<AppState>,
    WebForm { viewer, form }: WebForm<MrzForm>,
) -> Result<Response, WebError> {
    require_screening(&viewer)?;
    let mut shown = page(&viewer);
    shown.mrz = form.mrz.clone();
    if form.mrz.trim().is_empty() {
        shown.mrz_error = Some("Type or scan the machine readable zone.".into());
        return render(&shown);
    }
    match check_document(&state, &viewer.caller, &form.mrz).await {
        Ok(checked) => shown.document = Some(document_outcome(checked)),
        Err(e) if e.status.is_client_error() => {
            let reason = e.errors.first().map(|p| p.message.clone()).or(e.detail.clone());
            shown.mrz_error = Some(reason.unwrap_or_else(|| "This is not a machine readable zone.".into()));
        }
        Err(e) => return Err(e.into()),
    }
    render(&shown)
}

fn document_outcome(checked: DocumentCheckResponse) -> DocumentOutcome {
    let check = checked.check;
    let m = &check.mrz;
    let code = |c: &CodeField| match (c.iso_alpha3, c.known) {
        (Some(iso), _) if iso != c.code => format!("{} (ISO {iso})", c.code),
        (_, true) => c.code.clone(),
        (_, false) => format!("{} (unknown code)", c.code),
    };
    let date = |d: Option<time::Date>| d.map(|d| d.to_string()).unwrap_or_else(|| "not readable".into());
    let mut fields = vec![
        (
            "Format",
            match m.format {
                MrzFormat::Td1 => "TD1 (identity card)",
                MrzFormat::Td2 => "TD2",
                MrzFormat::Td3 => "TD3 (passport)",
                MrzFormat::MrvA => "MRV-A (visa)",
                MrzFormat::MrvB => "MRV-B (visa)",
            }
            .to_owned(),
        ),
        ("Document code", m.document_code.clone()),
        ("Issuing state", code(&m.issuing_state)),
        ("Surname", m.surname.clone()),
        ("Given names", m.given_names.clone()),
        ("Document number", m.document_number.clone()),
        ("Nationality", code(&m.nationality)),
        ("Date of birth", date(check.date_of_birth)),
        (
            "Sex",
            match m.sex {
                Some(Sex::Male) => "M",
                Some(Sex::Female) => "F",
                Some(Sex::Unspecified) | None => "unspecified",
            }
            .to_owned(),
        ),
        ("Date of expiry", date(check.date_of_expiry)),
    ];
    if !m.optional_data.is_empty() {
        fields.push(("Optional data", m.optional_data.clone()));
    }
    let field_name = |f: CheckedField| match f {
        CheckedField::DocumentNumber => "Document number",
        CheckedField::DateOfBirth => "Date of birth",
        CheckedField::DateOfExpiry => "Date of expiry",
        CheckedField::OptionalData => "Optional data",
        CheckedField::Composite => "Composite",
    };
    DocumentOutcome {
        run: checked.run.to_string(),
        valid: check.valid,
        expired: check.expired.unwrap_or(false),
        checks: m
            .checks
            .iter()
            .map(|c| {
                let at = format!("line {}, column {}", c.position.line, c.position.column);
                (field_name(c.field), at, c.found, c.expected, c.passed)
            })
            .collect(),
        problems: m
            .problems
            .iter()
            .map(|p| format!("{} (line {}, column {}): {}", p.field, p.position.line, p.position.column, p.message))
            .collect(),
        matches: check.matches.iter().map(match_row).collect(),
        fields,
    }
}

/// Orders and describes the results: what needs an officer first.
pub fn outcome(screening: ManifestScreening) -> Outcome {
    let travellers: HashMap<&str, &Traveller> =
        screening.manifest.travellers.iter().map(|t| (t.traveller_id.as_str(), t)).collect();
    let unreadable: HashMap<&str, &str> =
        screening.manifest.unscreenable.iter().map(|u| (u.traveller_id.as_str(), u.name.as_str())).collect();
    let mut results: Vec<&ScreeningResult> = screening.results.iter().collect();
    let rank = |d: Decision| match d {
        Decision::Hit => 0,
        Decision::Review => 1,
        Decision::Clear => 2,
    };
    results.sort_by(|a, b| rank(a.decision).cmp(&rank(b.decision)).then(b.score.total_cmp(&a.score)));
    let (mut attention, mut clear) = (Vec::new(), Vec::new());
    for r in results {
        let row =
            result_row(r, travellers.get(r.traveller_id.as_str()).copied(), unreadable.get(r.traveller_id.as_str()));
        if r.decision == Decision::Clear { clear.push(row) } else { attention.push(row) }
    }
    let flights = screening
        .messages
        .iter()
        .map(|m| {
            let f = &m.flight;
            let route = [f.departure.as_deref(), f.arrival.as_deref()].into_iter().flatten().collect::<Vec<_>>();
            format!("{}{} {}", f.carrier, f.number, route.join(" → ")).trim().to_owned()
        })
        .collect();
    Outcome {
        run: screening.run.to_string(),
        format: match screening.format {
            ManifestFormat::Paxlst => "UN/EDIFACT PAXLST",
            ManifestFormat::Csv => "CSV",
        },
        counts: screening.counts,
        flights,
        problems: screening.problems.iter().map(|p| format!("{}: {}", p.location, p.message)).collect(),
        attention,
        clear,
    }
}

fn result_row(r: &ScreeningResult, traveller: Option<&Traveller>, unreadable_name: Option<&&str>) -> ResultRow {
    let name = traveller.map(Traveller::full_name).or_else(|| unreadable_name.map(|n| (*n).to_owned()));
    let route = traveller
        .map(|t| {
            let stops: Vec<&str> =
                t.origin.iter().chain(&t.transit).chain(&t.destination).map(String::as_str).collect();
            stops.join(" → ")
        })
        .unwrap_or_default();
    ResultRow {
        traveller_id: r.traveller_id.clone(),
        decision: match r.decision {
            Decision::Hit => "hit",
            Decision::Review => "review",
            Decision::Clear => "clear",
        },
        score: format!("{:.2}", r.score),
        name: name.unwrap_or_default(),
        born: traveller.and_then(|t| t.date_of_birth).map(|d| d.to_string()).unwrap_or_default(),
        nationality: traveller.and_then(|t| t.nationality.clone()).unwrap_or_default(),
        documents: traveller
            .map(|t| {
                t.documents
                    .iter()
                    .map(|d| format!("{} {} {}", d.document_type, d.number, d.issuing_state.as_deref().unwrap_or("")))
                    .map(|s| s.trim().to_owned())
                    .collect()
            })
            .unwrap_or_default(),
        route,
        matches: r.matches.iter().map(match_row).collect(),
        rules: r.rules.iter().map(|h| format!("{} ({:+.2}): {}", h.rule_id, h.weight, h.reason)).collect(),
        unscreenable: r.unscreenable.as_ref().map(|u| format!("{}: {}", u.location, u.message)),
    }
}

fn match_row(m: &Match) -> MatchRow {
    MatchRow {
        list: match m.list {
            ListKind::Persons => "Persons watchlist",
            ListKind::Documents => "Documents watchlist",
            ListKind::DocumentAlerts => "Document alert",
            ListKind::NationalPersons => "National persons list",
            ListKind::NationalDocuments => "National documents list",
        },
        watchlist_id: m.watchlist_id.clone(),
        href: (m.list == ListKind::DocumentAlerts).then(|| format!("/items/{}", m.watchlist_id)),
        score: format!("{:.2}", m.score),
        reasons: m.reasons.clone(),
    }
}
