"""/sites in chromium on a 375-px phone: sites and route drawn locally, nearest site first, report form."""

import re

import pytest

from tests.browser.conftest import HOSTILE, PHONE, click_at, map_ready
from tests.helpers import demo_features

pytestmark = pytest.mark.browser

SITES = demo_features("sites.geojson")
STREETS = demo_features("streets.geojson")
# Standing in 龙津巷 (LN09), a lane of the old town.
HERE = {"latitude": 22.96665, "longitude": 115.3207646}


@pytest.fixture
def sites_page(open_page):
    watched = open_page("/sites", viewport=PHONE)
    map_ready(watched.page)
    return watched


def test_sites_page_fits_a_phone_and_draws_every_site(sites_page):
    page = sites_page.page
    assert page.locator(".leaflet-container").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "no sideways scrolling"
    # every site (points as circle markers, the compound, the route) and the streets for context
    assert page.locator(".leaflet-overlay-pane svg path.leaflet-interactive").count() >= len(SITES) + len(STREETS)
    route_length = page.evaluate("""() => {
        let total = 0;
        window[MQ.config.layers.route].eachLayer(l => {
            const pts = l.getLatLngs();
            for (let i = 1; i < pts.length; i++) total += pts[i - 1].distanceTo(pts[i]);
        });
        return total;
    }""")
    assert 3500 < route_length < 4500, "the 红色文化街 is drawn as a route of about 4 km"
    cards = page.locator("article.mq-site")
    assert cards.count() == len(SITES)
    assert HOSTILE["site"][1] in page.locator(f"#site-{HOSTILE['site'][0]} h3").inner_text()
    first = cards.first.inner_text()
    assert "开放时间" in first and SITES[0][0]["name"] in first
    sites_page.screenshot("sites-phone")
    sites_page.assert_quiet()


def test_locate_me_lists_the_nearest_site_first(open_page, live_server):
    watched = open_page("/sites", viewport=PHONE, geolocation=HERE, permissions=["geolocation"])
    page = watched.page
    map_ready(page)
    page.click("#mq-locate")
    items = page.locator("#mq-nearest li")
    items.first.wait_for()
    status, expected = live_server.get_json(
        f"/api/v1/sites/nearest?lat={HERE['latitude']}&lon={HERE['longitude']}&limit=5")
    assert status == 200
    codes = [items.nth(i).get_attribute("data-code") for i in range(items.count())]
    assert codes == [site["code"] for site in expected["sites"]]
    first = items.first.inner_text()
    assert expected["sites"][0]["name"] in first
    assert re.search(r"步行约 \d+ 分钟", first)
    watched.screenshot("sites-nearest")
    watched.assert_quiet()


def test_site_popup_opens_from_its_card(sites_page):
    page = sites_page.page
    page.locator('article.mq-site [data-show-site="SI03"]').click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "蓝训材故居" in popup.inner_text() and "开放时间" in popup.inner_text()
    code, hostile_name = HOSTILE["site"]
    page.locator(f'article.mq-site [data-show-site="{code}"]').click()
    popup = page.locator(".leaflet-popup-content", has_text=hostile_name)
    popup.wait_for()
    assert page.locator(".leaflet-popup-content script").count() == 0
    sites_page.assert_quiet()


def test_report_a_problem_here_returns_a_tracking_code(sites_page):
    page = sites_page.page
    page.click("#mq-report")
    assert page.locator("#mq-pick-banner").is_visible()
    click_at(page, HERE["latitude"], HERE["longitude"], zoom=17)
    form = page.locator("#mq-case-form")
    form.wait_for()
    assert form.locator('[name="channel"]').count() == 0, "residents do not choose a channel"
    form.locator('[name="category"]').select_option("environment")
    form.locator('[name="title"]').fill("巷口垃圾堆积")
    form.locator('[name="description"]').fill("龙津巷口垃圾两天没人清理")
    form.locator('button[type="submit"]').click()
    code = form.locator('[data-role="code"]')
    code.wait_for()
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}", code.inner_text())
    assert form.locator('[data-role="case-code"]').count() == 0, "residents get no staff case number"
    tracking_code = code.inner_text()
    sites_page.screenshot("sites-report")
    page.click("text=查看办理进度")
    status = page.locator('[data-role="status-label"]')
    status.wait_for()
    assert status.inner_text() in ("受理", "派单")
    assert tracking_code in page.locator("#mq-track-result").inner_text()
    assert page.locator(".mq-timeline li").count() >= 1
    sites_page.screenshot("track")
    sites_page.assert_quiet()
