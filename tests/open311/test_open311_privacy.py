"""Open311 GET follows the caller's role: the public sees no case text or place; trusted clients do."""

import xml.etree.ElementTree as ET

from tests.conftest import token_for
from tests.factories import case_body, point_in_building

PRIVATE_FIELDS = ("description", "address", "address_id", "lat", "long")


def _posted(app):
    client = app.test_client()
    token = token_for(app, "cadre")
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client.post("/api/v1/cases", json=case_body(category="environment", description="巷口垃圾堆积三天",
                                                       **point_in_building("BD04"))).get_json()


def test_public_sees_status_but_not_text_or_place(app):
    case = _posted(app)
    public = app.test_client()
    found = public.get(f"/open311/v2/requests/{case['code']}.json").get_json()[0]
    assert found["status"] == "open" and found["service_code"] == "environment"
    assert found["description"] == "内容不公开"
    assert all(found[f] in (None, "内容不公开") for f in PRIVATE_FIELDS)
    listed = public.get("/open311/v2/requests.json").get_json()
    assert listed and all(r["lat"] is None and r["long"] is None for r in listed)
    root = ET.fromstring(public.get(f"/open311/v2/requests/{case['code']}.xml").data)
    assert root.tag == "service_requests" and root.find("request/lat").text in (None, "")
    assert "巷口垃圾" not in public.get("/open311/v2/requests.xml").get_data(as_text=True)


def test_configured_api_key_sees_text_and_place_but_a_staff_token_in_the_url_does_not(make_app):
    app = make_app(OPEN311_API_KEYS=["partner-key-123"])
    case = _posted(app)
    path = f"/open311/v2/requests/{case['code']}.json"
    found = app.test_client().get(path, query_string={"api_key": "partner-key-123"}).get_json()[0]
    assert found["description"] == "巷口垃圾堆积三天" and found["lat"] is not None
    leaked = app.test_client().get(path, query_string={"api_key": token_for(app, "admin")}).get_json()[0]
    assert leaked["description"] == "内容不公开" and leaked["lat"] is None


def test_staff_see_open311_within_their_scope_only(app):
    case = _posted(app)  # in BD04, not the demo chief's building
    chief = app.test_client()
    chief.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token_for(app, 'chief')}"
    listed = chief.get("/open311/v2/requests.json").get_json()
    assert case["code"] not in [r["service_request_id"] for r in listed]
    single = chief.get(f"/open311/v2/requests/{case['code']}.json").get_json()[0]
    assert single["description"] == "内容不公开" and single["lat"] is None
    cadre = app.test_client()
    cadre.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token_for(app, 'cadre')}"
    assert cadre.get(f"/open311/v2/requests/{case['code']}.json").get_json()[0]["lat"] is not None


def test_configured_key_posts_without_counting_toward_the_anonymous_limit(make_app):
    app = make_app(ANON_POST_LIMIT="1 per minute", OPEN311_API_KEYS=["partner-key-123"])
    client = app.test_client()
    p = point_in_building("BD05")
    for _ in range(3):
        response = client.post("/open311/v2/requests.json", data={
            "service_code": "hazard", "lat": p["lat"], "long": p["lon"], "description": "井盖破损",
            "api_key": "partner-key-123"})
        assert response.status_code == 201, response.get_data(as_text=True)
    bad = client.post("/open311/v2/requests.json", data={"service_code": "hazard", "lat": p["lat"], "long": p["lon"],
                                                         "description": "x", "api_key": "wrong"})
    assert bad.status_code == 403, "a wrong key is refused as such: it was not yet over the anonymous limit"
