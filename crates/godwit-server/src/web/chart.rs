//! Charts drawn on the server as SVG: no charting script to download, and the
//! numbers are also given as a table for screen readers and printing.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use godwit_store::statistics::MonthlyCount;

/// Colours for series, distinguishable and dark enough for white text around them.
pub(crate) const PALETTE: [&str; 10] =
    ["#0b5394", "#b45f06", "#38761d", "#990000", "#674ea7", "#127a7a", "#7f6000", "#a64d79", "#3d3d3d", "#45818e"];

/// A stacked bar chart of items per member per month, with its data table.
pub struct BarChart {
    pub svg: String,
    pub months: Vec<String>,
    /// Member, count per month, total.
    pub rows: Vec<(String, Vec<u64>, u64)>,
    pub total: u64,
}

/// Text safe inside SVG markup and attributes.
pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Items published per month, stacked by originating member.
pub fn contribution_chart(counts: &[MonthlyCount]) -> BarChart {
    let months: Vec<String> = counts.iter().map(|c| c.month.clone()).collect::<BTreeSet<_>>().into_iter().collect();
    let mut by_member: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for c in counts {
        let row = by_member.entry(c.member.to_string()).or_insert_with(|| vec![0; months.len()]);
        if let Some(i) = months.iter().position(|m| *m == c.month) {
            row[i] += c.count;
        }
    }
    stacked_bars("chart", "Items published per month by member", months, by_member.into_iter().collect())
}

/// The top of the axis: four gridline steps of 1, 2 or 5 times a power of
/// ten, so that every gridline is labelled with a whole number.
fn nice_ceiling(peak: u64) -> u64 {
    let step = peak.div_ceil(4).max(1);
    let mut power = 1;
    while power * 10 <= step {
        power *= 10;
    }
    let nice = [1, 2, 5, 10].into_iter().map(|m| m * power).find(|s| *s >= step).unwrap_or(10 * power);
    nice * 4
}

/// A stacked bar per month, one segment per series (in the order given, each
/// row as long as `months`), with a legend and the numbers for the table. `id`
/// makes the SVG's title unique on the page.
pub fn stacked_bars(id: &str, title: &str, months: Vec<String>, series: Vec<(String, Vec<u64>)>) -> BarChart {
    let count = |row: &[u64], i: usize| row.get(i).copied().unwrap_or(0);
    let totals: Vec<u64> = (0..months.len()).map(|i| series.iter().map(|(_, row)| count(row, i)).sum()).collect();
    let peak = nice_ceiling(totals.iter().copied().max().unwrap_or(0));

    let (width, height, left, bottom, top) = (720.0_f64, 260.0_f64, 44.0, 28.0, 10.0);
    let plot_h = height - bottom - top;
    let slot = (width - left - 8.0) / months.len().max(1) as f64;
    let bar_w = (slot * 0.7).max(4.0);
    // At most about twelve month labels, so that they never overlap.
    let label_every = months.len().div_ceil(12).max(1);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" aria-labelledby="{id}-title"><title id="{id}-title">{}</title>"#,
        escape(title)
    );
    for step in 0..=4 {
        let value = peak as f64 * f64::from(step) / 4.0;
        let y = top + plot_h - plot_h * f64::from(step) / 4.0;
        let _ = write!(
            svg,
            r##"<line x1="{left}" x2="{width}" y1="{y:.1}" y2="{y:.1}" stroke="#d5dbe3"/><text x="{lx:.1}" y="{ty:.1}" font-size="11" text-anchor="end" fill="#4a5566">{value:.0}</text>"##,
            lx = left - 6.0,
            ty = y + 4.0
        );
    }
    for (i, month) in months.iter().enumerate() {
        let x = left + slot * i as f64 + (slot - bar_w) / 2.0;
        let mut y = top + plot_h;
        for (n, (name, row)) in series.iter().enumerate() {
            let value = count(row, i);
            if value == 0 {
                continue;
            }
            let h = plot_h * value as f64 / peak as f64;
            y -= h;
            let _ = write!(
                svg,
                r#"<rect x="{x:.1}" y="{y:.1}" width="{bar_w:.1}" height="{h:.1}" fill="{}"><title>{} {}: {}</title></rect>"#,
                PALETTE[n % PALETTE.len()],
                escape(name),
                escape(month),
                value
            );
        }
        if i % label_every == 0 {
            let _ = write!(
                svg,
                r##"<text x="{cx:.1}" y="{ty:.1}" font-size="11" text-anchor="middle" fill="#4a5566">{}</text>"##,
                escape(month.get(2..).unwrap_or(month)),
                cx = x + bar_w / 2.0,
                ty = height - 10.0
            );
        }
    }
    svg.push_str("</svg>");
    let mut legend = String::from(r#"<ul class="legend">"#);
    for (n, (name, _)) in series.iter().enumerate() {
        let _ = write!(
            legend,
            r#"<li><svg width="12" height="12" aria-hidden="true"><rect width="12" height="12" fill="{}"/></svg> {}</li>"#,
            PALETTE[n % PALETTE.len()],
            escape(name)
        );
    }
    legend.push_str("</ul>");
    svg.push_str(&legend);
    let rows = series
        .into_iter()
        .map(|(name, row)| {
            let total = row.iter().sum();
            (name, row, total)
        })
        .collect();
    BarChart { svg, months, rows, total: totals.iter().sum() }
}

