"""Idempotency-Key: per client, bound to the body; a retry still gets the same case."""

import json
import secrets

from sqlalchemy import text

from geo_app.extensions import db
from tests.factories import case_body, point_in_building


def _stored(app, title):
    with app.app_context():
        return db.session.execute(text("SELECT count(*) FROM civic_case WHERE title = :t"), {"t": title}).scalar()


def _browser(app):
    """A resident's browser: it sends its own random id (the report form keeps one in localStorage)."""
    browser = app.test_client()
    browser.environ_base["HTTP_X_BROWSER_ID"] = secrets.token_urlsafe(16)
    return browser


def test_b_reusing_as_key_with_another_body_is_refused_and_not_stored(app):
    """The break: B's different report with A's key got A's receipt (A's building) and B's report was dropped."""
    resident_a, resident_b = app.test_client(), app.test_client()  # no cookies: the same address
    headers = {"Idempotency-Key": "key-seen-by-b"}
    a_body = case_body(title="甲的报告", **point_in_building("BD05"))
    receipt = resident_a.post("/api/v1/cases", json=a_body, headers=headers)
    assert receipt.status_code == 201
    refused = resident_b.post("/api/v1/cases", json=case_body(title="乙的报告", **point_in_building("BD09")),
                              headers=headers)
    assert refused.status_code == 422
    body = refused.get_json()
    assert body["error"] == "idempotency_key_reused" and body["field"] == "Idempotency-Key"
    assert "Idempotency-Key" in body["message"] and "不同" in body["message"]
    answer = refused.get_data(as_text=True)
    for leaked in (receipt.get_json()["code"], receipt.get_json()["tracking_code"], receipt.get_json()["unit"]["name"]):
        assert leaked not in answer
    assert _stored(app, "乙的报告") == 0 and _stored(app, "甲的报告") == 1


def test_a_retry_with_the_same_key_and_body_returns_the_same_case(app):
    resident = app.test_client()
    headers = {"Idempotency-Key": "retry-me"}
    body = case_body(title="重试")
    first = resident.post("/api/v1/cases", json=body, headers=headers)
    # the same body with its keys in another order and spaced otherwise is the same request
    reordered = json.dumps(dict(reversed(list(body.items()))), indent=2, ensure_ascii=False)
    again = resident.post("/api/v1/cases", data=reordered, content_type="application/json", headers=headers)
    assert first.status_code == 201 and again.status_code == 200
    assert again.get_json() == first.get_json()
    assert _stored(app, "重试") == 1


def test_two_browsers_behind_one_address_have_their_own_keys(app):
    one, two = _browser(app), _browser(app)
    headers = {"Idempotency-Key": "1"}
    first = one.post("/api/v1/cases", json=case_body(title="一号浏览器"), headers=headers)
    second = two.post("/api/v1/cases", json=case_body(title="二号浏览器"), headers=headers)
    assert first.status_code == 201 and second.status_code == 201
    assert first.get_json()["code"] != second.get_json()["code"]
    assert one.post("/api/v1/cases", json=case_body(title="一号浏览器"), headers=headers).get_json() == first.get_json()
    assert one.post("/api/v1/cases", json=case_body(title="别的"), headers=headers).status_code == 422


def test_keys_are_stored_hashed_with_the_client(app, client):
    client.post("/api/v1/cases", json=case_body(title="哈希"), headers={"Idempotency-Key": "plain-key"})
    with app.app_context():
        key, request_hash = db.session.execute(text(
            "SELECT idempotency_key, request_hash FROM civic_case WHERE title = '哈希'")).one()
    assert "plain-key" not in key and len(key) == 64 and len(request_hash) == 64


def test_a_staff_key_is_the_accounts_own(client, admin_client):
    headers = {"Idempotency-Key": "shared"}
    mine = client.post("/api/v1/cases", json=case_body(title="干部"), headers=headers)
    theirs = admin_client.post("/api/v1/cases", json=case_body(title="管理员"), headers=headers)
    assert mine.status_code == 201 and theirs.status_code == 201
    assert client.post("/api/v1/cases", json=case_body(title="干部"), headers=headers).status_code == 200
