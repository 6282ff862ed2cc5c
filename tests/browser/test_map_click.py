"""/map at a desk (1366 px) and on a phone (360 px): a click finds the person, panels keep clear of the popup's
buttons, the state follows every action, roles see only their actions, labels, and the report forms."""

import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser.conftest import (
    CHIEF_LOGIN,
    HOSTILE,
    MAP_STILL,
    click_at,
    lookup_popup,
    map_ready,
    map_settled,
)
from tests.helpers import demo_features, demo_people, interior_point

pytestmark = pytest.mark.browser

DESK = {"width": 1366, "height": 768}
PHONE_360 = {"width": 360, "height": 740}
SIZES = pytest.mark.parametrize("viewport", [DESK, PHONE_360], ids=["1366", "360"])
BUILDINGS = {props["code"]: (props["name"], geom) for props, geom in demo_features("buildings.geojson")}
CHIEFS = {row["unit_code"]: row["name"] for row in demo_people("building_chief")}
CHIEFS[HOSTILE["chief"][0]] = HOSTILE["chief"][1]  # the live server renames BD05's chief


def cases_loaded(page):
    page.wait_for_function("() => document.body.dataset.casesLoaded && !/正在加载/.test("
                           "document.getElementById('mq-case-count').textContent)")


def open_map(open_page, storage, viewport):
    watched = open_page("/map", viewport=viewport, storage_state=storage)
    map_ready(watched.page)
    cases_loaded(watched.page)
    return watched


def all_layers_on(page):
    """Tick every overlay of the layer control (the units, the case markers and the heat)."""
    page.evaluate("""() => document.querySelectorAll('.leaflet-control-layers-overlays input').forEach(
        (box) => { if (!box.checked) box.click(); })""")
    assert page.evaluate("() => [...document.querySelectorAll('.leaflet-control-layers-overlays input')]"
                         ".every((box) => box.checked)")


def close_popups(page):
    """Close the open popup and wait until it has faded out of the page (Leaflet keeps it 200 ms)."""
    page.evaluate("() => { MQ.map.closePopup(); }")
    page.wait_for_function("() => !document.querySelector('.leaflet-popup')")


def screen_point(page, lat, lon):
    return page.evaluate("""([lat, lon]) => { const p = MQ.map.latLngToContainerPoint([lat, lon]);
        const b = MQ.map.getContainer().getBoundingClientRect(); return [b.left + p.x, b.top + p.y]; }""", [lat, lon])


KIND_AT = """(x, y) => { const e = document.elementFromPoint(x, y);
        if (!e) return "none";
        if (e.closest('.mq-cluster-icon')) return "cluster";
        if (e.closest('.mq-case-pin')) return "marker";
        if (e.closest('.mq-label-icon')) return "label";
        if (e.closest('.leaflet-overlay-pane')) return "unit";
        return e.closest('.leaflet-control, .mq-selected-case, .mq-side-toggle') ? "panel" : "other"; }"""


def what_is_at(page, x, y):
    """The kind of thing a click at (x, y) lands on: "marker", "cluster", "label", "unit" or "other"."""
    return page.evaluate(f"([x, y]) => ({KIND_AT})(x, y)", [x, y])


# One round trip: close the popup, centre the map on a WGS-84 point at zoom 18, wait until the map is still and the
# closed popup has faded out of the page (Leaflet keeps it 200 ms, and it would take the click; it fades while the map
# settles), then return the point's page coordinates and what a click there lands on (KIND_AT).
CENTRE_ON = f"""async ([lat, lon]) => {{
    MQ.map.closePopup();
    MQ.map.setView([lat, lon], 18, {{animate: false}});
    await ({MAP_STILL})();
    await new Promise((done, fail) => {{
      const deadline = performance.now() + 5000;
      const look = () => {{
        if (!document.querySelector('.leaflet-popup')) done();
        else if (performance.now() > deadline) fail(new Error("the closed popup was still in the page after 5 s"));
        else requestAnimationFrame(look);
      }};
      look();
    }});
    const p = MQ.map.latLngToContainerPoint([lat, lon]), b = MQ.map.getContainer().getBoundingClientRect();
    return [b.left + p.x, b.top + p.y, ({KIND_AT})(b.left + p.x, b.top + p.y)];
}}"""

