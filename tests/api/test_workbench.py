"""GET /api/v1/me/cases, the reporter's phone revealed to the assignee, notify consent, the 回访 endpoints."""

from sqlalchemy import text

from geo_app.extensions import db
from tests.conftest import client_as
from tests.factories import case_body, point_in_building


def report(public_client, **overrides):
    # A dispute: resolving it needs no 处置后 photo (RESOLVE_REQUIRES_PHOTO), which tests/api/test_photos.py covers.
    response = public_client.post("/api/v1/cases", json=case_body(**{"category": "dispute", **point_in_building("BD01"),
                                                                      **overrides}))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def staff_case(client, code):
    return client.get(f"/api/v1/cases/{code}").get_json()


def act(client, code, action, **extra):
    version = staff_case(client, code)["version"]
    response = client.post(f"/api/v1/cases/{code}/transitions", json={"action": action, "version": version, **extra})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_me_cases_lists_my_open_cases_by_due_time_for_a_token(public_client, chief_client):
    urgent = report(public_client, title="紧急漏水", urgency="urgent")
    body = chief_client.get("/api/v1/me/cases").get_json()
    codes = [c["code"] for c in body["cases"]]
    assert urgent["code"] in codes and body["count"] == len(codes)
    assert [c["due_at"] for c in body["cases"]] == sorted(c["due_at"] for c in body["cases"])
    mine = next(c for c in body["cases"] if c["code"] == urgent["code"])
    assert mine["reporter_phone"] == "139****5678" and mine["reporter_name"] == "王**"
    assert [a["code"] for a in mine["allowed_actions"]] == ["accept", "return"]
    returning = next(a for a in mine["allowed_actions"] if a["code"] == "return")
    assert returning["choices"] == "return_reason"


def test_me_cases_refuses_the_public_and_accounts_without_a_person(public_client, client):
    assert public_client.get("/api/v1/me/cases").status_code == 401
    refused = client.get("/api/v1/me/cases")
    assert refused.status_code == 403 and refused.get_json()["error"] == "no_person"


def test_a_chief_accepts_starts_and_resolves_and_the_case_leaves_the_list(public_client, chief_client):
    case = report(public_client)
    for action, extra in (("accept", {}), ("start", {}), ("resolve", {"note": "已修好"})):
        act(chief_client, case["code"], action, **extra)
    codes = [c["code"] for c in chief_client.get("/api/v1/me/cases").get_json()["cases"]]
    assert case["code"] not in codes


def test_return_takes_a_reason_from_the_list(public_client, chief_client):
    case = report(public_client)
    version = staff_case(chief_client, case["code"])["version"]
    bad = chief_client.post(f"/api/v1/cases/{case['code']}/transitions",
                            json={"action": "return", "version": version, "reason": "不想干"})
    assert bad.status_code == 400 and bad.get_json()["field"] == "reason"
    wrong = chief_client.post(f"/api/v1/cases/{case['code']}/transitions",
                              json={"action": "accept", "version": version, "reason": "wrong_place"})
    assert wrong.status_code == 400 and wrong.get_json()["field"] == "reason"
    returned = chief_client.post(f"/api/v1/cases/{case['code']}/transitions",
                                 json={"action": "return", "version": version, "reason": "位置有误"})
    assert returned.status_code == 200
    assert returned.get_json()["history"][-1]["data"]["reason"] == "wrong_place"


def test_the_assignee_reveals_the_phone_and_each_reveal_is_logged(app, public_client, chief_client, client):
    case = report(public_client)
    path = f"/api/v1/cases/{case['code']}/reporter-phone"
    assert public_client.post(path).status_code == 401
    assert client.post(path).status_code == 403, "a cadre is not the assignee"
    first, second = chief_client.post(path), chief_client.post(path)
    assert first.status_code == second.status_code == 200 and first.get_json()["phone"] == "13912345678"
    with app.app_context():
        actors = db.session.execute(text("SELECT r.actor FROM phone_reveal r JOIN civic_case c ON c.id = r.case_id "
                                         "WHERE c.code = :c"), {"c": case["code"]}).scalars().all()
    assert actors == ["chief", "chief"]
    no_phone = report(public_client, reporter_phone=None)
    assert chief_client.post(f"/api/v1/cases/{no_phone['code']}/reporter-phone").status_code == 404


