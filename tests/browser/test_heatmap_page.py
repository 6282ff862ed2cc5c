"""/heatmap in chromium: heat only from /api/v1/heat, counts that add up, the month animation, the public variant."""

from datetime import datetime
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from geo_app.services.clock import china_today
from tests.browser.conftest import PHONE, map_ready

pytestmark = pytest.mark.browser


def heat_drawn(page):
    """Wait until the page has drawn the heat of its current view and filters."""
    page.wait_for_function("() => MQ.heatmap && MQ.heatmap.view.last && MQ.heatmap.view.last.ok")


def query_of(url):
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


@pytest.fixture
def staff_heatmap(open_page, cadre_login):
    watched = open_page("/heatmap", storage_state=cadre_login)
    map_ready(watched.page)
    heat_drawn(watched.page)
    return watched


def test_the_heatmap_draws_server_cells_from_this_host_only(staff_heatmap):
    page = staff_heatmap.page
    assert page.locator("canvas.leaflet-heatmap-layer").count() == 1
    requests = staff_heatmap.api_requests("/api/v1/heat")
    assert requests and {"zoom", "bbox", "community"} <= set(query_of(requests[0]))
    assert page.evaluate("MQ.heatmap.view.last.total") > 700
    assert "件民情" in page.locator("#mq-heat-count").inner_text()
    shown = page.evaluate("MQ.heatmap.view.last.url")
    page.evaluate("MQ.map.setZoom(MQ.map.getZoom() + 1, {animate: false})")
    page.wait_for_function("(n) => MQ.heatmap.view.last.url !== n", arg=shown)
    zooms = [query_of(url)["zoom"] for url in staff_heatmap.api_requests("/api/v1/heat")]
    assert len(set(zooms)) >= 2, "a zoom asks for cells sized to the new zoom"
    staff_heatmap.screenshot("heatmap")
    staff_heatmap.assert_quiet()


def test_heat_counts_add_up_to_the_cases_matching_the_page_filters(staff_heatmap, live_server, cadre_token):
    page = staff_heatmap.page
    page.select_option('#mq-filters [name="channel"]', "grid_worker")
    page.select_option('#mq-filters [name="status"]', "resolved,visited,closed")
    page.fill('#mq-filters [name="from"]', "2023-03-01")
    page.locator('#mq-filters [name="from"]').dispatch_event("change")
    page.wait_for_function("() => /from=2023-03-01/.test(MQ.heatmap.view.last.url)")
    url = page.evaluate("MQ.heatmap.view.last.url")
    params = query_of(url)
    assert params["channel"] == "grid_worker" and params["status"] == "resolved,visited,closed"
    _, heat = live_server.get_json(urlsplit(url).path + "?" + urlsplit(url).query, token=cadre_token)
    cases_query = urlencode({k: v for k, v in params.items() if k != "zoom"} | {"limit": 1})
    _, cases = live_server.get_json(f"/api/v1/cases?{cases_query}", token=cadre_token)
    assert sum(cell[2] for cell in heat["cells"]) == cases["total"] > 0
    assert page.evaluate("MQ.heatmap.view.last.total") == cases["total"]
    staff_heatmap.assert_quiet()


def test_the_month_animation_asks_for_each_month_in_turn(staff_heatmap):
    page = staff_heatmap.page
    months = page.evaluate("MQ.config.months")
    assert months[0] == "2022-08"
    assert page.locator("#mq-month").get_attribute("max") == str(len(months) - 1)
    page.click("#mq-play")
    page.wait_for_function("() => Number(document.getElementById('mq-month').value) >= 2", timeout=8000)
    page.click("#mq-play")  # pause
    assert page.locator("#mq-play").inner_text() == "▶ 播放"
    frames = [query_of(url) for url in staff_heatmap.api_requests("/api/v1/heat") if "from" in query_of(url)]
    asked = [(f["from"], f["to"]) for f in frames]
    for month, end in (("2022-08", "31"), ("2022-09", "30"), ("2022-10", "31")):
        assert (f"{month}-01", f"{month}-{end}") in asked, f"a heat request for {month}"
    label = page.locator("#mq-month-label").inner_text()
    assert label.startswith("2022年") or label.startswith("2023年")
    # going back to a month already seen costs no request: frames are cached
    before = len(staff_heatmap.api_requests("/api/v1/heat"))
    page.locator("#mq-month").fill("0")
    page.wait_for_function("() => /2022年8月/.test(document.getElementById('mq-heat-count').textContent)")
    assert len(staff_heatmap.api_requests("/api/v1/heat")) == before
    staff_heatmap.screenshot("heatmap-month")
    staff_heatmap.assert_quiet()


