"""Layer import reads only the file it was given (issue 9, break 2), within per-file limits (break 5).

Every refused shape is a real file on disk; a real local HTTP server records whether GDAL reached out.
"""

import http.server
import json
import os
import threading
import zipfile

import geopandas as gpd
import pytest
from click.testing import CliRunner
from shapely.geometry import Polygon
from sqlalchemy import text

from geo_app.errors import ImportRefused
from geo_app.extensions import db
from geo_app.services.communities import import_community
from geo_app.services.importing import ImportLimits, import_layer
from tests.helpers import LAYERS

SECRET = "5e55104b7f0c4a0f9d1c2b3a4e5f60718293a4b5c6d7e8f9"
RING = "115.3240 22.9650, 115.3244 22.9650, 115.3244 22.9653, 115.3240 22.9650"


@pytest.fixture
def demo_community(empty_app):
    with empty_app.app_context():
        import_community(db.session, LAYERS / "community.geojson")
        db.session.commit()
    return empty_app


@pytest.fixture
def secret_file(tmp_path):
    """A stand-in for instance/secret_key."""
    path = tmp_path / "instance" / "secret_key"
    path.parent.mkdir()
    path.write_text(SECRET)
    return path


@pytest.fixture
def http_log():
    """A real HTTP server on localhost that records every path requested of it."""
    requested = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            requested.append(self.path)
            body = (LAYERS / "buildings.geojson").read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_HEAD = do_GET

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", requested
    server.shutdown()
    server.server_close()


def vrt_reading(secret):
    """An OGR VRT whose one polygon is named after the first line of the secret file."""
    return f"""<OGRVRTDataSource>
  <OGRVRTLayer name="units">
    <SrcDataSource>CSV:{secret}</SrcDataSource>
    <OpenOptions><OOI key="HEADERS">NO</OOI></OpenOptions>
    <SrcSQL dialect="sqlite">SELECT field_1 AS name, ST_GeomFromText('POLYGON(({RING}))') AS geometry
      FROM secret_key</SrcSQL>
    <LayerSRS>EPSG:4326</LayerSRS>
  </OGRVRTLayer>
</OGRVRTDataSource>
"""


def refused(app, path, **kwargs):
    """Import path as buildings; return the refusal message, after checking nothing was stored."""
    with app.app_context():
        with pytest.raises(ImportRefused) as caught:
            import_layer(db.session, path, "building", "mingzhu", progress=False, **kwargs)
        db.session.rollback()
        assert db.session.execute(text("SELECT count(*) FROM unit")).scalar() == 0
    assert SECRET not in caught.value.message
    return caught.value.message


def test_the_report_vrt_really_reads_the_secret_with_plain_gdal(tmp_path, secret_file):
    # The attack as reported: GDAL, asked directly, stores the secret as a unit name.
    vrt = tmp_path / "buildings.vrt"
    vrt.write_text(vrt_reading(secret_file))
    assert gpd.read_file(vrt)["name"].tolist() == [SECRET]


@pytest.mark.parametrize("suffix,answer", [
    (".vrt", "不支持的文件类型 .vrt"),
    (".geojson", "内容不是 GeoJSON（应以 { 开头），拒绝按其他格式读取"),
    (".json", "内容不是 GeoJSON"),
    (".gpkg", "内容不是 GeoPackage，拒绝按其他格式读取"),
    (".kml", "文件含有 <ogrvrtdatasource，会让 GDAL 去读取别处的数据"),
    (".shp", "文件含有 <ogrvrtdatasource"),
])
def test_a_vrt_pointing_at_a_secret_is_refused_whatever_its_name(demo_community, tmp_path, secret_file, suffix,
                                                                  answer):
    disguised = tmp_path / f"buildings{suffix}"
    disguised.write_text(vrt_reading(secret_file))
    assert answer in refused(demo_community, disguised)


def test_a_vrt_inside_a_zip_is_refused(demo_community, tmp_path, secret_file):
    for member in ("buildings.vrt", "buildings.geojson"):
        archive = tmp_path / f"{member}.zip"
        with zipfile.ZipFile(archive, "w") as zf:
            zf.writestr(member, vrt_reading(secret_file))
        message = refused(demo_community, archive)
        assert ("压缩包里应正好有一个图层文件" in message) if member.endswith(".vrt") else ("内容不是 GeoJSON" in message)