def test_notify_needs_a_phone_and_is_stored(app, public_client):
    refused = public_client.post("/api/v1/cases", json=case_body(notify=True, reporter_phone=None))
    body = refused.get_json()
    assert refused.status_code == 400 and body["field"] == "notify" and "联系电话" in body["message"]
    assert public_client.post("/api/v1/cases", json=case_body(notify="yes")).status_code == 400
    consented, silent = report(public_client, notify=True), report(public_client)
    with app.app_context():
        stored = dict(db.session.execute(text("SELECT code, notify FROM civic_case WHERE code IN (:a, :b)"),
                                         {"a": consented["code"], "b": silent["code"]}).all())
    assert stored == {consented["code"]: True, silent["code"]: False}


def test_open311_takes_notify_with_a_phone(public_client):
    base = {"service_code": "hazard", "description": "路灯坏了", **{"lat": 22.9668, "long": 115.3249}}
    refused = public_client.post("/open311/v2/requests.json", data={**base, "notify": "true"})
    assert refused.status_code == 400 and "notify" in refused.get_data(as_text=True)
    accepted = public_client.post("/open311/v2/requests.json", data={**base, "notify": "true", "phone": "13900001111"})
    assert accepted.status_code == 201, accepted.get_data(as_text=True)


def test_feedback_loop_over_http(app, public_client, chief_client, client):
    case = report(public_client, notify=True)
    for action, extra in (("accept", {}), ("resolve", {"note": "已通知物业清理"})):
        act(chief_client, case["code"], action, **extra)
    assert chief_client.post(f"/api/v1/cases/{case['code']}/feedback-link").status_code == 403
    issued = client.post(f"/api/v1/cases/{case['code']}/feedback-link")
    assert issued.status_code == 201
    path = issued.get_json()["path"]
    shown = public_client.get(f"/api/v1{path}")
    assert shown.status_code == 200 and shown.get_json()["resolution_note"] == "已通知物业清理"
    assert "Set-Cookie" not in shown.headers
    bad = public_client.post(f"/api/v1{path}", json={"satisfaction": "还行"})
    assert bad.status_code == 400 and bad.get_json()["field"] == "satisfaction"
    answered = public_client.post(f"/api/v1{path}", json={"satisfaction": "不满意", "comment": "还是堆着"})
    assert answered.status_code == 200 and answered.get_json()["reopened"]
    again = public_client.post(f"/api/v1{path}", json={"satisfaction": "满意"})
    assert again.status_code == 410 and again.get_json()["error"] == "feedback_link_gone"
    assert public_client.get("/api/v1/feedback/nonsense-token-that-is-long-enough").status_code == 404
    codes = [c["code"] for c in chief_client.get("/api/v1/me/cases").get_json()["cases"]]
    assert case["code"] in codes, "不满意 puts the case back in the assignee's list"
    history = staff_case(client, case["code"])["history"]
    assert history[-1]["action"] == "reopen" and history[-1]["actor"] == "群众回访"
    tracked = public_client.get(f"/api/v1/track/{case['tracking_code']}").get_json()
    assert tracked["status"] == "in_progress" and tracked["resolution_note"] is None


def test_track_shows_the_resolution_note_once_resolved(public_client, chief_client):
    case = report(public_client)
    act(chief_client, case["code"], "accept")
    assert public_client.get(f"/api/v1/track/{case['tracking_code']}").get_json()["resolution_note"] is None
    act(chief_client, case["code"], "resolve", note="路灯已更换")
    assert public_client.get(f"/api/v1/track/{case['tracking_code']}").get_json()["resolution_note"] == "路灯已更换"


def test_the_header_badge_counts_my_open_cases_on_every_staff_page(app, public_client):
    chief = client_as(app, "chief")
    count = chief.get("/api/v1/me/cases").get_json()["count"]
    report(public_client)
    for page in ("/me", "/heatmap", "/track"):
        html = chief.get(page).get_data(as_text=True)
        assert f'data-count="{count + 1}"' in html, page
