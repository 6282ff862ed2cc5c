"""/stats in chromium: ECharts from this host, KPIs, CSV, the date filter and the overdue list."""

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser.conftest import HOSTILE_TITLE, PHONE

pytestmark = pytest.mark.browser

GROUPS = ("month", "channel", "category", "assignee")


def charts_loaded(page):
    page.wait_for_function(
        "() => document.querySelectorAll('.mq-chart-card[data-loaded]').length === 4"
        " && document.getElementById('mq-overdue').dataset.loaded")


@pytest.fixture
def stats_page(open_page, cadre_login, hostile_case):
    watched = open_page("/stats", storage_state=cadre_login)
    charts_loaded(watched.page)
    return watched


def test_the_stats_page_draws_every_chart_from_this_host(stats_page, live_server, cadre_token):
    page = stats_page.page
    assert page.evaluate("typeof echarts") == "object"
    assert page.locator(".mq-chart canvas").count() == 4
    asked = {parse_qs(urlsplit(url).query)["by"][0] for url in stats_page.api_requests("/api/v1/stats")}
    assert asked == {*GROUPS, "community"}
    _, total = live_server.get_json("/api/v1/stats?by=community&community=mingzhu", token=cadre_token)
    kpis = page.locator("#mq-kpis").inner_text()
    assert str(total["rows"][0]["received"]) in kpis and "办结率" in kpis and "满意率" in kpis
    table = page.locator('.mq-chart-card[data-by="channel"] table')
    assert table.count() == 1
    page.locator('.mq-chart-card[data-by="channel"] summary').click()
    assert "夜谈悦好" in table.inner_text() and "书记信箱" in table.inner_text()
    stats_page.screenshot("stats")
    stats_page.assert_quiet()


def test_csv_and_excel_links_download_the_shown_grouping(stats_page):
    page = stats_page.page
    href = page.locator('.mq-csv[data-by="category"]').get_attribute("href")
    assert parse_qs(urlsplit(href).query) == {"by": ["category"], "community": ["mingzhu"], "format": ["csv"]}
    response = page.request.get(stats_page.base_url + href)
    assert response.status == 200 and response.headers["content-type"].startswith("text/csv")
    assert "办结率" in response.text() and "矛盾纠纷" in response.text()
    href = page.locator('.mq-xlsx[data-by="category"]').get_attribute("href")
    assert parse_qs(urlsplit(href).query)["format"] == ["xlsx"]
    response = page.request.get(stats_page.base_url + href)
    assert response.status == 200 and response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert response.body().startswith(b"PK")


def test_the_date_filter_redraws_the_charts(stats_page):
    page = stats_page.page
    before = len(stats_page.api_requests("/api/v1/stats"))
    page.fill('#mq-stats-filter [name="from"]', "2023-01-01")
    page.fill('#mq-stats-filter [name="to"]', "2023-06-30")
    page.click('#mq-stats-filter button[type="submit"]')
    page.wait_for_function("(n) => performance.getEntriesByType('resource')"
                           ".filter(e => /\\/api\\/v1\\/stats\\?/.test(e.name)).length >= n", arg=before + 5)
    charts_loaded(page)
    page.locator('.mq-chart-card[data-by="month"] summary').click()
    page.wait_for_function("() => document.querySelectorAll("
                           "'.mq-chart-card[data-by=\"month\"] tbody tr').length === 6")
    months = page.locator('.mq-chart-card[data-by="month"] tbody tr').evaluate_all(
        "rows => rows.map(r => r.dataset.key)")
    assert months == ["2023-01", "2023-02", "2023-03", "2023-04", "2023-05", "2023-06"]
    assert "from=2023-01-01" in page.locator('.mq-csv[data-by="month"]').get_attribute("href")
    assert "from=2023-01-01" in page.url
    stats_page.assert_quiet()


def test_the_overdue_list_shows_a_hostile_title_as_text_and_links_to_the_case(stats_page, hostile_case):
    page = stats_page.page
    row = page.locator(f'#mq-overdue tr[data-code="{hostile_case["code"]}"]')
    assert row.locator('[data-role="title"]').inner_text() == HOSTILE_TITLE
    assert "签收超时" in row.inner_text()
    assert page.locator("#mq-overdue img").count() == 0
    row.locator("a").click()
    page.wait_for_url(f"**/cases/{hostile_case['code']}")
    title = page.locator('#mq-case [data-role="title"]')
    title.wait_for()
    assert title.inner_text() == HOSTILE_TITLE
    stats_page.assert_quiet()


def test_the_stats_page_fits_a_phone(open_page, cadre_login):
    watched = open_page("/stats", viewport=PHONE, storage_state=cadre_login)
    charts_loaded(watched.page)
    assert watched.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    watched.screenshot("stats-phone", full_page=True)
    watched.assert_quiet()
