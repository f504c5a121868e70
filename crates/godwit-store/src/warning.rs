//! Early warning over incident records (issue 4, point 6): series rising above
//! their own baseline, and modus operandi signatures displaced from one member
//! to another. SECURITY-CRITICAL in the same way as [`crate::analysis`]: a
//! warning must never rest on, or reveal, a record its viewer may not read.
//!
//! Both are built on the analysis queries, i.e. on the pushed-down policy that
//! is kept exactly equal to `decide`: the monthly counts of a rise are those of
//! [`Store::incident_trend`], and a displacement pairs two records taken from
//! [`Store::visible_incidents`], so its viewer may read *both* of them.
//!
//! **Rise.** For each value of a dimension, the records of the month judged
//! (`x`) are tested against a Poisson law whose mean is the series' own
//! baseline: the mean of the `baseline_months` months before, with half a
//! record added to their sum so that a series never seen before has a small
//! but positive mean (otherwise any first record would be "infinitely"
//! significant). The series warns when `P(X >= x) < alpha` and `x >=
//! min_count`. The rates of false alarms and of detection measured on
//! generated series are in docs/analysis.md (`rates_on_generated_series`).
//!
//! **Displacement.** A signature is either a document (type, issuing state and
//! fraud type) or a route (origin, intended destination and method). For each
//! member's first record of a signature, the earliest first record of it by
//! another member, strictly earlier and at most `window_months` calendar months
//! before, makes a displacement: the scheme was seen at one member, then at
//! another.

use std::collections::BTreeMap;

use godwit_domain::incident::{Dimension, parse_iso_date};
use godwit_domain::user::Subject;
use sea_query::{Expr, ExprTrait, SelectStatement};
use serde::Serialize;
use uuid::Uuid;

use crate::analysis::AnalysisFilter;
use crate::schema::{IncidentDocuments, IncidentFacts, Items};
use crate::{Store, StoreError};

/// The dimensions whose series are watched when none is asked for: where a
/// route leg starts, passes and ends, the method, the nationality and the
/// document type.
pub const WARNING_DIMENSIONS: [Dimension; 6] = [
    Dimension::Origin,
    Dimension::Transit,
    Dimension::Destination,
    Dimension::Method,
    Dimension::Nationality,
    Dimension::DocumentType,
];

/// A calendar month, counted from year 0 so that months subtract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct YearMonth(i32);

impl YearMonth {
    /// The month of `date`.
    pub fn of(date: time::Date) -> YearMonth {
        YearMonth(date.year() * 12 + i32::from(u8::from(date.month())) - 1)
    }

    /// `YYYY-MM`.
    pub fn parse(text: &str) -> Option<YearMonth> {
        if text.len() != 7 {
            return None;
        }
        parse_iso_date(&format!("{text}-01")).map(YearMonth::of)
    }

    /// The month `n` months later (earlier when negative).
    pub fn plus(self, n: i32) -> YearMonth {
        YearMonth(self.0 + n)
    }

    fn month(self) -> time::Month {
        // rem_euclid keeps it in 0..12, so the conversion cannot fail.
        time::Month::try_from(u8::try_from(self.0.rem_euclid(12) + 1).unwrap_or(1)).unwrap_or(time::Month::January)
    }

    fn year(self) -> i32 {
        self.0.div_euclid(12)
    }

    pub fn first_day(self) -> time::Date {
        time::Date::from_calendar_date(self.year(), self.month(), 1).unwrap_or(time::Date::MIN)
    }

    pub fn last_day(self) -> time::Date {
        let month = self.month();
        time::Date::from_calendar_date(self.year(), month, month.length(self.year())).unwrap_or(time::Date::MAX)
    }
}

impl std::fmt::Display for YearMonth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year(), u8::from(self.month()))
    }
}

/// The test a series must fail to warn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RiseTest {
    /// Months before the month judged whose mean is the baseline.
    pub baseline_months: u32,
    /// The largest upper-tail probability that still warns.
    pub alpha: f64,
    /// The fewest records in the month judged that may warn.
    pub min_count: u64,
}

