//! Regional aggregates (issue 4, point 5): members of a region (a member
//! group such as PIDC) opt in to pool their incident counts, and their users
//! see regional totals over every contributor's records, including records
//! not released to them. SECURITY-CRITICAL: counts leave without the access
//! policy's per-record judgement, so this module decides which counts may be
//! shown at all (disclosure control). docs/analysis.md, *Regional aggregates*.
//!
//! The rule, applied to every number a response holds (totals included):
//!
//! 1. **Thresholds.** A cell is suppressed when it holds fewer than
//!    [`MIN_RECORDS`] records, fewer than [`MIN_RECORDS`] persons, or records
//!    of fewer than [`MIN_MEMBERS`] contributing members.
//! 2. **Complementary suppression.** Cells whose sum is published elsewhere
//!    (the rows of a dimension that partitions the records add up to the
//!    totals; a value's months add up to its row in the top list) form a
//!    *group*. A group never holds exactly one suppressed cell: its smallest
//!    published cell is suppressed too, until every group holds none or at
//!    least two. Subtracting the published cells from the margin then gives
//!    only the sum of two or more suppressed cells, never one of them.
//! 3. **Rounding.** Every published count is rounded to the nearest multiple
//!    of [`ROUND_TO`], so that differences between responses (two periods,
//!    two dimensions, a day apart) are inexact too.
//!
//! Suppressed cells are listed, their counts absent: no published count is
//! below [`MIN_RECORDS`].

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::member::MemberCode;

/// Fewest records (and persons) a published cell holds.
pub const MIN_RECORDS: u64 = 5;
/// Fewest contributing members whose records a published cell holds.
pub const MIN_MEMBERS: usize = 3;
/// Published counts are multiples of this.
pub const ROUND_TO: u64 = 5;

/// The true counts of one cell: records, their persons, and the members that
/// reported them. Never leaves the server.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cell {
    pub incidents: u64,
    pub persons: u64,
    pub members: BTreeSet<MemberCode>,
}

impl Cell {
    pub fn add(&mut self, incidents: u64, persons: u64, member: &MemberCode) {
        if incidents == 0 {
            return;
        }
        self.incidents += incidents;
        self.persons += persons;
        self.members.insert(member.clone());
    }

    /// Adds `other`'s counts and members: the cell of both together.
    pub fn merge(&mut self, other: &Cell) {
        self.incidents += other.incidents;
        self.persons += other.persons;
        self.members.extend(other.members.iter().cloned());
    }

    fn below_thresholds(&self) -> bool {
        self.incidents < MIN_RECORDS || self.persons < MIN_RECORDS || self.members.len() < MIN_MEMBERS
    }
}

/// A cell as published: rounded counts, or none when suppressed.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Published {
    /// Records, rounded to a multiple of 5; `null` when suppressed.
    pub incidents: Option<u64>,
    /// Persons, rounded to a multiple of 5; `null` when suppressed.
    pub persons: Option<u64>,
    /// Shown as `<5`: too few records, persons or contributing members, or
    /// held back so that another suppressed cell cannot be worked out.
    pub suppressed: bool,
}

impl Published {
    pub const SUPPRESSED: Published = Published { incidents: None, persons: None, suppressed: true };

    fn of(cell: &Cell) -> Published {
        Published { incidents: Some(rounded(cell.incidents)), persons: Some(rounded(cell.persons)), suppressed: false }
    }
}

/// How finely a regional trend is cut in time. A quarter pools three months,
/// so fewer of its cells fall under the thresholds: a small region's trend
/// is mostly `<5` by month and readable by quarter.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    #[default]
    Month,
    Quarter,
}

impl Period {
    pub const ALL: [Period; 2] = [Period::Month, Period::Quarter];

