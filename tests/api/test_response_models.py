"""What the API answers conforms to the output models its OpenAPI document is generated from (quick, without fuzzing)."""

import pytest
from pydantic import TypeAdapter

from geo_app.api.openapi import RESPONSES
from tests.conftest import client_as
from tests.factories import case_body, point_in_building


def _conforms(path, method, body):
    model = RESPONSES[(path, method)]
    adapter = TypeAdapter(model[0] | model[1] if isinstance(model, tuple) else model)
    adapter.validate_python(body)


@pytest.mark.parametrize("who", ["admin", "cadre", "chief"])
def test_staff_answers_conform(app, who):
    staff = client_as(app, who)
    p = point_in_building("BD03")
    created = staff.post("/api/v1/cases", json=case_body())
    assert created.status_code == 201
    _conforms("/cases", "post", created.get_json())
    code = created.get_json()["code"]
    for path, template, query in [
        ("/cases", "/cases", "?limit=5"), ("/cases/{code}", f"/cases/{code}", ""), ("/heat", "/heat", ""),
        ("/lookup", "/lookup", f"?lat={p['lat']}&lon={p['lon']}"), ("/units", "/units", "?limit=3"),
        ("/people", "/people", ""), ("/sites", "/sites", "?limit=3"),
        ("/sites/nearest", "/sites/nearest", f"?lat={p['lat']}&lon={p['lon']}"), ("/vocabularies", "/vocabularies", ""),
        ("/me/notifications", "/me/notifications", ""), ("/me/cases", "/me/cases", ""),
        ("/stats", "/stats", "?by=category"), ("/points/{community}", "/points/mingzhu", ""),
    ]:
        answer = staff.get(f"/api/v1{template}{query}")
        if answer.status_code == 200:
            _conforms(path, "get", answer.get_json())
        else:  # a chief has no KPIs or ledgers; a cadre acts for no person: the error body
            assert answer.status_code == 403 and {"error", "message"} <= set(answer.get_json())


def test_public_answers_conform(app, public_client):
    created = public_client.post("/api/v1/cases", json=case_body(reporter_phone=None, household=None))
    assert created.status_code == 201
    receipt = created.get_json()
    _conforms("/cases", "post", receipt)
    _conforms("/track/{tracking_code}", "get", public_client.get(f"/api/v1/track/{receipt['tracking_code']}").get_json())
    heat = public_client.get("/api/v1/heat?bbox=115.30,22.95,115.35,22.99")
    assert heat.status_code == 200
    _conforms("/heat", "get", heat.get_json())
    _conforms("/sites", "get", public_client.get("/api/v1/sites").get_json())
