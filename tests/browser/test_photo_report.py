"""A resident on a 375-px phone attaches photos to a report from /sites; the server keeps only clean copies."""

import io
import re
import urllib.error
import urllib.request

import pytest
from PIL import Image
from sqlalchemy import text

from geo_app.extensions import db
from tests.browser.conftest import PHONE, click_at, map_ready
from tests.factories import point_in_building
from tests.photo_samples import SERIAL, metadata_of, phone_jpeg, text_as_jpeg, top_is_red

pytestmark = pytest.mark.browser

HERE = {"latitude": 22.96665, "longitude": 115.3207646}  # in 龙津巷 (LN09)


def status_of(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def stored_photos(app, tracking_code):
    """Return the stored display and thumbnail bytes of a case's photos, straight from the photo store table."""
    with app.app_context():
        rows = db.session.execute(text(
            """SELECT p.id, d.data AS display, t.data AS thumb FROM case_photo p
               JOIN civic_case c ON c.id = p.case_id
               JOIN photo_blob d ON d.key = p.display_key JOIN photo_blob t ON t.key = p.thumb_key
               WHERE c.tracking_code = :t ORDER BY p.id"""), {"t": tracking_code}).all()
    return [(row.id, bytes(row.display), bytes(row.thumb)) for row in rows]


def open_report_form(open_page):
    watched = open_page("/sites", viewport=PHONE)
    map_ready(watched.page)
    watched.page.click("#mq-report")
    click_at(watched.page, HERE["latitude"], HERE["longitude"], zoom=17)
    form = watched.page.locator("#mq-case-form")
    form.wait_for()
    return watched, form


def test_a_photo_with_gps_is_reported_from_a_phone_and_stored_clean(open_page, live_server, cadre_token):
    watched, form = open_report_form(open_page)
    page = watched.page
    picker = form.locator('[data-role="photos"]')
    assert picker.locator('input[type="file"][capture]').get_attribute("accept") == "image/*"
    form.locator('[name="category"]').select_option("hazard")
    form.locator('[name="title"]').fill("井盖松动")
    form.locator('[name="description"]').fill("龙津巷口井盖踩上去会晃")
    original = phone_jpeg(600, 800, noise=True)
    picker.locator('input[name="photo_pick"]').set_input_files(
        [{"name": "IMG_20261102_083107.jpg", "mimeType": "image/jpeg", "buffer": original}])
    thumb = picker.locator('[data-role="thumb"] img')
    thumb.wait_for()
    page.wait_for_function("() => document.querySelector('[data-role=thumb] img').naturalWidth > 0")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    watched.screenshot("photo-report-thumbnails")
    form.locator('button[type="submit"]').click()
    code = form.locator('[data-role="code"]')
    code.wait_for(timeout=30_000)
    tracking_code = code.inner_text()
    assert picker.locator('[data-role="thumb"]').count() == 0, "the sent photos are cleared"

    [(photo_id, display, small)] = stored_photos(live_server.app, tracking_code)
    for data in (display, small):
        image = Image.open(io.BytesIO(data))
        image.load()  # decodes completely
        assert image.format == "JPEG" and image.height > image.width  # upright: portrait, as the phone held it
        assert metadata_of(data) == {"exif": {}, "info": []}
        assert b"Exif" not in data and SERIAL.encode() not in data and b"Xiaomi" not in data
        assert top_is_red(data)
    assert Image.open(io.BytesIO(display)).size == (600, 800)

    # The public cannot fetch it until a cadre publishes it; then /track shows it.
    url = f"{live_server.url}/api/v1/photos/{photo_id}/display"
    assert status_of(url) == 404
    page.goto(f"{live_server.url}/track/{tracking_code}")
    page.locator('[data-role="status-label"]').wait_for()
    assert page.locator('[data-role="photo-strip"]').count() == 0
    status, _ = live_server.call("POST", f"/api/v1/photos/{photo_id}/publish", token=cadre_token)
    assert status == 200
    assert status_of(url) == 200
    page.reload()
    strip = page.locator('[data-role="photo-strip"] img')
    strip.wait_for()
    page.wait_for_function("() => document.querySelector('[data-role=photo-strip] img').naturalWidth > 0")
    watched.screenshot("track-with-photo")
    watched.assert_quiet()


def test_a_refused_photo_keeps_what_was_typed_and_chosen(open_page, live_server):
    _, form = open_report_form(open_page)
    picker = form.locator('[data-role="photos"]')
    form.locator('[name="title"]').fill("路灯不亮")
    form.locator('[name="category"]').select_option("environment")
    picker.locator('input[name="photo_pick"]').set_input_files(
        [{"name": "x.jpg", "mimeType": "image/jpeg", "buffer": text_as_jpeg()}])
    picker.locator('[data-role="thumb"]').wait_for()
    form.locator('button[type="submit"]').click()
    error = form.locator('[data-role="error"]')
    error.wait_for()
    assert "x.jpg" in error.inner_text() and "JPEG、PNG、WebP、HEIC" in error.inner_text()
    assert form.locator('[name="title"]').input_value() == "路灯不亮"
    assert form.locator('[name="category"]').input_value() == "environment"
    assert picker.locator('[data-role="thumb"]').count() == 1
    picker.locator(".mq-photo-remove").click()
    picker.locator('input[name="photo_pick"]').set_input_files(
        [{"name": "a.jpg", "mimeType": "image/jpeg", "buffer": phone_jpeg()}])
    form.locator('button[type="submit"]').click()
    code = form.locator('[data-role="code"]')
    code.wait_for(timeout=30_000)
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}", code.inner_text())
    assert len(stored_photos(live_server.app, code.inner_text())) == 1


