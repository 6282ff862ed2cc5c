"""/map's cases in chromium: markers from the API, filters, the case popup, dispatch by clicking, the case page."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser.conftest import HOSTILE_TITLE, PHONE, click_at, lookup_popup, map_ready, map_settled
from tests.helpers import demo_features, demo_people, interior_point

pytestmark = pytest.mark.browser

BUILDINGS = {props["code"]: geom for props, geom in demo_features("buildings.geojson")}
CHIEFS = {row["unit_code"]: row["name"] for row in demo_people("building_chief")}


def cases_loaded(page):
    """Wait until /map has drawn the cases of its current filters."""
    page.wait_for_function("() => document.body.dataset.casesLoaded && !/正在加载/.test("
                           "document.getElementById('mq-case-count').textContent)")


def marker_count(page):
    return page.evaluate("() => window[MQ.config.layers.cases].getLayers().length")


def click_case_marker(page, code):
    """Switch clicks to 查民情, zoom in on a case's marker (no clustering from zoom 19) and click it, as a cadre would."""
    map_settled(page)
    page.click('[data-click-mode="case"]')
    page.evaluate("(code) => { MQ.map.setView(MQ.cadre.caseMarker(code).getLatLng(), 19, {animate: false}); }", code)
    map_settled(page)  # the clusters split into markers (animated, though the zoom is not)
    page.locator(f'.mq-case-dot[data-code="{code}"]').click()
    popup = page.locator(f'.leaflet-popup-content .mq-case-pop[data-code="{code}"]')
    popup.wait_for()
    return popup


@pytest.fixture
def cadre_map(open_page, cadre_login):
    watched = open_page("/map", storage_state=cadre_login)
    map_ready(watched.page)
    cases_loaded(watched.page)
    return watched


def test_case_markers_come_from_the_api_clustered_and_coloured(cadre_map, live_server, cadre_token):
    page = cadre_map.page
    _, body = live_server.get_json("/api/v1/cases?community=mingzhu&limit=1", token=cadre_token)
    assert marker_count(page) == body["total"] > 700
    assert cadre_map.api_requests("/api/v1/cases"), "the markers were fetched, not inlined"
    assert page.locator(".mq-cluster").count() > 0
    assert f"共 {body['total']} 件民情" in page.locator("#mq-case-count").inner_text()
    assert page.locator("#mq-case-list li").count() == 50
    legend = page.locator(".leaflet-control.mq-legend").inner_text()
    assert "民情状态" in legend and "办结" in legend and "超时" in legend
    cadre_map.screenshot("map-cases")
    cadre_map.assert_quiet()


def test_filters_redraw_markers_and_heat_without_a_reload(cadre_map, live_server, cadre_token):
    page = cadre_map.page
    page.evaluate("window.__sameDocument = true")
    page.select_option('#mq-filters [name="channel"]', "lawyer")
    page.fill('#mq-filters [name="from"]', "2023-01-01")
    page.fill('#mq-filters [name="to"]', "2023-12-31")
    page.locator('#mq-filters [name="to"]').dispatch_event("change")
    page.wait_for_function("() => window[MQ.config.layers.cases].getLayers().length < 100")
    cases_loaded(page)
    query = "channel=lawyer&from=2023-01-01&to=2023-12-31&community=mingzhu"
    _, body = live_server.get_json(f"/api/v1/cases?{query}&limit=1", token=cadre_token)
    assert marker_count(page) == body["total"] > 0
    assert page.evaluate("window.__sameDocument") is True, "no reload"
    assert "channel=lawyer" in page.url, "the filters are kept in the address"
    page.locator(".leaflet-control-layers-overlays label", has_text="民情热力").locator("input").check()
    page.wait_for_function("() => MQ.cadre.heat.last && MQ.cadre.heat.last.ok")
    heat = cadre_map.api_requests("/api/v1/heat")
    assert heat, "the heat layer asked the server for cells"
    params = parse_qs(urlsplit(heat[-1]).query)
    assert params["channel"] == ["lawyer"] and params["from"] == ["2023-01-01"] and "bbox" in params
    assert page.evaluate("MQ.cadre.heat.last.total") <= body["total"]
    cadre_map.screenshot("map-filtered-heat")
    cadre_map.assert_quiet()


def test_a_hostile_case_title_is_text_in_its_popup_and_list(open_page, cadre_login, hostile_case):
    watched = open_page("/map", storage_state=cadre_login)
    page = watched.page
    map_ready(page)
    cases_loaded(page)
    code = hostile_case["code"]
    popup = click_case_marker(page, code)
    assert popup.locator('[data-role="title"]').inner_text() == HOSTILE_TITLE
    assert popup.locator("img").count() == 0
    assert "签收超时" in popup.inner_text()
    item = page.locator(f'#mq-case-list li[data-code="{code}"]')
    assert item.locator('[data-role="title"]').inner_text() == HOSTILE_TITLE
    assert page.locator("#mq-case-list img, .leaflet-pane img").count() == 0
    # the popup fades in (a 200 ms opacity transition): shoot it once it is opaque
    page.wait_for_function("() => getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'")
    watched.screenshot("map-hostile-case")
    watched.assert_quiet()


