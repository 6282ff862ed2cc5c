"""Check the demo community layer files against the rules in layers/README.md.

Run with `.venv/bin/python layers/check_demo.py [DIR]`; exits non-zero and names the broken rule
on the first failure. It deliberately does not import generate_demo: it judges the files only.
"""

from __future__ import annotations

import csv
import itertools
import json
import re
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pyproj
import shapely
from shapely import relate_pattern
from shapely.geometry import Point, box, shape
from shapely.ops import unary_union

HERE = Path(__file__).resolve().parent
UNIT_FILES = {"street": "streets", "lane": "lanes", "shop": "shops", "building": "buildings", "grid": "grids"}
UNIT_PREFIX = {"street": "ST", "lane": "LN", "shop": "SH", "building": "BD", "grid": "GD"}
PARENT_KIND = {"street": None, "grid": None, "lane": "street", "shop": "lane", "building": "lane"}
COUNTS = {"street": 6, "lane": 22, "shop": 24, "building": 20, "grid": 2}
ROLE_OF_KIND = {
    "street": "street_chief",
    "lane": "lane_chief",
    "shop": "shop_chief",
    "building": "building_chief",
    "grid": "grid_worker",
}
ROLE_COUNTS = {"street_chief": 6, "lane_chief": 22, "shop_chief": 24, "building_chief": 12}
SIZE_RANGES_M = {"street": (300, 600), "lane": (60, 150), "shop": (8, 15), "building": (15, 30)}
MIN_WIDTH_M = {"shop": 8, "building": 12}
SITE_KINDS = {
    "memorial",
    "former_residence",
    "education_base",
    "culture_street",
    "service_center",
    "mediation_room",
    "rider_home",
    "love_supermarket",
    "women_home",
}
PEOPLE_HEADER = [
    "name",
    "phone",
    "party_member",
    "organisation",
    "role",
    "unit_kind",
    "unit_code",
    "since",
    "until",
]
RIDER_ORGS = {"美团外卖", "饿了么"}
GAP_SIDE_M = 40.0

_LOCAL = pyproj.CRS.from_proj4(
    "+proj=tmerc +lat_0=22.966 +lon_0=115.325 +k=1 +x_0=0 +y_0=0 +ellps=WGS84 +units=m"
)
_TO_METRES = pyproj.Transformer.from_crs("EPSG:4326", _LOCAL, always_xy=True)
_GEOD = pyproj.Geod(ellps="WGS84")


class DemoError(AssertionError):
    """A rule of the demo layers is broken."""


def require(condition: bool, message: str) -> None:
    """Raise DemoError with message unless condition holds."""
    if not condition:
        raise DemoError(message)


def metres(geom):
    """Return geom in the local metric plane."""
    return shapely.transform(geom, lambda xy: np.column_stack(_TO_METRES.transform(xy[:, 0], xy[:, 1])))


def extent_m(geom) -> tuple[float, float]:
    """Return the (short, long) sides in metres of a geometry's minimum rotated rectangle."""
    rect = metres(geom).minimum_rotated_rectangle
    xs = list(rect.exterior.coords)
    sides = sorted(Point(xs[i]).distance(Point(xs[i + 1])) for i in range(2))
    return sides[0], sides[1]


def interiors_overlap(a, b) -> bool:
    """Tell whether two areas share interior points (touching edges is allowed)."""
    return bool(relate_pattern(a, b, "T********"))


def load_features(directory: Path, stem: str) -> list[tuple[dict, object]]:
    """Load a GeoJSON FeatureCollection as (properties, shapely geometry) pairs."""
    data = json.loads((directory / f"{stem}.geojson").read_text(encoding="utf-8"))
    require(data.get("type") == "FeatureCollection", f"{stem}: not a FeatureCollection")
    return [(f["properties"], shape(f["geometry"])) for f in data["features"]]


def check_coordinates(label: str, geom) -> None:
    """Require a valid geometry with coordinates rounded to 7 decimals near the community."""
    require(geom.is_valid, f"{label}: invalid geometry")
    coords = (
        list(geom.coords)
        if geom.geom_type in ("Point", "LineString")
        else [c for p in getattr(geom, "geoms", [geom]) for r in (p.exterior, *p.interiors) for c in r.coords]
    )
    for lon, lat in coords:
        require(
            round(lon, 7) == lon and round(lat, 7) == lat, f"{label}: coordinate {lon},{lat} not 7 decimals"
        )
        require(115.30 < lon < 115.35 and 22.95 < lat < 22.98, f"{label}: coordinate {lon},{lat} far away")


