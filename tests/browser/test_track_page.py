"""/track in chromium: a tracking code finds its case however it is typed; anything else says so plainly."""

import re

import pytest

from tests.factories import case_body, point_in_building

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def receipt(live_server):
    """A resident's report (no login, no token) and its receipt."""
    status, body = live_server.call("POST", "/api/v1/cases", body=case_body(title="楼下路灯不亮",
                                                                             **point_in_building("BD02")))
    assert status == 201, body
    return body


def _not_found_message(open_page, code):
    watched = open_page(f"/track/{code}")
    message = watched.page.locator("#mq-track-result .mq-error")
    message.wait_for()
    # the 404 of the lookup shows in the console as a failed load; nothing else may
    assert watched.external_requests == [] and watched.page_errors == [] and watched.dialogs == []
    assert all("404" in error for error in watched.console_errors)
    return message.inner_text()


def test_unknown_code_is_reported_not_found(open_page):
    assert "没有找到查询码为 K7QM4-XD29P 的民情" in _not_found_message(open_page, "K7QM4-XD29P")


def test_a_staff_case_code_is_just_an_unknown_code(open_page, receipt):
    message = _not_found_message(open_page, receipt["code"])
    assert message == _not_found_message(open_page, "MQ-1999-999999").replace("MQ-1999-999999", receipt["code"])
    assert "楼下路灯" not in message and "安全隐患" not in message


def test_a_tracking_code_typed_loosely_shows_the_status_and_timeline(open_page, receipt):
    watched = open_page("/track")
    typed = receipt["tracking_code"].replace("-", " ").lower()
    watched.page.fill('input[name="code"]', typed)
    with watched.page.expect_navigation():
        watched.page.click('.mq-track-form button[type="submit"]')
    assert re.search(r"/track\?code=", watched.page.url)
    status = watched.page.locator('[data-role="status-label"]')
    status.wait_for()
    assert status.inner_text() in ("受理", "派单")
    assert watched.page.locator('[data-role="tracking-code"]').inner_text() == receipt["tracking_code"]
    assert watched.page.locator(".mq-timeline li").count() == 2
    result = watched.page.locator("#mq-track-result").inner_text()
    assert receipt["code"] not in result and "楼下路灯不亮" not in result
    watched.assert_quiet()
