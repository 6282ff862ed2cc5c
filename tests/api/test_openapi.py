"""The OpenAPI document is generated from the validation schemas, and the API never answers 5xx to it."""

from tests.conftest import client_as, token_for
from tests.fuzzing import server_errors


def test_openapi_document_is_served_and_covers_the_api(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    assert {"/lookup", "/cases", "/cases/{code}/transitions", "/heat", "/stats", "/sites/nearest"} <= set(doc["paths"])
    case_in = doc["components"]["schemas"]["CaseIn"]
    assert case_in["properties"]["title"]["maxLength"] == 200
    assert case_in["properties"]["description"]["maxLength"] == 4000
    assert set(case_in["required"]) >= {"title", "channel", "category", "lat", "lon"}


def test_the_document_matches_the_validation(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    actions = doc["components"]["schemas"]["TransitionIn"]["properties"]["action"]["enum"]
    from geo_app.models import ACTIONS

    assert actions == list(ACTIONS)
    units = next(p for p in doc["paths"]["/units"]["get"]["parameters"] if p["name"] == "limit")
    assert units["schema"]["maximum"] == 5000 and units["schema"]["default"] == 1000


def test_the_documented_page_limit_is_the_servers_setting(make_app):
    app = make_app(PAGE_LIMIT_MAX=50, PAGE_LIMIT_DEFAULT=20)
    client = app.test_client()
    doc = client.get("/api/v1/openapi.json").get_json()
    limit = next(p for p in doc["paths"]["/units"]["get"]["parameters"] if p["name"] == "limit")["schema"]
    assert (limit["maximum"], limit["default"]) == (50, 20)
    cadre = client_as(app, "cadre")
    refused = cadre.get("/api/v1/units?limit=51").get_json()
    assert refused["field"] == "limit" and "50" in refused["message"]
    assert len(cadre.get("/api/v1/units").get_json()["features"]) == 20


def test_schemathesis_finds_no_5xx(app):
    """Every operation, with generated valid and invalid inputs, as an admin: never a server error."""
    calls, failures = server_errors(app, "/api/v1/openapi.json", {"Authorization": f"Bearer {token_for(app, 'admin')}"})
    assert len(calls) >= 100
    assert failures == []
