"""Bad posts and bad queries: the Open311 error format, the right status, and nothing written."""

import pytest

from tests.open311.conftest import parse_xml


def _error(response, status):
    assert response.status_code == status
    [error] = response.get_json()
    assert list(error) == ["code", "description"] and error["code"] == status
    return error["description"]


@pytest.mark.parametrize(("fields", "status", "words"), [
    ({"service_code": "potholes"}, 400, "service_code"),
    ({"service_code": None}, 400, "service_code"),
    ({"lat": None, "long": None}, 400, "lat and long"),
    ({"lat": None, "long": None, "address_string": "红场路 12 号"}, 400, "does not geocode"),
    ({"long": None}, 400, "long"),
    ({"lat": "north"}, 400, "lat"),
    ({"lat": "40.0", "long": "116.4"}, 400, "outside every community"),
    ({"description": "  "}, 400, "description"),
    ({"description": "很长" * 2001}, 400, "description"),
    ({"phone": "call me"}, 400, "phone"),
])
def test_bad_posts_are_refused_and_nothing_is_written(post_request, rows, fields, status, words):
    before = rows()
    assert words in _error(post_request(**fields), status)
    assert rows() == before


def test_errors_in_xml(post_request, rows):
    before = rows()
    response = post_request("xml", service_code="potholes")
    assert response.status_code == 400
    root = parse_xml(response)
    assert root.tag == "errors" and [e.tag for e in root] == ["error"]
    assert [e.tag for e in root[0]] == ["code", "description"]
    assert root.findtext("error/code") == "400" and "service_code" in root.findtext("error/description")
    assert rows() == before


def test_api_keys_when_anonymous_posting_is_off(app, post_request, rows):
    app.config.update(OPEN311_ANONYMOUS_POST=False, OPEN311_API_KEYS=["trusted-key"])
    before = rows()
    assert "api_key is required" in _error(post_request(), 403)
    assert "invalid api_key" in _error(post_request(api_key="guess"), 403)
    assert parse_xml(post_request("xml", api_key="guess")).findtext("error/code") == "403"
    assert rows() == before
    assert post_request(api_key="trusted-key").status_code == 201
    assert rows()[0] == before[0] + 1


def test_a_wrong_api_key_is_refused_even_when_anonymous_posting_is_on(app, post_request, rows):
    app.config.update(OPEN311_API_KEYS=["trusted-key"])
    before = rows()
    _error(post_request(api_key="guess"), 403)
    assert rows() == before
    assert post_request().status_code == 201


def test_a_trusted_key_may_be_mapped_to_a_channel(app, post_request, stored):
    app.config.update(OPEN311_API_KEYS=["hotline"], OPEN311_KEY_CHANNELS={"hotline": "hotline_12345"})
    case = stored(post_request(api_key="hotline").get_json()[0]["service_request_id"])
    assert case["channel"] == "hotline_12345"
    assert case["actor"].startswith("open311:") and "hotline" not in case["actor"]
    app.config.update(OPEN311_API_KEYS=["plain"])
    assert stored(post_request(api_key="plain").get_json()[0]["service_request_id"])["channel"] == "other"


def test_an_oversized_body_is_413_in_the_open311_format(app, post_request, rows):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    before = rows()
    response = post_request("xml", description="很长" * 400)
    assert response.status_code == 413 and parse_xml(response).findtext("error/code") == "413"
    assert rows() == before


@pytest.mark.parametrize(("query", "words"), [
    ("start_date=yesterday", "start_date"),
    ("end_date=2024-13-45T00:00:00Z", "end_date"),
    ("start_date=2024-02-01T00:00:00Z&end_date=2024-01-01T00:00:00Z", "before"),
    ("status=pending", "status"),
    ("service_code=potholes", "service_code"),
    ("jurisdiction_id=atlantis", "jurisdiction_id"),
])
def test_bad_queries_are_400(client, query, words):
    assert words in _error(client.get(f"/open311/v2/requests.json?{query}"), 400)
    assert parse_xml(client.get(f"/open311/v2/requests.xml?{query}")).findtext("error/code") == "400"


def test_unknown_request_and_token_are_404(client):
    for url in ("/open311/v2/requests/MQ-1999-000001.json", "/open311/v2/tokens/nope.json"):
        assert "no service request" in _error(client.get(url), 404)
    assert parse_xml(client.get("/open311/v2/requests/MQ-1999-000001.xml")).findtext("error/code") == "404"