/// One horizontal bar per answer, as long as its share, labelled with its
/// count and percentage ("3 (60%)"): the answers to one survey question.
/// `id` makes the SVG's title unique on the page.
pub fn horizontal_bars(id: &str, title: &str, bars: &[(String, u64, u32)]) -> String {
    let (width, label_w, row_h) = (720.0_f64, 260.0_f64, 26.0_f64);
    let plot_w = width - label_w - 90.0;
    let height = row_h * bars.len().max(1) as f64 + 8.0;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" aria-labelledby="{id}-title"><title id="{id}-title">{}</title>"#,
        escape(title)
    );
    for (n, (label, count, percent)) in bars.iter().enumerate() {
        let y = 4.0 + row_h * n as f64;
        let w = plot_w * f64::from((*percent).min(100)) / 100.0;
        // Long labels are cut so that they never run into the bars.
        let shown: String = if label.chars().count() > 40 {
            label.chars().take(39).chain(std::iter::once('…')).collect()
        } else {
            label.clone()
        };
        let _ = write!(
            svg,
            r##"<text x="{lx:.1}" y="{ty:.1}" font-size="12" text-anchor="end" fill="#1d2733">{}</text><rect x="{label_w}" y="{y:.1}" width="{w:.1}" height="{bh:.1}" fill="{}"><title>{}: {count} ({percent}%)</title></rect><text x="{vx:.1}" y="{ty:.1}" font-size="12" fill="#4a5566">{count} ({percent}%)</text>"##,
            escape(&shown),
            PALETTE[0],
            escape(label),
            lx = label_w - 8.0,
            ty = y + row_h / 2.0 + 2.0,
            bh = row_h - 8.0,
            vx = label_w + w + 6.0,
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
    use godwit_domain::member::MemberCode;

    fn count(month: &str, member: &str, count: u64) -> MonthlyCount {
        MonthlyCount { month: month.into(), member: MemberCode::parse(member).expect("a code"), count }
    }

    #[test]
    fn bars_stack_members_and_the_table_adds_up() {
        let chart =
            contribution_chart(&[count("2026-10", "FJI", 3), count("2026-11", "FJI", 1), count("2026-11", "NZL", 4)]);
        assert_eq!(chart.months, vec!["2026-10", "2026-11"]);
        assert_eq!(chart.total, 8);
        assert_eq!(chart.rows[0], ("FJI".to_string(), vec![3, 1], 4));
        assert_eq!(chart.rows[1], ("NZL".to_string(), vec![0, 4], 4));
        // One bar segment per non-zero count, each with its number as a tooltip.
        assert_eq!(chart.svg.matches("<rect x=").count(), 3);
        assert!(chart.svg.contains("<title>NZL 2026-11: 4</title>"));
    }

    #[test]
    fn gridlines_fall_on_whole_numbers() {
        assert_eq!([0, 1, 4, 5, 9, 37, 401].map(nice_ceiling), [4, 4, 4, 8, 20, 40, 800]);
    }

    #[test]
    fn horizontal_bars_are_as_long_as_their_share() {
        let svg = horizontal_bars("q", "Provisions <sharing>", &[("Yes".into(), 2, 40), ("No".into(), 3, 60)]);
        assert_eq!(svg.matches("<rect").count(), 2);
        assert!(svg.contains("width=\"222.0\"") && svg.contains("<title>No: 3 (60%)</title>"), "{svg}");
        assert!(svg.contains("Provisions &lt;sharing&gt;"));
    }

    #[test]
    fn no_data_still_draws_axes() {
        let chart = contribution_chart(&[]);
        assert_eq!(chart.total, 0);
        assert!(chart.svg.starts_with("<svg") && chart.svg.contains("</svg>"));
    }
}
