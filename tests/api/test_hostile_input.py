"""Hostile input gets a clear 4xx naming the problem, and nothing is written."""

import io
import zipfile

import pytest
from sqlalchemy import text

from geo_app.errors import ImportRefused
from geo_app.extensions import db
from geo_app.services.importing import check_zip, import_layer
from tests.conftest import client_as
from tests.factories import case_body

XSS = "<img src=x onerror=alert(1)>${alert(2)}`</script>"
SQL = "'; DROP TABLE civic_case; --"


def case_count(app):
    with app.app_context():
        return db.session.execute(text("SELECT count(*) FROM civic_case")).scalar()


@pytest.mark.parametrize("body,reason", [
    ('{"title": "x", "lat": NaN, "lon": 115.3}', "NaN"),
    ('{"title": "x", "lat": Infinity, "lon": 115.3}', "Infinity"),
    ('{"title": "x", "lat": -Infinity, "lon": 115.3}', "Infinity"),
    ('{"title": "x", "lat": 1e400, "lon": 115.3}', "too large"),
    ("[" * 200 + "]" * 200, "nested"),
    ('{"title": "x"', "not valid JSON"),
    ("\xff\xfe", "not valid JSON"),
    ("[1, 2]", "JSON object"),
])
def test_malformed_json_is_refused(app, body, reason):
    before = case_count(app)
    response = app.test_client().post("/api/v1/cases", data=body.encode("utf-8", "surrogateescape"),
                                      content_type="application/json")
    assert response.status_code == 400
    assert reason in response.get_json()["message"] and response.get_json()["field"] == "body"
    assert case_count(app) == before


@pytest.mark.parametrize("lat,lon,field,words", [
    (115.32, 22.96, "lat", "swapped"),
    (40.7, -74.0, "lat", "outside China"),
    (22.96, 200, "lon", "between"),
    ("1e400", 115.3, "lat", "finite"),
])
def test_bad_points_in_a_body(app, lat, lon, field, words):
    response = app.test_client().post("/api/v1/cases", json=case_body(lat=lat, lon=lon))
    assert response.status_code == 400 and response.get_json()["field"] == field
    assert words in response.get_json()["message"]


def test_unknown_crs_in_a_body(app):
    response = app.test_client().post("/api/v1/cases", json=case_body(crs="EPSG:3857"))
    assert response.status_code == 400 and response.get_json()["field"] == "crs"


def test_oversized_body_is_413(make_app):
    app = make_app(MAX_CONTENT_LENGTH=10_000)
    before = case_count(app)
    response = app.test_client().post("/api/v1/cases", json=case_body(description="长" * 20_000))
    assert response.status_code == 413 and response.get_json()["error"] == "too_large"
    assert case_count(app) == before


def test_oversized_text_field_is_refused(app):
    response = app.test_client().post("/api/v1/cases", json=case_body(title="标" * 201))
    assert response.status_code == 400 and response.get_json()["field"] == "title"


def test_sql_and_html_are_stored_verbatim_as_data(app):
    cadre = client_as(app, "cadre")
    fields = {"title": SQL, "description": XSS, "address": XSS, "reporter_name": XSS[:100], "household": SQL}
    case = cadre.post("/api/v1/cases", json=case_body(**fields)).get_json()
    stored = cadre.get(f"/api/v1/cases/{case['code']}").get_json()
    assert stored["title"] == SQL and stored["description"] == XSS and stored["address"] == XSS
    assert stored["reporter_name"] == XSS[:100]
    assert case_count(app) > 0  # the table is still there
    response = cadre.get(f"/api/v1/cases/{case['code']}")
    assert response.mimetype == "application/json"


def test_nul_characters_are_refused(app):
    response = app.test_client().post("/api/v1/cases", json=case_body(title="a\x00b"))
    assert response.status_code == 400 and response.get_json()["field"] == "title"


def test_query_parameters_with_sql_are_refused_not_executed(app):
    cadre = client_as(app, "cadre")
    assert cadre.get("/api/v1/cases", query_string={"status": SQL}).status_code == 400
    assert cadre.get("/api/v1/units", query_string={"kind": SQL}).status_code == 400
    assert cadre.get("/api/v1/cases/" + "MQ'; DROP TABLE x;--").status_code == 404


def _zip(members):
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in members:
            zf.writestr(name, content)
    return data.getvalue()


@pytest.mark.parametrize("members,reason", [
    ([("../evil.shp", b"x")], "路径不安全"),
    ([("/etc/passwd", b"x")], "路径不安全"),
    ([("a\\..\\..\\b.shp", b"x")], "路径不安全"),
    ([(f"f{i}.txt", b"x") for i in range(100)], "个成员"),
    ([("bomb.shp", b"\0" * 50_000_000)], "压缩炸弹"),
])
def test_hostile_zip_archives_are_refused(tmp_path, members, reason):
    archive = tmp_path / "layer.zip"
    archive.write_bytes(_zip(members))
    with pytest.raises(ImportRefused, match=reason):
        check_zip(archive)


def test_hostile_zip_is_refused_by_the_importer_and_nothing_written(empty_app, tmp_path):
    archive = tmp_path / "layer.zip"
    archive.write_bytes(_zip([("../../outside.shp", b"x")]))
    from tests.helpers import LAYERS

    with empty_app.app_context():
        from geo_app.services.communities import import_community

        import_community(db.session, LAYERS / "community.geojson")
        with pytest.raises(ImportRefused, match="路径不安全"):
            import_layer(db.session, archive, "building", "mingzhu", progress=False)
        db.session.rollback()
        assert db.session.execute(text("SELECT count(*) FROM unit")).scalar() == 0
    assert not (tmp_path.parent / "outside.shp").exists()


def test_too_many_vertices_are_refused(empty_app, tmp_path):
    import math

    import geopandas as gpd
    from shapely.geometry import Polygon

    ring = [(115.32 + 0.001 * math.cos(2 * math.pi * i / 120_000), 22.966 + 0.001 * math.sin(2 * math.pi * i / 120_000))
            for i in range(120_000)]
    out = tmp_path / "huge.gpkg"
    gpd.GeoDataFrame({"name": ["大楼"]}, geometry=[Polygon(ring)], crs=4326).to_file(out)
    with empty_app.app_context():
        from geo_app.services.communities import import_community
        from tests.helpers import LAYERS

        import_community(db.session, LAYERS / "community.geojson")
        with pytest.raises(ImportRefused, match="第 1 个要素有 120,001 个顶点"):
            import_layer(db.session, out, "building", "mingzhu", progress=False)


def test_every_query_runs_under_a_statement_timeout(make_app):
    app = make_app(STATEMENT_TIMEOUT_MS=1234)
    with app.app_context():
        assert db.session.execute(text("SHOW statement_timeout")).scalar() == "1234ms"
        from sqlalchemy.exc import OperationalError

        with pytest.raises(OperationalError, match="statement timeout"):
            db.session.execute(text("SELECT pg_sleep(3)"))
