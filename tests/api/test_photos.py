"""Photos over HTTP: intake with photos, evidence photos, refusals with nothing stored, serving and who sees what."""

import io

import pytest
from sqlalchemy import text

from geo_app.extensions import db
from tests.conftest import client_as
from tests.factories import case_body, point_in_building
from tests.photo_samples import (
    SERIAL,
    metadata_of,
    oversized_jpeg,
    phone_jpeg,
    png_bomb,
    text_as_jpeg,
    top_is_red,
)


def form(body, files=(), field="photos"):
    """Return a multipart form: the case fields as text, files as (name, bytes)."""
    data = {key: (",".join(value) if isinstance(value, list) else str(value)) for key, value in body.items()}
    data[field] = [(io.BytesIO(content), name, "image/jpeg") for name, content in files]
    return data


def post_with_photos(client, files, **overrides):
    return client.post("/api/v1/cases", data=form(case_body(**overrides), files), content_type="multipart/form-data")


def counts(app):
    with app.app_context():
        return db.session.execute(text("SELECT (SELECT count(*) FROM civic_case), (SELECT count(*) FROM case_photo), "
                                       "(SELECT count(*) FROM photo_blob)")).one()


def add_photos(client, code, files, kind="after"):
    return client.post(f"/api/v1/cases/{code}/photos", content_type="multipart/form-data",
                       data={"kind": kind, "photo": [(io.BytesIO(c), n, "image/jpeg") for n, c in files]})


def test_a_report_with_photos_stores_clean_upright_derivatives(client):
    response = post_with_photos(client, [("IMG_0001.jpg", phone_jpeg()), ("IMG_0002.jpg", phone_jpeg(400, 300))],
                                tags=["safety", "property"], anonymous="false")
    assert response.status_code == 201, response.get_json()
    case = response.get_json()
    assert [t["code"] for t in case["tags"]] == ["property", "safety"]
    photos = case["photos"]
    assert [(p["kind"], p["public"], p["width"], p["height"]) for p in photos] == [
        ("report", False, 300, 400), ("report", False, 400, 300)]
    assert photos[0]["taken_at"] == "2026-11-02T08:31:07+08:00"
    for photo in photos:
        for url in (photo["url"], photo["thumb_url"]):
            served = client.get(url)
            assert served.status_code == 200 and served.mimetype == "image/jpeg"
            assert metadata_of(served.data) == {"exif": {}, "info": []}
            assert b"Exif" not in served.data and SERIAL.encode() not in served.data
            assert top_is_red(served.data)
            assert "immutable" in served.headers["Cache-Control"] and served.headers["ETag"]


