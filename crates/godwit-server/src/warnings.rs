//! Early warning shared by the API and the portal: reading the parameters
//! (every bad one named) and running the store's warnings, which rest only on
//! the published incident records the viewer may read (see
//! `godwit_store::warning`). A displacement names both of its records: the
//! viewer may read both.

use godwit_domain::incident::Dimension;
use godwit_domain::user::Subject;
use godwit_store::analysis::AnalysisFilter;
use godwit_store::warning::{Displacement, MAX_WINDOW_MONTHS, Rise, RiseTest, WARNING_DIMENSIONS, YearMonth};
use godwit_store::{Store, StoreError};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::analysis::{Analysis, AnalysisParams};
use crate::error::{ApiError, ApiResult};

/// The query of the warnings. All parameters are optional.
#[derive(Debug, Clone, Default, Deserialize, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WarningParams {
    /// The month judged, `YYYY-MM`; default the last complete month; not after the current month.
    pub month: Option<String>,
    /// Months of baseline before the month judged: 3 to 36 (default 12).
    pub baseline: Option<String>,
    /// How many calendar months after one member's report another member's still counts as a displacement: 1 to 60 (default 18).
    pub window: Option<String>,
    /// Watch only this dimension (any of the analysis's `by`); default `origin`, `transit`,
    /// `destination`, `method`, `nationality` and `document_type`.
    pub by: Option<String>,
    /// Only this category, e.g. `people_smuggling`.
    pub category: Option<String>,
    /// Only records of this reporting member, e.g. `FJI`.
    pub member: Option<String>,
    /// Only records with persons of this nationality.
    pub nationality: Option<String>,
    /// Only records whose route passes this country.
    pub country: Option<String>,
    /// Only records of this method, e.g. `fraudulent_documents`.
    pub method: Option<String>,
}

/// The parameters, read and checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Warning {
    pub dimensions: Vec<Dimension>,
    pub filter: AnalysisFilter,
    pub month: YearMonth,
    pub test: RiseTest,
    pub window: u32,
}

fn whole(field: &str, text: &Option<String>, range: std::ops::RangeInclusive<u32>, default: u32) -> ApiResult<u32> {
    match text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(default),
        Some(t) => t.parse::<u32>().ok().filter(|n| range.contains(n)).ok_or_else(|| {
            ApiError::invalid(field, format!("must be a whole number from {} to {}", range.start(), range.end()))
        }),
    }
}

impl Warning {
    /// Reads `params`; `today` bounds the month judged.
    pub fn read(params: &WarningParams, today: time::Date) -> ApiResult<Warning> {
        let filter = Analysis::read(
            &AnalysisParams {
                by: params.by.clone(),
                category: params.category.clone(),
                member: params.member.clone(),
                nationality: params.nationality.clone(),
                country: params.country.clone(),
                method: params.method.clone(),
                ..AnalysisParams::default()
            },
            false,
        )?;
        let given_by = params.by.as_deref().is_some_and(|t| !t.trim().is_empty());
        let dimensions = if given_by { vec![filter.by] } else { WARNING_DIMENSIONS.to_vec() };
        let current = YearMonth::of(today);
        let month = match params.month.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            None => current.plus(-1),
            Some(t) => YearMonth::parse(t)
                .ok_or_else(|| ApiError::invalid("month", "must be a month YYYY-MM"))
                .and_then(|m| {
                    if m > current {
                        Err(ApiError::invalid("month", "must not be after the current month"))
                    } else {
                        Ok(m)
                    }
                })?,
        };
        let test =
            RiseTest { baseline_months: whole("baseline", &params.baseline, 3..=36, 12)?, ..RiseTest::default() };
        let window = whole("window", &params.window, 1..=MAX_WINDOW_MONTHS, 18)?;
        Ok(Warning { dimensions, filter: filter.filter, month, test, window })
    }
}

/// Rising series and displacements, over the records the caller may read.
#[derive(Debug, Serialize, ToSchema)]
pub struct WarningsResult {
    /// The month judged, `YYYY-MM`.
    pub month: String,
    /// The months of baseline before it.
    pub baseline_months: u32,
    /// A series warns when `P(X >= records) < alpha` under its baseline mean…
    pub alpha: f64,
    /// …and it has at least this many records in the month.
    pub min_count: u64,
    pub window_months: u32,
    /// Most significant first.
    pub rises: Vec<Rise>,
    /// Newest first.
    pub displacements: Vec<Displacement>,
}

pub async fn warnings(store: &Store, subject: &Subject, w: &Warning) -> Result<WarningsResult, StoreError> {
    Ok(WarningsResult {
        month: w.month.to_string(),
        baseline_months: w.test.baseline_months,
        alpha: w.test.alpha,
        min_count: w.test.min_count,
        window_months: w.window,
        rises: store.incident_rises(subject, &w.filter, &w.dimensions, w.month, &w.test).await?,
        displacements: store.incident_displacements(subject, &w.filter, w.month, w.window).await?,
    })
}

/// Displacements that concern `subject`'s member — it reported one of the two
/// records — whose later record is of last month or this one, computed as
/// `subject` (so both records are readable by it). Listed on the
/// notifications page.
pub async fn concerning(store: &Store, subject: &Subject) -> Result<Vec<Displacement>, StoreError> {
    let current = YearMonth::of(today(store));
    let since = current.plus(-1).first_day().to_string();
    let member = subject.member.as_str();
    let found = store
        .incident_displacements(subject, &AnalysisFilter::default(), current, crate::notices::WINDOW_MONTHS)
        .await?;
    Ok(found
        .into_iter()
        .filter(|d| d.then.occurred_on >= since && (d.first.member == member || d.then.member == member))
        .collect())
}

/// Today for the store's clock.
pub fn today(store: &Store) -> time::Date {
    store.clock().now().to_datetime().date()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> time::Date {
        godwit_domain::incident::parse_iso_date("2026-11-24").expect("a date")
    }

    #[test]
    fn defaults_judge_last_month_on_the_six_dimensions() {
        let w = Warning::read(&WarningParams::default(), today()).expect("valid");
        assert_eq!(w.month.to_string(), "2026-10");
        assert_eq!(w.dimensions, WARNING_DIMENSIONS.to_vec());
        assert_eq!((w.test.baseline_months, w.window), (12, 18));
        let w = Warning::read(&WarningParams { by: Some("fraud_type".into()), ..Default::default() }, today())
            .expect("valid");
        assert_eq!(w.dimensions, vec![Dimension::FraudType]);
    }

    #[test]
    fn every_bad_parameter_is_named() {
        for (params, field) in [
            (WarningParams { month: Some("2026-13".into()), ..Default::default() }, "month"),
            (WarningParams { month: Some("2026-12".into()), ..Default::default() }, "month"),
            (WarningParams { baseline: Some("2".into()), ..Default::default() }, "baseline"),
            (WarningParams { baseline: Some("twelve".into()), ..Default::default() }, "baseline"),
            (WarningParams { window: Some("61".into()), ..Default::default() }, "window"),
            (WarningParams { by: Some("colour".into()), ..Default::default() }, "by"),
            (WarningParams { member: Some("fi ji".into()), ..Default::default() }, "member"),
        ] {
            let error = format!("{:?}", Warning::read(&params, today()).expect_err(field));
            assert!(error.contains(&format!("field: \"{field}\"")), "{field}: {error}");
        }
    }
}
