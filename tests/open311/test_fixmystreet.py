"""FixMyStreet's Open311 client (perllib/Open311.pm), reproduced request by request and parsed as XML.

What FMS sends: GET requests.xml with jurisdiction_id and a start_date/end_date window but no api_key (it sends
the key only on POST, and on GET servicerequestupdates.xml); POST requests.xml and servicerequestupdates.xml
form-encoded with api_key, jurisdiction_id, first_name/last_name (split at the first space), W3C dates.
"""

from datetime import UTC, datetime, timedelta

import pytest

from geo_app.schemas.open311 import join_name
from tests.open311.conftest import building_point, parse_xml

KEY = "fms-key-1"
UPDATE_FIELDS = {"update_id", "service_request_id", "status", "description", "updated_datetime", "media_url"}


def w3c(moment):
    """DateTime::Format::W3CDTF's format, as FMS sends start_date and end_date."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def fms_app(make_app):
    return make_app(OPEN311_API_KEYS=[KEY], OPEN311_TRUSTED_NETWORKS=["192.0.2.0/24"])


def _client_at(app, environ):
    client = app.test_client()
    client.environ_base.update({"REMOTE_ADDR": environ} if isinstance(environ, str) else environ)
    return client


def _fms_post(client, path, **params):
    """Open311.pm's _request for POST: form-encoded, api_key and jurisdiction_id added."""
    return client.post(f"/open311/v2/{path}", data={"api_key": KEY, "jurisdiction_id": "mingzhu"} | params)


def _post_request(client, **extra):
    lon, lat = building_point("BD01")
    response = _fms_post(client, "requests.xml", service_code="dispute", lat=f"{lat:.6f}", long=f"{lon:.6f}",
                         description="楼下垃圾桶满溢\n\nhttps://fms.example/report/1", first_name="张", last_name="三",
                         email="zhang@example.com", **extra)
    assert response.status_code == 201, response.data
    return parse_xml(response).findtext("request/service_request_id")


def _requests(client, **query):
    now = datetime.now(UTC)
    params = {"jurisdiction_id": "mingzhu", "start_date": w3c(now - timedelta(hours=1)),
              "end_date": w3c(now + timedelta(minutes=5))} | query
    return parse_xml(client.get("/open311/v2/requests.xml", query_string=params))


def test_get_requests_from_a_trusted_network_has_places(fms_app):
    code = _post_request(fms_app.test_client())
    trusted = _client_at(fms_app, "192.0.2.17")
    found = next(r for r in _requests(trusted) if r.findtext("service_request_id") == code)
    assert float(found.findtext("lat")) > 0 and float(found.findtext("long")) > 0
    assert "垃圾桶满溢" in found.findtext("description")
    elsewhere = _client_at(fms_app, "198.51.100.9")
    public = next(r for r in _requests(elsewhere) if r.findtext("service_request_id") == code)
    assert not public.findtext("lat") and public.findtext("description") == "内容不公开"
    with_key = next(r for r in _requests(elsewhere, api_key=KEY) if r.findtext("service_request_id") == code)
    assert float(with_key.findtext("lat")) > 0


def test_trusted_networks_honour_trusted_proxies(make_app):
    forwarded = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "192.0.2.40"}
    behind_proxy = make_app(OPEN311_TRUSTED_NETWORKS=["192.0.2.0/24"], TRUSTED_PROXIES=1)
    code = _post_request_anonymously(behind_proxy)
    assert float(_one(_client_at(behind_proxy, forwarded), code).findtext("lat")) > 0
    direct = make_app(OPEN311_TRUSTED_NETWORKS=["192.0.2.0/24"], TRUSTED_PROXIES=0)
    assert not _one(_client_at(direct, forwarded), code).findtext("lat")  # a header anyone can send


def _post_request_anonymously(app):
    lon, lat = building_point("BD02")
    response = app.test_client().post("/open311/v2/requests.xml", data={
        "service_code": "environment", "lat": f"{lat:.6f}", "long": f"{lon:.6f}", "description": "路灯不亮"})
    return parse_xml(response).findtext("request/service_request_id")