def check_community(directory: Path):
    """Check community.geojson and return its polygon."""
    features = load_features(directory, "community")
    require(len(features) == 1, "community: expected exactly one feature")
    props, geom = features[0]
    require(
        props == {"code": "mingzhu", "name": "明珠社区", "town": "海丰县海城镇"},
        f"community: properties {props}",
    )
    require(geom.geom_type == "Polygon", "community: geometry must be a Polygon")
    check_coordinates("community", geom)
    short, long = extent_m(geom)
    require(
        800 <= long <= 1200 and short >= 600, f"community: {short:.0f} x {long:.0f} m is not ~1 km across"
    )
    return geom


def check_units(directory: Path) -> dict[str, dict[str, tuple[dict, object]]]:
    """Check the five unit layers' properties, counts, codes and sizes; return kind -> code -> feature."""
    units = {}
    for kind, stem in UNIT_FILES.items():
        features = load_features(directory, stem)
        require(len(features) == COUNTS[kind], f"{stem}: {len(features)} features, expected {COUNTS[kind]}")
        by_code = {}
        for props, geom in features:
            code = props.get("code", "")
            require(
                set(props) == {"code", "name", "address", "parent"},
                f"{stem} {code}: properties {sorted(props)}",
            )
            require(re.fullmatch(UNIT_PREFIX[kind] + r"\d\d", code) is not None, f"{stem}: bad code {code!r}")
            require(code not in by_code, f"{stem}: duplicate code {code}")
            require(
                props["name"] and props["address"].startswith("海丰县海城镇"), f"{stem} {code}: name/address"
            )
            require(geom.geom_type in ("Polygon", "MultiPolygon"), f"{stem} {code}: not a polygon")
            check_coordinates(f"{stem} {code}", geom)
            if kind in SIZE_RANGES_M:
                low, high = SIZE_RANGES_M[kind]
                short, long = extent_m(geom)
                require(low <= long <= high, f"{stem} {code}: {long:.1f} m long, expected {low}-{high}")
                if kind in MIN_WIDTH_M:
                    require(short >= MIN_WIDTH_M[kind], f"{stem} {code}: only {short:.1f} m wide")
            by_code[code] = (props, geom)
        names = [p["name"] for p, _ in by_code.values()]
        require(len(set(names)) == len(names), f"{stem}: duplicate names")
        units[kind] = by_code
    for kind, by_code in units.items():
        for code, (props, _geom) in by_code.items():
            parent_kind = PARENT_KIND[kind]
            if parent_kind is None:
                require(props["parent"] == "", f"{kind} {code}: parent must be empty")
            else:
                require(
                    props["parent"] in units[parent_kind],
                    f"{kind} {code}: parent {props['parent']!r} unknown",
                )
    return units


def check_nesting(units, community) -> tuple[str, str]:
    """Check containment and non-overlap rules; return the codes of the one pair of buildings sharing an edge."""
    streets, lanes = units["street"], units["lane"]
    for code, (_, geom) in streets.items():
        require(community.contains_properly(geom), f"street {code}: not strictly inside the community")
    for (a, (_, ga)), (b, (_, gb)) in itertools.combinations(streets.items(), 2):
        require(not interiors_overlap(ga, gb), f"streets {a} and {b} overlap")
    for code, (props, geom) in lanes.items():
        require(geom.within(streets[props["parent"]][1]), f"lane {code}: not within street {props['parent']}")
    for (a, (pa, ga)), (b, (pb, gb)) in itertools.combinations(lanes.items(), 2):
        if pa["parent"] == pb["parent"]:
            require(not interiors_overlap(ga, gb), f"lanes {a} and {b} of {pa['parent']} overlap")
    plots = {**units["shop"], **units["building"]}
    for code, (props, geom) in plots.items():
        require(
            lanes[props["parent"]][1].contains_properly(geom),
            f"{code}: not strictly inside lane {props['parent']}",
        )
    touching = []
    for (a, (_, ga)), (b, (_, gb)) in itertools.combinations(sorted(plots.items()), 2):
        both_buildings = a.startswith("BD") and b.startswith("BD")
        if both_buildings and ga.intersects(gb):
            require(not interiors_overlap(ga, gb), f"buildings {a} and {b} overlap")
            touching.append((a, b))
        else:
            require(not ga.intersects(gb), f"{a} and {b} intersect")
    require(len(touching) == 1, f"expected exactly one pair of touching buildings, found {touching}")
    a, b = touching[0]
    edge = plots[a][1].intersection(plots[b][1])
    require(
        edge.geom_type == "LineString" and edge.length > 0,
        f"{a}/{b}: do not share an edge ({edge.geom_type})",
    )
    ends = set(edge.coords)
    for code in (a, b):
        require(ends <= set(plots[code][1].exterior.coords), f"{code}: shared edge ends are not its vertices")
    require(metres(edge).length >= 15, f"{a}/{b}: shared edge shorter than 15 m")
    return a, b