# After the lookup has answered: the map's zoom and whether a zoom animation runs, how many of the popup's chain items
# are the building, that item's text and the popup's text. Read one animation frame on: a zoom the click asked for has
# begun by then (Leaflet starts an animated zoom in the frame after the request; it changes getZoom() when it ends, and
# marks the map pane with leaflet-zoom-anim while it runs), so zoom 18 and no animation means the click zoomed nothing.
# The popup's pan clear of the panels may still run: the next setView stops it.
READ_LOOKUP = """async (code) => {
    await new Promise((frame) => requestAnimationFrame(frame));
    const popup = document.querySelector('.leaflet-popup-content .mq-lookup');
    const items = popup.querySelectorAll(`.mq-chain li[data-code="${code}"]`);
    const zooming = MQ.map.getPane("mapPane").classList.contains("leaflet-zoom-anim");
    return [MQ.map.getZoom(), zooming, items.length, items.length ? items[0].innerText : "", popup.innerText]; }"""


@SIZES
def test_a_click_at_the_centre_of_every_building_names_its_chief_with_all_layers_on(open_page, cadre_login,
                                                                                    hostile_case, viewport):
    watched = open_map(open_page, cadre_login, viewport)
    page = watched.page
    all_layers_on(page)
    landed = {}
    for code, (_name, geom) in sorted(BUILDINGS.items()):
        lon, lat = interior_point(geom)
        x, y, landed[code] = page.evaluate(CENTRE_ON, [lat, lon])
        assert landed[code] not in ("panel", "none"), f"{code}: a panel sits on the centre of the map"
        page.mouse.click(x, y)
        page.wait_for_function("() => document.querySelector('.leaflet-popup-content') && "
                               "!document.querySelector('.leaflet-popup-content .mq-loading')")
        assert page.locator(".leaflet-popup-content .mq-lookup").count() == 1, (
            f"{code} ({landed[code]}): {page.locator('.leaflet-popup-content').all_inner_texts()}")
        page.locator(".leaflet-popup-content .mq-lookup").wait_for()
        zoom, zooming, items, building, popup = page.evaluate(READ_LOOKUP, code)
        assert zoom == 18 and not zooming, f"{code} ({landed[code]}): the click zoomed the map"
        assert items == 1, f"{code} ({landed[code]}): the lookup names another place: {popup}"
        expected = f"楼栋长 {CHIEFS[code]}" if code in CHIEFS else "暂无责任人"  # 12 楼栋长 for 20 buildings
        assert expected in building, f"{code} ({landed[code]}): {building}"
        if code in CHIEFS:
            assert f"责任人：楼栋长 {CHIEFS[code]}" in popup
    # the test means something: on some centres the click landed on a case marker or a cluster, not the building
    assert {"marker", "cluster"} & set(landed.values()), landed
    hostile = interior_point(BUILDINGS["BD07"][1])
    assert landed["BD07"] in ("marker", "cluster"), f"a case sits right on BD07's centre {hostile}: {landed['BD07']}"
    watched.assert_quiet()