def test_served_photos_answer_304_to_their_etag(client):
    photo = post_with_photos(client, [("a.jpg", phone_jpeg())]).get_json()["photos"][0]
    first = client.get(photo["thumb_url"])
    again = client.get(photo["thumb_url"], headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


@pytest.mark.parametrize(("name", "content", "status", "code"), [
    ("x.jpg", text_as_jpeg(), 400, "not_an_image"),
    ("big.jpg", oversized_jpeg(), 413, "photo_too_large"),
    ("bomb.png", png_bomb(), 400, "too_many_pixels"),
])
def test_a_bad_photo_refuses_the_whole_report_and_stores_nothing(app, client, name, content, status, code):
    before = counts(app)
    response = post_with_photos(client, [("good.jpg", phone_jpeg()), (name, content)])
    assert response.status_code == status
    body = response.get_json()
    assert body["error"] == code and body["field"] == "photos" and body["file"] == name
    assert name in body["message"]
    if code == "not_an_image":
        assert "JPEG、PNG、WebP、HEIC" in body["message"]
    assert counts(app) == before


def test_more_than_nine_photos_are_refused(app, client):
    before = counts(app)
    response = post_with_photos(client, [(f"{i}.jpg", phone_jpeg(60, 80)) for i in range(10)])
    assert response.status_code == 400
    assert response.get_json()["error"] == "too_many_photos" and "9" in response.get_json()["message"]
    assert counts(app) == before


def test_the_public_reports_with_photos_but_sees_them_only_once_published(app, client, public_client):
    receipt = post_with_photos(public_client, [("a.jpg", phone_jpeg())], reporter_name="", household="")
    assert receipt.status_code == 201 and "photos" not in receipt.get_json()
    tracked = public_client.get(f"/api/v1/track/{receipt.get_json()['tracking_code']}").get_json()
    assert tracked["photos"] == []
    photo = client.get(f"/api/v1/cases/{receipt.get_json()['code']}").get_json()["photos"][0]
    assert public_client.get(photo["url"]).status_code == 404
    assert public_client.post(f"/api/v1/photos/{photo['id']}/publish").status_code == 401
    published = client.post(f"/api/v1/photos/{photo['id']}/publish")
    assert published.status_code == 200 and published.get_json()["public"] is True
    assert public_client.get(photo["url"]).status_code == 200
    tracked = public_client.get(f"/api/v1/track/{receipt.get_json()['tracking_code']}").get_json()
    assert [p["id"] for p in tracked["photos"]] == [photo["id"]]
    assert client.post(f"/api/v1/photos/{photo['id']}/hide").get_json()["public"] is False
    assert public_client.get(photo["thumb_url"]).status_code == 404


def test_staff_of_another_community_cannot_read_an_unpublished_photo(app, client, community_b):
    photo = post_with_photos(client, [("a.jpg", phone_jpeg())]).get_json()["photos"][0]
    other = client_as(app, "qd_cadre")
    assert other.get(photo["url"]).status_code == 403
    assert other.post(f"/api/v1/photos/{photo['id']}/publish").status_code == 403


def test_a_chief_cannot_publish(client, chief_client):
    case = post_with_photos(client, [("a.jpg", phone_jpeg())], **point_in_building("BD01")).get_json()
    assert chief_client.get(case["photos"][0]["url"]).status_code == 200
    assert chief_client.post(f"/api/v1/photos/{case['photos'][0]['id']}/publish").status_code == 403


def resolve(client, code):
    case = client.get(f"/api/v1/cases/{code}").get_json()
    for action in ("accept", "start", "resolve"):
        if action == "resolve" or any(a["code"] == action for a in case["allowed_actions"]):
            response = client.post(f"/api/v1/cases/{code}/transitions",
                                   json={"action": action, "version": case["version"], "note": "已处理"})
            if response.status_code != 200:
                return response
            case = response.get_json()
    return response


def test_a_hazard_is_resolved_only_after_an_after_photo(client, chief_client):
    case = client.post("/api/v1/cases", json=case_body(**point_in_building("BD01"))).get_json()
    refused = resolve(chief_client, case["code"])
    assert refused.status_code == 409
    assert refused.get_json()["error"] == "photo_required"
    assert "RESOLVE_REQUIRES_PHOTO" in refused.get_json()["message"]
    assert refused.get_json()["rule"] == "RESOLVE_REQUIRES_PHOTO"
    assert add_photos(chief_client, case["code"], [("before.jpg", phone_jpeg())], kind="before").status_code == 201
    assert resolve(chief_client, case["code"]).status_code == 409  # a 处置前 photo is not enough
    added = add_photos(chief_client, case["code"], [("after1.jpg", phone_jpeg()), ("after2.jpg", phone_jpeg(80, 60))])
    assert added.status_code == 201 and [p["kind"] for p in added.get_json()["photos"]] == ["after", "after"]
    resolved = resolve(chief_client, case["code"])
    assert resolved.status_code == 200 and resolved.get_json()["status"] == "resolved"
    assert [p["kind"] for p in resolved.get_json()["photos"]] == ["before", "after", "after"]


def test_the_rule_follows_the_setting(make_app):
    app = make_app(RESOLVE_REQUIRES_PHOTO=["dispute"])
    cadre = client_as(app, "cadre")
    hazard = cadre.post("/api/v1/cases", json=case_body()).get_json()
    assert resolve(cadre, hazard["code"]).status_code == 200
    dispute = cadre.post("/api/v1/cases", json=case_body(category="dispute")).get_json()
    assert resolve(cadre, dispute["code"]).get_json()["error"] == "photo_required"


def test_evidence_photos_refuse_an_unknown_kind_and_a_missing_file(client):
    case = client.post("/api/v1/cases", json=case_body()).get_json()
    wrong = add_photos(client, case["code"], [("a.jpg", phone_jpeg())], kind="during")
    assert wrong.status_code == 400 and wrong.get_json()["field"] == "kind"
    missing = client.post(f"/api/v1/cases/{case['code']}/photos", data={"kind": "after"},
                          content_type="multipart/form-data")
    assert missing.status_code == 400 and missing.get_json()["field"] == "photo"


def test_originals_are_kept_only_when_configured_and_read_only_by_cadres_with_a_log(make_app):
    app = make_app(KEEP_PHOTO_ORIGINALS=True)
    cadre, chief = client_as(app, "cadre"), client_as(app, "chief")
    original = phone_jpeg()
    case = post_with_photos(cadre, [("a.jpg", original)], **point_in_building("BD01")).get_json()
    photo = case["photos"][0]
    assert chief.get(f"/api/v1/photos/{photo['id']}/original").status_code == 403
    served = cadre.get(photo["original_url"])
    assert served.status_code == 200 and served.data == original and served.headers["Cache-Control"] == "private, no-store"
    with app.app_context():
        logged = db.session.execute(text("SELECT actor, detail FROM admin_log WHERE action = 'photo_original_read'")).all()
    assert [(r.actor, r.detail["photo_id"]) for r in logged] == [("cadre", photo["id"])]


def test_without_the_setting_no_original_is_kept(client):
    photo = post_with_photos(client, [("a.jpg", phone_jpeg())]).get_json()["photos"][0]
    assert "original_url" not in photo
    assert client.get(f"/api/v1/photos/{photo['id']}/original").status_code == 404


def test_a_retried_report_with_the_same_key_and_photos_stores_them_once(app, client):
    headers = {"Idempotency-Key": "photo-retry-1"}
    body = case_body()
    first = client.post("/api/v1/cases", data=form(body, [("a.jpg", phone_jpeg())]), headers=headers,
                        content_type="multipart/form-data")
    before = counts(app)
    again = client.post("/api/v1/cases", data=form(body, [("a.jpg", phone_jpeg())]), headers=headers,
                        content_type="multipart/form-data")
    assert first.status_code == 201 and again.status_code == 200
    assert again.get_json()["code"] == first.get_json()["code"] and len(again.get_json()["photos"]) == 1
    assert counts(app) == before
    other = client.post("/api/v1/cases", data=form(body, [("b.jpg", phone_jpeg(80, 60))]), headers=headers,
                        content_type="multipart/form-data")
    assert other.status_code == 422 and other.get_json()["error"] == "idempotency_key_reused"  # another photo



def test_after_cleaning_photos_an_anonymous_report_gets_its_whole_database_budget_again(make_app):
    import time

    from flask import g

    from geo_app.request_budget import restart_budget

    app = make_app(ANON_DB_BUDGET_MS=5000)
    with app.test_request_context("/api/v1/cases", method="POST"):
        g.db_deadline = time.monotonic() - 1  # spent receiving and decoding nine photos
        restart_budget()
        assert g.db_deadline - time.monotonic() > 4


def test_an_unknown_category_in_the_rule_stops_the_app(make_app):
    with pytest.raises(ValueError, match="RESOLVE_REQUIRES_PHOTO"):
        make_app(RESOLVE_REQUIRES_PHOTO=["hazrd"])
