"""The generator: deterministic, and its rows are what the app's services read."""

from dataclasses import replace

import numpy as np
from sqlalchemy import text

from bench.cluster import connect
from bench.generate import checksum, write_buildings_gpkg
from bench.layout import Layout, Spec
from geo_app import create_app
from geo_app.extensions import db
from geo_app.services.importing import import_layer
from geo_app.services.lookup import lookup

from .conftest import generated_database


def _checksum(cluster, name):
    conn = connect(cluster, name)
    try:
        return checksum(conn)
    finally:
        conn.close()


def test_same_seed_gives_the_same_rows_and_another_seed_does_not(pg_cluster, bench_url, bench_spec):
    first = _checksum(pg_cluster, "bench_tiny")
    generated_database(pg_cluster, "bench_tiny_again", bench_spec)
    generated_database(pg_cluster, "bench_tiny_other", replace(bench_spec, seed=bench_spec.seed + 1))
    try:
        assert _checksum(pg_cluster, "bench_tiny_again") == first
        assert _checksum(pg_cluster, "bench_tiny_other") != first
    finally:
        pg_cluster.drop_database("bench_tiny_again")
        pg_cluster.drop_database("bench_tiny_other")


def test_the_city_has_the_asked_for_size_and_nesting(bench_session, bench_spec):
    count = lambda sql: bench_session.execute(text(sql)).scalar()  # noqa: E731
    assert count("SELECT count(*) FROM community") == bench_spec.communities
    assert count("SELECT count(*) FROM unit WHERE kind = 'building'") == bench_spec.buildings
    assert count("SELECT count(*) FROM civic_case") == bench_spec.cases
    assert count("SELECT count(*) FROM site") == bench_spec.sites
    # every building lies in its parent lane, every lane in its street, every unit in its community
    assert count("SELECT count(*) FROM unit c JOIN unit p ON p.id = c.parent_id "
                 "WHERE NOT ST_Covers(p.geom, c.geom)") == 0
    assert count("SELECT count(*) FROM unit WHERE kind IN ('building', 'lane', 'shop') AND parent_id IS NULL") == 0
    assert count("SELECT count(*) FROM unit u JOIN community c ON c.id = u.community_id "
                 "WHERE NOT ST_Covers(c.boundary, u.geom)") == 0
    assert count("SELECT count(*) FROM civic_case c JOIN community m ON m.id = c.community_id "
                 "WHERE NOT ST_Covers(m.boundary, c.geom)") == 0
    days = count("SELECT extract(epoch FROM max(received_at) - min(received_at)) / 86400 FROM civic_case")
    assert 330 < days <= 365


def test_each_case_is_filed_under_the_unit_and_chief_the_lookup_names(bench_session):
    rows = bench_session.execute(text(
        "SELECT ST_X(geom) AS lon, ST_Y(geom) AS lat, unit_id, assignee_id FROM civic_case "
        "WHERE status = 'dispatched' ORDER BY id")).all()
    assert rows
    for row in rows[:60]:
        found = lookup(bench_session, row.lon, row.lat)
        assert (found["chain"][0]["id"] if found["chain"] else None) == row.unit_id
        assert found["assignee"]["person"]["id"] == row.assignee_id


def test_new_cases_continue_the_tracking_codes(bench_session):
    last = bench_session.execute(text("SELECT max(code) FROM civic_case WHERE code LIKE 'MQ-2025-%'")).scalar()
    counter = bench_session.execute(text("SELECT last FROM case_counter WHERE year = 2025")).scalar()
    assert last == f"MQ-2025-{counter:06d}"
    assert bench_session.execute(text("SELECT nextval(pg_get_serial_sequence('civic_case', 'id'))")).scalar() == \
        bench_session.execute(text("SELECT max(id) + 1 FROM civic_case")).scalar()


def test_the_geopackage_imports_whole_and_links_to_the_lanes(pg_cluster, tmp_path):
    spec = Spec(communities=1, buildings=75, cases=0, sites=0)
    url = generated_database(pg_cluster, "bench_gpkg", spec)
    try:
        conn = connect(pg_cluster, "bench_gpkg")
        with conn.cursor() as cur:
            cur.execute("DELETE FROM unit WHERE kind IN ('building', 'shop')")
        conn.commit()
        conn.close()
        write_buildings_gpkg(tmp_path / "b.gpkg", 75)
        app = create_app({"DATABASE_URL": url, "TESTING": True, "SECRET_KEY": "test"})
        with app.app_context():
            counts = import_layer(db.session, tmp_path / "b.gpkg", "building", "C001", progress=False)
            db.session.commit()
            linked = db.session.execute(text("SELECT count(*) FROM unit WHERE kind = 'building' "
                                             "AND parent_id IS NOT NULL")).scalar()
            db.session.remove()
            db.engine.dispose()
        assert counts["inserted"] == 75
        assert linked == 75
    finally:
        pg_cluster.drop_database("bench_gpkg")


def test_random_points_fall_inside_the_communities(bench_layout):
    rng = np.random.default_rng(3)
    extents = [bench_layout.community_extent(c) for c in range(bench_layout.spec.communities)]
    for lon, lat in bench_layout.random_points(rng, 200):
        assert any(x0 <= lon <= x1 and y0 <= lat <= y1 for x0, y0, x1, y1 in extents)


def test_a_community_too_big_for_its_tile_is_refused():
    import pytest

    with pytest.raises(ValueError, match="does not fit"):
        Layout(Spec(communities=1, buildings=10_000_000, cases=0, sites=0)).check()