    pub fn as_str(self) -> &'static str {
        match self {
            Period::Month => "month",
            Period::Quarter => "quarter",
        }
    }

    pub fn parse(text: &str) -> Option<Period> {
        Period::ALL.into_iter().find(|p| p.as_str() == text)
    }

    fn months(self) -> i32 {
        match self {
            Period::Month => 1,
            Period::Quarter => 3,
        }
    }

    /// Whether the month numbered `month` (1–12) opens a period.
    pub fn starts_with(self, month: u8) -> bool {
        (i32::from(month) - 1) % self.months() == 0
    }

    /// Whether the month numbered `month` (1–12) closes a period.
    pub fn ends_with(self, month: u8) -> bool {
        i32::from(month) % self.months() == 0
    }

    /// The period holding `month` (`YYYY-MM`): `YYYY-MM` or `YYYY-Qn`.
    pub fn of_month(self, month: &str) -> Option<String> {
        let (year, m) = month.split_once('-').filter(|_| month.len() == 7)?;
        let (year, m) = (year.parse::<i32>().ok()?, m.parse::<i32>().ok()?);
        (1..=12).contains(&m).then(|| self.label(year * 12 + m - 1))
    }

    /// Every period from the one labelled `first` to the one labelled `last`
    /// (labels as [`Period::of_month`] writes them): a chart's axis, gaps
    /// included. Just `first` when the labels do not read.
    pub fn between(self, first: &str, last: &str) -> Vec<String> {
        match (self.index(first), self.index(last)) {
            (Some(a), Some(b)) if a <= b && b - a < 1200 => (a..=b).map(|i| self.label(i * self.months())).collect(),
            _ => vec![first.to_owned()],
        }
    }

    /// The label of the period holding month number `month` (year × 12 + month − 1).
    fn label(self, month: i32) -> String {
        match self {
            Period::Month => format!("{:04}-{:02}", month.div_euclid(12), month.rem_euclid(12) + 1),
            Period::Quarter => format!("{:04}-Q{}", month.div_euclid(12), month.rem_euclid(12) / 3 + 1),
        }
    }

    /// The period's number counted from year 0, from its label.
    fn index(self, label: &str) -> Option<i32> {
        let (year, part) = label.split_once('-')?;
        let year = year.parse::<i32>().ok()?;
        let (per_year, n) = match self {
            Period::Month => (12, part.parse::<i32>().ok()?),
            Period::Quarter => (4, part.strip_prefix('Q')?.parse::<i32>().ok()?),
        };
        (1..=per_year).contains(&n).then_some(year * per_year + n - 1)
    }
}

/// `n` to the nearest multiple of [`ROUND_TO`] (remainders 0–2 down, 3–4 up).
pub fn rounded(n: u64) -> u64 {
    (n + ROUND_TO / 2) / ROUND_TO * ROUND_TO
}

/// One cell on its own (the totals of a response).
pub fn disclose_one(cell: &Cell) -> Published {
    if cell.below_thresholds() { Published::SUPPRESSED } else { Published::of(cell) }
}

