"""Layer import/export through the CLI and the service, against real PostGIS."""

import json
import zipfile

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Polygon
from sqlalchemy import text

from geo_app.errors import ImportRefused
from geo_app.extensions import db
from geo_app.services.communities import import_community
from geo_app.services.importing import import_layer
from tests.helpers import LAYERS


@pytest.fixture
def community_app(empty_app):
    """An empty database holding only the demo community's boundary, streets and lanes."""
    with empty_app.app_context():
        import_community(db.session, LAYERS / "community.geojson")
        import_layer(db.session, LAYERS / "streets.geojson", "street", "mingzhu", progress=False)
        import_layer(db.session, LAYERS / "lanes.geojson", "lane", "mingzhu", progress=False)
        db.session.commit()
    return empty_app


def buildings_frame():
    return gpd.read_file(LAYERS / "buildings.geojson")


def unit_rows(app, kind="building"):
    with app.app_context():
        return db.session.execute(
            text("SELECT natural_key, name, ST_AsText(geom), updated_at FROM unit WHERE kind = :k ORDER BY natural_key"),
            {"k": kind},
        ).all()


def test_geojson_import_then_reimport_changes_nothing(community_app, cli_runner):
    args = ["layers", "import", str(LAYERS / "buildings.geojson"), "--kind", "building", "--community", "mingzhu"]
    first = cli_runner(community_app, args)
    assert first.exit_code == 0, first.output
    assert "20 new" in first.output
    before = unit_rows(community_app)
    second = cli_runner(community_app, args)
    assert second.exit_code == 0 and "0 new, 0 updated, 20 unchanged" in second.output
    assert unit_rows(community_app) == before


def test_parent_links_follow_the_parent_field(community_app):
    with community_app.app_context():
        pairs = db.session.execute(text(
            "SELECT c.code, p.code FROM unit c JOIN unit p ON p.id = c.parent_id WHERE c.kind = 'lane'")).all()
    expected = {f["properties"]["code"]: f["properties"]["parent"]
                for f in json.loads((LAYERS / "lanes.geojson").read_text())["features"]}
    assert dict(pairs) == expected


def test_geopackage_import(community_app, cli_runner, tmp_path):
    out = tmp_path / "b.gpkg"
    buildings_frame().to_file(out, layer="楼栋", driver="GPKG")
    result = cli_runner(community_app, ["layers", "import", str(out), "--kind", "building", "--community", "mingzhu",
                                        "--layer", "楼栋"])
    assert result.exit_code == 0, result.output
    assert len(unit_rows(community_app)) == 20


def test_cgcs2000_gauss_kruger_shapefile_is_reprojected(community_app, cli_runner, tmp_path):
    original = buildings_frame()
    projected = original.set_crs(4326, allow_override=True).to_crs("EPSG:4547")  # CGCS2000 3° GK CM 114E
    out = tmp_path / "buildings_cgcs2000.shp"
    projected.to_file(out, encoding="utf-8")
    result = cli_runner(community_app, ["layers", "import", str(out), "--kind", "building", "--community", "mingzhu"])
    assert result.exit_code == 0, result.output
    with community_app.app_context():
        rows = dict(db.session.execute(text(
            "SELECT code, ST_AsText(ST_Centroid(geom)) FROM unit WHERE kind = 'building'")).all())
    from shapely import wkt

    for _, row in original.iterrows():
        stored = wkt.loads(rows[row["code"]])
        # CGCS2000 and WGS-84 agree to centimetres: the round trip lands on the same spot.
        assert stored.distance(row.geometry.centroid) < 1e-6


def test_zipped_shapefile_import(community_app, cli_runner, tmp_path):
    shp_dir = tmp_path / "shp"
    shp_dir.mkdir()
    buildings_frame().to_file(shp_dir / "buildings.shp", encoding="utf-8")
    archive = tmp_path / "buildings.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for f in shp_dir.iterdir():
            zf.write(f, f.name)
    result = cli_runner(community_app, ["layers", "import", str(archive), "--kind", "building", "--community", "mingzhu"])
    assert result.exit_code == 0, result.output
    assert len(unit_rows(community_app)) == 20


def test_kml_import(community_app, cli_runner, tmp_path):
    out = tmp_path / "buildings.kml"
    frame = buildings_frame()[["name", "geometry"]]
    frame.to_file(out, driver="KML")
    result = cli_runner(community_app, ["layers", "import", str(out), "--kind", "building", "--community", "mingzhu"])
    assert result.exit_code == 0, result.output
    assert sorted(r[1] for r in unit_rows(community_app)) == sorted(frame["name"])


