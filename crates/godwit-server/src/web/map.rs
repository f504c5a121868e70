//! Route maps and flow diagrams drawn on the server as SVG: no tiles fetched,
//! no script. Country shapes and centroids are Natural Earth's (public
//! domain), from the npm package world-atlas 2.0.2, pre-projected by
//! `scripts/map/build_world_map.py` into `assets/world-map.tsv` (how to
//! regenerate it is in the script).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::OnceLock;

use godwit_store::analysis::Hop;

use crate::web::chart::{PALETTE, escape};

const WORLD: &str = include_str!("../../assets/world-map.tsv");

/// One country of the map: where to draw its routes from, and its outline.
struct Country {
    code: &'static str,
    name: &'static str,
    centre: (f64, f64),
    path: &'static str,
    /// min x, min y, max x, max y of the outline (the centre for no outline).
    bounds: (f64, f64, f64, f64),
}

fn bounds(path: &str, centre: (f64, f64)) -> (f64, f64, f64, f64) {
    let mut b = (centre.0, centre.1, centre.0, centre.1);
    for point in path.split(['M', 'L', 'Z']).filter(|p| !p.is_empty()) {
        if let Some((x, y)) = point.split_once(',').and_then(|(x, y)| Some((x.parse().ok()?, y.parse().ok()?))) {
            b = (b.0.min(x), b.1.min(y), b.2.max(x), b.3.max(y));
        }
    }
    b
}

fn world() -> &'static BTreeMap<&'static str, Country> {
    static WORLD_MAP: OnceLock<BTreeMap<&'static str, Country>> = OnceLock::new();
    WORLD_MAP.get_or_init(|| {
        WORLD
            .lines()
            .filter_map(|line| {
                let mut fields = line.split('\t');
                let (code, centre, name) = (fields.next()?, fields.next()?, fields.next()?);
                let path = fields.next().unwrap_or_default();
                let (x, y) = centre.split_once(',')?;
                let centre = (x.parse().ok()?, y.parse().ok()?);
                Some((code, Country { code, name, centre, path, bounds: bounds(path, centre) }))
            })
            .collect()
    })
}

/// The name of a country by its ISO 3166-1 alpha-3 code, when the map knows it.
pub fn country_name(code: &str) -> Option<&'static str> {
    world().get(code).map(|c| c.name)
}

/// Line widths from 1 to `max` units, by share of the largest count.
fn width(value: u64, peak: u64, max: f64) -> f64 {
    1.0 + (max - 1.0) * value as f64 / peak.max(1) as f64
}