def test_a_gdalg_pipeline_disguised_as_geojson_is_not_run(demo_community, tmp_path, secret_file):
    gdalg = tmp_path / "buildings.geojson"
    gdalg.write_text(json.dumps({"type": "gdal_streamed_alg",
                                 "command_line": f"gdal vector pipeline ! read CSV:{secret_file} ! write "
                                                 "--of stream streamed_dataset"}))
    assert "无法读取文件" in refused(demo_community, gdalg)


@pytest.mark.parametrize("source", [
    "CSV:{secret}", "/vsicurl/{url}/buildings.geojson", "{url}/buildings.geojson", "/vsizip/{zip}/buildings.shp",
    "PG:dbname=minqing", "GeoJSON:{secret}",
])
def test_gdal_connection_strings_are_refused_without_network(demo_community, tmp_path, secret_file, http_log,
                                                             source):
    url, requested = http_log
    path = source.format(secret=secret_file, url=url, zip=tmp_path / "x.zip")
    message = refused(demo_community, path)
    assert "不接受 GDAL 连接串、虚拟路径或网址" in message
    assert requested == []


def test_symlinks_are_not_followed(demo_community, tmp_path, secret_file):
    shp = tmp_path / "real" / "buildings.shp"
    shp.parent.mkdir()
    gpd.read_file(LAYERS / "buildings.geojson").to_file(shp, encoding="utf-8")

    link = tmp_path / "link.geojson"
    link.symlink_to(LAYERS / "buildings.geojson")
    assert "link.geojson 是符号链接" in refused(demo_community, link)

    linked_shp = tmp_path / "linked" / "buildings.shp"
    linked_shp.parent.mkdir()
    for part in shp.parent.iterdir():
        target = linked_shp.with_suffix(part.suffix)
        target.symlink_to(part) if part.suffix == ".shp" else target.write_bytes(part.read_bytes())
    assert "buildings.shp 是符号链接" in refused(demo_community, linked_shp)

    sidecar = tmp_path / "sidecar" / "buildings.shp"
    sidecar.parent.mkdir()
    for part in shp.parent.iterdir():
        target = sidecar.with_suffix(part.suffix)
        target.symlink_to(secret_file) if part.suffix == ".dbf" else target.write_bytes(part.read_bytes())
    assert "的附属文件 buildings.dbf 是符号链接" in refused(demo_community, sidecar)

    archive = tmp_path / "with_link.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in shp.parent.iterdir():
            if part.suffix != ".prj":
                zf.write(part, part.name)
        info = zipfile.ZipInfo("buildings.prj")
        info.external_attr = (0o120777 << 16)  # a symlink member, as `zip --symlinks` stores it
        zf.writestr(info, str(secret_file))
    assert "成员 'buildings.prj' 是符号链接" in refused(demo_community, archive)


def test_a_fifo_is_refused_without_blocking(demo_community, tmp_path):
    fifo = tmp_path / "buildings.geojson"
    os.mkfifo(fifo)
    assert "不是普通文件" in refused(demo_community, fifo)


@pytest.mark.parametrize("key", ["crs", "CRS", "\\u0063rs"])
def test_a_geojson_crs_link_is_refused_before_gdal_fetches_it(demo_community, tmp_path, http_log, key):
    url, requested = http_log
    data = json.loads((LAYERS / "buildings.geojson").read_text(encoding="utf-8"))
    data.pop("crs", None)
    raw = json.dumps(data)[:-1] + f', "{key}": {{"type": "link", "properties": {{"href": "{url}/crs", ' \
                                  f'"type": "proj4"}}}}}}'
    path = tmp_path / "linked_crs.geojson"
    path.write_text(raw)
    assert "crs 成员（type='link'）要求 GDAL 从网址或文件读取坐标系定义" in refused(demo_community, path)
    assert requested == []


def test_kml_network_links_and_remote_styles_are_not_fetched(demo_community, tmp_path, http_log):
    url, requested = http_log
    kml = tmp_path / "buildings.kml"
    kml.write_text(f"""<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document>
  <NetworkLink><name>remote</name><Link><href>{url}/more.kml</href></Link></NetworkLink>
  <Placemark><name>一号楼</name><styleUrl>{url}/styles.kml#s</styleUrl>
    <Polygon><outerBoundaryIs><LinearRing><coordinates>{RING.replace(", ", " ").replace(" 22", ",22")}
    </coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>
</Document></kml>""", encoding="utf-8")
    with demo_community.app_context():
        counts = import_layer(db.session, kml, "building", "mingzhu", progress=False, name_field="Name")
    assert counts["inserted"] == 1
    assert requested == []


