"""The HTML pages: served from this host only, escaped, on the configured basemap."""

import html
import json
import re

import pytest
from shapely.geometry import shape
from sqlalchemy import text

from geo_app import create_app
from geo_app.extensions import db
from geo_app.geo.coords import geometry_from_wgs84
from geo_app.maps.base import safe_text
from geo_app.maps.basemaps import BasemapError
from tests.external_urls import external_urls
from tests.helpers import demo_features

SITES = demo_features("sites.geojson")
BUILDINGS = {props["code"]: geom for props, geom in demo_features("buildings.geojson")}
HOSTILE_NAME = "<img src=x onerror=alert(1)>${alert(2)}"
HOSTILE_CHIEF = "`); alert(3); (`"
LOCAL_REF = re.compile(r"""(?:src|href)="(/static/[^"]+)\"""")


def page_html(client, url):
    response = client.get(url)
    assert response.status_code == 200, f"{url}: {response.status_code} {response.get_data(as_text=True)[:300]}"
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def embedded_layers(page):
    """The GeoJSON folium embedded in a page: [FeatureCollection, …] in drawing order."""
    return [json.loads(blob) for blob in re.findall(r"^\s*geo_json_\w+_add\((\{.*\})\);$", page, re.M)]


def page_config(page):
    return json.loads(re.search(r'<script type="application/json" id="mq-config">(.*?)</script>', page, re.S)[1])


@pytest.mark.parametrize("url", ["/", "/map", "/track", "/track/MQ-2024-000001"])
def test_staff_pages_load_everything_from_this_host(client, url):
    page = page_html(client, url)
    assert external_urls(page) == []
    for ref in set(LOCAL_REF.findall(page)):
        assert client.get(ref).status_code == 200, f"{url} links {ref}, which is not served"


@pytest.mark.parametrize("url", ["/", "/sites", "/track"])
def test_public_pages_load_everything_from_this_host_without_a_login(public_client, url):
    page = page_html(public_client, url)
    assert external_urls(page) == []
    assert 'name="csrf-token"' not in page, "anonymous residents get no session"
    for ref in set(LOCAL_REF.findall(page)):
        assert public_client.get(ref).status_code == 200, f"{url} links {ref}, which is not served"


def test_the_cadre_map_needs_a_login(public_client):
    response = public_client.get("/map")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_the_cadre_map_embeds_every_unit_with_its_people(client):
    page = page_html(client, "/map")
    layers = embedded_layers(page)
    kinds = [{f["properties"]["kind"] for f in layer["features"]} for layer in layers[1:]]
    assert kinds == [{"grid"}, {"street"}, {"lane"}, {"shop"}, {"building"}]
    assert [len(layer["features"]) for layer in layers[1:]] == [2, 6, 22, 24, 20]
    tooltips = {f["properties"]["tooltip"] for layer in layers for f in layer["features"] if f["properties"]}
    assert any("明珠花园1栋" in t and "楼栋长" in t and re.search(r"\d{3}\*{4}\d{4}", t) for t in tooltips)
    assert not any(re.search(r"1\d{10}", t) for t in tooltips), "phones are masked"
    config = page_config(page)
    assert config["crs"] == "wgs84" and config["basemap"] == "none" and config["map"] in page
    assert "登记民情" in page and 'name="channel"' in page and "居民自报" in page