def test_shapefile_without_prj_is_refused_unless_crs_given(community_app, cli_runner, tmp_path):
    out = tmp_path / "noprj.shp"
    buildings_frame().to_file(out, encoding="utf-8")
    (tmp_path / "noprj.prj").unlink()
    refused = cli_runner(community_app, ["layers", "import", str(out), "--kind", "building", "--community", "mingzhu"])
    assert refused.exit_code == 1
    assert "没有 .prj" in refused.output and "--crs" in refused.output
    assert unit_rows(community_app) == []
    accepted = cli_runner(community_app, ["layers", "import", str(out), "--kind", "building", "--community", "mingzhu",
                                          "--crs", "EPSG:4490"])
    assert accepted.exit_code == 0, accepted.output


def test_a_geopackage_layer_without_a_crs_is_refused(community_app, tmp_path):
    # GeoJSON is WGS-84 by definition (RFC 7946); a GeoPackage layer without an SRS is not.
    out = tmp_path / "nocrs.gpkg"
    buildings_frame().set_crs(None, allow_override=True).to_file(out, driver="GPKG")
    with community_app.app_context(), pytest.raises(ImportRefused, match="没有声明坐标系"):
        import_layer(db.session, out, "building", "mingzhu", progress=False)


def test_invalid_geometry_is_refused_with_its_number_and_nothing_is_written(community_app, cli_runner, tmp_path):
    frame = buildings_frame()
    x0, y0, x1, y1 = frame.geometry.iloc[4].bounds
    frame.loc[4, "geometry"] = Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1), (x0, y0)])  # a bow-tie
    out = tmp_path / "bad.geojson"
    frame.to_file(out, driver="GeoJSON")
    result = cli_runner(community_app, ["layers", "import", str(out), "--kind", "building", "--community", "mingzhu"])
    assert result.exit_code == 1
    assert "第 5 个要素的几何无效" in result.output and "Self-intersection" in result.output
    assert unit_rows(community_app) == []
    repaired = cli_runner(community_app, ["layers", "import", str(out), "--kind", "building", "--community", "mingzhu",
                                          "--make-valid"])
    assert repaired.exit_code == 0, repaired.output
    assert len(unit_rows(community_app)) == 20


def test_missing_name_field_and_empty_name_are_refused(community_app, cli_runner, tmp_path):
    frame = buildings_frame().rename(columns={"name": "title"})
    out = tmp_path / "noname.geojson"
    frame.to_file(out, driver="GeoJSON")
    result = cli_runner(community_app, ["layers", "import", str(out), "--kind", "building", "--community", "mingzhu"])
    assert result.exit_code == 1 and "找不到名称字段" in result.output
    ok = cli_runner(community_app, ["layers", "import", str(out), "--kind", "building", "--community", "mingzhu",
                                    "--name-field", "title"])
    assert ok.exit_code == 0, ok.output


def test_unreadable_file_and_unknown_community_are_refused(community_app, cli_runner, tmp_path):
    junk = tmp_path / "junk.geojson"
    junk.write_text("{not json")
    result = cli_runner(community_app, ["layers", "import", str(junk), "--kind", "building", "--community", "mingzhu"])
    assert result.exit_code == 1 and "无法读取" in result.output and "junk.geojson" in result.output
    result = cli_runner(community_app, ["layers", "import", str(LAYERS / "buildings.geojson"), "--kind", "building",
                                        "--community", "atlantis"])
    assert result.exit_code == 1 and "atlantis" in result.output
    assert "Traceback" not in result.output


def test_a_late_failure_leaves_the_database_unchanged(community_app, tmp_path):
    frame = buildings_frame()
    frame.loc[len(frame) - 1, "parent"] = "LN99"  # refers to a lane that does not exist
    out = tmp_path / "late.geojson"
    frame.to_file(out, driver="GeoJSON")
    with community_app.app_context():
        with pytest.raises(ImportRefused, match="LN99"):
            import_layer(db.session, out, "building", "mingzhu", progress=False)
        db.session.rollback()
    assert unit_rows(community_app) == []


def test_street_centrelines_are_buffered_in_metres(community_app, tmp_path):
    from pyproj import Geod

    line = LineString([(115.3230, 22.9660), (115.3270, 22.9660)])  # inside the community
    length_m = Geod(ellps="WGS84").geometry_length(line)
    out = tmp_path / "centreline.geojson"
    gpd.GeoDataFrame({"name": ["测试路"], "code": ["STX"]}, geometry=[line], crs=4326).to_file(out, driver="GeoJSON")
    with community_app.app_context():
        import_layer(db.session, out, "street", "mingzhu", street_width=12, progress=False)
        area = db.session.execute(text("SELECT ST_Area(geom::geography) FROM unit WHERE code = 'STX'")).scalar()
    assert area == pytest.approx(length_m * 12, rel=0.01)


