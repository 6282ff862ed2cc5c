"""Generate the synthetic demo community 明珠社区: unit polygons, people, red sites and activities.

Run with `.venv/bin/python layers/generate_demo.py`; it rewrites the layer files next to this
script and then runs `check_demo.py` on them. The layout is drawn in a local metric plane
(transverse Mercator centred on the community, x east / y north, metres), rotated a few degrees
so the old town is not axis-aligned, converted to WGS-84 and rounded to 7 decimals. The output
is identical on every run: all "randomness" comes from one fixed seed.
"""

from __future__ import annotations

import csv
import json
import random
import sys
from datetime import date, timedelta
from pathlib import Path

import pyproj
from shapely import affinity
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box, mapping
from shapely.geometry.polygon import orient
from shapely.ops import split

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from demo_layout import (  # noqa: E402
    ALLEY_HALF_WIDTH,
    CHIEF_BUILDINGS,
    COMMUNITY,
    CULTURE_LAST_HEADING,
    CULTURE_STREET_M,
    CULTURE_WAYPOINTS,
    ESTATE_NAMES,
    GRID_SPLIT_Y,
    LANES,
    OPEN_LANE,
    OPEN_LANE_UV,
    PLAZA_CENTRE,
    PLAZA_CUT,
    PLOTS,
    ROAD_HALF_WIDTH,
    ROLE_OF_KIND,
    SHOP_DEPTH,
    SITE_SHAPES,
    STREETS,
)
from demo_text import (  # noqa: E402
    GIVEN_CHARS,
    GRID_ADDRESSES,
    GRID_NAMES,
    LANE_NAMES,
    PHONE_PREFIXES,
    RESERVED_NAMES,
    SHOP_NAMES,
    SITE_ACTIVITIES,
    SITE_TEXTS,
    STREET_NAMES,
    SURNAMES,
    TOWN,
)

LAT0, LON0 = 22.966, 115.325
LOCAL_PROJ = f"+proj=tmerc +lat_0={LAT0} +lon_0={LON0} +k=1 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"
ROTATION_DEG = 6.0
SEED = 20240724
_TO_LONLAT = pyproj.Transformer.from_crs(pyproj.CRS.from_proj4(LOCAL_PROJ), "EPSG:4326", always_xy=True)
_GEOD = pyproj.Geod(ellps="WGS84")


def lane_xy(lane: str, u: float, v: float) -> tuple[float, float]:
    """Map lane coordinates (u across from the west edge, v along from the street) to the local plane."""
    street, side, x0, _width, length, skew = LANES[lane]
    centre_y = STREETS[street][4]
    if side == "N":
        y = centre_y + ROAD_HALF_WIDTH + 1 + v
    else:
        y = centre_y - ROAD_HALF_WIDTH - 1 - v
    return (x0 + u + skew * v / length, y)


def lane_quad(lane: str, u0: float, u1: float, v0: float, v1: float) -> Polygon:
    """Return the quadrilateral spanning [u0, u1] x [v0, v1] in a lane's coordinates."""
    corners = [(u0, v0), (u1, v0), (u1, v1), (u0, v1)]
    return orient(Polygon([lane_xy(lane, u, v) for u, v in corners]), 1.0)


def plot_shape(lane: str, code: str, side: str, v0: float, v1: float) -> Polygon:
    """Return a shop or building plot beside the alley of a lane."""
    width = LANES[lane][3]
    alley_w, alley_e = width / 2 - ALLEY_HALF_WIDTH - 1, width / 2 + ALLEY_HALF_WIDTH + 1
    if code.startswith("SH"):
        u0, u1 = (alley_w - SHOP_DEPTH, alley_w) if side == "W" else (alley_e, alley_e + SHOP_DEPTH)
    else:
        u0, u1 = (2.0, alley_w) if side == "W" else (alley_e, width - 2.0)
    return lane_quad(lane, u0, u1, v0, v1)


def to_lonlat(geom):
    """Rotate a local-plane geometry, convert it to WGS-84 lon/lat and round to 7 decimals."""
    return _project(affinity.rotate(geom, ROTATION_DEG, origin=(0, 0)))


def _project(geom):
    """Convert a rotated local-plane geometry to rounded lon/lat."""

    def convert(coords):
        out = []
        for x, y in coords:
            lon, lat = _TO_LONLAT.transform(x, y)
            out.append((round(lon, 7), round(lat, 7)))
        return out

    if isinstance(geom, Point):
        return Point(convert(geom.coords)[0])
    if isinstance(geom, LineString):
        return LineString(convert(geom.coords))
    if isinstance(geom, Polygon):
        geom = orient(geom, 1.0)
        return Polygon(convert(geom.exterior.coords), [convert(r.coords) for r in geom.interiors])
    if isinstance(geom, MultiPolygon):
        return MultiPolygon([_project(p) for p in geom.geoms])
    raise TypeError(f"unsupported geometry {geom.geom_type}")


