"""/map and /sites in chromium with the units drawn from vector tiles (a large community), and embedded when small."""

import re
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import click_at, lookup_popup, map_ready
from tests.helpers import demo_features, demo_people, interior_point

pytestmark = pytest.mark.browser

BUILDINGS = {props["code"]: (props, geom) for props, geom in demo_features("buildings.geojson")}
CHIEFS = {row["unit_code"]: row["name"] for row in demo_people("building_chief")}
TILED_PATH = "svg.leaflet-tile path"


@pytest.fixture
def large_community(live_server):
    """Make every community count as large for one test: its pages draw units from /tiles."""
    live_server.app.config["TILES_ABOVE_FEATURES"] = 0
    yield
    live_server.app.config["TILES_ABOVE_FEATURES"] = 3000


def tile_requests(watched, layer):
    return [url for url in watched.requests if urlsplit(url).path.startswith(f"/tiles/{layer}/")]


def wait_for_tiles(page):
    page.wait_for_function(f"() => document.querySelectorAll('.leaflet-overlay-pane {TILED_PATH}').length > 0")


def view_tiles_at(page, lat, lon, zoom=18):
    """Centre the map on a point and wait until its tiles are drawn (so a click is not queued behind them)."""
    page.evaluate("""([lat, lon, zoom]) => {
        const cases = window[MQ.config.layers.cases];
        if (cases && MQ.map.hasLayer(cases)) MQ.map.removeLayer(cases);
        MQ.map.setView([lat, lon], zoom, {animate: false});
    }""", [lat, lon, zoom])
    page.wait_for_function("() => MQ.tiles && !MQ.tiles.grid.isLoading()")
    wait_for_tiles(page)


def test_a_large_community_s_map_draws_units_from_tiles_and_a_click_finds_the_chief(large_community, open_page,
                                                                                    cadre_login):
    watched = open_page("/map", storage_state=cadre_login)
    page = watched.page
    map_ready(page)
    spec = page.evaluate("MQ.config.tiles")
    assert [kind["layer"] for kind in spec["layers"]] == ["grids", "streets", "lanes", "shops", "buildings"]
    assert "/tiles/units/{z}/{x}/{y}.mvt" in spec["url"]
    props, geom = BUILDINGS["BD01"]
    lon, lat = interior_point(geom)
    view_tiles_at(page, lat, lon)
    click_at(page, lat, lon)
    content = lookup_popup(page).inner_text()
    assert f"楼栋长 {CHIEFS['BD01']}" in content and props["name"] in content
    assert re.search(r"1\d\d\*{4}\d{4}", content), "the chief's phone, masked"
    wait_for_tiles(page)
    assert tile_requests(watched, "units") and not tile_requests(watched, "buildings")
    assert all("community=mingzhu" in url for url in tile_requests(watched, "units"))
    # no unit embedded as GeoJSON: every unit path on the map sits in a tile
    assert page.locator(f".leaflet-overlay-pane {TILED_PATH}").count() >= 1
    assert page.locator(".leaflet-control-layers-overlays label").count() == 7  # 5 tiled unit kinds, cases, heat
    watched.screenshot("map-tiled")
    watched.assert_quiet()


def test_hovering_a_tiled_building_names_it_and_its_chief(large_community, open_page, cadre_login):
    watched = open_page("/map", storage_state=cadre_login)
    page = watched.page
    map_ready(page)
    props, geom = BUILDINGS["BD02"]
    lon, lat = interior_point(geom)
    view_tiles_at(page, lat, lon)
    box = page.evaluate("""([lat, lon]) => {
        const p = MQ.map.latLngToContainerPoint([lat, lon]);
        const r = MQ.map.getContainer().getBoundingClientRect();
        return [r.left + p.x, r.top + p.y];
    }""", [lat, lon])
    page.mouse.move(box[0] - 5, box[1] - 5)
    page.mouse.move(*box)
    tip = page.locator(".leaflet-tooltip.mq-tooltip")
    tip.wait_for()
    assert props["name"] in tip.inner_text() and CHIEFS["BD02"] in tip.inner_text()
    watched.assert_quiet()


def test_a_small_community_s_map_embeds_its_units_and_asks_for_no_tile(open_page, cadre_login):
    watched = open_page("/map", storage_state=cadre_login)
    map_ready(watched.page)
    assert watched.page.evaluate("MQ.config.tiles") is None
    assert watched.page.locator(f".leaflet-overlay-pane {TILED_PATH}").count() == 0
    assert not [url for url in watched.requests if "/tiles/" in url]
    watched.assert_quiet()


def test_the_public_sites_map_of_a_large_community_draws_streets_from_tiles(large_community, open_page):
    watched = open_page("/sites")
    page = watched.page
    map_ready(page)
    wait_for_tiles(page)
    assert [kind["layer"] for kind in page.evaluate("MQ.config.tiles.layers")] == ["streets"]
    assert tile_requests(watched, "streets") and not tile_requests(watched, "units")
    assert page.evaluate("Object.keys(MQ.config.layers).sort()") == ["control", "route", "sites"]
    assert page.locator("article.mq-site").count() == len(demo_features("sites.geojson"))
    watched.assert_quiet()
