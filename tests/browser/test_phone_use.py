"""Phone use (360 px): pinch-zoom, 44-px targets, 16-px text, 大字 that persists, Leaflet's controls in Chinese, the
查询码 copied from /track typed in lower case, and a 我的位置 marker unlike any site's."""

import re

import pytest
from playwright.sync_api import expect

from geo_app.maps.sites import SITE_COLORS
from tests.browser.conftest import map_ready

pytestmark = pytest.mark.browser

PHONE_360 = {"width": 360, "height": 740}
HERE = {"latitude": 22.96665, "longitude": 115.3207646}  # in 龙津巷, as in test_sites_page.py
TARGET = 44


def sizes(page, selector):
    """Return [(width, height)] of the visible elements matching selector."""
    return page.evaluate("""(selector) => [...document.querySelectorAll(selector)]
        .filter(el => el.getClientRects().length > 0)
        .map(el => { const r = el.getBoundingClientRect(); return [r.width, r.height]; })""", selector)


def font_px(page, selector):
    return page.evaluate("(s) => parseFloat(getComputedStyle(document.querySelector(s)).fontSize)", selector)


def rgb(hex_colour):
    return "rgb({}, {}, {})".format(*(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)))


def test_the_map_controls_speak_chinese_and_are_big_enough(open_page):
    watched = open_page("/sites", viewport=PHONE_360)
    page = watched.page
    map_ready(page)
    viewport = page.locator('meta[name="viewport"]')
    assert viewport.count() == 1 and "user-scalable" not in viewport.get_attribute("content")
    assert page.locator(".leaflet-control-zoom-in").get_attribute("title") == "放大"
    assert page.locator(".leaflet-control-zoom-out").get_attribute("aria-label") == "缩小"
    assert page.locator(".leaflet-control-layers-toggle").get_attribute("title") == "图层"
    attribution = page.locator(".leaflet-control-attribution")
    assert attribution.inner_text().startswith("Leaflet") and attribution.locator("svg").count() == 0, "no flag"
    scales = page.locator(".leaflet-control-scale-line")
    assert scales.count() == 1 and re.fullmatch(r"\d+ (米|公里)", scales.inner_text().strip())
    for selector in (".leaflet-bar a", ".mq-header a", ".mq-header button", "[data-show-site]"):
        found = sizes(page, selector)
        assert found and all(h >= TARGET for _, h in found), f"{selector}: {found}"
    assert all(w >= TARGET for w, _ in sizes(page, ".leaflet-bar a"))
    assert font_px(page, "body") >= 16 and font_px(page, ".mq-site") >= 16
    watched.assert_quiet()


def test_large_text_persists_across_pages(open_page):
    watched = open_page("/track", viewport=PHONE_360)
    page = watched.page
    normal = font_px(page, "body")
    toggle = page.locator("#mq-large-toggle")
    toggle.click()
    assert toggle.get_attribute("aria-pressed") == "true" and font_px(page, "body") >= normal * 1.2
    watched.goto("/sites")
    assert font_px(page, "body") >= normal * 1.2, "still large on the next page"
    assert page.locator("#mq-large-toggle").get_attribute("aria-pressed") == "true"
    map_ready(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_360["width"], "no sideways scrolling"
    watched.screenshot("sites-large-text-phone")
    page.locator("#mq-large-toggle").click()
    watched.goto("/")
    assert font_px(page, "body") == normal
    watched.assert_quiet()


def test_track_reads_a_lower_case_code_and_copies_it(open_page, live_server, cadre_token):
    status, case = live_server.call("POST", "/api/v1/cases", token=cadre_token, body={
        "title": "路灯不亮", "channel": "grid_worker", "category": "hazard", "lat": HERE["latitude"],
        "lon": HERE["longitude"]})
    assert status == 201, case
    code = case["tracking_code"]
    watched = open_page(f"/track?code={code.lower()}", viewport=PHONE_360,
                        permissions=["clipboard-read", "clipboard-write"])
    page = watched.page
    page.locator('[data-role="tracking-code"]').wait_for()
    assert page.locator('[data-role="tracking-code"]').inner_text() == code
    copy = page.locator('#mq-track-result [data-role="copy"]')
    assert all(h >= TARGET for _, h in sizes(page, '#mq-track-result [data-role="copy"]'))
    copy.click()
    expect(copy).to_have_text("已复制")
    assert page.evaluate("() => navigator.clipboard.readText()") == code
    watched.assert_quiet()


def test_track_explains_that_a_case_number_is_not_a_tracking_code(open_page):
    watched = open_page("/track?code=mq-2026-000001", viewport=PHONE_360)
    alert = watched.page.locator("#mq-track-result [role=alert]")
    alert.wait_for()
    assert "是案件编号，不是查询码" in alert.inner_text()


def test_my_position_is_marked_unlike_any_site(open_page):
    watched = open_page("/sites", viewport=PHONE_360, geolocation=HERE, permissions=["geolocation"])
    page = watched.page
    map_ready(page)
    page.click("#mq-locate")
    here = page.locator(".leaflet-marker-pane .mq-here")
    here.wait_for()
    colour = here.evaluate("el => getComputedStyle(el).backgroundColor")
    assert colour not in {rgb(c) for c in SITE_COLORS.values()}, f"我的位置 is drawn {colour}, a site's colour"
    assert here.get_attribute("title") == "我的位置"
    assert all(w >= 22 and h >= 22 for w, h in sizes(page, ".leaflet-marker-pane .mq-here"))
    watched.assert_quiet()
