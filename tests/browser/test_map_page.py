"""/map in chromium: layers drawn from local assets only, a click names who answers for the building."""

import re

import pytest

from geo_app.geo.coords import from_wgs84
from tests.browser.conftest import HOSTILE, click_at, lookup_popup, map_ready
from tests.helpers import demo_features, demo_people, interior_point

pytestmark = pytest.mark.browser

BUILDINGS = {props["code"]: geom for props, geom in demo_features("buildings.geojson")}
CHIEFS = {row["unit_code"]: row["name"] for row in demo_people("building_chief")}
UNIT_COUNT = sum(len(demo_features(f"{kind}.geojson")) for kind in ("streets", "lanes", "shops", "buildings", "grids"))


@pytest.fixture
def cadre_page(open_page, cadre_login):
    watched = open_page("/map", storage_state=cadre_login)
    map_ready(watched.page)
    return watched


def test_map_needs_a_login(open_page):
    watched = open_page(None)
    watched.page.goto(watched.base_url + "/map")
    assert "/login" in watched.page.url
    assert watched.page.locator("#username").is_visible()


def test_map_draws_every_unit_from_this_host_only(cadre_page):
    page = cadre_page.page
    assert page.locator(".leaflet-container").count() == 1
    assert page.locator(".leaflet-overlay-pane svg path.leaflet-interactive").count() >= UNIT_COUNT
    assert page.locator(".leaflet-tile").count() == 0  # no basemap: a plain background
    assert page.locator(".leaflet-control-layers-overlays label").count() == 7  # 5 unit kinds, cases, heat
    assert "图例" in page.locator(".leaflet-control.mq-legend").inner_text()
    cadre_page.screenshot("map")
    cadre_page.assert_quiet()


def test_click_on_a_building_names_its_chief(cadre_page):
    lon, lat = interior_point(BUILDINGS["BD01"])
    click_at(cadre_page.page, lat, lon)
    popup = cadre_page.page.locator(".leaflet-popup-content .mq-lookup")
    popup.wait_for()
    content = popup.inner_text()
    assert f"楼栋长 {CHIEFS['BD01']}" in content
    assert "明珠花园1栋" in content
    assert re.search(r"1\d\d\*{4}\d{4}", content), "the chief's phone, masked"
    assert cadre_page.page.locator('.mq-lookup button[data-action="new-case"]').inner_text() == "在此登记民情"
    assert not cadre_page.page.locator('.mq-lookup button[data-action="dispatch"]').is_visible()
    cadre_page.screenshot("map-lookup")
    cadre_page.assert_quiet()


def test_hostile_names_show_as_text_and_run_nothing(cadre_page):
    page = cadre_page.page
    code, building_name = HOSTILE["building"]
    _, chief_name = HOSTILE["chief"]
    lon, lat = interior_point(BUILDINGS[code])
    click_at(page, lat, lon)
    page.locator(".leaflet-popup-content .mq-lookup").wait_for()
    content = page.locator(".leaflet-popup-content .mq-lookup").inner_text()
    assert building_name in content and chief_name in content
    page.evaluate("() => { MQ.map.closePopup(); }")  # the popup (larger on phones now) may cover the point
    page.mouse.move(5, 400)  # leave, then hover the building for its tooltip
    click_free = page.evaluate(
        "([lat, lon]) => { const p = MQ.map.latLngToContainerPoint([lat, lon]);"
        " const b = MQ.map.getContainer().getBoundingClientRect(); return [b.left + p.x, b.top + p.y]; }",
        [lat, lon])
    page.mouse.move(*click_free)
    tooltip = page.locator(".leaflet-tooltip.mq-tooltip", has_text=building_name)
    tooltip.wait_for()
    assert building_name in tooltip.inner_text() and chief_name in tooltip.inner_text()
    assert page.locator(".leaflet-pane img").count() == 0
    cadre_page.assert_quiet()


