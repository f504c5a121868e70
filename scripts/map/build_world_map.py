#!/usr/bin/env python3
"""Builds crates/godwit-server/assets/world-map.tsv, the country shapes and
centroids the portal's route map draws (crates/godwit-server/src/web/map.rs).

Source: Natural Earth (public domain) as packaged by the npm package
world-atlas 2.0.2 (ISC licence, https://github.com/topojson/world-atlas):
country shapes from countries-110m.json, centroids from countries-50m.json
(which also has the small island states the 110m file leaves out: Tonga,
Samoa, Kiribati, Singapore...). ISO 3166-1 numeric codes are mapped to alpha-3
with Debian's iso-codes (/usr/share/iso-codes/json/iso_3166-1.json).

Projection: equirectangular, 1000 units for 360 degrees, from 30 W eastwards
so that the Pacific is in one piece (a ring lying mostly west of 30 W is moved
360 degrees east whole); y from 84 N (0) down; Antarctica left out. Points are
rounded to 0.1 unit and thinned to at least MIN_STEP apart.

Regenerate:
    cd /tmp && npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python3 scripts/map/build_world_map.py /tmp/package > crates/godwit-server/assets/world-map.tsv

Output, one country per line, tab-separated: alpha-3, centroid "x,y",
name, SVG path data (empty when the 110m file has no shape for it).
"""

import json
import sys

SEAM = -30.0
SCALE = 1000.0 / 360.0
TOP = 84.0
MIN_STEP = 0.9


def decode(topology):
    """Arcs as lists of (lon, lat), from quantised delta-encoded TopoJSON."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring(arcs, indexes):
    points = []
    for i in indexes:
        arc = arcs[i] if i >= 0 else list(reversed(arcs[~i]))
        points.extend(arc if not points else arc[1:])
    return points


def polygons(arcs, geometry):
    if geometry["type"] == "Polygon":
        return [[ring(arcs, r) for r in geometry["arcs"]]]
    if geometry["type"] == "MultiPolygon":
        return [[ring(arcs, r) for r in polygon] for polygon in geometry["arcs"]]
    return []


def shifted(points):
    lons = [lon for lon, _ in points]
    if max(lons) - min(lons) > 180:
        # A ring cut at the antimeridian (Fiji, Chukotka): its western half moves east.
        return [(lon + 360.0 if lon < 0 else lon, lat) for lon, lat in points]
    offset = 360.0 if sum(lons) / len(lons) < SEAM else 0.0
    return [(lon + offset, lat) for lon, lat in points]


def project(lon, lat):
    return ((lon - SEAM) * SCALE, (TOP - lat) * SCALE)


def area_centroid(points):
    """Signed area and centroid of a ring of projected points."""
    a = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1]):
        cross = x0 * y1 - x1 * y0
        a += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if abs(a) < 1e-9:
        n = len(points)
        return 0.0, (sum(x for x, _ in points) / n, sum(y for _, y in points) / n)
    return a / 2, (cx / (3 * a), cy / (3 * a))


def numeric_to_alpha3():
    with open("/usr/share/iso-codes/json/iso_3166-1.json", encoding="utf-8") as f:
        return {c["numeric"]: c["alpha_3"] for c in json.load(f)["3166-1"]}


def countries(path):
    with open(path, encoding="utf-8") as f:
        topology = json.load(f)
    arcs = decode(topology)
    for g in topology["objects"]["countries"]["geometries"]:
        yield g.get("id"), g["properties"]["name"], [
            [[project(*p) for p in shifted(r)] for r in polygon if r] for polygon in polygons(arcs, g)
        ]


def thin(points):
    out = []
    for x, y in points:
        if not out or abs(x - out[-1][0]) + abs(y - out[-1][1]) >= MIN_STEP:
            out.append((x, y))
    return out


def path(polys):
    parts = []
    for polygon in polys:
        for r in polygon:
            r = thin(r)
            if len(r) < 3:
                continue
            parts.append("M" + "L".join(f"{x:.1f},{y:.1f}".replace(".0,", ",").replace(".0L", "L") for x, y in r) + "Z")
    return "".join(parts)


def main(package):
    alpha3 = numeric_to_alpha3()
    # Per country, the centroid of its largest outer ring (mainland France, not
    # Guiana; Australia, not the Ashmore and Cartier Islands filed under it).
    largest, names = {}, {}
    shapes = {}
    for source in ("countries-50m.json", "countries-110m.json"):
        for numeric, name, polys in countries(f"{package}/{source}"):
            code = alpha3.get(numeric)
            if not code or code == "ATA":
                continue
            if source == "countries-110m.json":
                shapes[code] = shapes.get(code, "") + path(polys)
            for area, centre in (area_centroid(p[0]) for p in polys if p):
                if code not in largest or (source == "countries-50m.json" and abs(area) > abs(largest[code][0])):
                    largest[code] = (area, centre)
                    names[code] = name
    for code in sorted(largest):
        x, y = largest[code][1]
        print(f"{code}\t{x:.1f},{y:.1f}\t{names[code]}\t{shapes.get(code, '')}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "package")