def street_zone(code: str) -> Polygon:
    """Return a street's responsibility zone: its block minus the plaza."""
    x0, x1, y0, y1, _ = STREETS[code]
    return orient(box(x0, y0, x1, y1).difference(PLAZA_CUT), 1.0)


def grid_zones() -> dict[str, Polygon]:
    """Split the community on the grid line; both grids leave the plaza uncovered."""
    cutter = LineString([(-2000, GRID_SPLIT_Y), (2000, GRID_SPLIT_Y)])
    halves = sorted(split(COMMUNITY, cutter).geoms, key=lambda g: -g.centroid.y)
    return {"GD01": halves[0].difference(PLAZA_CUT), "GD02": halves[1].difference(PLAZA_CUT)}


def house_numbers() -> dict[str, int]:
    """Number the plots of each lane: odd on the west side, even on the east, counting from the street."""
    numbers = {}
    for plots in PLOTS.values():
        for side, first in (("W", 1), ("E", 2)):
            ordered = sorted((p for p in plots if p[1] == side), key=lambda p: p[2])
            for i, (code, *_rest) in enumerate(ordered):
                numbers[code] = first + 2 * i
    return numbers


def feature(props: dict, geom) -> dict:
    """Return a GeoJSON feature."""
    return {"type": "Feature", "properties": props, "geometry": mapping(geom)}


def write_collection(name: str, features: list[dict]) -> None:
    """Write a FeatureCollection with one feature per line (stable, diff-friendly)."""
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features]
    text = '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"
    (HERE / name).write_text(text, encoding="utf-8")


def unit_layers() -> dict[str, list[dict]]:
    """Build the community, street, lane, shop, building and grid features."""
    lane_street = {lane: spec[0] for lane, spec in LANES.items()}
    numbers = house_numbers()
    layers = {
        "community": [feature({"code": "mingzhu", "name": "明珠社区", "town": TOWN}, to_lonlat(COMMUNITY))]
    }
    layers["streets"] = [
        feature(
            {"code": c, "name": STREET_NAMES[c], "address": TOWN + STREET_NAMES[c], "parent": ""},
            to_lonlat(street_zone(c)),
        )
        for c in STREETS
    ]
    layers["lanes"] = [
        feature(
            {
                "code": c,
                "name": LANE_NAMES[c],
                "address": TOWN + STREET_NAMES[spec[0]] + LANE_NAMES[c],
                "parent": spec[0],
            },
            to_lonlat(lane_quad(c, 0, spec[3], 0, spec[4])),
        )
        for c, spec in LANES.items()
    ]
    shops, buildings = [], []
    shop_names = iter(SHOP_NAMES)
    for lane, plots in PLOTS.items():
        base = TOWN + STREET_NAMES[lane_street[lane]] + LANE_NAMES[lane]
        for code, side, v0, v1 in plots:
            geom = to_lonlat(plot_shape(lane, code, side, v0, v1))
            if code.startswith("SH"):
                props = {"code": code, "name": next(shop_names), "address": f"{base}{numbers[code]}号"}
                shops.append(feature({**props, "parent": lane}, geom))
            else:
                name = ESTATE_NAMES.get(code, f"{LANE_NAMES[lane]}{numbers[code]}号楼")
                address = base + ESTATE_NAMES[code] if code in ESTATE_NAMES else f"{base}{numbers[code]}号"
                buildings.append(
                    feature({"code": code, "name": name, "address": address, "parent": lane}, geom)
                )
    layers["shops"] = sorted(shops, key=lambda f: f["properties"]["code"])
    layers["buildings"] = sorted(buildings, key=lambda f: f["properties"]["code"])
    layers["grids"] = [
        feature({"code": c, "name": GRID_NAMES[c], "address": GRID_ADDRESSES[c], "parent": ""}, to_lonlat(g))
        for c, g in grid_zones().items()
    ]
    return layers


def culture_street() -> LineString:
    """Return the 红色文化街 line, its last leg trimmed so the geodesic length is CULTURE_STREET_M."""
    head = to_lonlat(LineString(CULTURE_WAYPOINTS))
    fixed = _GEOD.geometry_length(head)
    x, y = CULTURE_WAYPOINTS[-1]
    extra = CULTURE_STREET_M - fixed

    def with_last_leg(length: float) -> LineString:
        end = (x + CULTURE_LAST_HEADING[0] * length, y + CULTURE_LAST_HEADING[1] * length)
        return to_lonlat(LineString([*CULTURE_WAYPOINTS, end]))

    for _ in range(4):  # the local plane is nearly true to scale; a few refinements reach the metre
        extra += CULTURE_STREET_M - _GEOD.geometry_length(with_last_leg(extra))
    if extra < 20:
        raise ValueError(f"culture street waypoints too long: last leg would be {extra:.1f} m")
    return with_last_leg(extra)


