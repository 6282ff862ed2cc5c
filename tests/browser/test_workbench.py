"""我的待办 on a phone (360 px): accept, start and resolve there; the reporter answers 不满意 on the 回访 page and the
case is back in the chief's list."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import text

from geo_app.extensions import db
from tests.browser.conftest import click_at, map_ready
from tests.conftest import token_for
from tests.factories import point_in_building
from tests.photo_samples import phone_jpeg

pytestmark = pytest.mark.browser

PHONE_360 = {"width": 360, "height": 740}


def new_case(live_server, token, title, category="hazard"):
    status, case = live_server.call("POST", "/api/v1/cases", token=token, body={
        "title": title, "channel": "resident", "category": category, "reporter_name": "李阿姨",
        "reporter_phone": "13800138000", "notify": True, **point_in_building("BD01")})
    assert status == 201 and case["status"] == "dispatched", case
    return case


def card(page, code):
    item = page.locator(f'#mq-me-list li[data-code="{code}"]')
    item.wait_for()
    return item


def fits_the_screen(page):
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_a_chief_accepts_starts_and_resolves_on_a_phone(open_page, chief_login, live_server, cadre_token):
    case = new_case(live_server, cadre_token, "楼道堆放杂物")
    watched = open_page("/me", viewport=PHONE_360, storage_state=chief_login)
    page = watched.page
    item = card(page, case["code"])
    badge = page.locator("#mq-me-badge")
    count = int(badge.get_attribute("data-count"))
    assert count >= 1 and badge.is_visible()
    assert "楼栋" in item.locator('[data-role="unit"]').inner_text()
    assert item.locator('[data-role="phone"]').inner_text() == "138****8000"
    assert {a.get_attribute("data-app") for a in item.locator(".mq-me-nav a").all()} == {"geo", "amap", "baidu"}
    page.wait_for_function("() => document.querySelector('#mq-me-place') && !document.querySelector('#mq-me-place').hidden")
    assert page.locator(".leaflet-tooltip").first.is_visible(), "the map names the unit"
    page.wait_for_function("() => document.querySelectorAll('.leaflet-overlay-pane path[stroke=\"#c62828\"]').length >= 1")
    assert fits_the_screen(page), "nothing wider than the phone"
    watched.screenshot("workbench-phone")

    item.locator('[data-role="reveal"]').click()
    assert item.locator('[data-role="call"]').get_attribute("href") == "tel:13800138000"

    item.locator('button[data-action="accept"]').click()
    page.locator("#mq-me-message", has_text="已签收").wait_for()
    item = card(page, case["code"])
    expect(item.locator('[data-role="status"]')).to_have_text("签收")
    item.locator('button[data-action="start"]').click()
    page.locator("#mq-me-message", has_text="已开始办理").wait_for()
    item = card(page, case["code"])
    item.locator('button[data-action="resolve"]').click()
    item.locator('textarea[name="note"]').fill("杂物已清走，楼道畅通")
    item.locator('.mq-action-form button[type="submit"]').click()
    refusal = item.locator(".mq-action-form .mq-error")
    refusal.wait_for()
    assert "处置后照片" in refusal.inner_text(), "a 安全隐患 case needs an after photo (RESOLVE_REQUIRES_PHOTO)"

    item.locator('button[data-role="show-photos"]').click()
    photos = item.locator('[data-role="case-photos"]')
    assert photos.locator('[name="kind"]').input_value() == "after"
    photos.locator('input[name="photo_pick"]').set_input_files(
        [{"name": "after.jpg", "mimeType": "image/jpeg", "buffer": phone_jpeg()}])
    photos.locator('[data-role="thumb"]').wait_for()
    assert fits_the_screen(page), "the photo picker fits the phone"
    photos.locator('[data-role="upload-photos"]').click()
    page.locator("#mq-me-message", has_text="已上传 1 张照片").wait_for()
    item = card(page, case["code"])
    expect(item.locator('button[data-role="show-photos"]')).to_have_text("照片（1）")
    item.locator('button[data-action="resolve"]').click()
    item.locator('textarea[name="note"]').fill("杂物已清走，楼道畅通")
    item.locator('.mq-action-form button[type="submit"]').click()
    page.locator("#mq-me-message", has_text="已办结").wait_for()
    page.locator(f'#mq-me-list li[data-code="{case["code"]}"]').wait_for(state="detached")
    assert int(badge.get_attribute("data-count")) == count - 1
    refused = [e for e in watched.console_errors if "409 (CONFLICT)" in e and "/transitions" in e]
    assert len(refused) == 1, watched.console_errors  # the resolve without a photo, and nothing else
    watched.console_errors[:] = [e for e in watched.console_errors if e not in refused]
    watched.assert_quiet()


def test_a_chief_returns_a_case_with_a_reason_from_the_list(open_page, chief_login, live_server, cadre_token):
    case = new_case(live_server, cadre_token, "不归我管的事")
    watched = open_page("/me", viewport=PHONE_360, storage_state=chief_login)
    item = card(watched.page, case["code"])
    item.locator('button[data-action="return"]').click()
    item.locator('select[name="reason"]').select_option(label="位置有误")
    item.locator('.mq-action-form button[type="submit"]').click()
    watched.page.locator("#mq-me-message", has_text="已退回").wait_for()
    status, body = live_server.get_json(f"/api/v1/cases/{case['code']}", token=cadre_token)
    assert status == 200 and body["status"] == "returned"
    assert body["history"][-1]["data"]["reason"] == "wrong_place" and body["history"][-1]["note"] == "位置有误"
    watched.assert_quiet()


def test_the_reporter_answers_dissatisfied_and_the_case_is_back_in_the_chiefs_list(open_page, chief_login,
                                                                                 live_server, cadre_token):
    chief_token = token_for(live_server.app, "chief")
    case = new_case(live_server, cadre_token, "楼上漏水引发邻里纠纷", category="dispute")  # no 处置后 photo needed
    for action, extra in (("accept", {}), ("resolve", {"note": "已联系环卫清运"})):
        _, current = live_server.get_json(f"/api/v1/cases/{case['code']}", token=chief_token)
        status, _ = live_server.call("POST", f"/api/v1/cases/{case['code']}/transitions", token=chief_token,
                                     body={"action": action, "version": current["version"], **extra})
        assert status == 200
    status, link = live_server.call("POST", f"/api/v1/cases/{case['code']}/feedback-link", token=cadre_token)
    assert status == 201

    reporter = open_page(link["path"], viewport=PHONE_360)
    page = reporter.page
    page.locator('[data-role="resolution-note"]').wait_for()
    assert page.locator('[data-role="resolution-note"]').inner_text() == "已联系环卫清运"
    assert page.context.cookies() == [], "the 回访 page sets no cookie"
    reporter.screenshot("feedback-form-phone")
    page.get_by_label("不满意").check()
    page.locator('textarea[name="comment"]').fill("还是满的")
    page.locator('.mq-feedback-form button[type="submit"]').click()
    page.locator('[data-role="thanks"]', has_text="重新办理").wait_for()
    assert fits_the_screen(page)
    reporter.screenshot("feedback-phone")
    reporter.assert_quiet()

    watched = open_page("/me", viewport=PHONE_360, storage_state=chief_login)
    item = card(watched.page, case["code"])
    expect(item.locator('[data-role="status"]')).to_have_text("办理中")
    assert item.locator('button[data-action="resolve"]').is_visible()
    watched.assert_quiet()

    again = open_page(link["path"], viewport=PHONE_360)
    again.page.locator(".mq-error", has_text="已使用").wait_for()


def test_the_report_form_asks_for_updates_separately_and_only_with_a_phone(open_page, live_server):
    watched = open_page("/sites", viewport=PHONE_360)
    page = watched.page
    map_ready(page)
    page.click("#mq-report")
    click_at(page, 22.96665, 115.3207646, zoom=17)
    form = page.locator("#mq-case-form")
    form.wait_for()
    consent = form.locator('input[name="notify"]')
    assert consent.is_visible() and not consent.is_checked(), "the consent box is not ticked in advance"
    form.locator('[name="category"]').select_option("hazard")  # not preset: the resident chooses
    form.locator('[name="title"]').fill("巷口路灯不亮")
    consent.check()
    form.locator('button[type="submit"]').click()
    assert "联系电话" in form.locator('[data-role="error"]').inner_text()
    form.locator('[name="reporter_phone"]').fill("13600136000")
    form.locator('button[type="submit"]').click()
    form.locator('[data-role="code"]').wait_for()
    tracking_code = form.locator('[data-role="code"]').inner_text()
    with live_server.app.app_context():
        stored = db.session.execute(text("SELECT notify, reporter_phone FROM civic_case WHERE tracking_code = :t"),
                                    {"t": tracking_code}).one()
    assert tuple(stored) == (True, "13600136000")
    watched.assert_quiet()
