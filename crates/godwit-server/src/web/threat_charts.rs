//! The regional picture drawn as SVG on the server: a heat map of ratings
//! (threat × member) and a risk-matrix plot (likelihood × consequence). No
//! script; every cell carries a `<title>` and the page gives the numbers as
//! tables too.

use std::collections::BTreeMap;
use std::fmt::Write;

use godwit_domain::risk::{POINTS, Rating, RiskMethod, Trend};
use godwit_store::threats::{PictureCell, RegionalPicture};

use crate::web::chart::escape;

/// Fill and text colour of a rating: green, amber, orange, red.
pub fn rating_colours(rating: Rating) -> (&'static str, &'static str) {
    match rating {
        Rating::Low => ("#2e7d32", "#ffffff"),
        Rating::Medium => ("#f2c12e", "#1f2328"),
        Rating::High => ("#e8710a", "#1f2328"),
        Rating::Extreme => ("#b3261e", "#ffffff"),
    }
}

pub fn trend_arrow(trend: Trend) -> &'static str {
    match trend {
        Trend::Rising => "↑",
        Trend::Stable => "→",
        Trend::Falling => "↓",
    }
}

/// The longest threat name drawn whole; longer ones are cut with an ellipsis
/// (the full name is in the cell's title and the table).
const NAME_CHARS: usize = 44;

fn short(name: &str) -> String {
    if name.chars().count() <= NAME_CHARS {
        name.to_owned()
    } else {
        format!("{}…", name.chars().take(NAME_CHARS - 1).collect::<String>())
    }
}

/// Ratings as a grid: one row per threat (numbered, flagged ◆ when members
/// rate it two steps or more apart, ◇ one step), one column per member whose
/// register the viewer reads.
pub fn heat_map(picture: &RegionalPicture) -> String {
    let (left, top, cell_w, cell_h) = (330.0_f64, 34.0_f64, 68.0_f64, 30.0_f64);
    let width = left + cell_w * picture.members.len().max(1) as f64 + 8.0;
    let height = top + cell_h * picture.threats.len().max(1) as f64 + 58.0;
    let cells: BTreeMap<(&str, &str), &PictureCell> =
        picture.cells.iter().map(|c| ((c.threat.as_str(), c.member.as_str()), c)).collect();
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" aria-labelledby="heat-title" class="heat-map"><title id="heat-title">Risk ratings by threat and member</title>"#
    );
    for (col, member) in picture.members.iter().enumerate() {
        let x = left + cell_w * col as f64 + cell_w / 2.0;
        let _ = write!(
            svg,
            r##"<text x="{x:.1}" y="{y:.1}" font-size="13" font-weight="700" text-anchor="middle" fill="#1f2328" class="member">{}</text>"##,
            escape(member.as_str()),
            y = top - 12.0
        );
    }
    for (row, threat) in picture.threats.iter().enumerate() {
        let y = top + cell_h * row as f64;
        let flag = match picture.differences.iter().find(|d| d.threat == threat.code) {
            Some(d) if d.notable => " ◆",
            Some(_) => " ◇",
            None => "",
        };
        let _ = write!(
            svg,
            r##"<text x="{lx:.1}" y="{ty:.1}" font-size="12" text-anchor="end" fill="#1f2328"><title>{full}</title>{n}. {name}{flag}</text>"##,
            lx = left - 8.0,
            ty = y + cell_h / 2.0 + 4.0,
            full = escape(&threat.name),
            n = row + 1,
            name = escape(&short(&threat.name)),
        );
        for (col, member) in picture.members.iter().enumerate() {
            let x = left + cell_w * col as f64;
            match cells.get(&(threat.code.as_str(), member.as_str())) {
                Some(c) => {
                    let (fill, ink) = rating_colours(c.rating);
                    let _ = write!(
                        svg,
                        r##"<g><title>{member}: {name}, rated {rating} (likelihood {l}, consequence {k}), {trend}</title><rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" fill="{fill}" stroke="#ffffff" stroke-width="2"/><text x="{tx:.1}" y="{ty:.1}" font-size="11" text-anchor="middle" fill="{ink}">{rating} {arrow}</text></g>"##,
                        member = escape(member.as_str()),
                        name = escape(&threat.name),
                        rating = c.rating,
                        l = c.likelihood,
                        k = c.consequence,
                        trend = c.trend,
                        arrow = trend_arrow(c.trend),
                        w = cell_w,
                        h = cell_h,
                        tx = x + cell_w / 2.0,
                        ty = y + cell_h / 2.0 + 4.0,
                    );
                }
                None => {
                    let _ = write!(
                        svg,
                        r##"<g><title>{member} has not assessed {name}</title><rect x="{x:.1}" y="{y:.1}" width="{cell_w:.1}" height="{cell_h:.1}" fill="#eef1f4" stroke="#ffffff" stroke-width="2"/><text x="{tx:.1}" y="{ty:.1}" font-size="11" text-anchor="middle" fill="#6a7480">–</text></g>"##,
                        member = escape(member.as_str()),
                        name = escape(&threat.name),
                        tx = x + cell_w / 2.0,
                        ty = y + cell_h / 2.0 + 4.0,
                    );
                }
            }
        }
    }
    legend(&mut svg, 8.0, height - 32.0);
    svg.push_str("</svg>");
    svg
}