def site_layer() -> list[dict]:
    """Build the red education and service sites."""
    shapes = {**SITE_SHAPES, "SI02": None}
    features = []
    for code in sorted(shapes):
        name, kind, story, hours, address, contact = SITE_TEXTS[code]
        geom = culture_street() if code == "SI02" else to_lonlat(shapes[code])
        props = {
            "code": code,
            "name": name,
            "kind": kind,
            "story": story,
            "opening_hours": hours,
            "address": address,
            "contact": contact,
        }
        features.append(feature(props, geom))
    return features


class PersonFactory:
    """Invent unique, deterministic people: names, mobile numbers and start dates."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.names: set[str] = set(RESERVED_NAMES)
        self.phones: set[str] = set()

    def name(self) -> str:
        while True:
            given = "".join(self.rng.choice(GIVEN_CHARS) for _ in range(1 if self.rng.random() < 0.3 else 2))
            candidate = self.rng.choice(SURNAMES) + given
            if candidate not in self.names:
                self.names.add(candidate)
                return candidate

    def phone(self) -> str:
        while True:
            candidate = self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if candidate not in self.phones:
                self.phones.add(candidate)
                return candidate

    def since(self, first: date, last: date) -> str:
        return (first + timedelta(days=self.rng.randrange((last - first).days + 1))).isoformat()

    def row(self, *, party, organisation, role, kind, code, first, last, since=None, until="") -> dict:
        return {
            "name": self.name(),
            "phone": self.phone(),
            "party_member": "true" if party else "false",
            "organisation": organisation,
            "role": role,
            "unit_kind": kind,
            "unit_code": code,
            "since": since or self.since(first, last),
            "until": until,
        }


def people_rows() -> list[dict]:
    """One row per responsibility: the 红色四长, grid workers and one historical lane chief."""
    make = PersonFactory(SEED)
    start, end = date(2022, 1, 1), date(2023, 12, 31)

    def add(kind, code, *, organisation="明珠社区党委", party=True, first=start, last=end, **dates):
        rows.append(
            make.row(
                party=party,
                organisation=organisation,
                role=ROLE_OF_KIND[kind],
                kind=kind,
                code=code,
                first=first,
                last=last,
                **dates,
            )
        )

    rows: list[dict] = []
    for code in STREETS:
        add("street", code, last=date(2022, 6, 30))
    for code in LANES:
        if code == "LN05":  # the first 井头巷 chief handed over in 2023; the row is kept as history
            add("lane", code, since="2022-02-15", until="2023-02-28")
            add("lane", code, since="2023-03-01")
        else:
            add("lane", code)
    shop_codes = sorted(code for plots in PLOTS.values() for code, *_ in plots if code.startswith("SH"))
    for name, code in zip(SHOP_NAMES, shop_codes, strict=True):
        add("shop", code, organisation=name)
    for code in CHIEF_BUILDINGS:
        add("building", code)
    for grid in GRID_NAMES:
        add("grid", grid, organisation="明珠社区居委会", last=date(2022, 12, 31))
        for i, platform in enumerate(("美团外卖", "饿了么", "美团外卖", "饿了么")):
            add("grid", grid, organisation=platform, party=i == 0, first=date(2023, 1, 1))
    return rows


PEOPLE_FIELDS = [
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


def write_people(rows: list[dict]) -> None:
    """Write people.csv."""
    with open(HERE / "people.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=PEOPLE_FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def write_activities() -> None:
    """Write site_activities.csv."""
    with open(HERE / "site_activities.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["site_code", "date", "title", "attendees"])
        writer.writerows(SITE_ACTIVITIES)


def reference_points() -> dict[str, tuple[float, float]]:
    """Return the documented probe points as (lat, lon): the open lane area and the plaza gap."""
    lane = LANES[OPEN_LANE]
    open_xy = lane_xy(OPEN_LANE, lane[3] * OPEN_LANE_UV[0], OPEN_LANE_UV[1])
    points = {}
    for label, xy in (("open_lane", open_xy), ("plaza_gap", PLAZA_CENTRE)):
        p = to_lonlat(Point(xy))
        points[label] = (p.y, p.x)
    return points


def main() -> None:
    for name, features in unit_layers().items():
        write_collection(f"{name}.geojson", features)
    write_collection("sites.geojson", site_layer())
    write_people(people_rows())
    write_activities()
    for label, (lat, lon) in reference_points().items():
        print(f"{label}: lat {lat:.7f}, lon {lon:.7f}")
    import check_demo

    sys.exit(check_demo.main([str(HERE)]))


if __name__ == "__main__":
    main()
