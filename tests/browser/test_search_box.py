"""The search box on /map and /sites: two characters find the building, and the map goes there."""

import pytest

from tests.browser.conftest import map_ready
from tests.browser.test_chinese_text import COLLECT, latin_words
from tests.browser.test_map_click import cases_loaded

pytestmark = pytest.mark.browser


def _type(page, text):
    box = page.locator("#mq-search-input")
    box.fill(text)
    page.wait_for_selector("#mq-search-results li")
    return page.locator("#mq-search-results li")


def test_two_characters_find_the_building_on_the_cadre_map(open_page, cadre_login, live_server, cadre_token):
    watched = open_page("/map", storage_state=cadre_login)
    page = watched.page
    map_ready(page)
    cases_loaded(page)  # the markers are redrawn when the last page of cases arrives
    options = _type(page, "明珠")
    names = options.locator(".mq-search-name").all_inner_texts()
    assert "明珠花园1栋" in names
    assert latin_words(page.evaluate(COLLECT)) == set()
    _, found = live_server.get_json("/api/v1/search?q=%E6%98%8E%E7%8F%A0%E8%8A%B1%E5%9B%AD1%E6%A0%8B", token=cadre_token)
    building = next(r for r in found["results"] if r["name"] == "明珠花园1栋")
    options.nth(names.index("明珠花园1栋")).click()
    page.wait_for_selector(".mq-search-found")
    assert "明珠花园1栋" in page.locator(".mq-search-found").inner_text()
    assert page.locator("#mq-search").get_attribute("data-shown") == f"unit:{building['id']}"
    inside = page.evaluate("""([lat, lon]) => MQ.map.getBounds().contains(MQ.toDisplay(lat, lon))
                              && MQ.map.getZoom() >= 17""", [building["lat"], building["lon"]])
    assert inside
    assert page.locator("path.leaflet-interactive, path").count() > 0
    watched.assert_quiet()


def test_a_lower_case_number_opens_its_case(open_page, cadre_login, live_server, cadre_token):
    _, body = live_server.get_json("/api/v1/cases?limit=1", token=cadre_token)
    code = body["cases"][0]["code"]
    watched = open_page("/map", storage_state=cadre_login)
    page = watched.page
    map_ready(page)
    cases_loaded(page)  # the markers are redrawn when the last page of cases arrives
    page.locator("#mq-search-input").fill(code.lower())
    page.locator("#mq-search-input").press("Enter")
    page.wait_for_selector(".mq-search-found")
    link = page.get_by_role("link", name="查看民情详情")
    assert link.get_attribute("href").endswith(f"/cases/{code}")
    watched.assert_quiet()


def test_a_resident_finds_the_memorial_on_the_sites_map(open_page):
    watched = open_page("/sites", viewport={"width": 360, "height": 740})
    page = watched.page
    map_ready(page)
    options = _type(page, "红宫")
    texts = options.all_inner_texts()
    assert any("红宫红场" in t for t in texts)
    assert not any("书店" in t for t in texts)  # shops are not public search results
    options.first.click()
    page.wait_for_selector(".mq-search-found")
    assert "红宫红场" in page.locator(".mq-search-found").inner_text()
    page.locator("#mq-search-input").fill("没有这个地方")
    page.wait_for_function("() => document.querySelector('.mq-search-status').textContent.includes('没有找到')")
    watched.assert_quiet()