impl Default for RiseTest {
    fn default() -> Self {
        RiseTest { baseline_months: 12, alpha: 0.001, min_count: 3 }
    }
}

/// `P(X >= x)` for `X ~ Poisson(lambda)`, summed from `x` upwards so that tiny
/// probabilities keep their precision.
pub fn poisson_upper_tail(x: u64, lambda: f64) -> f64 {
    if x == 0 {
        return 1.0;
    }
    if lambda <= 0.0 {
        return 0.0;
    }
    // log P(X = x) = -lambda + x ln(lambda) - ln(x!)
    let ln_factorial: f64 = (2..=x).map(|i| (i as f64).ln()).sum();
    let mut term = (-lambda + x as f64 * lambda.ln() - ln_factorial).exp();
    let mut total = 0.0;
    let mut k = x;
    while term > 0.0 && term > total * 1e-16 {
        total += term;
        k += 1;
        term *= lambda / k as f64;
        // Past the mode terms only shrink; stop once they are negligible.
        if k as f64 > lambda && term < 1e-300 {
            break;
        }
    }
    total.min(1.0)
}

/// The verdict on one month of a series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Verdict {
    /// The Poisson mean the month was judged against.
    pub baseline: f64,
    pub p_value: f64,
    pub warns: bool,
}

impl RiseTest {
    /// Judges `current` against the months of `history` (oldest first).
    pub fn judge(&self, history: &[u64], current: u64) -> Verdict {
        let months = history.len().max(1) as f64;
        let baseline = (history.iter().sum::<u64>() as f64 + 0.5) / months;
        let p_value = poisson_upper_tail(current, baseline);
        Verdict { baseline, p_value, warns: current >= self.min_count && p_value < self.alpha }
    }
}

/// A series that rose significantly above its baseline in the month judged.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rise {
    /// The dimension, e.g. `nationality`.
    pub dimension: String,
    /// Its value, e.g. `LKA`.
    pub key: String,
    /// The month judged, `YYYY-MM`.
    pub month: String,
    /// Records of the month judged.
    pub incidents: u64,
    /// The mean records per month it was judged against.
    pub baseline: f64,
    /// `P(X >= incidents)` under that mean.
    pub p_value: f64,
    /// Records per month, the baseline months then the month judged.
    pub series: Vec<u64>,
}

/// A modus operandi: a document, or a route with a method.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Signature {
    Document { document_type: String, issuing_state: String, fraud_type: String },
    Route { origin: String, destination: String, method: String },
}

/// One record of a displacement, with its provenance.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub item_id: Uuid,
    /// The reporting member.
    pub member: String,
    /// The day of the event, `YYYY-MM-DD`.
    pub occurred_on: String,
    pub title: String,
}

/// A signature first reported by one member, then by another.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Displacement {
    pub signature: Signature,
    /// The earlier member's first record of the signature.
    pub first: Report,
    /// The later member's first record of it.
    pub then: Report,
    /// Days between the two events.
    pub days: i64,
}

/// The most calendar months a displacement window may span.
pub const MAX_WINDOW_MONTHS: u32 = 60;

/// Pairs each member's first report of a signature with the earliest first
/// report of it by another member, strictly earlier and within `window_months`.
/// Newest displacements first.
pub fn displacements(reports: Vec<(Signature, Report)>, window_months: u32) -> Vec<Displacement> {
    let mut firsts: BTreeMap<Signature, BTreeMap<String, (time::Date, Report)>> = BTreeMap::new();
    for (signature, report) in reports {
        let Some(day) = parse_iso_date(&report.occurred_on) else { continue };
        let by_member = firsts.entry(signature).or_default();
        let earlier = by_member.get(&report.member).is_none_or(|(d, r)| (day, report.item_id) < (*d, r.item_id));
        if earlier {
            by_member.insert(report.member.clone(), (day, report));
        }
    }
    let mut out = Vec::new();
    for (signature, by_member) in firsts {
        let mut ordered: Vec<&(time::Date, Report)> = by_member.values().collect();
        ordered.sort_by(|a, b| (a.0, &a.1.member).cmp(&(b.0, &b.1.member)));
        for (i, (day, then)) in ordered.iter().enumerate() {
            let reach = YearMonth::of(*day).plus(-(window_months as i32));
            let first =
                ordered.get(..i).unwrap_or_default().iter().find(|(d, _)| d < day && YearMonth::of(*d) >= reach);
            if let Some((first_day, first)) = first {
                out.push(Displacement {
                    signature: signature.clone(),
                    first: first.clone(),
                    then: then.clone(),
                    days: (*day - *first_day).whole_days(),
                });
            }
        }
    }
    out.sort_by(|a, b| {
        b.then
            .occurred_on
            .cmp(&a.then.occurred_on)
            .then(a.signature.cmp(&b.signature))
            .then(a.then.member.cmp(&b.then.member))
    });
    out
}

