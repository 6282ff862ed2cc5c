"""Public pages and answers are bounded in cost, whatever was imported: the 30 × 99,990-vertex street attack.

In the report, 30 street polygons of 99,990 vertices each made /sites and /heatmap take 25–31 s and 80 MB.
Here the same streets (jagged stars, so no vertex is redundant at street scale) go in; every public page and
answer stays small, and the anonymous database budget bounds what a request may spend.
"""

import json
import re

import pytest
from sqlalchemy import text

from geo_app import create_app
from geo_app.extensions import db
from geo_app.services.display import Display, display_units
from tests.conftest import _config, demo_clone

# The request budget sets statement_timeout per statement and a cancelled one aborts the transaction: these
# tests need real transactions, not the rolled-back shared one.
pytestmark = pytest.mark.committed_db

VERTICES = 99_990
STREETS = 30

JAGGED_STREETS = f"""
    WITH star AS (
        SELECT ST_MakeLine(ST_MakePoint(115.3246 + (0.003 + 0.00002 * (k % 2)) * cos(2 * pi() * k / {VERTICES - 1}),
                                        22.966 + (0.003 + 0.00002 * (k % 2)) * sin(2 * pi() * k / {VERTICES - 1}))
                           ORDER BY k) AS ring
        FROM generate_series(0, {VERTICES - 2}) AS k)
    INSERT INTO unit (community_id, kind, code, name, natural_key, geom)
    SELECT c.id, 'street', 'ATTACK' || i, '攻击街' || i, 'ATTACK' || i,
           ST_Translate(ST_Multi(ST_MakePolygon(ST_AddPoint(star.ring, ST_StartPoint(star.ring)))), 0, 0.0001 * i)
    FROM community c CROSS JOIN generate_series(1, {STREETS}) AS i CROSS JOIN star
    WHERE c.code = 'mingzhu'
"""


@pytest.fixture(scope="module")
def attacked_database(pg_cluster, demo_template):
    """A clone of the demo with the attack's streets committed, made once for the module's tests, which only read it.

    Each test gets an app of its own on it (its own configuration, its own in-process heat cache).
    """
    with demo_clone(pg_cluster, demo_template, "attacked") as name:
        app = create_app(_config(pg_cluster, name, {}))
        with app.app_context():
            db.session.execute(text("SET LOCAL statement_timeout = 300000"))
            db.session.execute(text(JAGGED_STREETS))
            total = db.session.execute(text("SELECT sum(ST_NPoints(geom)) FROM unit WHERE code LIKE 'ATTACK%'")).scalar()
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
        assert total == STREETS * VERTICES
        yield name


@pytest.fixture
def attacked_app(pg_cluster, attacked_database):
    app = create_app(_config(pg_cluster, attacked_database, {"RATELIMIT_ENABLED": False}))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def vertices_in(page):
    """Count coordinate pairs in a page or answer."""
    return len(re.findall(r"\[-?\d+\.\d+, ?-?\d+\.\d+\]", page))


@pytest.mark.parametrize("url", ["/sites", "/heatmap"])
def test_public_pages_stay_small_with_huge_streets(attacked_app, url):
    response = attacked_app.test_client().get(url)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    budget = attacked_app.config["PUBLIC_MAX_VERTICES"]
    assert "攻击街1" in body or json.dumps("攻击街1")[1:-1] in body, "the streets are drawn, only simplified"
    assert vertices_in(body) <= 3 * budget  # streets, sites and the boundary each within the budget
    assert len(body) < 2_000_000, f"{len(body)} bytes"


def test_each_feature_keeps_its_share_and_an_answer_over_budget_is_refused(attacked_app):
    with attacked_app.app_context():
        streets = display_units(db.session, "mingzhu", "street", Display(max_vertices=20_000))
        counts = [sum(len(ring) for polygon in f["geometry"]["coordinates"] for ring in polygon)
                  for f in streets["features"]]
        assert sum(counts) <= 20_000 and all(n >= 4 for n in counts)
        attack = [f for f in streets["features"] if f["properties"]["code"].startswith("ATTACK")]
        assert len(attack) == STREETS
    tight = attacked_app.test_client()
    attacked_app.config["PUBLIC_MAX_VERTICES"] = 10
    response = tight.get("/api/v1/sites")
    assert response.status_code == 413 and response.get_json()["error"] == "too_detailed"
    assert "顶点" in response.get_json()["message"]


def test_simplification_follows_the_zoom(app):
    coarse, fine = Display(zoom=12), Display(zoom=19)
    assert coarse.tolerance_deg > fine.tolerance_deg * 100
    assert coarse.digits < fine.digits
    with app.app_context():
        at = {z: app.test_client().get(f"/api/v1/sites?zoom={z}").get_data(as_text=True) for z in (10, 19)}
    assert vertices_in(at[10]) < vertices_in(at[19])


def test_an_anonymous_request_cannot_spend_more_than_its_database_budget(make_app):
    app = make_app(ANON_DB_BUDGET_MS=300)

    @app.get("/test-slow")
    def slow():
        for _ in range(5):
            db.session.execute(text("SELECT pg_sleep(0.2)"))
        return "done"

    response = app.test_client().get("/test-slow")
    assert response.status_code == 503 and response.get_json()["error"] == "timeout"
    from tests.conftest import client_as

    assert client_as(app, "cadre").get("/test-slow").status_code == 200  # staff keep STATEMENT_TIMEOUT_MS


def test_the_budget_must_fit_in_the_worker_timeout(make_app):
    with pytest.raises(SystemExit, match="WORKER_TIMEOUT"):
        make_app(ANON_DB_BUDGET_MS=20_000, WORKER_TIMEOUT=30)