@SIZES
def test_a_case_under_the_click_is_one_tap_away_and_the_case_mode_opens_markers(open_page, cadre_login,
                                                                                hostile_case, viewport):
    watched = open_map(open_page, cadre_login, viewport)
    page = watched.page
    lon, lat = interior_point(BUILDINGS["BD07"][1])
    click_at(page, lat, lon, zoom=19, hide_cases=False)
    popup = lookup_popup(page)
    page.wait_for_function("() => !document.querySelector('.leaflet-popup-content .mq-loading')")
    assert f"楼栋长 {CHIEFS['BD07']}" in popup.inner_text()
    here = popup.locator(f'[data-role="here-cases"] button[data-case-code="{hostile_case["code"]}"]')
    here.click()
    case_popup = page.locator(f'.leaflet-popup-content .mq-case-pop[data-code="{hostile_case["code"]}"]')
    case_popup.wait_for()
    assert "签收超时" in case_popup.inner_text(), "the details were fetched on demand"
    close_popups(page)
    page.click('[data-click-mode="case"]')
    map_settled(page)
    x, y = screen_point(page, lat, lon)
    page.mouse.click(x, y)
    case_popup.wait_for()
    # in 查民情 mode a cluster zooms in (in 查责任人 mode it asks who answers and the map stays: the loop above)
    close_popups(page)
    page.evaluate("([lat, lon]) => { MQ.map.setView([lat, lon], 16, {animate: false}); }", [lat, lon])
    map_settled(page)
    cluster = page.locator(".mq-cluster-icon").first
    cluster.click()
    page.wait_for_function("() => MQ.map.getZoom() > 16")
    map_settled(page)
    assert page.locator(".leaflet-popup-content .mq-lookup").count() == 0
    legend = page.locator("#mq-legend")
    assert "查责任人" in legend.text_content() and "查民情" in legend.text_content()
    watched.assert_quiet()


def put_on_map_at(page, lat, lon, x, y):
    """Pan the map so that a WGS-84 point is drawn at container pixel (x, y); return its page coordinates."""
    close_popups(page)
    page.evaluate("""([lat, lon, x, y]) => {
        MQ.map.setView([lat, lon], 18, {animate: false});
        const p = MQ.map.latLngToContainerPoint([lat, lon]);
        MQ.map.panBy([p.x - x, p.y - y], {animate: false}); }""", [lat, lon, x, y])
    map_settled(page)
    return screen_point(page, lat, lon)


def button_is_clear(page, selector):
    """The button is drawn, inside the map, and the topmost element at its centre belongs to it."""
    return page.evaluate("""(selector) => { const b = document.querySelector(selector);
        if (!b) return "missing";
        const r = b.getBoundingClientRect(), m = MQ.map.getContainer().getBoundingClientRect();
        if (r.left < m.left || r.right > m.right || r.top < m.top || r.bottom > m.bottom) return "outside the map";
        const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        return b.contains(top) ? "clear" : "covered by " + (top && (top.id || top.className)); }""", selector)


