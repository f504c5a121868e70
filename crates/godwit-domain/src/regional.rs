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

use serde::Serialize;

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
    fn groups_gather_cells_sharing_a_part() {
        let keys = [("2026-01", "x"), ("2026-01", "y"), ("2026-02", "x")];
        assert_eq!(groups_by(&keys, |k| k.0), vec![vec![0, 1], vec![2]]);
        assert_eq!(groups_by(&keys, |k| k.1), vec![vec![0, 2], vec![1]]);
    }
}
