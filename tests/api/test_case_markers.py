"""/map's markers come from a light field set (?fields=marker); the rest of a case is fetched when it is opened."""

import json
import logging

from tests.conftest import client_as

logger = logging.getLogger(__name__)
MAP_QUERY = "/api/v1/cases?community=mingzhu&limit=1000&offset=0"  # what /map asks (page_size = CASES_PAGE_MAX)


def test_marker_fields_are_the_light_set_and_the_same_cases(client):
    full = client.get(MAP_QUERY).get_json()
    light = client.get(MAP_QUERY + "&fields=marker").get_json()
    assert light["total"] == full["total"] > 700
    assert [c["code"] for c in light["cases"]] == [c["code"] for c in full["cases"]]
    first = light["cases"][0]
    assert set(first) == {"code", "title", "status", "category", "overdue", "lat", "lon"}
    by_code = {c["code"]: c for c in full["cases"]}
    for case in light["cases"]:
        whole = by_code[case["code"]]
        assert case["status"] == whole["status"] and case["category"] == whole["category"]["code"]
        assert case["overdue"] == whole["overdue"]
        assert abs(case["lat"] - whole["lat"]) < 1e-6 and abs(case["lon"] - whole["lon"]) < 1e-6


def test_the_marker_payload_is_a_fraction_of_the_full_one(client):
    full = len(client.get(MAP_QUERY).data)
    light = len(client.get(MAP_QUERY + "&fields=marker").data)
    logger.warning("/map cases payload: full %d bytes, markers %d bytes", full, light)
    assert light * 4 < full, (full, light)


def test_markers_carry_no_personal_data_and_stay_in_scope(app):
    chief = client_as(app, "chief")
    light = chief.get("/api/v1/cases?limit=1000&fields=marker").get_json()
    full = chief.get("/api/v1/cases?limit=1000").get_json()
    assert light["total"] == full["total"], "the same scope as the full list"
    text = json.dumps(light, ensure_ascii=False)
    assert "reporter" not in text and "phone" not in text


def test_an_unknown_field_set_is_refused_in_chinese(client):
    response = client.get("/api/v1/cases?fields=everything")
    assert response.status_code == 400
    assert response.get_json()["field"] == "fields"