def _one(client, code):
    return parse_xml(client.get(f"/open311/v2/requests/{code}.xml")).find("request")


def _walk(app, code, *steps):
    cadre = app.test_client()
    from tests.conftest import token_for

    cadre.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token_for(app, 'cadre')}"
    for action, extra in steps:
        version = cadre.get(f"/api/v1/cases/{code}").get_json()["version"]
        response = cadre.post(f"/api/v1/cases/{code}/transitions", json={"action": action, "version": version} | extra)
        assert response.status_code == 200, response.get_json()


def _updates(client, start, end, **extra):
    """Open311.pm's get_service_request_updates: api_key on GET, both dates or neither."""
    params = {"api_key": KEY, "jurisdiction_id": "mingzhu", "start_date": w3c(start), "end_date": w3c(end)} | extra
    response = client.get("/open311/v2/servicerequestupdates.xml", query_string=params)
    assert response.status_code == 200, response.data
    root = parse_xml(response)
    assert root.tag == "service_request_updates" and all(u.tag == "request_update" for u in root)
    return [{child.tag: child.text for child in update} for update in root]


def test_updates_by_date_range_in_xml(fms_app):
    client = fms_app.test_client()
    before = datetime.now(UTC) - timedelta(minutes=5)  # the intake's events carry the test transaction's now()
    code = _post_request(client)
    _walk(fms_app, code, ("accept", {}), ("start", {}), ("resolve", {"note": "垃圾已清运，联系电话13912345678"}))
    after = datetime.now(UTC) + timedelta(seconds=1)
    mine = [u for u in _updates(client, before, after) if u["service_request_id"] == code]
    assert [u["status"] for u in mine] == ["action_scheduled", "investigating", "in_progress", "fixed"]
    assert all(set(u) == UPDATE_FIELDS for u in mine)
    assert mine[-1]["description"] == "垃圾已清运，联系电话139****5678"
    assert len({u["update_id"] for u in mine}) == 4
    assert before <= datetime.fromisoformat(mine[0]["updated_datetime"]) <= after
    earlier = [u for u in _updates(client, before - timedelta(days=2), before - timedelta(days=1))
               if u["service_request_id"] == code]
    assert earlier == []
    # the request's own updated_datetime is its last change, the resolution
    assert _one(client, code).findtext("updated_datetime") == mine[-1]["updated_datetime"]
    public = fms_app.test_client().get("/open311/v2/servicerequestupdates.json",
                                       query_string={"start_date": w3c(before), "end_date": w3c(after)}).get_json()
    resolved = next(u for u in public if u["update_id"] == mine[-1]["update_id"])
    assert "13912345678" not in resolved["description"] and "垃圾已清运" not in resolved["description"]


def test_posted_update_becomes_a_comment_and_comes_back(fms_app):
    client = fms_app.test_client()
    code = _post_request(client)
    start = datetime.now(UTC) - timedelta(seconds=1)
    response = _fms_post(client, "servicerequestupdates.xml", service_request_id=code, status="OPEN",
                         description="垃圾桶又满了", updated_datetime=w3c(datetime.now(UTC)), update_id="77",
                         first_name="Test", last_name="-", email="test@example.com")
    assert response.status_code == 201, response.data
    update_id = parse_xml(response).findtext("request_update/update_id")
    assert update_id and update_id.isdigit()
    listed = _updates(client, start, datetime.now(UTC) + timedelta(seconds=1))
    comment = next(u for u in listed if u["update_id"] == update_id)
    assert comment["description"] == "垃圾桶又满了" and comment["service_request_id"] == code


def test_reopen_through_the_workflow(fms_app):
    client = fms_app.test_client()
    code = _post_request(client)
    _walk(fms_app, code, ("accept", {}), ("resolve", {"note": "已清理"}))
    response = _fms_post(client, "servicerequestupdates.json", service_request_id=code, status="REOPEN",
                         description="没有清理干净")
    assert response.status_code == 201, response.get_json()
    assert _one(client, code).findtext("status") == "open"
    again = _fms_post(client, "servicerequestupdates.xml", service_request_id=code, status="REOPEN", description="x")
    assert again.status_code == 409 and parse_xml(again).findtext("error/code") == "409"


