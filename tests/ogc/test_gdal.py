"""A GIS client nobody here wrote: GDAL's OAPIF driver (ogrinfo, ogr2ogr from gdal-bin) against gunicorn.

The tests only read, so one server on one clone of the demo database serves the module (tests/conftest.py sends
the module to one xdist worker); each test reads the access log from where it was when the test began.
"""

import json
import re
import shutil
import sqlite3
import subprocess

import pytest
from sqlalchemy import text

from geo_app import create_app
from geo_app.extensions import db
from tests.conftest import demo_clone, token_for
from tests.servers import AccessLog, gunicorn

pytestmark = pytest.mark.slow
PAGE = 6  # small, so that reading the 20 demo buildings takes several pages
PUBLIC = {"streets", "lanes", "shops", "buildings", "grids", "sites", "heat"}


def gdal(tool, *args, token=None, timeout=300):
    """Run a GDAL utility; return its stdout (failing the test with its stderr when it fails)."""
    binary = shutil.which(tool)
    if binary is None:
        pytest.fail(f"{tool} is not installed: run `sh tools/install-system-deps.sh` (Debian's gdal-bin)")
    config = ["--config", "GDAL_HTTP_HEADERS", f"Authorization: Bearer {token}"] if token else []
    done = subprocess.run([binary, *args, *config], capture_output=True, text=True, timeout=timeout,
                          env={"PATH": "/usr/bin:/bin", "CPL_DEBUG": "OFF", "GDAL_HTTP_UNSAFESSL": "NO"})
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.fixture(scope="module")
def app(pg_cluster, demo_template):
    """The app on a clone of the demo database of this module's own (the tests read it, never write)."""
    with demo_clone(pg_cluster, demo_template, "gdal") as name:
        app = create_app({"DATABASE_URL": pg_cluster.url_for(name), "TESTING": True, "SECRET_KEY": "test"})
        yield app
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="module")
def server(app):
    """The app under gunicorn on the module's clone; yields (OGC URL, access log, admin token)."""
    token = token_for(app, "admin")
    env = {"PAGE_LIMIT_DEFAULT": str(PAGE), "PAGE_LIMIT_MAX": str(PAGE)}
    with gunicorn(app.config["DATABASE_URL"], workers=1, env=env) as (base, access):
        yield f"{base}/ogc", access, token


@pytest.fixture
def served(server):
    """(OGC URL, the access log of this test's requests, admin token)."""
    url, access, token = server
    return url, AccessLog(access), token


def database(app, sql):
    with app.app_context():
        return db.session.execute(text(sql)).all()


def test_ogrinfo_lists_the_collections_the_public_may_read(served):
    url, _, token = served
    public = gdal("ogrinfo", "-ro", "-so", f"OAPIF:{url}")
    assert set(re.findall(r"^\d+: (\w+)", public, re.M)) == PUBLIC
    staff = gdal("ogrinfo", "-ro", "-so", f"OAPIF:{url}", token=token)
    assert set(re.findall(r"^\d+: (\w+)", staff, re.M)) == PUBLIC | {"cases"}


def test_gdal_reads_every_building_across_pages(app, served, tmp_path):
    url, access, token = served
    expected = {row.id for row in database(app, "SELECT id FROM unit WHERE kind = 'building'")}
    assert len(expected) > 2 * PAGE
    summary = gdal("ogrinfo", "-ro", "-al", "-so", f"OAPIF:{url}", "buildings", token=token)
    assert f"Feature Count: {len(expected)}" in summary, summary + access.read_text()
    out = tmp_path / "buildings.geojson"
    gdal("ogr2ogr", "-f", "GeoJSON", str(out), f"OAPIF:{url}", "buildings", token=token)
    features = json.loads(out.read_text())["features"]
    assert {f["properties"]["id"] for f in features} == expected and len(features) == len(expected)
    pages = [line for line in access.read_text().splitlines() if "/ogc/collections/buildings/items" in line]
    assert len(pages) >= len(expected) // PAGE


def test_sites_round_trip_to_geopackage_with_chinese_names(app, served, tmp_path):
    url, _, _ = served
    out = tmp_path / "sites.gpkg"
    gdal("ogr2ogr", "-f", "GPKG", str(out), f"OAPIF:{url}", "sites")
    with sqlite3.connect(out) as gpkg:
        written = dict(gpkg.execute("SELECT code, name FROM sites").fetchall())
    stored = dict(database(app, "SELECT code, name FROM site"))
    assert written == stored and any("\u4e00" <= ch <= "\u9fff" for name in written.values() for ch in name)
    read_back = gdal("ogrinfo", "-ro", "-al", str(out), "sites", "-where", f"code = '{next(iter(stored))}'")
    assert f"name (String) = {stored[next(iter(stored))]}" in read_back
