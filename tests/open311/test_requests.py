"""Posting service requests and reading them back: dispatch, status, filters, default limits, privacy."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from geo_app.extensions import db
from geo_app.schemas import CaseIn
from geo_app.services.cases import create_case
from geo_app.services.privacy import mask_name
from tests.helpers import demo_people
from tests.open311.conftest import REQUEST_FIELDS, building_chief, building_point, parse_xml


def _get_one(client, code):
    [request] = client.get(f"/open311/v2/requests/{code}.json").get_json()
    return request


@pytest.mark.parametrize("building", ["BD01", "BD05", "BD12"])
def test_posted_request_is_dispatched_to_the_buildings_chief(client, post_request, stored, building):
    response = post_request(building=building)
    assert response.status_code == 201
    [created] = response.get_json()
    assert list(created) == ["service_request_id", "token", "service_notice", "account_id"]
    assert created["account_id"] is None and created["service_request_id"].startswith("MQ-")
    assert created["token"] == stored(created["service_request_id"])["tracking_code"]

    agency = f"楼栋长 {mask_name(building_chief(building))}"
    request = _get_one(client, created["service_request_id"])
    assert list(request) == REQUEST_FIELDS
    assert request["agency_responsible"] == agency and agency in created["service_notice"]
    assert request["status"] == "open" and request["service_code"] == "hazard" and request["service_name"] == "安全隐患"
    assert request["address_id"] == building
    lon, lat = building_point(building)
    assert request["lat"] == pytest.approx(lat, abs=1e-6) and request["long"] == pytest.approx(lon, abs=1e-6)
    assert request["requested_datetime"].endswith("+08:00") and request["expected_datetime"] > request["requested_datetime"]

    case = stored(created["service_request_id"])
    assert case["channel"] == "other" and case["title"] == "楼道堆放杂物，堵塞消防通道，存在安全隐患"
    assert case["assignee_name"] == building_chief(building) and case["actor"] == "open311"


def test_post_and_read_back_in_xml(client, post_request):
    root = parse_xml(post_request("xml"))
    assert root.tag == "service_requests" and [e.tag for e in root] == ["request"]
    assert [e.tag for e in root[0]] == ["service_request_id", "token", "service_notice", "account_id"]
    code, token = root.findtext("request/service_request_id"), root.findtext("request/token")

    root = parse_xml(client.get(f"/open311/v2/requests/{code}.xml"))
    assert root.tag == "service_requests"
    [request] = root.findall("request")
    assert [e.tag for e in request] == REQUEST_FIELDS
    assert request.findtext("status") == "open" and request.findtext("address_id") == "BD01"
    assert request.find("media_url").text is None and request.find("lat").text

    root = parse_xml(client.get("/open311/v2/requests.xml"))
    assert code in [r.findtext("service_request_id") for r in root.findall("request")]

    root = parse_xml(client.get(f"/open311/v2/tokens/{token}.xml"))
    assert [e.tag for e in root.find("request")] == ["service_request_id", "token"]
    assert client.get(f"/open311/v2/tokens/{token}.json").get_json() == [{"service_request_id": code, "token": token}]
    # the token is the reporter's tracking code; the public case code is not a token
    assert client.get(f"/open311/v2/tokens/{code}.json").status_code == 404


def test_the_title_is_the_first_60_characters_of_the_description(post_request, stored):
    description = "路灯" * 50
    case = stored(post_request(description=description).get_json()[0]["service_request_id"])
    assert case["title"] == description[:60] and case["description"] == description


def _walk(client, code, *steps):
    for action, extra in steps:
        version = client.get(f"/api/v1/cases/{code}").get_json()["version"]
        response = client.post(f"/api/v1/cases/{code}/transitions", json={"action": action, "version": version} | extra)
        assert response.status_code == 200, response.get_json()


# Real commits: updated_at comes from the database's now(), which a rolled-back test's one transaction freezes.
@pytest.mark.committed_db
def test_status_becomes_closed_with_the_resolution_note(client, post_request):
    code = post_request(service_code="dispute").get_json()[0]["service_request_id"]  # not under RESOLVE_REQUIRES_PHOTO: resolved without a photo
    _walk(client, code, ("accept", {}), ("start", {}))
    assert _get_one(client, code)["status"] == "open"
    assert _get_one(client, code)["status_notes"] == "办理中"
    _walk(client, code, ("resolve", {"note": "杂物已清理，消防通道畅通"}))
    request = _get_one(client, code)
    assert request["status"] == "closed" and request["status_notes"] == "杂物已清理，消防通道畅通"
    assert request["updated_datetime"] >= request["requested_datetime"]
    _walk(client, code, ("visit", {"satisfaction": "satisfied"}), ("close", {}))
    assert _get_one(client, code)["status"] == "closed"

    closed = client.get("/open311/v2/requests.json?status=closed").get_json()
    still_open = client.get("/open311/v2/requests.json?status=open").get_json()
    assert code in [r["service_request_id"] for r in closed]
    assert code not in [r["service_request_id"] for r in still_open]
    assert all(r["status"] == "closed" for r in closed) and all(r["status"] == "open" for r in still_open)


def test_filters_by_id_list_and_service_code(client, post_request):
    hazard = post_request().get_json()[0]["service_request_id"]
    litter = post_request(service_code="environment", building="BD02").get_json()[0]["service_request_id"]
    other = post_request(service_code="suggestion", building="BD03").get_json()[0]["service_request_id"]

    both = client.get(f"/open311/v2/requests.json?service_request_id={hazard},{litter}&service_code=legal").get_json()
    assert sorted(r["service_request_id"] for r in both) == sorted([hazard, litter])  # ids override other filters

    found = client.get("/open311/v2/requests.json?service_code=environment,suggestion").get_json()
    codes = {r["service_request_id"] for r in found}
    assert {litter, other} <= codes and hazard not in codes
    assert {r["service_code"] for r in found} <= {"environment", "suggestion"}

    assert client.get("/open311/v2/requests.json?jurisdiction_id=mingzhu&service_code=hazard").get_json()
    assert client.get("/open311/v2/requests.json?service_request_id=MQ-1999-000001").get_json() == []


def _old_case(app, days_ago):
    lon, lat = building_point("BD04")
    with app.app_context():
        case, _ = create_case(db.session, CaseIn(title="旧的隐患", channel="resident", category="hazard",
                                                 lat=lat, lon=lon), now=datetime.now(UTC) - timedelta(days=days_ago))
        db.session.commit()
        return case["code"]


def test_without_dates_only_the_last_90_days_are_listed(app, client, post_request):
    old = _old_case(app, 100)
    recent = post_request().get_json()[0]["service_request_id"]
    listed = [r["service_request_id"] for r in client.get("/open311/v2/requests.json").get_json()]
    assert recent in listed and old not in listed

    since = (datetime.now(UTC) - timedelta(days=120)).strftime("%Y-%m-%dT%H:%M:%SZ")
    listed = [r["service_request_id"] for r in client.get(f"/open311/v2/requests.json?start_date={since}").get_json()]
    assert {old, recent} <= set(listed)

    until = (datetime.now(UTC) - timedelta(days=50)).strftime("%Y-%m-%dT%H:%M:%S+08:00")
    listed = [r["service_request_id"] for r in
              client.get("/open311/v2/requests.json", query_string={"end_date": until}).get_json()]
    assert old in listed and recent not in listed


def test_at_most_1000_requests_newest_first(app, client, post_request):
    code = post_request().get_json()[0]["service_request_id"]
    with app.app_context():
        db.session.execute(text(
            """INSERT INTO civic_case (community_id, code, channel, category, tags, title, description, geom, address,
                   urgency, status, unit_id, assignee_id, assignee_role, response_due_at, resolve_due_at, received_at,
                   version, created_at, updated_at)
               SELECT community_id, 'MQ-2099-' || lpad(g::text, 6, '0'), channel, category, tags, title, description,
                   geom, address, urgency, status, unit_id, assignee_id, assignee_role, response_due_at,
                   resolve_due_at, received_at - make_interval(secs => g), 1, created_at, updated_at
               FROM civic_case, generate_series(1, 1000) AS g WHERE code = :code"""), {"code": code})
        db.session.commit()
    listed = client.get("/open311/v2/requests.json").get_json()
    assert len(listed) == 1000
    assert listed[0]["service_request_id"] == code and listed[1]["service_request_id"] == "MQ-2099-000001"
    assert len(parse_xml(client.get("/open311/v2/requests.xml")).findall("request")) == 1000


def test_no_personal_data_in_what_anyone_can_read(client, post_request, stored):
    [created] = post_request(first_name="小明", last_name="王", phone="139-1234-5678", email="wang@example.com",
                             description="楼道灯坏了，有事请打 13800001111").get_json()
    code, token = created["service_request_id"], created["token"]
    case = stored(code)
    assert case["reporter_name"] == "王小明" and case["reporter_phone"] == "13912345678"

    chief = building_chief("BD01")
    chief_phone = next(p["phone"] for p in demo_people("building_chief") if p["name"] == chief)
    for url in (f"/open311/v2/requests/{code}.json", f"/open311/v2/requests/{code}.xml", "/open311/v2/requests.json",
                "/open311/v2/requests.xml", f"/open311/v2/tokens/{token}.json"):
        body = client.get(url).get_data(as_text=True)
        for secret in ("王小明", "小明", "13912345678", "wang@example.com", "13800001111", chief, chief_phone):
            assert secret not in body, (url, secret)
    assert "138****1111" in _get_one(client, code)["description"]


def test_sensitive_cases_show_neither_text_nor_place(client, post_request):
    code = post_request(service_code="legal", description="房东扣押金不退，想咨询怎么起诉").get_json()[0]["service_request_id"]
    request = _get_one(client, code)
    assert request["description"] == "内容不公开" and "押金" not in str(request)
    assert request["lat"] is None and request["long"] is None and request["address"] is None
    assert request["status"] == "open" and request["service_code"] == "legal"