/// The filter with its dates replaced by the months `first..=last`.
fn over_months(filter: &AnalysisFilter, first: YearMonth, last: YearMonth) -> AnalysisFilter {
    AnalysisFilter { from: Some(first.first_day()), to: Some(last.last_day()), ..filter.clone() }
}

impl Store {
    /// The series of `dimensions` whose records in `month` rose significantly
    /// above their baseline, counting only the records `subject` may read that
    /// `filter` keeps (its dates are replaced by the months judged). Most
    /// significant first.
    pub async fn incident_rises(
        &self,
        subject: &Subject,
        filter: &AnalysisFilter,
        dimensions: &[Dimension],
        month: YearMonth,
        test: &RiseTest,
    ) -> Result<Vec<Rise>, StoreError> {
        let span = test.baseline_months as i32;
        let first = month.plus(-span);
        let filter = over_months(filter, first, month);
        let mut rises = Vec::new();
        for &dimension in dimensions {
            let mut series: BTreeMap<String, Vec<u64>> = BTreeMap::new();
            for point in self.incident_trend(subject, &filter, dimension).await? {
                // "Not recorded" is no series to warn of.
                let (Some(key), Some(at)) = (point.key, YearMonth::parse(&point.month)) else { continue };
                let slot = usize::try_from(at.0 - first.0).unwrap_or(usize::MAX);
                let counts = series.entry(key).or_insert_with(|| vec![0; span as usize + 1]);
                if let Some(count) = counts.get_mut(slot) {
                    *count = point.incidents;
                }
            }
            for (key, counts) in series {
                let Some((&current, history)) = counts.split_last() else { continue };
                let verdict = test.judge(history, current);
                if verdict.warns {
                    rises.push(Rise {
                        dimension: dimension.as_str().to_owned(),
                        key,
                        month: month.to_string(),
                        incidents: current,
                        baseline: verdict.baseline,
                        p_value: verdict.p_value,
                        series: counts,
                    });
                }
            }
        }
        rises.sort_by(|a, b| {
            a.p_value.total_cmp(&b.p_value).then(a.dimension.cmp(&b.dimension)).then(a.key.cmp(&b.key))
        });
        Ok(rises)
    }