def test_kml_with_a_doctype_is_refused(demo_community, tmp_path, secret_file):
    kml = tmp_path / "entity.kml"
    kml.write_text(f"""<?xml version="1.0"?>
<!DOCTYPE kml [<!ENTITY s SYSTEM "file://{secret_file}">]>
<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><name>&s;</name></Placemark></kml>""")
    assert "文件含有 <!doctype" in refused(demo_community, kml)


def test_kmz_is_read(demo_community, tmp_path):
    kml = tmp_path / "doc.kml"
    gpd.read_file(LAYERS / "buildings.geojson")[["name", "geometry"]].to_file(kml, driver="KML")
    kmz = tmp_path / "buildings.kmz"
    with zipfile.ZipFile(kmz, "w") as zf:
        zf.write(kml, "doc.kml")
        zf.writestr("files/icon.png", b"\x89PNG")
    with demo_community.app_context():
        assert import_layer(db.session, kmz, "building", "mingzhu", progress=False)["inserted"] == 20


def test_a_zip_with_two_layers_needs_layer(demo_community, tmp_path):
    frame = gpd.read_file(LAYERS / "buildings.geojson").drop(columns=["parent"])  # no lanes in this database
    archive = tmp_path / "two.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for stem, part in (("east", frame.iloc[:10]), ("west", frame.iloc[10:])):
            folder = tmp_path / stem
            folder.mkdir()
            part.to_file(folder / f"{stem}.shp", encoding="utf-8")
            for f in folder.iterdir():
                zf.write(f, f"shp/{f.name}")
    assert "找到：shp/east.shp、shp/west.shp；用 --layer 指定文件名" in refused(demo_community, archive)
    with demo_community.app_context():
        assert import_layer(db.session, archive, "building", "mingzhu", layer="west", progress=False)["inserted"] == 10


def test_other_formats_are_refused(demo_community, tmp_path):
    csv_file = tmp_path / "buildings.csv"
    csv_file.write_text("name,WKT\nx,POLYGON((0 0,1 0,1 1,0 0))\n")
    assert "不支持的文件类型 .csv；只接受 GeoJSON" in refused(demo_community, csv_file)


def test_per_file_limits_name_the_setting(demo_community, tmp_path):
    source = LAYERS / "buildings.geojson"
    small = ImportLimits(max_bytes=source.stat().st_size - 1, max_vertices=10**6, max_features=1000,
                         boundary_tolerance_m=20)
    assert "超过每个文件的上限" in refused(demo_community, source, limits=small)
    assert "IMPORT_MAX_BYTES" in refused(demo_community, source, limits=small)
    few = ImportLimits(max_bytes=10**8, max_vertices=10**6, max_features=19, boundary_tolerance_m=20)
    assert "要素超过每个文件的上限 19 个（IMPORT_MAX_FEATURES" in refused(demo_community, source, limits=few)


@pytest.mark.committed_db  # the CLI reads the community on a connection of its own
def test_total_vertices_are_limited_per_file_not_only_per_feature(demo_community, tmp_path):
    # Break 5 in miniature: many features each under the per-feature limit, too many together.
    import math

    def circle(i, n=2_000):
        cx, cy = 115.3225 + 0.0008 * (i % 6), 22.9635 + 0.0008 * (i // 6)
        return Polygon([(cx + 0.0003 * math.cos(2 * math.pi * k / n), cy + 0.0003 * math.sin(2 * math.pi * k / n))
                        for k in range(n)])

    out = tmp_path / "dense.gpkg"
    gpd.GeoDataFrame({"name": [f"楼{i}" for i in range(30)]}, geometry=[circle(i) for i in range(30)],
                     crs=4326).to_file(out)
    runner = CliRunner()
    from geo_app.cli import cli

    result = runner.invoke(cli, ["layers", "import", str(out), "--kind", "building", "--community", "mingzhu"],
                           env={"DATABASE_URL": demo_community.config["DATABASE_URL"], "IMPORT_MAX_VERTICES": "50000"})
    assert result.exit_code == 1
    assert "共 60,030 个顶点，超过每个文件的上限 50,000 个（IMPORT_MAX_VERTICES" in result.output
    with demo_community.app_context():
        assert db.session.execute(text("SELECT count(*) FROM unit")).scalar() == 0