def test_a_report_made_on_sites_reaches_the_cadres_list_with_the_buildings_chief(open_page, cadre_login):
    resident = open_page("/sites", viewport=PHONE)
    page = resident.page
    map_ready(page)
    page.click("#mq-report")
    lon, lat = interior_point(BUILDINGS["BD06"])
    click_at(page, lat, lon, zoom=18)
    form = page.locator("#mq-case-form")
    form.wait_for()
    form.locator('[name="category"]').select_option("hazard")
    form.locator('[name="title"]').fill("楼道电动车飞线充电")
    form.locator('button[type="submit"]').click()
    form.locator('[data-role="code"]').wait_for()
    resident.assert_quiet()

    cadre = open_page("/map", storage_state=cadre_login)
    map_ready(cadre.page)
    cases_loaded(cadre.page)
    item = cadre.page.locator("#mq-case-list li", has_text="楼道电动车飞线充电").first
    case_code = item.get_attribute("data-code")
    assert item.locator('[data-role="title"]').inner_text() == "楼道电动车飞线充电"
    assert "安全隐患" in item.inner_text()
    item.locator("button").click()
    popup = cadre.page.locator(f'.leaflet-popup-content .mq-case-pop[data-code="{case_code}"]')
    popup.wait_for()
    assert popup.locator('[data-role="assignee"]').inner_text() == f"楼栋长 {CHIEFS['BD06']}"
    assert popup.locator('[data-role="channel"]').inner_text() == "居民自报", "details fetched when opened"
    cadre.assert_quiet()


def test_a_cadre_dispatches_a_case_by_clicking_its_marker_then_a_building(open_page, cadre_login, live_server,
                                                                          cadre_token):
    lon, lat = interior_point(BUILDINGS["BD08"])
    status, created = live_server.call("POST", "/api/v1/cases", token=cadre_token, body={
        "title": "雨棚松动", "channel": "patrol", "category": "hazard", "lat": lat, "lon": lon})
    assert status == 201 and created["assignee"]["name"] == CHIEFS["BD08"]
    code = created["code"]
    watched = open_page("/map", storage_state=cadre_login)
    page = watched.page
    map_ready(page)
    cases_loaded(page)
    popup = click_case_marker(page, code)
    assert "已选为待派单" in popup.inner_text()
    assert code in page.locator("#mq-selected-case").inner_text()
    target_lon, target_lat = interior_point(BUILDINGS["BD09"])
    click_at(page, target_lat, target_lon)
    lookup_popup(page)
    page.locator('.mq-lookup button[data-action="dispatch"]').click()
    done = page.locator('#mq-selected-case [data-role="dispatch-status"]')
    done.wait_for()
    assert done.inner_text() == f"已派给 楼栋长 {CHIEFS['BD09']}"
    _, after = live_server.get_json(f"/api/v1/cases/{code}", token=cadre_token)
    assert after["assignee"]["name"] == CHIEFS["BD09"] and after["status"] == "dispatched"
    assert after["history"][-1]["action"] == "dispatch"
    item = page.locator(f'#mq-case-list li[data-code="{code}"] [data-role="assignee"]')
    assert item.inner_text() == f"楼栋长 {CHIEFS['BD09']}", "the list follows the dispatch"
    watched.screenshot("map-dispatched")
    watched.assert_quiet()


def test_the_case_page_shows_history_and_runs_the_workflow(open_page, cadre_login, hostile_case, live_server,
                                                           cadre_token):
    watched = open_page(f"/cases/{hostile_case['code']}", storage_state=cadre_login)
    page = watched.page
    title = page.locator('#mq-case [data-role="title"]')
    title.wait_for()
    assert title.inner_text() == HOSTILE_TITLE
    assert page.locator("#mq-case img").count() == 0
    assert "`${alert(5)}`</script>" in page.locator(".mq-description").inner_text()
    assert page.locator(".mq-timeline li").count() >= 2  # 受理, 派单
    assert page.locator('a[data-action="dispatch"]').get_attribute("href").endswith(f"/map?case={hostile_case['code']}")
    watched.screenshot("case-page")

    lon, lat = interior_point(BUILDINGS["BD10"])
    _, other = live_server.call("POST", "/api/v1/cases", token=cadre_token, body={
        "title": "路灯闪烁", "channel": "rider", "category": "hazard", "lat": lat, "lon": lon})
    watched.goto(f"/cases/{other['code']}")
    page.locator('button[data-action="accept"]').click()
    page.locator('.mq-action-form button[type="submit"]').click()
    page.locator('#mq-case [data-role="message"]').wait_for()
    assert page.locator('#mq-case [data-role="status"]').inner_text() == "签收"
    assert re.search(r"签收\s+派单 → 签收", page.locator(".mq-timeline").inner_text())
    page.locator('button[data-action="resolve"]').click()
    page.locator('.mq-action-form button[type="submit"]').click()
    assert page.locator(".mq-action-form .mq-error").inner_text() == "请填写办理结果。"
    watched.assert_quiet()


def test_the_map_fits_a_phone(open_page, cadre_login):
    watched = open_page("/map", viewport=PHONE, storage_state=cadre_login)
    page = watched.page
    map_ready(page)
    cases_loaded(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert not page.locator("#mq-side").is_visible(), "the list and filters fold away on a phone"
    assert not page.locator(".leaflet-control-layers-list").is_visible(), "the layer control folds to its icon"
    watched.screenshot("map-phone")
    page.click("#mq-side-toggle")
    assert page.locator("#mq-filters").is_visible() and page.locator("#mq-case-list li").count() == 50
    watched.screenshot("map-phone-list")
    watched.assert_quiet()