@SIZES
def test_panels_never_cover_the_popup_buttons_and_the_banner_follows_the_dispatch(open_page, cadre_login, live_server,
                                                                                 cadre_token, viewport):
    lon, lat = interior_point(BUILDINGS["BD04"][1])
    status, created = live_server.call("POST", "/api/v1/cases", token=cadre_token, body={
        "title": "单元门禁损坏", "channel": "patrol", "category": "hazard", "lat": lat, "lon": lon})
    assert status == 201
    watched = open_map(open_page, cadre_login, viewport)
    page = watched.page
    page.evaluate("(c) => selectCaseForDispatch(c)", created)
    banner = page.locator("#mq-selected-case")
    assert "待派单" in banner.inner_text()
    legend = page.evaluate("() => { const r = document.getElementById('mq-legend').getBoundingClientRect();"
                           " const m = MQ.map.getContainer().getBoundingClientRect();"
                           " return [r.right - m.left, m.bottom - r.top, m.height]; }")
    # near the left edge, just right of the legend and low: where the legend used to cover the popup's buttons
    target_lon, target_lat = interior_point(BUILDINGS["BD09"][1])
    x, y = put_on_map_at(page, target_lat, target_lon, min(legend[0] + 24, viewport["width"] // 3),
                         max(legend[2] - legend[1] + 20, legend[2] - 60))
    assert what_is_at(page, x, y) not in ("panel", "none")
    page.mouse.click(x, y)
    lookup_popup(page)
    dispatch = '.mq-lookup button[data-action="dispatch"]'
    page.locator(dispatch).wait_for()
    # the popup pans clear of the banner as it opens and again when its content grows (a 250 ms animation)
    below_banner = ("() => document.querySelector('.mq-lookup-popup').getBoundingClientRect().top >= "
                    "document.getElementById('mq-selected-case').getBoundingClientRect().bottom")
    try:
        page.wait_for_function(below_banner, timeout=3000)
    except PlaywrightTimeout:
        popup_box, banner_box = page.locator(".mq-lookup-popup").bounding_box(), banner.bounding_box()
        raise AssertionError(f"the banner covers the popup: popup {popup_box}, banner {banner_box}") from None
    map_settled(page)
    assert button_is_clear(page, dispatch) == "clear"
    assert button_is_clear(page, '.mq-lookup button[data-action="new-case"]') == "clear"
    watched.screenshot(f"map-popup-clear-{viewport['width']}")
    page.locator(dispatch).click()
    page.wait_for_function("() => document.getElementById('mq-selected-case').dataset.state === 'dispatched'")
    text = banner.inner_text()
    assert "待派单" not in text and "已派单" in text and f"已派给 楼栋长 {CHIEFS['BD09']}" in text
    # nothing is selected any more: the next lookup offers no dispatch
    close_popups(page)
    click_at(page, target_lat, target_lon)
    lookup_popup(page)
    assert not page.locator(dispatch).is_visible()
    watched.assert_quiet()


@SIZES
def test_registering_refreshes_the_list_and_keeps_a_draft(open_page, cadre_login, live_server, cadre_token, viewport):
    watched = open_map(open_page, cadre_login, viewport)
    page = watched.page
    before = int(re.search(r"共 (\d+) 件", page.locator("#mq-case-count").inner_text()).group(1))
    name, geom = BUILDINGS["BD02"]
    lon, lat = interior_point(geom)
    click_at(page, lat, lon)
    lookup_popup(page)
    page.locator('.mq-lookup button[data-action="new-case"]').click()
    form = page.locator("#mq-case-form")
    form.wait_for()
    place = form.locator('[data-role="place"]').inner_text()
    assert name in place and not re.search(r"\d+\.\d{4}", place), place
    assert form.locator('[name="category"]').input_value() == "", "the category is not preset"
    assert form.locator('[name="urgency"] option').count() >= 2
    title = f"楼道堆物 {viewport['width']}"
    form.locator('[name="title"]').fill(title)
    form.locator('[name="description"]').fill("二楼楼道堆放杂物")
    form.locator('[data-role="close"]').click()
    # reopened: the draft is back
    close_popups(page)
    click_at(page, lat, lon)
    lookup_popup(page)
    page.locator('.mq-lookup button[data-action="new-case"]').click()
    assert form.locator('[name="title"]').input_value() == title
    assert "已恢复" in form.locator('[data-role="draft"]').inner_text()
    form.locator('button[type="submit"]').click()
    assert form.locator('[data-role="error"]').inner_text() == "请选择类别。"
    form.locator('[name="category"]').select_option("hazard")
    form.locator('[name="urgency"]').select_option("urgent")
    form.locator('button[type="submit"]').click()
    link = form.locator('[data-role="case-link"]')
    link.wait_for()
    code = re.search(r"MQ-\d{4}-\d{6}", form.locator('[data-role="case-code"]').inner_text()).group(0)
    assert link.get_attribute("href").endswith(f"/cases/{code}")
    assert form.locator('a[href*="/track"]').count() == 0
    page.wait_for_function(f"() => /共 {before + 1} 件/.test(document.getElementById('mq-case-count').textContent)")
    assert page.locator(f'#mq-case-list li[data-code="{code}"]').count() == 1
    _, case = live_server.get_json(f"/api/v1/cases/{code}", token=cadre_token)
    assert case["urgency"]["code"] == "urgent"
    form.locator('[data-role="close"]').click()
    close_popups(page)
    click_at(page, lat, lon)
    lookup_popup(page)
    page.locator('.mq-lookup button[data-action="new-case"]').click()
    assert form.locator('[name="title"]').input_value() == "", "the draft is gone after the case was sent"
    watched.assert_quiet()


def test_a_chief_lands_on_me_and_is_never_offered_dispatch(open_page, chief_login, live_server, cadre_token):
    lon, lat = interior_point(BUILDINGS["BD01"][1])
    status, created = live_server.call("POST", "/api/v1/cases", token=cadre_token, body={
        "title": "垃圾桶满溢", "channel": "patrol", "category": "environment", "lat": lat, "lon": lon})
    assert status == 201
    watched = open_map(open_page, chief_login, DESK)
    page = watched.page
    assert "干部地图" not in page.title()
    assert page.locator('#mq-legend [data-role="dispatch-hint"]').count() == 0
    legend = page.locator("#mq-legend").text_content()
    assert "派给此处责任人" not in legend and "待派单" not in legend, "the legend does not tell him how to dispatch"
    page.evaluate("(code) => { MQ.cadre.openCase(code); }", created["code"])
    popup = page.locator(f'.leaflet-popup-content .mq-case-pop[data-code="{created["code"]}"]')
    popup.wait_for()
    assert "不能派单" not in popup.inner_text() and "已选为待派单" not in popup.inner_text()
    assert page.locator("#mq-selected-case").is_hidden()
    close_popups(page)
    click_at(page, lat, lon)
    lookup_popup(page)
    assert not page.locator('.mq-lookup button[data-action="dispatch"]').is_visible()
    watched.assert_quiet()


def test_the_login_of_a_chief_without_next_lands_on_me(browser, live_server):
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/login")
        page.fill("#username", CHIEF_LOGIN[0])
        page.fill("#password", CHIEF_LOGIN[1])
        with page.expect_navigation():
            page.click("button[type=submit]")
        page.wait_for_load_state()
        assert page.url.endswith("/me") and "干部地图" not in page.title()
    finally:
        context.close()


@pytest.mark.parametrize("path", ["/map", "/sites"])
def test_names_are_drawn_from_our_own_layers(open_page, cadre_login, path):
    watched = open_page(path, viewport=DESK, storage_state=cadre_login)
    page = watched.page
    map_ready(page)
    lon, lat = interior_point(BUILDINGS["BD01"][1])
    page.evaluate("([lat, lon]) => { MQ.map.setView([lat, lon], 16, {animate: false}); }", [lat, lon])
    map_settled(page)
    assert page.locator(".mq-label-building").count() == 0, "building names only from zoom 17"
    assert page.locator(".mq-label-street").count() >= 1
    page.evaluate("([lat, lon]) => { MQ.map.setView([lat, lon], 18, {animate: false}); }", [lat, lon])
    map_settled(page)
    assert page.locator(".mq-label-building", has_text=BUILDINGS["BD01"][0]).count() == 1
    assert page.locator(".mq-label-lane").count() >= 1
    rotated = page.evaluate("() => [...document.querySelectorAll('.mq-label-street, .mq-label-lane')]"
                            ".some((e) => /rotate/.test(e.style.transform))")
    assert rotated, "street and lane names follow their strips"
    watched.screenshot(f"labels{path.replace('/', '-')}")
    watched.assert_quiet()


def test_the_public_report_names_the_place_and_keeps_a_draft(open_page):
    watched = open_page("/sites", viewport=PHONE_360)
    page = watched.page
    map_ready(page)
    name, geom = BUILDINGS["BD06"]
    lon, lat = interior_point(geom)
    page.click("#mq-report")
    click_at(page, lat, lon, zoom=18)
    form = page.locator("#mq-case-form")
    form.wait_for()
    page.wait_for_function(f"() => document.querySelector('#mq-case-form [data-role=place]').textContent.includes({name!r})")
    assert not re.search(r"\d+\.\d{4}", form.locator('[data-role="place"]').inner_text())
    assert form.locator('[name="category"]').input_value() == ""
    assert form.locator('[name="urgency"]').count() == 0, "residents do not set deadlines"
    form.locator('[name="title"]').fill("路面坑洼")
    form.locator('[data-role="close"]').click()
    page.reload()
    map_ready(page)
    page.click("#mq-report")
    click_at(page, lat, lon, zoom=18)
    form.wait_for()
    assert form.locator('[name="title"]').input_value() == "路面坑洼", "the draft survives a reload"
    form.locator('button[type="submit"]').click()
    assert form.locator('[data-role="error"]').inner_text() == "请选择类别。"
    watched.assert_quiet()