def test_js_gcj02_matches_the_python_transform(open_page):
    page = open_page("/track").page  # MQ.coords is static/js/minqing.js's, the same file on every page: no map needed
    for lon, lat in [(115.3201730, 22.9685627), (116.397, 39.909), (121.47, 31.23)]:
        js = page.evaluate("([lon, lat]) => MQ.coords.wgs84ToGcj02(lon, lat)", [lon, lat])
        assert js == pytest.approx(list(from_wgs84(lon, lat, "gcj02")), abs=1e-9)
        back = page.evaluate("([lon, lat]) => MQ.coords.gcj02ToWgs84(lon, lat)", js)
        assert back == pytest.approx([lon, lat], abs=1e-8)


def test_case_form_registers_a_case_at_the_click(cadre_page):
    page = cadre_page.page
    lon, lat = interior_point(BUILDINGS["BD02"])
    click_at(page, lat, lon)
    lookup_popup(page)
    page.locator('.mq-lookup button[data-action="new-case"]').click()
    form = page.locator("#mq-case-form")
    form.wait_for()
    assert f"楼栋长 {CHIEFS['BD02']}" in form.locator('[data-role="assignee"]').inner_text()
    form.locator('[name="title"]').fill("楼道灯不亮")
    form.locator('[name="description"]').fill("三楼楼道灯坏了一周")
    form.locator('[name="category"]').select_option("environment")
    form.locator('[name="channel"]').select_option("grid_worker")
    form.locator('button[type="submit"]').click()
    code = form.locator('[data-role="code"]')
    code.wait_for()
    # the tracking code to give the resident, and the case number staff use
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}", code.inner_text())
    assert re.fullmatch(r"案件编号：MQ-\d{4}-\d{6}", form.locator('[data-role="case-code"]').inner_text())
    cadre_page.screenshot("map-case-form")
    cadre_page.assert_quiet()


def test_dispatch_the_selected_case_to_the_chief_of_a_clicked_building(cadre_page):
    page = cadre_page.page
    lon, lat = interior_point(BUILDINGS["BD02"])
    created = page.evaluate(
        """([lat, lon]) => MQ.fetchJSON(MQ.api("/cases"), {method: "POST", json: {
            title: "楼顶漏水", description: "", channel: "night_talk", category: "hardship", lat: lat, lon: lon}})""",
        [lat, lon])
    assert created["ok"], created
    page.evaluate("(c) => selectCaseForDispatch(c)", created["body"])
    assert created["body"]["code"] in page.locator("#mq-selected-case").inner_text()
    lon, lat = interior_point(BUILDINGS["BD03"])
    click_at(page, lat, lon)
    lookup_popup(page)
    dispatch = page.locator('.mq-lookup button[data-action="dispatch"]')
    dispatch.wait_for()
    assert dispatch.inner_text() == "派给此处责任人"
    dispatch.click()
    status = page.locator('#mq-selected-case [data-role="dispatch-status"]')
    status.wait_for()
    assert status.inner_text() == f"已派给 楼栋长 {CHIEFS['BD03']}"
    cadre_page.assert_quiet()


@pytest.fixture
def gaode_basemap(live_server):
    """Serve the pages on the 高德 (GCJ-02) basemap for one test."""
    live_server.app.config["BASEMAP"] = "gaode"
    yield
    live_server.app.config["BASEMAP"] = "none"


def test_on_the_gaode_basemap_a_click_on_the_shifted_building_finds_its_chief(gaode_basemap, open_page,
                                                                                cadre_login):
    watched = open_page("/map", storage_state=cadre_login)
    page = watched.page
    map_ready(page)
    assert page.evaluate("MQ.config.crs") == "gcj02"
    lon, lat = from_wgs84(*interior_point(BUILDINGS["BD04"]), "gcj02")
    click_at(page, lat, lon)
    popup = page.locator(".leaflet-popup-content .mq-lookup")
    popup.wait_for()
    assert f"楼栋长 {CHIEFS['BD04']}" in popup.inner_text()
    # the tiles were asked of 高德 and aborted: nothing else left this host
    assert watched.external_requests and all(".is.autonavi.com/" in url for url in watched.external_requests)
    assert watched.page_errors == [] and watched.dialogs == []
