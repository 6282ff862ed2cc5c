"""Geometry lands where it claims to be: --crs, areas of use, WGS-84/China ranges, community boundaries.

The Wuhan files in tests/data reproduce issue 9 (break 6): a GeoServer export of 39 campus buildings in
Web Mercator metres that declares EPSG:32649, and the same without its crs member.
"""

import json
import math
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Polygon, box
from sqlalchemy import text

from geo_app.errors import ImportRefused
from geo_app.extensions import db
from geo_app.services.communities import import_community
from geo_app.services.importing import ImportLimits, import_layer
from geo_app.services.lookup import lookup
from tests.helpers import LAYERS

DATA = Path(__file__).resolve().parents[1] / "data"
GEOSERVER = DATA / "wuhan_campus_buildings_geoserver.geojson"
NO_CRS = DATA / "wuhan_campus_buildings_nocrs.geojson"
COMMUNITY = DATA / "wuhan_campus_community.geojson"
COMMUNITY_3857 = DATA / "wuhan_campus_community_3857_nocrs.geojson"
IMPORT = ["layers", "import", "--kind", "building", "--community", "guanggu-east"]


@pytest.fixture
def wuhan_app(empty_app):
    """An empty database holding the Wuhan campus community (boundary in WGS-84)."""
    with empty_app.app_context():
        import_community(db.session, COMMUNITY)
        db.session.commit()
    return empty_app


def stored_buildings(app):
    with app.app_context():
        return db.session.execute(text(
            "SELECT u.name, ST_X(ST_Centroid(u.geom)) AS lon, ST_Y(ST_Centroid(u.geom)) AS lat, "
            "ST_CoveredBy(u.geom, c.boundary) AS inside FROM unit u JOIN community c ON c.id = u.community_id "
            "WHERE u.kind = 'building' ORDER BY u.source_feature")).all()


def test_the_geoserver_file_reproduces_the_report():
    # Read as declared (EPSG:32649) the buildings land in the Pacific, as the attack report says.
    frame = gpd.read_file(GEOSERVER)
    assert frame.crs.to_epsg() == 32649 and len(frame) == 39
    lon, lat = frame.to_crs(4326).union_all().centroid.coords[0]
    assert lon == pytest.approx(-173.43, abs=0.01) and lat == pytest.approx(8.59, abs=0.01)
    assert "crs" not in json.loads(NO_CRS.read_text(encoding="utf-8"))


def test_a_file_declaring_utm_but_holding_mercator_metres_is_refused_with_the_likely_crs(wuhan_app, cli_runner):
    result = cli_runner(wuhan_app, [*IMPORT[:2], str(GEOSERVER), *IMPORT[2:]])
    assert result.exit_code == 1
    assert "第 1–39 个要素（共 39 个）的坐标不在 EPSG:32649（WGS 84 / UTM zone 49N）的适用范围" in result.output
    assert "x≈1.28e7, y≈3.56e6 像米制投影坐标；按 EPSG:3857 解读时落在社区 guanggu-east 的边界范围内" in result.output
    assert "--crs EPSG:3857" in result.output
    assert stored_buildings(wuhan_app) == []


def test_crs_overrides_the_declared_one_says_so_and_stores_the_buildings_in_wuhan(wuhan_app, cli_runner):
    result = cli_runner(wuhan_app, [*IMPORT[:2], str(GEOSERVER), *IMPORT[2:], "--crs", "EPSG:3857"])
    assert result.exit_code == 0, result.output
    assert "文件声明的坐标系是 EPSG:32649（WGS 84 / UTM zone 49N），已按 --crs 改用 EPSG:3857" in result.output
    rows = stored_buildings(wuhan_app)
    assert len(rows) == 39 and all(r.inside for r in rows)
    assert all(abs(r.lon - 114.613) < 0.005 and abs(r.lat - 30.459) < 0.005 for r in rows)
    with wuhan_app.app_context():
        assert db.session.execute(text(
            "SELECT count(*) FROM admin_log WHERE action = 'layers.import' AND detail->>'notices' LIKE '%32649%'"
        )).scalar() == 1


def test_metres_in_a_geojson_without_crs_are_refused_unless_crs_is_given(wuhan_app, cli_runner):
    refused = cli_runner(wuhan_app, [*IMPORT[:2], str(NO_CRS), *IMPORT[2:]])
    assert refused.exit_code == 1
    assert "EPSG:4326（WGS 84）的适用范围" in refused.output and "--crs EPSG:3857" in refused.output
    assert stored_buildings(wuhan_app) == []


def test_the_report_break_with_crs_and_a_mercator_boundary_now_lands_in_wuhan(empty_app, cli_runner):
    # The report: boundary and buildings without crs, imported with --crs EPSG:3857, were stored as
    # "degrees" x = 12,758,678. Now --crs wins over GeoJSON's implied WGS-84, for both files.
    boundary = cli_runner(empty_app, ["communities", "import", str(COMMUNITY_3857), "--crs", "EPSG:3857"])
    assert boundary.exit_code == 0, boundary.output
    assert "GeoJSON 未声明坐标系（按规范默认 WGS-84），已按 --crs 改用 EPSG:3857" in boundary.output
    layer = cli_runner(empty_app, [*IMPORT[:2], str(NO_CRS), *IMPORT[2:], "--crs", "EPSG:3857"])
    assert layer.exit_code == 0, layer.output
    assert "39 features — 39 new" in layer.output
    rows = stored_buildings(empty_app)
    assert len(rows) == 39 and all(r.inside for r in rows)
    assert all(114.60 < r.lon < 114.62 and 30.45 < r.lat < 30.47 for r in rows)
    with empty_app.app_context():
        xmin, ymin, xmax, ymax = db.session.execute(text(
            "SELECT ST_XMin(boundary), ST_YMin(boundary), ST_XMax(boundary), ST_YMax(boundary) FROM community")).one()
        assert 114.60 < xmin < xmax < 114.62 and 30.45 < ymin < ymax < 30.47
        found = lookup(db.session, rows[0].lon, rows[0].lat)  # /api/v1/lookup no longer refuses the community
    assert found["community"]["code"] == "guanggu-east" and found["chain"][0]["name"] == rows[0].name