def check_grids(units, community) -> None:
    """Check the grids cover the streets between them without overlapping each other."""
    grids = [g for _, g in units["grid"].values()]
    require(not interiors_overlap(*grids), "the two grids overlap")
    cover = unary_union(grids)
    for code, (_, geom) in units["street"].items():
        missing = metres(geom.difference(cover)).area
        require(missing < 1.0, f"street {code}: {missing:.1f} m² not covered by any grid")
    for code, (_, geom) in units["lane"].items():
        inside = [g for g in grids if geom.within(g)]
        require(len(inside) == 1, f"lane {code}: should lie in exactly one grid")
    north, south = (units["grid"][c][1] for c in ("GD01", "GD02"))
    require(north.centroid.y > south.centroid.y, "GD01 should be the northern grid")
    require(cover.within(community.buffer(1e-7)), "grids reach outside the community")


def readme_facts(directory: Path) -> dict:
    """Read the shared-edge pair and the two probe points documented in README.md."""
    text = (directory / "README.md").read_text(encoding="utf-8")
    pair = re.search(r"Shared-edge buildings:\s*\**`?(BD\d\d)`?\**\s+and\s+\**`?(BD\d\d)", text)
    point_re = r"{}:\s*lat\s*([0-9.]+),\s*lon\s*([0-9.]+)"
    open_lane = re.search(point_re.format(r"Open lane point \(`?(LN\d\d)`?\)"), text)
    gap = re.search(point_re.format("Plaza gap point"), text)
    require(
        pair and open_lane and gap, "README.md: shared-edge pair, open lane point or plaza gap point missing"
    )
    return {
        "pair": (pair.group(1), pair.group(2)),
        "open_lane": (open_lane.group(1), Point(float(open_lane.group(3)), float(open_lane.group(2)))),
        "gap": Point(float(gap.group(2)), float(gap.group(1))),
    }


def check_probe_points(units, community, facts) -> None:
    """Check the open lane area and the plaza gap documented in the README."""
    lane_code, point = facts["open_lane"]
    lane = units["lane"][lane_code][1]
    require(lane.contains_properly(point), f"open lane point is not inside {lane_code}")
    plots = [g for kind in ("shop", "building") for _, g in units[kind].values()]
    nearest = min(metres(point).distance(metres(g)) for g in plots)
    require(nearest >= 10, f"open lane point is only {nearest:.1f} m from a shop/building")
    gap = facts["gap"]
    centre = metres(gap)
    half = GAP_SIDE_M / 2
    square = box(centre.x - half, centre.y - half, centre.x + half, centre.y + half)
    require(metres(community).contains_properly(square), "plaza gap is not inside the community")
    for kind, by_code in units.items():
        for code, (_, geom) in by_code.items():
            require(not metres(geom).intersects(square), f"{kind} {code} covers the 40 m plaza gap square")


