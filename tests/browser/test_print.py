"""Paper in chromium: the case page prints its 派单单 (with the QR code) alone; the monthly report prints to A4."""

import pytest

from tests.browser.test_chinese_text import COLLECT, latin_words

pytestmark = pytest.mark.browser


def test_the_case_page_prints_the_dispatch_sheet(open_page, cadre_login, live_server, cadre_token):
    _, body = live_server.get_json("/api/v1/cases?limit=1", token=cadre_token)
    code = body["cases"][0]["code"]
    watched = open_page(f"/cases/{code}", storage_state=cadre_login)
    page = watched.page
    sheet = page.locator("#mq-dispatch-sheet")
    assert not sheet.is_visible()  # on screen: the interactive page
    assert page.get_by_role("button", name="打印派单单").is_visible()
    page.emulate_media(media="print")
    assert sheet.is_visible() and sheet.locator("svg.mq-qr").is_visible()
    assert not page.locator("#mq-case").is_visible() and not page.locator(".mq-header").is_visible()
    assert latin_words(page.evaluate(COLLECT)) == set()
    text = sheet.inner_text()
    assert "民情派单单" in text and code in text and "办结期限" in text
    box = sheet.locator("svg.mq-qr").bounding_box()
    assert box["width"] > 80 and abs(box["width"] - box["height"]) < 2
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 5000
    watched.assert_quiet()


def test_the_monthly_report_prints(open_page, cadre_login):
    watched = open_page("/stats", storage_state=cadre_login)
    watched.page.get_by_role("link", name="打印月报").click()
    watched.page.wait_for_url("**/stats/report**")
    page = watched.page
    page.fill("input[name=month]", "2024-03")
    page.get_by_role("button", name="查看").click()
    page.wait_for_url("**month=2024-03**")
    assert latin_words(page.evaluate(COLLECT)) == set()
    page.emulate_media(media="print")
    assert not page.locator(".mq-report-form").is_visible()
    assert "2024年3月民情工作月报" in page.locator(".mq-report-paper").inner_text()
    assert page.locator(".mq-report-paper table").count() >= 3
    watched.screenshot("monthly-report", full_page=True)
    assert page.pdf(format="A4").startswith(b"%PDF")
    watched.assert_quiet()