def test_a_chief_resolves_a_hazard_only_after_adding_an_after_photo(open_page, chief_login, live_server, cadre_token):
    status, case = live_server.call("POST", "/api/v1/cases", token=cadre_token, body={
        "title": "消防通道堆放杂物", "channel": "grid_worker", "category": "hazard", **point_in_building("BD01")})
    assert status == 201, case
    watched = open_page(f"/cases/{case['code']}", viewport=PHONE, storage_state=chief_login)
    page = watched.page

    def act(action, note=None):
        page.locator(f'.mq-case-actions button[data-action="{action}"]').click()
        if note:
            page.locator('.mq-action-form [name="note"]').fill(note)
        page.locator('.mq-action-form button[type="submit"]').click()

    act("accept")
    page.locator('#mq-case [data-role="message"]').wait_for()
    act("resolve", "杂物已清理")
    refusal = page.locator(".mq-action-form .mq-error")
    refusal.wait_for()
    assert "处置后照片" in refusal.inner_text() and "RESOLVE_REQUIRES_PHOTO" in refusal.inner_text()

    photos = page.locator('[data-role="case-photos"]')
    assert photos.locator('[name="kind"]').input_value() == "after"
    photos.locator('input[name="photo_pick"]').set_input_files(
        [{"name": "after.jpg", "mimeType": "image/jpeg", "buffer": phone_jpeg()}])
    photos.locator('[data-role="thumb"]').wait_for()
    photos.locator('[data-role="upload-photos"]').click()
    page.locator('#mq-case [data-role="message"]', has_text="已上传 1 张照片").wait_for()
    strip = page.locator('[data-role="case-photos"] [data-role="photo-strip"] figure')
    assert strip.count() == 1 and "处置后" in strip.inner_text()
    assert page.locator('[data-role="case-photos"] [data-role="publish"]').count() == 0, "a chief does not publish"
    act("resolve", "杂物已清理")
    page.locator('#mq-case [data-role="message"]', has_text="已办结").wait_for()
    assert page.locator('#mq-case [data-role="status"]').inner_text() == "办结"
    watched.screenshot("case-page-after-photo")