def check_people(directory: Path, units) -> None:
    """Check people.csv: header, one current person per responsibility, unique names and phones."""
    with open(directory / "people.csv", encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        require(reader.fieldnames == PEOPLE_HEADER, f"people.csv: header {reader.fieldnames}")
        rows = list(reader)
    names, phones = [r["name"] for r in rows], [r["phone"] for r in rows]
    require(len(set(names)) == len(names), "people.csv: duplicate names")
    require(len(set(phones)) == len(phones), "people.csv: duplicate phones")
    current: dict[str, list[dict]] = {}
    for r in rows:
        label = f"people.csv {r['name']}"
        require(re.fullmatch(r"[\u4e00-\u9fff]{2,3}", r["name"]) is not None, f"{label}: name")
        require(re.fullmatch(r"1[358]\d{9}", r["phone"]) is not None, f"{label}: phone {r['phone']}")
        require(r["party_member"] in ("true", "false"), f"{label}: party_member {r['party_member']!r}")
        require(r["organisation"] != "", f"{label}: organisation empty")
        require(
            ROLE_OF_KIND.get(r["unit_kind"]) == r["role"], f"{label}: role {r['role']} for {r['unit_kind']}"
        )
        require(r["unit_code"] in units[r["unit_kind"]], f"{label}: unknown unit {r['unit_code']}")
        since = date.fromisoformat(r["since"])
        require(date(2022, 1, 1) <= since <= date(2023, 12, 31), f"{label}: since {since} outside 2022-2023")
        if r["until"]:
            require(date.fromisoformat(r["until"]) > since, f"{label}: until before since")
        else:
            current.setdefault(r["role"], []).append(r)
    for role, expected in ROLE_COUNTS.items():
        require(
            len(current.get(role, [])) == expected, f"people.csv: {len(current.get(role, []))} current {role}"
        )
        codes = [r["unit_code"] for r in current[role]]
        require(len(set(codes)) == len(codes), f"people.csv: a unit has two current {role}s")
    chiefs = {r["unit_code"] for r in current["building_chief"]}
    require(chiefs == {f"BD{i:02d}" for i in range(1, 13)}, "people.csv: building chiefs must be BD01..BD12")
    for grid in units["grid"]:
        workers = [r for r in current["grid_worker"] if r["unit_code"] == grid]
        staff = [r for r in workers if r["organisation"] == "明珠社区居委会"]
        riders = [r for r in workers if r["organisation"] in RIDER_ORGS]
        require(
            len(staff) == 1 and len(riders) >= 2, f"people.csv: grid {grid} needs 1 社区网格员 and riders"
        )


def check_sites(directory: Path, community) -> dict[str, str]:
    """Check sites.geojson; return code -> kind."""
    sites = load_features(directory, "sites")
    kinds, types, by_kind = {}, set(), {}
    for props, geom in sites:
        code = props.get("code", "")
        require(
            set(props) == {"code", "name", "kind", "story", "opening_hours", "address", "contact"},
            f"site {code}: properties {sorted(props)}",
        )
        require(code not in kinds, f"site {code}: duplicate code")
        require(props["kind"] in SITE_KINDS, f"site {code}: kind {props['kind']!r}")
        require(all(props[k] for k in props), f"site {code}: empty property")
        require(re.fullmatch(r"0660-6\d{6}", props["contact"]) is not None, f"site {code}: contact")
        check_coordinates(f"site {code}", geom)
        kinds[code] = props["kind"]
        types.add(geom.geom_type)
        by_kind[props["kind"]] = (props, geom)
    require(set(by_kind) == SITE_KINDS, f"sites: missing kinds {SITE_KINDS - set(by_kind)}")
    require({"Point", "LineString", "Polygon"} <= types, f"sites: geometry types {types}")
    memorial = by_kind["memorial"][1]
    require(memorial.geom_type == "Point", "memorial should be a Point")
    require(not community.contains(memorial), "memorial should be outside the community")
    require(metres(memorial).distance(metres(community)) < 100, "memorial should be at the community's edge")
    street = by_kind["culture_street"][1]
    require(street.geom_type == "LineString", "culture street should be a LineString")
    length = _GEOD.geometry_length(street)
    require(3800 <= length <= 4200, f"culture street is {length:.0f} m long, expected about 4 km")
    require(metres(street).distance(metres(memorial)) < 30, "culture street does not pass the memorial")
    story = by_kind["education_base"][0]["story"]
    require("蓝训材" in story and "陈惠良" in story, "education base story must name 蓝训材 and 陈惠良")
    residence, room = by_kind["former_residence"][1], by_kind["mediation_room"][1]
    require(metres(residence).distance(metres(room)) < 30, "mediation room should be at 蓝训材故居")
    return kinds


def check_activities(directory: Path, site_kinds: dict[str, str]) -> None:
    """Check site_activities.csv, including the five 2023 法治宣讲 sessions with 2000+ attendees."""
    with open(directory / "site_activities.csv", encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        require(
            reader.fieldnames == ["site_code", "date", "title", "attendees"], "site_activities.csv: header"
        )
        rows = list(reader)
    for r in rows:
        require(r["site_code"] in site_kinds, f"site_activities.csv: unknown site {r['site_code']}")
        date.fromisoformat(r["date"])
        require(r["title"] and int(r["attendees"]) > 0, f"site_activities.csv: bad row {r}")
    law = [r for r in rows if r["title"].startswith("法治宣讲") and r["date"].startswith("2023")]
    require(len(law) == 5, f"site_activities.csv: {len(law)} 法治宣讲 sessions in 2023, expected 5")
    require(
        all(site_kinds[r["site_code"]] in ("mediation_room", "service_center") for r in law),
        "法治宣讲 must be held at the mediation room or the service center",
    )
    total = sum(int(r["attendees"]) for r in law)
    require(total >= 2000, f"法治宣讲 attendees add up to {total}, expected 2000+")
    require(len(rows) > len(law), "site_activities.csv: no other activities")


def run_checks(directory: Path = HERE) -> dict:
    """Run every check; return a short summary."""
    community = check_community(directory)
    units = check_units(directory)
    pair = check_nesting(units, community)
    check_grids(units, community)
    facts = readme_facts(directory)
    require(
        set(facts["pair"]) == set(pair), f"README names {facts['pair']} but the shared-edge pair is {pair}"
    )
    check_probe_points(units, community, facts)
    check_people(directory, units)
    site_kinds = check_sites(directory, community)
    check_activities(directory, site_kinds)
    return {"units": {k: len(v) for k, v in units.items()}, "shared_edge": pair, "sites": len(site_kinds)}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    directory = Path(args[0]) if args else HERE
    try:
        summary = run_checks(directory)
    except DemoError as exc:
        print(f"FAIL: {exc}", file=sys.stderr)
        return 1
    print(f"OK: {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
