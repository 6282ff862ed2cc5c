"""Every refusal names its field in a machine-readable way and says in Chinese what is wrong."""

import re

import pytest

from tests.conftest import client_as
from tests.factories import case_body

CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("method,path,body,field", [
    ("post", "/api/v1/cases", case_body(title=""), "title"),
    ("post", "/api/v1/cases", case_body(channel="pigeon"), "channel"),
    ("post", "/api/v1/cases", case_body(tags=["x"] * 11), "tags"),
    ("post", "/api/v1/cases", case_body(reporter_phone="call me"), "reporter_phone"),
    ("post", "/api/v1/cases", case_body(anonymous="yes"), "anonymous"),
    ("post", "/api/v1/cases", {**case_body(), "colour": "red"}, "colour"),
    ("post", "/api/v1/cases", {k: v for k, v in case_body().items() if k != "lat"}, "lat"),
    ("get", "/api/v1/cases?limit=1001", None, "limit"),
    ("get", "/api/v1/cases?status=pending", None, "status"),
    ("get", "/api/v1/cases?from=2024-02-01&to=2024-01-01", None, "from"),
    ("get", "/api/v1/cases?bbox=1,2,3", None, "bbox"),
    ("get", "/api/v1/heat?zoom=99", None, "zoom"),
    ("get", "/api/v1/stats?by=weather", None, "by"),
    ("get", "/api/v1/units?kind=castle", None, "kind"),
    ("get", "/api/v1/units?limit=5001", None, "limit"),
    ("get", "/api/v1/people?role=king", None, "role"),
    ("get", "/api/v1/lookup?lat=22.96", None, "lon"),
    ("get", "/api/v1/sites/nearest?lat=22.96&lon=115.32&limit=0", None, "limit"),
    ("post", "/api/v1/points/mingzhu/BD01-101/earn", {"points": 5}, "reason"),
    ("post", "/api/v1/points/mingzhu/BD01-101/redeem", {"points": "many"}, "points"),
])
def test_a_refusal_names_the_field_in_chinese(app, method, path, body, field):
    response = getattr(client_as(app, "admin"), method)(path, json=body)
    answer = response.get_json()
    assert response.status_code == 400, answer
    assert answer["error"] == "invalid" and answer["field"] == field
    assert CHINESE.search(answer["message"]) and field in answer["message"]


def test_a_transition_without_what_it_needs_is_refused_in_chinese(app):
    cadre = client_as(app, "cadre")
    case = cadre.post("/api/v1/cases", json=case_body()).get_json()
    answer = cadre.post(f"/api/v1/cases/{case['code']}/transitions",
                        json={"action": "return", "version": case["version"]}).get_json()
    assert answer["field"] == "note" and "退回原因" in answer["message"]


def test_the_cli_refuses_as_the_api_does(app):
    from geo_app.cli import cli

    result = app.test_cli_runner().invoke(cli, ["points", "earn", "BD01-101", "0", "--reason", "x"])
    assert result.exit_code == 1 and "points 不能小于 1" in result.output