    /// Signatures reported by one member and then by another within
    /// `window_months`, among the records `subject` may read that `filter`
    /// keeps, whose events fall in the `2 × window_months` months ending with
    /// `month`. Both records of every displacement are readable by `subject`.
    pub async fn incident_displacements(
        &self,
        subject: &Subject,
        filter: &AnalysisFilter,
        month: YearMonth,
        window_months: u32,
    ) -> Result<Vec<Displacement>, StoreError> {
        let window = window_months.clamp(1, MAX_WINDOW_MONTHS);
        let filter = over_months(filter, month.plus(1 - 2 * window as i32), month);
        let agreements = self.agreements().await?;
        let facts = |col: IncidentFacts| Expr::col((IncidentFacts::Table, col));
        let provenance = |query: &mut SelectStatement| {
            query
                .distinct()
                .column((Items::Table, Items::Id))
                .column((IncidentFacts::Table, IncidentFacts::OriginatorMember))
                .column((IncidentFacts::Table, IncidentFacts::OccurredOn))
                .column((Items::Table, Items::Title));
        };
        let mut documents = self.visible_incidents(subject.into(), &agreements, &filter);
        provenance(&mut documents);
        documents
            .inner_join(
                IncidentDocuments::Table,
                Expr::col((IncidentDocuments::Table, IncidentDocuments::ItemId))
                    .equals((IncidentFacts::Table, IncidentFacts::ItemId)),
            )
            .column((IncidentDocuments::Table, IncidentDocuments::DocumentType))
            .column((IncidentDocuments::Table, IncidentDocuments::IssuingState))
            .column((IncidentDocuments::Table, IncidentDocuments::FraudType))
            .and_where(Expr::col((IncidentDocuments::Table, IncidentDocuments::FraudType)).is_not_null());
        let mut routes = self.visible_incidents(subject.into(), &agreements, &filter);
        provenance(&mut routes);
        routes
            .column((IncidentFacts::Table, IncidentFacts::Origin))
            .column((IncidentFacts::Table, IncidentFacts::Destination))
            .column((IncidentFacts::Table, IncidentFacts::MethodType))
            .and_where(facts(IncidentFacts::Origin).is_not_null())
            .and_where(facts(IncidentFacts::Destination).is_not_null())
            .and_where(facts(IncidentFacts::MethodType).is_not_null());
        type Row = (String, String, String, String, String, String, String);
        let mut reports = Vec::new();
        for (query, document) in [(&documents, true), (&routes, false)] {
            let rows: Vec<Row> = self.pool.target().fetch_all(query).await?;
            for (id, member, occurred_on, title, a, b, c) in rows {
                let signature = if document {
                    Signature::Document { document_type: a, issuing_state: b, fraud_type: c }
                } else {
                    Signature::Route { origin: a, destination: b, method: c }
                };
                let report = Report { item_id: crate::parse_uuid(&id)?, member, occurred_on, title };
                reports.push((signature, report));
            }
        }
        Ok(displacements(reports, window))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn months_count_and_print() {
        let m = YearMonth::parse("2026-01").unwrap();
        assert_eq!(m.plus(-1).to_string(), "2025-12");
        assert_eq!(m.plus(13).to_string(), "2027-02");
        assert_eq!(YearMonth::parse("2024-02").unwrap().last_day().to_string(), "2024-02-29");
        assert_eq!(YearMonth::parse("2026-13"), None);
        assert_eq!(YearMonth::parse("2026-1"), None);
    }

    #[test]
    fn poisson_tail_matches_known_values() {
        // P(X >= 1 | 1) = 1 - e^-1; P(X >= 5 | 1) = 0.00365984; P(X >= 10 | 2) = 4.6498e-5.
        assert!((poisson_upper_tail(1, 1.0) - (1.0 - (-1.0f64).exp())).abs() < 1e-12);
        assert!((poisson_upper_tail(5, 1.0) - 0.003_659_846_827_343_7).abs() < 1e-12);
        assert!((poisson_upper_tail(10, 2.0) - 4.649_807_501_4e-5).abs() < 1e-12);
        assert_eq!(poisson_upper_tail(0, 3.0), 1.0);
        assert!(poisson_upper_tail(400, 100.0) < 1e-60);
    }

    #[test]
    fn a_series_warns_only_well_above_its_baseline() {
        let test = RiseTest::default();
        let flat = [4, 5, 3, 4, 6, 4, 5, 4, 3, 5, 4, 4];
        assert!(!test.judge(&flat, 7).warns);
        assert!(test.judge(&flat, 14).warns);
        // A new series: a few records where there were none.
        assert!(test.judge(&[0; 12], 3).warns);
        assert!(!test.judge(&[0; 12], 2).warns, "below min_count");
    }

    fn report(member: &str, day: &str, n: u128) -> Report {
        Report { item_id: Uuid::from_u128(n), member: member.into(), occurred_on: day.into(), title: format!("r{n}") }
    }

    #[test]
    fn a_signature_seen_at_one_member_then_another_is_displaced() {
        let sig = Signature::Document {
            document_type: "passport".into(),
            issuing_state: "FRA".into(),
            fraud_type: "counterfeit".into(),
        };
        let other = Signature::Route { origin: "LKA".into(), destination: "AUS".into(), method: "concealment".into() };
        let reports = vec![
            (sig.clone(), report("AAA", "2025-01-10", 1)),
            (sig.clone(), report("AAA", "2025-03-10", 2)),
            (sig.clone(), report("BBB", "2026-06-01", 3)),
            // Beyond 18 months of AAA's first: paired with BBB instead.
            (sig.clone(), report("CCC", "2026-08-01", 4)),
            // Same member again: no displacement.
            (other.clone(), report("AAA", "2026-01-01", 5)),
            (other.clone(), report("AAA", "2026-02-01", 6)),
        ];
        let found = displacements(reports, 18);
        assert_eq!(found.len(), 2, "{found:#?}");
        assert_eq!((found[0].first.member.as_str(), found[0].then.member.as_str()), ("BBB", "CCC"));
        assert_eq!(found[0].first.item_id, Uuid::from_u128(3));
        assert_eq!((found[1].first.member.as_str(), found[1].then.member.as_str()), ("AAA", "BBB"));
        assert_eq!(found[1].days, 507);
        let narrow = displacements(
            vec![(sig.clone(), report("AAA", "2025-01-10", 1)), (sig, report("BBB", "2026-08-01", 3))],
            18,
        );
        assert!(narrow.is_empty(), "19 months apart");
    }

    /// A small deterministic generator (SplitMix64): the rates below must be
    /// the same on every run.
    struct Rng(u64);

    impl Rng {
        fn uniform(&mut self) -> f64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
        }

        /// Knuth's multiplication method: exact, fine for the means used here.
        fn poisson(&mut self, lambda: f64) -> u64 {
            let limit = (-lambda).exp();
            let (mut k, mut product) = (0, self.uniform());
            while product > limit {
                k += 1;
                product *= self.uniform();
            }
            k
        }
    }