def test_a_mercator_boundary_without_crs_is_refused_with_a_hint(empty_app, cli_runner):
    result = cli_runner(empty_app, ["communities", "import", str(COMMUNITY_3857)])
    assert result.exit_code == 1
    assert "EPSG:4326（WGS 84）的适用范围" in result.output
    assert "按 EPSG:3857 解读时落在中国范围内——请加 --crs EPSG:3857" in result.output
    with empty_app.app_context():
        assert db.session.execute(text("SELECT count(*) FROM community")).scalar() == 0


def test_units_outside_the_community_are_refused_listing_them(wuhan_app, tmp_path):
    # Correct WGS-84 buildings, but of the demo community in Guangdong, ~900 km away.
    with wuhan_app.app_context(), pytest.raises(ImportRefused) as refused:
        import_layer(db.session, LAYERS / "buildings.geojson", "building", "guanggu-east", progress=False)
    message = refused.value.message
    assert "第 1–20 个要素（共 20 个）超出社区 guanggu-east 的边界（容差 20 米" in message
    assert "像经纬度（度），但不在社区 guanggu-east 的边界范围内" in message
    assert stored_buildings(wuhan_app) == []


def _building_near_the_edge(tmp_path, outside_m):
    """Write one building whose east side lies outside_m metres beyond the Wuhan boundary's east edge."""
    ring = json.loads(COMMUNITY.read_text(encoding="utf-8"))["features"][0]["geometry"]["coordinates"][0]
    east, lat = max(x for x, _ in ring), sum(y for _, y in ring) / len(ring)
    x1 = east + outside_m / (111_320 * math.cos(math.radians(lat)))
    out = tmp_path / f"edge_{outside_m}.geojson"
    gpd.GeoDataFrame({"name": ["边楼"]}, geometry=[box(x1 - 0.0004, lat - 0.0001, x1, lat + 0.0001)],
                     crs=4326).to_file(out)
    return out


def test_a_unit_within_the_tolerance_is_accepted_and_beyond_it_refused(wuhan_app, tmp_path):
    with wuhan_app.app_context():
        counts = import_layer(db.session, _building_near_the_edge(tmp_path, 10), "building", "guanggu-east",
                              progress=False)
        assert counts["inserted"] == 1
        with pytest.raises(ImportRefused, match=r"第 1 个要素（共 1 个）超出社区 guanggu-east 的边界（容差 20 米.*最远约 4\d 米"):
            import_layer(db.session, _building_near_the_edge(tmp_path, 45), "building", "guanggu-east",
                         progress=False)
        wider = ImportLimits.from_config({"IMPORT_BOUNDARY_TOLERANCE_M": 60})
        counts = import_layer(db.session, _building_near_the_edge(tmp_path, 45), "building", "guanggu-east",
                              progress=False, limits=wider)
        assert counts["features"] == 1


def test_coordinates_outside_china_are_refused_after_reprojection(empty_app, tmp_path):
    out = tmp_path / "paris.geojson"
    gpd.GeoDataFrame({"code": ["fr"], "name": ["巴黎"]}, geometry=[box(2.33, 48.85, 2.36, 48.87)],
                     crs=4326).to_file(out)
    with empty_app.app_context(), pytest.raises(ImportRefused, match="第 1 个要素（共 1 个）换算到 WGS-84 后不在中国境内"):
        import_community(db.session, out)


def test_swapped_axes_are_named(empty_app, tmp_path):
    out = tmp_path / "swapped.geojson"
    ring = [(30.45, 114.61), (30.46, 114.61), (30.46, 114.62), (30.45, 114.61)]
    gpd.GeoDataFrame({"code": ["x"], "name": ["颠倒"]}, geometry=[Polygon(ring)], crs=4326).to_file(out)
    with empty_app.app_context(), pytest.raises(ImportRefused, match="像是经纬度颠倒"):
        import_community(db.session, out)


def test_a_gauss_kruger_file_with_the_zone_prefix_gets_its_exact_epsg_code(wuhan_app, tmp_path):
    frame = gpd.read_file(NO_CRS).set_crs(3857, allow_override=True).to_crs("EPSG:4526")  # 3° zone 38, CM 114E
    out = tmp_path / "gk_zone38.geojson"
    frame.to_file(out)
    data = json.loads(out.read_text(encoding="utf-8"))
    data.pop("crs", None)  # an exporter that forgot the CRS: GeoJSON then implies WGS-84
    out.write_text(json.dumps(data), encoding="utf-8")
    with wuhan_app.app_context(), pytest.raises(ImportRefused, match="按 EPSG:4526 解读时落在社区 guanggu-east"):
        import_layer(db.session, out, "building", "guanggu-east", progress=False)
