"""Discovery, services and service definitions, in JSON and XML."""

from geo_app.models import CATEGORIES
from tests.open311.conftest import parse_xml

SERVICE_FIELDS = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]


def test_discovery_names_this_endpoint_and_both_formats(client):
    body = client.get("/open311/v2/discovery.json").get_json()
    assert set(body) == {"changeset", "contact", "key_service", "endpoints"}
    endpoint = body["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2") and endpoint["type"] == "production"
    assert endpoint["formats"] == ["text/xml", "application/json"]

    root = parse_xml(client.get("/open311/v2/discovery.xml"))
    assert root.tag == "discovery"
    assert [e.tag for e in root] == ["changeset", "contact", "key_service", "endpoints"]
    endpoint = root.find("endpoints/endpoint")
    assert [e.tag for e in endpoint] == ["specification", "url", "changeset", "type", "formats"]
    assert [f.text for f in endpoint.findall("formats/format")] == ["text/xml", "application/json"]


def test_services_are_our_categories_in_json_and_xml(client):
    body = client.get("/open311/v2/services.json").get_json()
    assert [s["service_code"] for s in body] == list(CATEGORIES)
    hazard = next(s for s in body if s["service_code"] == "hazard")
    assert list(hazard) == SERVICE_FIELDS
    assert hazard["service_name"] == "安全隐患" and hazard["metadata"] is False and hazard["type"] == "realtime"
    assert hazard["description"] and hazard["keywords"] and hazard["group"]

    root = parse_xml(client.get("/open311/v2/services.xml"))
    assert root.tag == "services"
    assert {e.tag for e in root} == {"service"} and len(root) == len(CATEGORIES)
    first = root[0]
    assert [e.tag for e in first] == SERVICE_FIELDS
    assert first.findtext("metadata") == "false" and first.findtext("type") == "realtime"
    assert {s.findtext("service_name") for s in root} == set(CATEGORIES.values())


def test_service_definition_in_json_and_xml(client):
    assert client.get("/open311/v2/services/hazard.json").get_json() == {"service_code": "hazard", "attributes": []}
    root = parse_xml(client.get("/open311/v2/services/hazard.xml"))
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == "hazard" and root.find("attributes") is not None


def test_unknown_service_is_404_in_the_open311_error_format(client):
    response = client.get("/open311/v2/services/potholes.json")
    assert response.status_code == 404
    [error] = response.get_json()
    assert error["code"] == 404 and "potholes" in error["description"]

    response = client.get("/open311/v2/services/potholes.xml")
    assert response.status_code == 404
    root = parse_xml(response)
    assert root.tag == "errors" and [e.tag for e in root[0]] == ["code", "description"]
    assert root.findtext("error/code") == "404"


def test_unknown_format_extension_is_404(client):
    for url in ("/open311/v2/services.csv", "/open311/v2/discovery.html", "/open311/v2/requests.yaml",
                "/open311/v2/services/hazard.txt"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.get_json()[0]["code"] == 404
