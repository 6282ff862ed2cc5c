"""Heat from the monthly rollup equals heat counted from the cases, for random filters, as cases change."""

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from geo_app.services.cases import create_case
from geo_app.services.heat import heat_cells, split_window
from geo_app.services.workflow import transition
from tests.factories import case_in, change, point_in_building

TZ = ZoneInfo("Asia/Shanghai")


def raw_cells(session, zoom, filters):
    """Count cases per cell straight from civic_case, independently of the service."""
    level = session.execute(text("SELECT clat, clon FROM heat_level WHERE zoom = :z"), {"z": zoom}).one()
    where, params = ["true"], {"clat": level.clat, "clon": level.clon}
    for name in ("channel", "category", "status"):
        if filters.get(name):
            where.append(f"{name} = ANY(:{name})")
            params[name] = filters[name]
    if filters.get("from"):
        where.append("received_at >= :from_ts")
        params["from_ts"] = filters["from"]
    if filters.get("to"):
        where.append("received_at < :to_ts")
        params["to_ts"] = filters["to"]
    rows = session.execute(text(
        f"SELECT floor(ST_Y(geom) / :clat)::int, floor(ST_X(geom) / :clon)::int, count(*) FROM civic_case "
        f"WHERE {' AND '.join(where)} GROUP BY 1, 2"), params)
    return {(gy, gx): n for gy, gx, n in rows}


def service_cells(session, zoom, filters):
    level = session.execute(text("SELECT clat, clon FROM heat_level WHERE zoom = :z"), {"z": zoom}).one()
    result = heat_cells(session, filters, zoom=zoom)
    return {(int(lat // level.clat), int(lon // level.clon)): n for lat, lon, n in result["cells"]}


def random_filters(rng):
    filters = {}
    if rng.random() < 0.5:
        filters["channel"] = rng.sample(["night_talk", "mailbox", "grid_worker", "rider", "resident", "lawyer"], 2)
    if rng.random() < 0.4:
        filters["category"] = [rng.choice(["hazard", "dispute", "environment", "suggestion", "legal"])]
    if rng.random() < 0.3:
        filters["status"] = [rng.choice(["closed", "in_progress", "received", "visited"])]
    if rng.random() < 0.8:
        start = datetime(2022, 8, 1, tzinfo=TZ) + timedelta(days=rng.randrange(0, 600))
        filters["from"] = start
        filters["to"] = start + timedelta(days=rng.randrange(1, 400))
    return filters


@pytest.mark.parametrize("seed", range(6))
def test_rollup_heat_equals_raw_counts_for_random_filters(session, seed):
    rng = random.Random(seed)
    for _ in range(5):
        filters = random_filters(rng)
        for zoom in (10, 14, 16, 17, 19):
            assert service_cells(session, zoom, filters) == raw_cells(session, zoom, filters), (zoom, filters)


def test_rollup_follows_new_cases_and_status_changes(session):
    when = datetime(2024, 5, 20, 10, tzinfo=TZ)
    case, _ = create_case(session, case_in(**point_in_building("BD11")), now=when)
    transition(session, case["code"], change("accept", case["version"]), actor="t", now=when)
    for filters in ({}, {"status": ["accepted"]}, {"status": ["dispatched"]},
                    {"from": datetime(2024, 5, 1, tzinfo=TZ), "to": datetime(2024, 6, 1, tzinfo=TZ)}):
        for zoom in (12, 16, 17):
            assert service_cells(session, zoom, filters) == raw_cells(session, zoom, filters), (zoom, filters)
    accepted = heat_cells(session, {"status": ["accepted"]}, zoom=16)["cells"]
    assert sum(c[2] for c in accepted) == 1


def test_split_window_uses_whole_months_only():
    m0, m1, raw = split_window(datetime(2024, 1, 15, tzinfo=TZ), datetime(2024, 4, 10, tzinfo=TZ))
    assert (m0.month, m1.month) == (2, 4)
    assert raw == [(datetime(2024, 1, 15, tzinfo=TZ), m0), (m1, datetime(2024, 4, 10, tzinfo=TZ))]
    m0, m1, raw = split_window(datetime(2024, 1, 1, tzinfo=TZ), datetime(2024, 3, 1, tzinfo=TZ))
    assert raw == [] and (m0.month, m1.month) == (1, 3)
    m0, m1, raw = split_window(datetime(2024, 1, 5, tzinfo=TZ), datetime(2024, 1, 20, tzinfo=TZ))
    assert m0 is None and raw == [(datetime(2024, 1, 5, tzinfo=TZ), datetime(2024, 1, 20, tzinfo=TZ))]