def test_posting_updates_needs_a_trusted_client(fms_app):
    code = _post_request(fms_app.test_client())
    anonymous = fms_app.test_client().post("/open311/v2/servicerequestupdates.xml",
                                           data={"service_request_id": code, "status": "OPEN", "description": "x"})
    root = parse_xml(anonymous)
    assert anonymous.status_code == 403 and root.tag == "errors" and "api_key" in root.findtext("error/description")
    unknown = _fms_post(fms_app.test_client(), "servicerequestupdates.xml", service_request_id="MQ-1999-000001",
                        status="OPEN", description="x")
    assert unknown.status_code == 404 and parse_xml(unknown).findtext("error/code") == "404"


@pytest.mark.parametrize("method", ["get", "post"])
def test_jurisdiction_id_is_checked_the_same_way_on_get_and_post(fms_app, method):
    client = fms_app.test_client()
    lon, lat = building_point("BD01")
    answer = getattr(client, method)("/open311/v2/requests.xml", data={
        "jurisdiction_id": "atlantis", "service_code": "environment", "lat": lat, "long": lon, "description": "x"},
        query_string={"jurisdiction_id": "atlantis"} if method == "get" else None)
    root = parse_xml(answer)
    assert answer.status_code == 400 and "jurisdiction_id" in root.findtext("error/description")
    ours = getattr(client, method)("/open311/v2/requests.xml", data={
        "jurisdiction_id": "mingzhu", "service_code": "environment", "lat": lat, "long": lon, "description": "x"},
        query_string={"jurisdiction_id": "mingzhu"} if method == "get" else None)
    assert ours.status_code == (200 if method == "get" else 201), ours.get_data(as_text=True)


@pytest.mark.parametrize(("path", "method", "status"), [
    ("/open311/v2/nothing-here.xml", "get", 404), ("/open311/v2/nothing-here.json", "get", 404),
    ("/open311/v2/services.xml", "post", 405), ("/open311/v2/services.json", "delete", 405),
    ("/open311/v2/requests/MQ-1999-000001.xml", "get", 404), ("/open311/v2/a/b/c.xml", "post", 404),
])
def test_every_answer_is_in_the_format_asked_for(public_client, path, method, status):
    response = getattr(public_client, method)(path)
    assert response.status_code == status
    if path.endswith(".xml"):
        root = parse_xml(response)
        assert root.tag == "errors" and [e.tag for e in root[0]] == ["code", "description"]
        assert root.findtext("error/code") == str(status)
        description = root.findtext("error/description")
    else:
        [error] = response.get_json()
        description = error["description"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in description)
    if status == 405:
        assert "GET" in response.headers["Allow"]


@pytest.mark.parametrize(("first", "last", "name"), [
    ("张", "三", "张三"), ("三", "张", "张三"), ("欧阳", "小明", "欧阳小明"), ("小明", "欧阳", "欧阳小明"),
    ("王", "小明", "王小明"), ("小明", "王", "王小明"), ("张", "王", "张王"), ("John", "Smith", "John Smith"),
    ("José", "García", "José García"), ("Test", "-", "Test"), ("Li", "王", "Li 王"), (None, "张", "张"),
])
def test_first_and_last_names_joined_in_their_own_order(first, last, name):
    assert join_name(first, last) == name


def test_the_fixmystreet_name_reaches_the_case(fms_app, stored):
    code = _post_request(fms_app.test_client())
    assert stored(code)["reporter_name"] == "张三"



def test_a_misspelt_trusted_network_stops_the_start(make_app):
    with pytest.raises(SystemExit, match="OPEN311_TRUSTED_NETWORKS"):
        make_app(OPEN311_TRUSTED_NETWORKS=["192.0.2.0/33"])
