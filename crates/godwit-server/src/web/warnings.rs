//! The early-warning page (`/analysis/warnings`): series of the incident
//! records the viewer may read that rose well above their own baseline, and
//! schemes reported by one member and then by another, each with both
//! records' provenance. Rendered on the server; the data is the API's
//! (`/api/v1/analysis/incidents/warnings`).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use godwit_domain::incident::Dimension;
use godwit_domain::item::Category;
use godwit_store::warning::{Displacement, Signature};

use crate::analysis::may_analyse;
use crate::warnings::{self, Warning, WarningParams, WarningsResult};
use crate::web::analysis::{country, label};
use crate::web::forms::words;
use crate::web::item_form::{Choice, choices};
use crate::web::page::{Chrome, WebError, render};
use crate::web::viewer::Viewer;

/// One rising series in words.
pub struct RiseLine {
    pub dimension: String,
    pub value: String,
    pub incidents: u64,
    pub baseline: String,
    pub p_value: String,
    /// The months' counts, oldest first, ending with the month judged.
    pub series: String,
}

/// One displacement in words.
pub struct DisplacementLine {
    pub signature: String,
    pub pair: Displacement,
    pub days: i64,
}

#[derive(Template)]
#[template(path = "warnings.html")]
pub struct WarningsPage {
    chrome: Chrome,
    params: WarningParams,
    categories: Vec<Choice>,
    error: Option<String>,
    shown: Option<WarningsResult>,
    rises: Vec<RiseLine>,
    displacements: Vec<DisplacementLine>,
}

pub(crate) fn signature(s: &Signature) -> String {
    match s {
        Signature::Document { document_type, issuing_state, fraud_type } => {
            format!("{} {} of {}", words(fraud_type), words(document_type).to_lowercase(), country(issuing_state))
        }
        Signature::Route { origin, destination, method } => {
            format!("{} from {} to {}", words(method), country(origin), country(destination))
        }
    }
}

/// Displacements as the pages list them.
pub(crate) fn displacement_lines(found: &[Displacement]) -> Vec<DisplacementLine> {
    found
        .iter()
        .map(|d| DisplacementLine { signature: signature(&d.signature), pair: d.clone(), days: d.days })
        .collect()
}

fn lines(result: &WarningsResult) -> (Vec<RiseLine>, Vec<DisplacementLine>) {
    let rises = result
        .rises
        .iter()
        .map(|r| {
            let by = Dimension::parse(&r.dimension).unwrap_or(Dimension::Category);
            RiseLine {
                dimension: words(&r.dimension),
                value: label(by, Some(&r.key)),
                incidents: r.incidents,
                baseline: format!("{:.2}", r.baseline),
                p_value: format!("{:.1e}", r.p_value),
                series: r.series.iter().map(u64::to_string).collect::<Vec<_>>().join(" "),
            }
        })
        .collect();
    (rises, displacement_lines(&result.displacements))
}

pub async fn show(
    State(state): State<crate::state::AppState>,
    viewer: Viewer,
    Query(params): Query<WarningParams>,
) -> Result<Response, WebError> {
    if !may_analyse(&viewer.caller.subject) {
        return Err(WebError::page(StatusCode::FORBIDDEN, "Analysis is for roles that read incident records."));
    }
    let (status, error, shown) = match Warning::read(&params, warnings::today(&state.store)) {
        Ok(w) => (StatusCode::OK, None, Some(warnings::warnings(&state.store, &viewer.caller.subject, &w).await?)),
        Err(e) => (StatusCode::UNPROCESSABLE_ENTITY, Some(e.summary()), None),
    };
    let (rises, displacements) = shown.as_ref().map(lines).unwrap_or_default();
    let page = WarningsPage {
        chrome: Chrome::new(&viewer, "Early warning", "/analysis"),
        categories: choices(Category::ALL, Category::as_str, params.category.as_deref().unwrap_or_default()),
        params,
        error,
        shown,
        rises,
        displacements,
    };
    let mut response = render(&page)?;
    *response.status_mut() = status;
    Ok(response.into_response())
}