def test_point_features_are_refused_for_units(community_app, tmp_path):
    out = tmp_path / "points.geojson"
    gpd.GeoDataFrame({"name": ["x"]}, geometry=gpd.points_from_xy([115.32], [22.966]), crs=4326).to_file(out)
    with community_app.app_context(), pytest.raises(ImportRefused, match="第 1 个要素是 Point"):
        import_layer(db.session, out, "building", "mingzhu", progress=False)


@pytest.mark.parametrize("fmt", ["gpkg", "geojson"])
def test_export_round_trip(app, cli_runner, tmp_path, fmt):
    out = tmp_path / f"lanes.{fmt}"
    result = cli_runner(app, ["layers", "export", "--kind", "lane", "--format", fmt, str(out)])
    assert result.exit_code == 0, result.output
    exported = gpd.read_file(out)
    original = gpd.read_file(LAYERS / "lanes.geojson")
    assert sorted(exported["code"]) == sorted(original["code"])
    assert dict(zip(exported["code"], exported["parent"], strict=True)) == dict(
        zip(original["code"], original["parent"], strict=True))
    exported, original = exported.to_crs(4547), original.to_crs(4547)
    merged = exported.set_index("code").geometry.area / original.set_index("code").geometry.area
    assert merged.between(0.999999, 1.000001).all()


def test_people_import_refuses_an_unknown_unit_and_writes_nothing(community_app, cli_runner, tmp_path):
    csv_file = tmp_path / "people.csv"
    csv_file.write_text("name,phone,party_member,role,unit_code\n张三,13800001111,true,street_chief,ST01\n"
                        "李四,13800002222,false,street_chief,ST77\n", encoding="utf-8")
    result = cli_runner(community_app, ["people", "import", str(csv_file)])
    assert result.exit_code == 1 and "line 3" in result.output and "ST77" in result.output
    with community_app.app_context():
        assert db.session.execute(text("SELECT count(*) FROM person")).scalar() == 0


def test_people_import_is_idempotent(app, cli_runner):
    args = ["people", "import", str(LAYERS / "people.csv")]
    result = cli_runner(app, args)
    assert result.exit_code == 0 and "0 people added, 0 responsibilities added or changed" in result.output


def test_parents_are_found_spatially_when_the_file_names_none(community_app, tmp_path):
    frame = buildings_frame()
    expected = dict(zip(frame["code"], frame["parent"], strict=True))
    out = tmp_path / "no_parent.geojson"
    frame.drop(columns=["parent"]).to_file(out, driver="GeoJSON")
    with community_app.app_context():
        import_layer(db.session, out, "building", "mingzhu", progress=False)
        pairs = dict(db.session.execute(text(
            "SELECT c.code, p.code FROM unit c JOIN unit p ON p.id = c.parent_id WHERE c.kind = 'building'")).all())
    assert pairs == expected


def test_text_with_tabs_quotes_newlines_and_backslashes_survives_the_copy(community_app, tmp_path):
    frame = buildings_frame()
    hostile = ['名\t"引号"', "换\n行", "回\r车", "反\\斜杠\\N", "  前后空格  ", "\\.", "a,b;c", "'单引号'"]
    frame.loc[: len(hostile) - 1, "name"] = hostile
    frame.loc[0, "address"] = "地址\t带制表符\n和换行"
    out = tmp_path / "hostile.geojson"
    frame.to_file(out, driver="GeoJSON")
    with community_app.app_context():
        import_layer(db.session, out, "building", "mingzhu", progress=False)
        stored = dict(db.session.execute(text("SELECT code, name FROM unit WHERE kind = 'building'")).all())
        address = db.session.execute(text("SELECT address FROM unit WHERE code = :c"),
                                     {"c": frame.loc[0, "code"]}).scalar()
    for code, name in zip(frame["code"][: len(hostile)], hostile, strict=True):
        assert stored[code] == name.strip()
    assert address == "地址\t带制表符\n和换行"


def test_an_unknown_parent_code_is_refused_naming_the_feature(community_app, tmp_path):
    frame = buildings_frame()
    frame.loc[3, "parent"] = "NO-SUCH-LANE"
    out = tmp_path / "orphan.geojson"
    frame.to_file(out, driver="GeoJSON")
    with community_app.app_context(), pytest.raises(ImportRefused, match="第 4 个要素的上级巷 'NO-SUCH-LANE'"):
        import_layer(db.session, out, "building", "mingzhu", progress=False)