/// The steps of `hops` drawn between country centroids on a world map that is
/// cropped to the countries involved. Hops from or to a country the map does
/// not know are left out (they stay in the table).
pub fn route_map(hops: &[Hop]) -> String {
    let world = world();
    let drawn: Vec<(&Hop, &Country, &Country)> =
        hops.iter().filter_map(|h| Some((h, world.get(h.from.as_str())?, world.get(h.to.as_str())?))).collect();
    // The view: the centroids involved, with a margin, no narrower than a region.
    let mut view = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for (_, a, b) in &drawn {
        for c in [a, b] {
            view = (view.0.min(c.centre.0), view.1.min(c.centre.1), view.2.max(c.centre.0), view.3.max(c.centre.1));
        }
    }
    if drawn.is_empty() {
        // The region the platform serves: South Asia to the central Pacific.
        view = (250.0, 90.0, 700.0, 330.0);
    }
    let margin = 40.0;
    let (mut x0, mut y0) = (view.0 - margin, view.1 - margin);
    let (mut w, mut h) = (view.2 - view.0 + 2.0 * margin, view.3 - view.1 + 2.0 * margin);
    // Keep a 2:1 frame so the map never looks squeezed.
    if w < 2.0 * h {
        x0 -= (2.0 * h - w) / 2.0;
        w = 2.0 * h;
    } else {
        y0 -= (w / 2.0 - h) / 2.0;
        h = w / 2.0;
    }
    if w < 240.0 {
        x0 -= (240.0 - w) / 2.0;
        y0 -= (120.0 - h) / 2.0;
        (w, h) = (240.0, 120.0);
    }
    let unit = w / 720.0;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="{x0:.1} {y0:.1} {w:.1} {h:.1}" role="img" aria-labelledby="map-title map-desc"><title id="map-title">Route map</title><desc id="map-desc">Lines join the countries of consecutive route legs, thicker for more incident records; the table below gives the numbers.</desc><rect x="{x0:.1}" y="{y0:.1}" width="{w:.1}" height="{h:.1}" fill="#eaf2fa"/><defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="{mw:.2}" markerHeight="{mw:.2}" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#0b5394"/></marker></defs><g fill="#fdfdfb" stroke="#aab4c0" stroke-width="{sw:.2}">"##,
        sw = 0.6 * unit,
        mw = 9.0 * unit
    );
    let involved: std::collections::BTreeSet<&str> = drawn.iter().flat_map(|(_, a, b)| [a.code, b.code]).collect();
    for c in world.values().filter(|c| !c.path.is_empty()) {
        let b = c.bounds;
        if b.2 < x0 || b.0 > x0 + w || b.3 < y0 || b.1 > y0 + h {
            continue;
        }
        let fill = if involved.contains(c.code) { r##" fill="#f3e6c8""## } else { "" };
        let _ = write!(svg, r#"<path d="{}"{fill}><title>{}</title></path>"#, c.path, escape(c.name));
    }
    svg.push_str("</g>");
    let peak = drawn.iter().map(|(h, _, _)| h.incidents).max().unwrap_or(1);
    for (hop, a, b) in &drawn {
        let ((ax, ay), (bx, by)) = (a.centre, b.centre);
        // A gentle arc, bent to the left of the direction of travel, so that
        // the two directions between a pair of countries stay apart.
        let (mx, my) = ((ax + bx) / 2.0, (ay + by) / 2.0);
        let (dx, dy) = (bx - ax, by - ay);
        let (cx, cy) = (mx + dy * 0.2, my - dx * 0.2);
        let _ = write!(
            svg,
            r##"<path d="M{ax:.1},{ay:.1}Q{cx:.1},{cy:.1} {bx:.1},{by:.1}" fill="none" stroke="#0b5394" stroke-opacity="0.75" stroke-width="{sw:.2}" stroke-linecap="round" marker-end="url(#arrow)"><title>{} → {}: {} records, {} persons</title></path>"##,
            escape(a.name),
            escape(b.name),
            hop.incidents,
            hop.persons,
            sw = width(hop.incidents, peak, 7.0) * unit
        );
    }
    for code in &involved {
        if let Some(c) = world.get(code) {
            let (x, y) = c.centre;
            let _ = write!(
                svg,
                r##"<circle cx="{x:.1}" cy="{y:.1}" r="{r:.2}" fill="#b45f06" stroke="#fff" stroke-width="{sw:.2}"/><text x="{tx:.1}" y="{ty:.1}" font-size="{fs:.1}" fill="#1b2430" stroke="#fff" stroke-width="{hw:.2}" paint-order="stroke">{}</text>"##,
                escape(c.code),
                r = 3.0 * unit,
                sw = unit,
                tx = x + 4.5 * unit,
                ty = y - 3.5 * unit,
                fs = 12.0 * unit,
                hw = 3.0 * unit,
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

/// Where one country sits in a column of the flow diagram.
struct Node {
    y: f64,
    height: f64,
    /// How much of its side is taken by bands already drawn: (in, out).
    used: (f64, f64),
}

const COLUMNS: [&str; 3] = ["origin", "transit", "destination"];

/// Origins, transit countries and destinations as three columns of bars,
/// joined by bands as wide as the records taking each step. Steps from one
/// transit country to another are not drawn (they are in the table).
pub fn flow_diagram(hops: &[Hop]) -> String {
    let column = |role: &str| COLUMNS.iter().position(|c| *c == role);
    let steps: Vec<(&Hop, usize, usize)> = hops
        .iter()
        .filter_map(|h| Some((h, column(&h.from_role)?, column(&h.to_role)?)))
        .filter(|(_, a, b)| a < b)
        .collect();
    // Each node's size: the larger of what flows in and what flows out.
    let mut flow: [BTreeMap<&str, (u64, u64)>; 3] = Default::default();
    for (h, a, b) in &steps {
        flow[*a].entry(h.from.as_str()).or_default().1 += h.incidents;
        flow[*b].entry(h.to.as_str()).or_default().0 += h.incidents;
    }
    let (width, height, top, gap, bar) = (720.0_f64, 380.0_f64, 28.0, 6.0, 14.0);
    let column_total = |c: &BTreeMap<&str, (u64, u64)>| c.values().map(|(i, o)| (*i).max(*o)).sum::<u64>();
    let busiest = (0..3).map(|i| (column_total(&flow[i]), flow[i].len())).max_by(|a, b| {
        let need = |(total, n): (u64, usize)| total as f64 + n as f64;
        need(*a).total_cmp(&need(*b))
    });
    let (total, n) = busiest.unwrap_or((0, 0));
    // Records to pixels, so that the fullest column fits with its gaps.
    let scale = (height - top - 8.0 - gap * n.saturating_sub(1) as f64) / total.max(1) as f64;
    let xs = [120.0, 360.0 - bar / 2.0, width - 120.0 - bar];
    let mut nodes: [BTreeMap<&str, Node>; 3] = Default::default();
    for i in 0..3 {
        let mut ordered: Vec<(&str, u64)> = flow[i].iter().map(|(k, (a, b))| (*k, (*a).max(*b))).collect();
        ordered.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(y.0)));
        let mut y = top;
        for (code, size) in ordered {
            let h = (size as f64 * scale).max(2.0);
            nodes[i].insert(code, Node { y, height: h, used: (0.0, 0.0) });
            y += h + gap;
        }
    }
    let mut svg = String::new();
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" aria-labelledby="flow-title flow-desc"><title id="flow-title">Flows from origin through transit to destination</title><desc id="flow-desc">Bars are countries in their role on the route; bands join consecutive legs, as wide as the incident records taking that step. The table below gives the numbers.</desc>"##
    );
    for (i, label) in ["Origin", "Transit", "Destination"].iter().enumerate() {
        let _ = write!(
            svg,
            r##"<text x="{x:.1}" y="16" font-size="12" font-weight="600" text-anchor="middle" fill="#4a5566">{label}</text>"##,
            x = xs[i] + bar / 2.0
        );
    }
    let mut ordered_steps = steps.clone();
    ordered_steps.sort_by_key(|(h, _, _)| std::cmp::Reverse(h.incidents));
    for (h, a, b) in ordered_steps {
        let thickness = (h.incidents as f64 * scale).max(1.0);
        let y_from = match nodes[a].get_mut(h.from.as_str()) {
            Some(node) => {
                node.used.1 += thickness;
                node.y + node.used.1 - thickness / 2.0
            }
            None => continue,
        };
        let y_to = match nodes[b].get_mut(h.to.as_str()) {
            Some(node) => {
                node.used.0 += thickness;
                node.y + node.used.0 - thickness / 2.0
            }
            None => continue,
        };
        let (x1, x2) = (xs[a] + bar, xs[b]);
        let mid = (x1 + x2) / 2.0;
        let colour = PALETTE[COLUMNS.iter().position(|c| *c == h.from_role).unwrap_or(0) % PALETTE.len()];
        let _ = write!(
            svg,
            r##"<path d="M{x1:.1},{y_from:.1}C{mid:.1},{y_from:.1} {mid:.1},{y_to:.1} {x2:.1},{y_to:.1}" fill="none" stroke="{colour}" stroke-opacity="0.35" stroke-width="{thickness:.1}"><title>{} ({}) → {} ({}): {} records, {} persons</title></path>"##,
            escape(&h.from),
            escape(&h.from_role),
            escape(&h.to),
            escape(&h.to_role),
            h.incidents,
            h.persons
        );
    }
    for (i, column) in nodes.iter().enumerate() {
        for (code, node) in column {
            let name = country_name(code).unwrap_or(code);
            let size = flow[i].get(code).map(|(a, b)| (*a).max(*b)).unwrap_or(0);
            let (anchor, tx) = if i == 2 { ("start", xs[i] + bar + 6.0) } else { ("end", xs[i] - 6.0) };
            let _ = write!(
                svg,
                r##"<rect x="{x:.1}" y="{y:.1}" width="{bar}" height="{h:.1}" fill="#0d2a47"><title>{name_e} ({role}): {size} records</title></rect><text x="{tx:.1}" y="{ty:.1}" font-size="11" text-anchor="{anchor}" fill="#1b2430">{code_e} {size}</text>"##,
                x = xs[i],
                y = node.y,
                h = node.height,
                name_e = escape(name),
                role = COLUMNS[i],
                code_e = escape(code),
                ty = node.y + node.height / 2.0 + 4.0,
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hop(from_role: &str, from: &str, to_role: &str, to: &str, incidents: u64) -> Hop {
        Hop {
            from_role: from_role.into(),
            from: from.into(),
            to_role: to_role.into(),
            to: to.into(),
            incidents,
            persons: incidents * 2,
        }
    }

    #[test]
    fn the_vendored_world_has_the_region_and_its_small_islands() {
        for code in ["AUS", "NZL", "FJI", "PNG", "IDN", "LKA", "AFG", "TON", "WSM", "SGP", "KIR"] {
            assert!(world().contains_key(code), "{code}");
        }
        // Fiji straddles 180 degrees: it must sit east of Australia, not at the far left.
        assert!(world()["FJI"].centre.0 > world()["AUS"].centre.0);
        assert!(world().values().all(|c| c.centre.0 > -50.0 && c.centre.0 < 1100.0));
    }

    #[test]
    fn routes_are_drawn_between_known_countries_only() {
        let svg =
            route_map(&[hop("origin", "LKA", "transit", "SGP", 5), hop("transit", "SGP", "destination", "QQQ", 2)]);
        assert_eq!(svg.matches("marker-end").count(), 1);
        assert!(svg.contains("Sri Lanka → Singapore: 5 records, 10 persons"));
        assert!(svg.contains("<title id=\"map-title\">"));
        // Cropped to the region: Brazil is far outside and not drawn.
        assert!(!svg.contains("<title>Brazil</title>"));
    }

    #[test]
    fn flows_band_each_step_once_and_leave_transit_to_transit_to_the_table() {
        let svg = flow_diagram(&[
            hop("origin", "LKA", "transit", "SGP", 5),
            hop("transit", "SGP", "transit", "MYS", 3),
            hop("transit", "SGP", "destination", "AUS", 5),
        ]);
        assert_eq!(svg.matches("records, ").count(), 2);
        assert!(svg.contains("SGP 5"));
        assert!(flow_diagram(&[]).contains("</svg>"));
    }
}