def test_hostile_names_reach_the_map_only_escaped(app, client):
    with app.app_context():
        db.session.execute(text("UPDATE unit SET name = :n WHERE kind = 'building' AND code = 'BD03'"),
                           {"n": HOSTILE_NAME})
        db.session.execute(text("UPDATE person SET name = :n WHERE id IN (SELECT person_id FROM responsibility r "
                                "JOIN unit u ON u.id = r.unit_id WHERE u.code = 'BD03' AND u.kind = 'building')"),
                           {"n": HOSTILE_CHIEF})
        db.session.execute(text("UPDATE community SET name = :n"), {"n": HOSTILE_NAME})
        db.session.commit()
    page = page_html(client, "/map")
    assert "<img src=x" not in page
    # Code never holds a name; the JSON config block (data, never run) holds them as tojson escapes them.
    scripts = "".join(re.findall(r"<script\b(?![^>]*application/json)[^>]*>(.*?)</script>", page, re.S))
    for raw in (HOSTILE_NAME, HOSTILE_CHIEF, "${alert", "`); alert"):
        assert raw not in scripts, raw
    config_block = re.search(r'<script type="application/json" id="mq-config">(.*?)</script>', page, re.S).group(1)
    assert "<" not in config_block and "\\u003cimg" in config_block
    tooltips = [f["properties"]["tooltip"] for layer in embedded_layers(page) for f in layer["features"]
                if f["properties"]]
    assert any(safe_text(HOSTILE_NAME) in t and safe_text(HOSTILE_CHIEF) in t for t in tooltips)


def test_the_sites_page_shows_every_site_with_hours_story_and_activities(public_client):
    page = page_html(public_client, "/sites")
    for props, _geom in SITES:
        assert f'id="site-{props["code"]}"' in page
        assert props["name"] in page and props["opening_hours"] in page
    assert "法治宣讲：民法典进社区" in page
    layers = embedded_layers(page)
    route = [f for layer in layers for f in layer["features"] if f["properties"].get("kind") == "culture_street"]
    assert len(route) == 1 and route[0]["geometry"]["type"] == "LineString"
    config = page_config(page)
    assert config["channel"] == "resident"
    assert 'name="channel"' not in page, "residents report through their own channel"
    assert "定位我" in page and "反映问题" in page


def test_a_cadre_sees_only_their_own_community(client, admin_client):
    response = client.get("/map?community=elsewhere")
    assert response.status_code == 403
    assert "本社区" in response.get_data(as_text=True)
    response = admin_client.get("/map?community=elsewhere")
    assert response.status_code == 404
    assert "没有编号为 'elsewhere' 的社区" in html.unescape(response.get_data(as_text=True))


def test_the_track_page_carries_the_code_to_its_script_escaped(public_client):
    code = "<b>x</b></script>`${1}"
    response = public_client.get("/track", query_string={"code": code})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<b>x</b>" not in page and "</script>`" not in page
    assert page_config(page)["code"] == code


# ---------------------------------------------------------------------------- basemaps


def test_gaode_shifts_the_embedded_layers_and_tells_the_page(app, client):
    app.config["BASEMAP"] = "gaode"
    page = page_html(client, "/map")
    assert page_config(page)["crs"] == "gcj02"
    assert {u.split("/")[2] for u in external_urls(page)} == {"webrd0{s}.is.autonavi.com"}
    building = next(f for layer in embedded_layers(page) for f in layer["features"]
                    if f["properties"] and "BD01" in f["properties"].get("tooltip", ""))
    expected = geometry_from_wgs84(BUILDINGS["BD01"], "gcj02")
    assert shape(building["geometry"]).hausdorff_distance(expected) < 1e-7
    assert shape(building["geometry"]).hausdorff_distance(BUILDINGS["BD01"]) > 1e-3


def test_tianditu_without_a_key_refuses_to_start(tmp_path):
    with pytest.raises(BasemapError, match="TIANDITU_KEY"):
        create_app({"BASEMAP": "tianditu", "TIANDITU_KEY": "", "SECRET_KEY": "x",
                    "DATABASE_URL": f"postgresql+psycopg2://nobody@/none?host={tmp_path}"})


def test_tianditu_with_a_key_loads_its_tiles(app, client):
    app.config.update(BASEMAP="tianditu", TIANDITU_KEY="0123456789abcdef0123456789abcdef")
    page = page_html(client, "/map")
    hosts = {u.split("/")[2] for u in external_urls(page)}
    assert hosts == {"t{s}.tianditu.gov.cn"}
    assert page_config(page)["crs"] == "wgs84"
