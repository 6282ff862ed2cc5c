"""The OpenAPI document is exact: response schemas, media types, enums, bounds and statuses that schemathesis checks."""

import re

import pytest

from geo_app.api.openapi import OPERATIONS, RESPONSES
from geo_app.models import CATEGORIES, CHANNELS, STATUSES
from tests.conftest import client_as, token_for
from tests.fuzzing import ALL_CHECKS, run

# positive_data_acceptance is left out: the API has cross-field rules (a window's start before its end, a bbox's min
# below its max, notify needs a phone, resolve needs a note, ids or all) that OpenAPI 3.0's schemas cannot say
# without oneOf trees; a schema-valid request they refuse gets a 400 naming the field, as it should.
CHECKS = [check for check in ALL_CHECKS if check.__name__ != "positive_data_acceptance"]


@pytest.fixture
def document(client):
    return client.get("/api/v1/openapi.json").get_json()


def test_every_operation_documents_its_answer_by_a_model(document):
    assert {(path, method) for path, method, *_ in OPERATIONS} == set(RESPONSES)
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            ok = next(body for status, body in operation["responses"].items() if status.startswith("2"))
            schema = next(iter(ok["content"].values()))["schema"]
            assert "$ref" in schema or "anyOf" in schema, (method, path)


def test_real_media_types(document):
    units = document["paths"]["/units"]["get"]["responses"]["200"]["content"]
    assert set(units) == {"application/geo+json"}
    stats = document["paths"]["/stats"]["get"]["responses"]["200"]["content"]
    assert set(stats) == {"application/json", "text/csv",
                          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def test_enums_come_from_the_vocabularies(document):
    schemas = document["components"]["schemas"]
    assert schemas["Case"]["properties"]["status"]["enum"] == list(STATUSES)
    assert schemas["ChannelLabel"]["properties"]["code"]["enum"] == list(CHANNELS)
    assert set(CATEGORIES) <= set(schemas["CaseIn"]["properties"]["category"]["enum"])
    assert set(CATEGORIES.values()) <= set(schemas["CaseIn"]["properties"]["category"]["enum"])  # labels too
    cases = {p["name"]: p["schema"] for p in document["paths"]["/cases"]["get"]["parameters"]}
    assert "received" in cases["status"]["pattern"] and "受理" in cases["status"]["pattern"]
    assert re.match(cases["bbox"]["pattern"], "115.3,22.9,115.4,23.0") and not re.match(cases["bbox"]["pattern"], "1,2,3")
    assert re.match(cases["from"]["pattern"], "2024-01-31") and not re.match(cases["from"]["pattern"], "1999-12-31")
    lat = schemas["CaseIn"]["properties"]["lat"]
    assert 0 < lat["minimum"] < lat["maximum"] < 90


def test_every_status_an_operation_answers_is_documented(document):
    post = document["paths"]["/cases"]["post"]["responses"]
    assert {"200", "201", "400", "404", "409", "413", "422", "429", "503"} <= set(post)
    redeem = document["paths"]["/points/{community}/{household}/redeem"]["post"]["responses"]
    assert {"400", "401", "403", "404", "409", "413", "429", "503"} <= set(redeem)
    assert redeem["409"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


def test_points_reason_is_nullable_as_the_server_takes_it(app, document):
    reason = document["components"]["schemas"]["PointsIn"]["properties"]["reason"]
    assert reason.get("nullable") is True
    cadre = client_as(app, "cadre")
    cadre.post("/api/v1/points/mingzhu/BD01-101/earn", json={"points": 5, "reason": "测试"})
    answer = cadre.post("/api/v1/points/mingzhu/BD01-101/redeem", json={"points": 1, "reason": None})
    assert answer.status_code == 200, answer.get_json()


@pytest.mark.parametrize(("method", "path"), [
    ("delete", "/api/v1/cases"), ("put", "/api/v1/units"), ("post", "/api/v1/vocabularies"),
    ("patch", "/open311/v2/services.json"), ("post", "/ogc/collections"), ("delete", "/api/v1/openapi.json"),
])
def test_every_405_says_what_is_allowed(client, method, path):
    answer = getattr(client, method)(path)
    assert answer.status_code == 405
    allowed = {m.strip() for m in answer.headers["Allow"].split(",")}
    assert "GET" in allowed and method.upper() not in allowed


@pytest.mark.slow
def test_schemathesis_with_response_checks_finds_nothing(app):
    """Every operation with generated inputs, checked for status, media type, headers and the response's schema."""
    calls, failures = run(app, "/api/v1/openapi.json", {"Authorization": f"Bearer {token_for(app, 'admin')}"},
                          max_examples=8, checks=CHECKS)
    assert len(calls) >= 100
    assert failures == [], "\n\n".join(str(f) for f in failures[:5])