    /// Issue 4, point 6: the false-alarm rate on stationary Poisson series
    /// (no change) and the detection rate of a planted rise in the month
    /// judged, per baseline mean. `cargo test -p godwit-store --lib
    /// rates_on_generated_series -- --nocapture` prints the table of
    /// docs/analysis.md.
    #[test]
    fn rates_on_generated_series() {
        const SERIES: usize = 20_000;
        let test = RiseTest::default();
        let mut rng = Rng(0x60D_717);
        let (mut alarms, mut total) = (0usize, 0usize);
        println!("| baseline mean | false alarms (no change) | detected x1.5 | detected x2 | detected x3 |");
        println!("|---:|---:|---:|---:|---:|");
        for lambda in [0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0] {
            let mut row = [0usize; 4];
            for _ in 0..SERIES {
                let history: Vec<u64> = (0..test.baseline_months).map(|_| rng.poisson(lambda)).collect();
                for (slot, factor) in [1.0, 1.5, 2.0, 3.0].into_iter().enumerate() {
                    if test.judge(&history, rng.poisson(lambda * factor)).warns {
                        row[slot] += 1;
                    }
                }
            }
            let rate = |n: usize| n as f64 / SERIES as f64;
            println!(
                "| {lambda} | {:.4} | {:.3} | {:.3} | {:.3} |",
                rate(row[0]),
                rate(row[1]),
                rate(row[2]),
                rate(row[3])
            );
            alarms += row[0];
            total += SERIES;
            // A rise to three times a baseline of 10 or more is caught.
            if lambda >= 10.0 {
                assert!(rate(row[3]) > 0.9, "x3 detected {} at mean {lambda}", rate(row[3]));
            }
            assert!(rate(row[0]) < 0.005, "false alarms {} at mean {lambda}", rate(row[0]));
        }
        let overall = alarms as f64 / total as f64;
        println!("false alarms over all series: {overall:.5}");
        assert!(overall < 0.003, "{overall}");
    }
}
