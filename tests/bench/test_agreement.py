"""Aggregates and lookups on a generated city agree with plain references."""

import math
import random
from datetime import timedelta

import numpy as np
from sqlalchemy import text

from bench.agreement import Reference, disagreements
from bench.generate import YEAR_END
from geo_app.models import CATEGORIES, CHANNELS, STATUSES
from geo_app.services.heat import heat_cells

METRES_PER_DEGREE_LAT = 111_320.0


# PostGIS `&&` compares float4 bounding boxes, so a point within ~1e-5° (about a metre) of a bbox edge may
# count as inside; the test keeps its bbox edges clear of every case so the reference can compare exactly.
EDGE_CLEARANCE = 3e-5


def _clear_edge(value, coords):
    while any(abs(value - c) < EDGE_CLEARANCE for c in coords):
        value += EDGE_CLEARANCE
    return value


def _random_filters(rng, layout, cases):
    filters = {}
    if rng.random() < 0.7:
        filters["channel"] = rng.sample(list(CHANNELS), rng.randint(1, 3))
    if rng.random() < 0.5:
        filters["category"] = rng.sample(list(CATEGORIES), rng.randint(1, 3))
    if rng.random() < 0.4:
        filters["status"] = rng.sample(list(STATUSES), rng.randint(1, 4))
    if rng.random() < 0.8:
        start = YEAR_END - timedelta(days=rng.randint(1, 365), hours=rng.randint(0, 23))
        filters["from"] = start
        filters["to"] = start + timedelta(days=rng.randint(1, 120))
    if rng.random() < 0.5:
        x0, y0, x1, y1 = layout.community_extent(rng.randrange(layout.spec.communities))
        u = sorted(rng.random() for _ in range(2))
        v = sorted(rng.random() for _ in range(2))
        lons, lats = [c.lon for c in cases], [c.lat for c in cases]
        filters["bbox"] = (_clear_edge(x0 + u[0] * (x1 - x0), lons), _clear_edge(y0 + v[0] * (y1 - y0), lats),
                           _clear_edge(x0 + u[1] * (x1 - x0) + EDGE_CLEARANCE, lons),
                           _clear_edge(y0 + v[1] * (y1 - y0) + EDGE_CLEARANCE, lats))
    return filters


def _matches(row, filters, cell_lat, cell_lon):
    """A bbox selects the heat cells it overlaps, so a case counts when its cell does."""
    if any(name in filters and getattr(row, name) not in filters[name] for name in ("channel", "category", "status")):
        return False
    if "from" in filters and not (filters["from"] <= row.received_at < filters["to"]):
        return False
    if "bbox" in filters:
        x0, y0, x1, y1 = filters["bbox"]
        gy, gx = math.floor(row.lat / cell_lat), math.floor(row.lon / cell_lon)
        if not (math.floor(y0 / cell_lat) <= gy <= math.floor(y1 / cell_lat)
                and math.floor(x0 / cell_lon) <= gx <= math.floor(x1 / cell_lon)):
            return False
    return True


def test_heat_cells_count_exactly_the_raw_cases_for_random_filters(bench_session, bench_layout):
    """Cells are squares of cell_m anchored at 0°,0°; every cell's count is the raw count of its cases."""
    cases = bench_session.execute(text(
        "SELECT ST_X(geom) AS lon, ST_Y(geom) AS lat, channel, category, status, received_at FROM civic_case")).all()
    rng = random.Random(20240724)
    for _ in range(25):
        filters = _random_filters(rng, bench_layout, cases)
        zoom = rng.randint(11, 19)
        result = heat_cells(bench_session, filters, zoom=zoom)
        cell_lat = result["cell_m"] / METRES_PER_DEGREE_LAT
        cell_lon = result["cell_m"] / (METRES_PER_DEGREE_LAT * math.cos(math.radians(23)))
        raw = [c for c in cases if _matches(c, filters, cell_lat, cell_lon)]
        assert sum(n for _, _, n in result["cells"]) == len(raw), filters
        expected = {}
        for c in raw:
            key = (math.floor(c.lat / cell_lat), math.floor(c.lon / cell_lon))
            expected[key] = expected.get(key, 0) + 1
        got = {(round(lat / cell_lat - 0.5), round(lon / cell_lon - 0.5)): n for lat, lon, n in result["cells"]}
        assert got == expected, (zoom, filters)


def test_heat_window_edges_follow_received_at(bench_session):
    """A case received exactly at a window's start is in it; one at its end is not."""
    row = bench_session.execute(text("SELECT received_at FROM civic_case ORDER BY id LIMIT 1 OFFSET 100")).one()
    at = row.received_at
    inside = heat_cells(bench_session, {"from": at, "to": at + timedelta(seconds=1)}, zoom=12)
    before = heat_cells(bench_session, {"from": at - timedelta(seconds=1), "to": at}, zoom=12)
    same = bench_session.execute(text("SELECT count(*) FROM civic_case WHERE received_at = :t"), {"t": at}).scalar()
    assert sum(n for *_, n in inside["cells"]) == same
    assert sum(n for *_, n in before["cells"]) == bench_session.execute(text(
        "SELECT count(*) FROM civic_case WHERE received_at >= :a AND received_at < :b"),
        {"a": at - timedelta(seconds=1), "b": at}).scalar()


def test_lookup_names_the_building_and_lane_an_strtree_finds(bench_session, bench_layout):
    reference = Reference(bench_session)
    rng = np.random.default_rng(99)
    points = bench_layout.random_points(rng, 150) + reference.inside_points(rng, 100)
    assert disagreements(bench_session, reference, points) == []
    # and the sample really exercises both answers: points in a building and points outside every building
    covered = sum(reference.covering(lon, lat, "building") is not None for lon, lat in points)
    assert 100 <= covered < len(points)


def test_the_raw_lookup_baseline_finds_what_the_service_finds(bench_session, bench_layout):
    """pgbench's raw SQL is an honest baseline: the same community, chain and people as services.lookup."""
    from bench.lookup_bench import RAW_LOOKUP_SQL
    from geo_app.errors import NotFoundError
    from geo_app.services.lookup import lookup

    sql = text(RAW_LOOKUP_SQL.rstrip().rstrip(";"))
    reference = Reference(bench_session)
    rng = np.random.default_rng(5)
    for lon, lat in bench_layout.random_points(rng, 60) + reference.inside_points(rng, 60):
        rows = bench_session.execute(sql, {"lon": lon, "lat": lat}).all()
        try:
            found = lookup(bench_session, lon, lat)
        except NotFoundError:
            assert rows == []
            continue
        assert {r[0] for r in rows} == {found["community"]["code"]}
        assert sorted({r[2] for r in rows if r[2]}) == sorted(u["code"] for u in found["chain"])
        assert sorted(r[4] for r in rows if r[4]) == sorted(p["name"] for u in found["chain"] for p in u["people"])