@pytest.fixture(scope="module")
def recent_cases(live_server):
    """Ordinary cases last month in two buildings (7: shown; 2: under k), and legal ones beside them."""
    from datetime import timedelta

    from geo_app.extensions import db
    from geo_app.services.cases import create_case
    from geo_app.services.clock import LOCAL_TZ, china_today
    from tests.factories import case_in, point_in_building

    first = china_today().replace(day=1) - timedelta(days=1)
    when = datetime(first.year, first.month, 5, 10, tzinfo=LOCAL_TZ)
    with live_server.app.app_context():
        for building, n, channel, category in (("BD03", 7, "resident", "hazard"), ("BD11", 2, "rider", "environment"),
                                               ("BD11", 9, "lawyer", "legal")):
            for i in range(n):
                create_case(db.session, case_in(**point_in_building(building), channel=channel, category=category),
                            now=when + timedelta(hours=i))
        db.session.commit()
    return when


def test_the_public_heatmap_offers_fixed_slices_only_and_fits_a_phone(open_page, recent_cases):
    watched = open_page("/heatmap", viewport=PHONE)
    page = watched.page
    map_ready(page)
    heat_drawn(page)
    assert page.evaluate("MQ.config.public") is True
    url = watched.api_requests("/api/v1/heat")[-1]
    assert set(query_of(url)) == {"zoom", "bbox"}, "the default slice: the last 12 whole months, nothing else asked"
    status, body = watched_get(page, url)
    assert status == 200 and body["cells"] and min(cell[2] for cell in body["cells"]) >= 5
    assert body["slice"]["label"] == "最近12个完整月"
    assert page.evaluate("MQ.heatmap.view.last.total") == 7, "the legal consultations and the small cell are not counted"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.locator("#mq-play").is_visible() and page.locator("#mq-side-toggle").is_visible()
    assert page.locator("#mq-filters").count() == 0 and page.locator("select").count() == 0
    page.click("#mq-side-toggle")
    side = page.locator("#mq-side").inner_text()
    assert "少于 5 件" in side and "法律咨询" in side and "最近12个完整月" in side
    watched.screenshot("heatmap-public-phone")
    watched.assert_quiet()


def test_the_public_month_animation_asks_for_month_slices(open_page, recent_cases):
    watched = open_page("/heatmap")
    page = watched.page
    map_ready(page)
    heat_drawn(page)
    months = page.evaluate("MQ.config.months")
    # other browser tests on this server may have added a case this month: the list runs at least to last month
    assert months[0] == "2022-08" and recent_cases.strftime("%Y-%m") in months[-2:]
    assert months[-1] <= china_today().strftime("%Y-%m")
    page.locator("#mq-month").fill("0")
    page.wait_for_function("() => /2022年8月/.test(document.getElementById('mq-heat-count').textContent)")
    asked = query_of(watched.api_requests("/api/v1/heat")[-1])
    assert asked["month"] == "2022-08" and set(asked) == {"month", "zoom", "bbox"}
    # a month whose cells are all under k says so, from what it shows
    assert page.locator("#mq-heat-hidden").is_visible() == (page.evaluate("MQ.heatmap.view.last.cells") == 0)
    page.click("#mq-all-time")
    page.wait_for_function("() => /最近12个完整月/.test(document.getElementById('mq-heat-count').textContent)")
    watched.assert_quiet()


def watched_get(page, url):
    """GET a URL with the page's own cookies (none, for the public)."""
    response = page.request.get(url)
    return response.status, response.json()
