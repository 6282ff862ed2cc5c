"""/map and /sites choose by size: a community over TILES_ABOVE_FEATURES units is drawn from /tiles, not embedded."""

import json
import re

from tests.conftest import client_as

UNIT_NAME = "明珠花园1栋"  # a demo building: in the page only when the units are embedded


def mentions(page, text):
    """Tell whether a page holds a text, as is or \\u-escaped (folium writes GeoJSON with json.dumps)."""
    return text in page or json.dumps(text)[1:-1] in page


def page_config(page):
    return json.loads(re.search(r'<script type="application/json" id="mq-config">(.*?)</script>', page, re.S)[1])


def test_a_large_community_s_map_links_the_units_tiles_and_embeds_no_unit(make_app):
    app = make_app(TILES_ABOVE_FEATURES=10)
    page = client_as(app, "cadre").get("/map").get_data(as_text=True)
    tiles = page_config(page)["tiles"]
    assert tiles["url"] == "/tiles/units/{z}/{x}/{y}.mvt?community=mingzhu"
    assert [kind["label"] for kind in tiles["layers"]] == ["网格", "街/路", "巷", "店", "楼栋"]
    assert not mentions(page, UNIT_NAME) and "Leaflet.VectorGrid.bundled.min.js" in page and "js/tiles.js" in page
    assert page.index("leaflet/dist/leaflet.js") < page.index("Leaflet.VectorGrid.bundled.min.js")


def test_a_small_community_s_map_embeds_its_units(client):
    page = client.get("/map").get_data(as_text=True)
    assert page_config(page)["tiles"] is None
    assert mentions(page, UNIT_NAME)
    assert "VectorGrid" not in page and "js/tiles.js" not in page


def test_a_large_community_s_sites_page_draws_streets_from_tiles(make_app):
    app = make_app(TILES_ABOVE_FEATURES=10)
    page = app.test_client().get("/sites").get_data(as_text=True)
    tiles = page_config(page)["tiles"]
    assert tiles["url"] == "/tiles/streets/{z}/{x}/{y}.mvt?community=mingzhu" and tiles["minzoom"] == 12
    assert set(page_config(page)["layers"]) == {"route", "sites", "control"}


def test_a_gcj02_basemap_keeps_the_shifted_geojson(make_app):
    app = make_app(TILES_ABOVE_FEATURES=10, BASEMAP="gaode")
    assert page_config(client_as(app, "cadre").get("/map").get_data(as_text=True))["tiles"] is None
