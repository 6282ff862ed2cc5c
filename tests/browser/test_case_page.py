"""The case page offers exactly the actions the API allows the viewer: a chief a chief's, a cadre a cadre's."""

import pytest

from tests.factories import point_in_building

pytestmark = pytest.mark.browser


def offered(page):
    page.locator("#mq-case .mq-case-actions").wait_for()
    return {node.get_attribute("data-action") for node in page.locator(".mq-case-actions [data-action]").all()}


def test_a_chief_is_offered_only_a_chiefs_actions_and_a_cadre_all(open_page, chief_login, cadre_login, live_server,
                                                                   cadre_token):
    status, case = live_server.call("POST", "/api/v1/cases", token=cadre_token, body={
        "title": "楼道灯不亮", "channel": "grid_worker", "category": "hazard", "household": "BD01-101",
        **point_in_building("BD01")})
    assert status == 201 and case["status"] == "dispatched", case
    watched = open_page(f"/cases/{case['code']}", storage_state=chief_login)
    assert offered(watched.page) == {"accept", "return"}
    watched.page.locator('button[data-action="accept"]').click()
    watched.page.locator('.mq-action-form button[type="submit"]').click()
    watched.page.locator('#mq-case [data-role="message"]').wait_for()
    assert offered(watched.page) == {"start", "resolve", "return"}, "the actions follow the new status"
    watched.screenshot("case-page-chief")
    watched.assert_quiet()

    watched = open_page(f"/cases/{case['code']}", storage_state=cadre_login)
    assert offered(watched.page) == {"start", "resolve", "return", "confirm"}
    assert "爱心超市积分" in watched.page.locator('[data-role="confirm-hint"]').inner_text(), "确认上报 is explained"
    watched.assert_quiet()