/// Which of `cells` are published, in their order. `groups` lists the cells
/// (by index) whose sum is published as a margin; see the module's rule.
pub fn disclose(cells: &[Cell], groups: &[Vec<usize>]) -> Vec<Published> {
    let mut suppressed: Vec<bool> = cells.iter().map(Cell::below_thresholds).collect();
    // Each pass suppresses at least one more cell or ends: at most `cells.len()` passes.
    loop {
        let mut changed = false;
        for group in groups {
            let held_back = group.iter().filter(|&&i| suppressed.get(i).copied().unwrap_or(false)).count();
            if held_back != 1 {
                continue;
            }
            let smallest = group
                .iter()
                .copied()
                .filter(|&i| suppressed.get(i) == Some(&false))
                .min_by_key(|&i| (cells[i].incidents, cells[i].persons, i));
            if let Some(i) = smallest {
                suppressed[i] = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    cells.iter().zip(suppressed).map(|(c, s)| if s { Published::SUPPRESSED } else { Published::of(c) }).collect()
}

/// Groups of the cells at `keys` that share a key part: `part` picks it.
pub fn groups_by<K, P: Ord>(keys: &[K], part: impl Fn(&K) -> P) -> Vec<Vec<usize>> {
    let mut groups: std::collections::BTreeMap<P, Vec<usize>> = std::collections::BTreeMap::new();
    for (i, key) in keys.iter().enumerate() {
        groups.entry(part(key)).or_default().push(i);
    }
    groups.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(incidents: u64, persons: u64, members: &[&str]) -> Cell {
        Cell { incidents, persons, members: members.iter().map(|m| MemberCode((*m).into())).collect() }
    }

    const THREE: [&str; 3] = ["FJI", "NZL", "TON"];

    #[test]
    fn counts_round_to_the_nearest_five() {
        assert_eq!([0, 2, 3, 5, 7, 8, 12, 13].map(rounded), [0, 0, 5, 5, 5, 10, 10, 15]);
    }

    #[test]
    fn small_cells_and_cells_of_fewer_than_three_members_are_suppressed() {
        assert_eq!(disclose_one(&cell(4, 9, &THREE)), Published::SUPPRESSED);
        assert_eq!(disclose_one(&cell(9, 4, &THREE)), Published::SUPPRESSED);
        assert_eq!(disclose_one(&cell(40, 90, &["FJI", "NZL"])), Published::SUPPRESSED);
        assert_eq!(
            disclose_one(&cell(7, 13, &THREE)),
            Published { incidents: Some(5), persons: Some(15), suppressed: false }
        );
    }

    #[test]
    fn a_lone_suppressed_cell_takes_the_smallest_other_with_it() {
        let cells = [cell(20, 20, &THREE), cell(2, 2, &THREE), cell(9, 9, &THREE), cell(6, 6, &THREE)];
        let shown = disclose(&cells, &[vec![0, 1, 2, 3]]);
        let suppressed: Vec<bool> = shown.iter().map(|p| p.suppressed).collect();
        assert_eq!(suppressed, [false, true, false, true]);
        // Without a group nothing more is held back.
        let alone: Vec<bool> = disclose(&cells, &[]).iter().map(|p| p.suppressed).collect();
        assert_eq!(alone, [false, true, false, false]);
    }

    #[test]
    fn complements_propagate_across_rows_and_columns() {
        // A 2 × 2 table, cells (month, value): 0 = (a, x), 1 = (a, y), 2 = (b, x), 3 = (b, y).
        let cells = [cell(3, 3, &THREE), cell(10, 10, &THREE), cell(8, 8, &THREE), cell(12, 12, &THREE)];
        let groups = [vec![0, 1], vec![2, 3], vec![0, 2], vec![1, 3]];
        let shown = disclose(&cells, &groups);
        assert!(shown.iter().all(|p| p.suppressed), "{shown:?}");
        // Every group holds none or two or more suppressed cells.
        for group in &groups {
            let n = group.iter().filter(|&&i| shown[i].suppressed).count();
            assert!(n != 1);
        }
    }

    #[test]
    fn quarters_pool_three_months() {
        let q = Period::Quarter;
        let quarters: Vec<_> = ["2026-01", "2026-03", "2026-04", "2026-12"].map(|m| q.of_month(m)).to_vec();
        assert_eq!(quarters, ["2026-Q1", "2026-Q1", "2026-Q2", "2026-Q4"].map(|l| Some(l.to_owned())).to_vec());
        assert_eq!(Period::Month.of_month("2026-04").as_deref(), Some("2026-04"));
        assert_eq!(q.of_month("2026-13"), None);
        assert_eq!(q.of_month("2026-4"), None);
        assert_eq!(q.between("2025-Q4", "2026-Q2"), ["2025-Q4", "2026-Q1", "2026-Q2"]);
        assert_eq!(Period::Month.between("2025-12", "2026-02"), ["2025-12", "2026-01", "2026-02"]);
        assert_eq!(q.between("nonsense", "2026-Q2"), ["nonsense"]);
        assert!(q.starts_with(4) && !q.starts_with(5) && q.ends_with(6) && !q.ends_with(4));
        assert!((1..=12).all(|m| Period::Month.starts_with(m) && Period::Month.ends_with(m)));
    }

    #[test]
    fn groups_gather_cells_sharing_a_part() {
        let keys = [("2026-01", "x"), ("2026-01", "y"), ("2026-02", "x")];
        assert_eq!(groups_by(&keys, |k| k.0), vec![vec![0, 1], vec![2]]);
        assert_eq!(groups_by(&keys, |k| k.1), vec![vec![0, 2], vec![1]]);
    }
}
