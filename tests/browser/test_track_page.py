"""/track in chromium: an unknown code says so plainly."""

import pytest

pytestmark = pytest.mark.browser


def test_unknown_code_is_reported_not_found(open_page):
    watched = open_page("/track/MQ-1999-999999")
    message = watched.page.locator("#mq-track-result .mq-error")
    message.wait_for()
    assert "没有找到编号为 MQ-1999-999999 的民情" in message.inner_text()
    # the 404 of the lookup shows in the console as a failed load; nothing else may
    assert watched.external_requests == [] and watched.page_errors == [] and watched.dialogs == []
    assert all("404" in error for error in watched.console_errors)


def test_track_form_goes_to_the_code(open_page):
    watched = open_page("/track")
    watched.page.fill('input[name="code"]', "MQ-1999-000001")
    with watched.page.expect_navigation():
        watched.page.click('.mq-track-form button[type="submit"]')
    assert watched.page.url.endswith("/track?code=MQ-1999-000001")
    watched.page.locator("#mq-track-result .mq-error").wait_for()