fn legend(svg: &mut String, x0: f64, y: f64) {
    let mut x = x0;
    for rating in Rating::ALL {
        let (fill, _) = rating_colours(*rating);
        let _ = write!(
            svg,
            r##"<rect x="{x:.1}" y="{ry:.1}" width="12" height="12" fill="{fill}"/><text x="{tx:.1}" y="{y:.1}" font-size="11" fill="#1f2328">{rating}</text>"##,
            ry = y - 10.0,
            tx = x + 16.0
        );
        x += 80.0;
    }
    let _ = write!(
        svg,
        r##"<text x="{x0:.1}" y="{y:.1}" font-size="11" fill="#4a5566">↑ rising → stable ↓ falling · ◆ members differ by two ratings or more, ◇ by one</text>"##,
        y = y + 20.0
    );
}

/// How many member–threat labels fit in one square of the plot.
const LABELS_PER_SQUARE: usize = 4;

/// Every assessment placed on a 5 × 5 matrix, the squares shaded with the
/// ratings of `method` (the viewer's own register's, or the default), each
/// labelled `MEMBER n` with the threat's number in the heat map.
pub fn matrix_plot(picture: &RegionalPicture, method: &RiskMethod) -> String {
    let (left, top, square_w, square_h) = (120.0_f64, 12.0_f64, 118.0_f64, 76.0_f64);
    let points = usize::from(POINTS);
    let width = left + square_w * points as f64 + 10.0;
    let height = top + square_h * points as f64 + 64.0;
    let number: BTreeMap<&str, usize> =
        picture.threats.iter().enumerate().map(|(n, t)| (t.code.as_str(), n + 1)).collect();
    let mut squares: BTreeMap<(u8, u8), Vec<String>> = BTreeMap::new();
    for c in &picture.cells {
        let n = number.get(c.threat.as_str()).copied().unwrap_or(0);
        squares.entry((c.likelihood, c.consequence)).or_default().push(format!("{} {n}", c.member));
    }
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" aria-labelledby="matrix-title" class="matrix-plot"><title id="matrix-title">Assessments by likelihood and consequence</title>"#
    );
    for likelihood in 1..=POINTS {
        // Likelihood rises upwards.
        let y = top + square_h * f64::from(POINTS - likelihood);
        let _ = write!(
            svg,
            r##"<text x="{lx:.1}" y="{ty:.1}" font-size="11" text-anchor="end" fill="#1f2328">{likelihood} {word}</text>"##,
            lx = left - 6.0,
            ty = y + square_h / 2.0 + 4.0,
            word = escape(&method.likelihood_word(likelihood)),
        );
        for consequence in 1..=POINTS {
            let x = left + square_w * f64::from(consequence - 1);
            let fill = method.rate(likelihood, consequence).map_or("#eef1f4", |r| rating_colours(r).0);
            let _ = write!(
                svg,
                r##"<rect x="{x:.1}" y="{y:.1}" width="{square_w:.1}" height="{square_h:.1}" fill="{fill}" fill-opacity="0.35" stroke="#ffffff" stroke-width="2"/>"##
            );
            let labels = squares.get(&(likelihood, consequence)).map(Vec::as_slice).unwrap_or_default();
            for (line, label) in labels.iter().take(LABELS_PER_SQUARE).enumerate() {
                let _ = write!(
                    svg,
                    r##"<text x="{tx:.1}" y="{ty:.1}" font-size="12" font-weight="600" fill="#1f2328">{}</text>"##,
                    escape(label),
                    tx = x + 8.0,
                    ty = y + 18.0 + 15.0 * line as f64,
                );
            }
            if labels.len() > LABELS_PER_SQUARE {
                let _ = write!(
                    svg,
                    r##"<text x="{tx:.1}" y="{ty:.1}" font-size="11" text-anchor="end" fill="#1f2328">+{} more</text>"##,
                    labels.len() - LABELS_PER_SQUARE,
                    tx = x + square_w - 6.0,
                    ty = y + square_h - 6.0,
                );
            }
        }
    }
    for consequence in 1..=POINTS {
        let _ = write!(
            svg,
            r##"<text x="{tx:.1}" y="{ty:.1}" font-size="11" text-anchor="middle" fill="#1f2328">{consequence} {word}</text>"##,
            tx = left + square_w * (f64::from(consequence) - 0.5),
            ty = top + square_h * points as f64 + 16.0,
            word = escape(&method.consequence_word(consequence)),
        );
    }
    let _ = write!(
        svg,
        r##"<text x="{tx:.1}" y="{ty:.1}" font-size="12" text-anchor="middle" fill="#4a5566">Consequence →</text><text x="14" y="{my:.1}" font-size="12" fill="#4a5566" transform="rotate(-90 14 {my:.1})" text-anchor="middle">Likelihood →</text>"##,
        tx = left + square_w * points as f64 / 2.0,
        ty = top + square_h * points as f64 + 36.0,
        my = top + square_h * points as f64 / 2.0,
    );
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use godwit_domain::member::MemberCode;
    use godwit_domain::threat::seed_threats;

    use super::*;

    fn cell(threat: &str, member: &str, likelihood: u8, consequence: u8, rating: Rating) -> PictureCell {
        PictureCell {
            threat: threat.into(),
            member: MemberCode(member.into()),
            likelihood,
            consequence,
            rating,
            trend: Trend::Rising,
        }
    }

    fn picture() -> RegionalPicture {
        let threats: Vec<_> = seed_threats().into_iter().take(2).collect();
        RegionalPicture {
            members: vec![MemberCode("FJI".into()), MemberCode("NZL".into())],
            cells: vec![
                cell(&threats[0].code, "FJI", 5, 5, Rating::Extreme),
                cell(&threats[0].code, "NZL", 1, 1, Rating::Low),
                cell(&threats[1].code, "NZL", 3, 3, Rating::High),
            ],
            threats,
            differences: Vec::new(),
        }
    }

    #[test]
    fn the_heat_map_has_a_column_per_member_and_a_cell_per_assessment() {
        let svg = heat_map(&picture());
        let columns: Vec<&str> =
            svg.match_indices(r#"class="member">"#).map(|(at, m)| &svg[at + m.len()..at + m.len() + 3]).collect();
        assert_eq!(columns, ["FJI", "NZL"]);
        assert_eq!(svg.matches("rated ").count(), 3);
        assert_eq!(svg.matches("has not assessed").count(), 1);
        assert!(svg.contains("extreme ↑"));
    }

    #[test]
    fn the_plot_places_each_assessment_in_its_square() {
        let svg = matrix_plot(&picture(), &RiskMethod::default());
        for label in ["FJI 1", "NZL 1", "NZL 2"] {
            assert_eq!(svg.matches(&format!(">{label}<")).count(), 1, "{label}");
        }
        assert!(svg.contains("Almost certain") && svg.contains("Severe"));
    }
}
