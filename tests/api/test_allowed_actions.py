"""A case as the API answers it says what the caller may do next: the workflow, narrowed to the caller's role."""

import pytest

from tests.conftest import client_as
from tests.factories import case_body, point_in_building


@pytest.fixture
def clients(app):
    return {role: client_as(app, role) for role in ("admin", "cadre", "chief")}


@pytest.fixture
def own_case(clients):
    """A dispatched case in BD01, whose 楼栋长 is the demo chief."""
    case = clients["cadre"].post("/api/v1/cases", json=case_body(category="dispute", **point_in_building("BD01"))).get_json()
    assert case["status"] == "dispatched"
    return case


def codes(case):
    return [action["code"] for action in case["allowed_actions"]]


def act(client, case, action, **extra):
    response = client.post(f"/api/v1/cases/{case['code']}/transitions",
                           json={"action": action, "version": case["version"], **extra})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_each_role_is_offered_the_next_actions_it_may_take(clients, own_case):
    path = f"/api/v1/cases/{own_case['code']}"
    cadre = clients["cadre"].get(path).get_json()
    assert codes(cadre) == ["dispatch", "accept", "return", "mark_duplicate", "confirm"]
    assert codes(clients["admin"].get(path).get_json()) == codes(cadre)
    assert codes(clients["chief"].get(path).get_json()) == ["accept", "return"]
    labelled = {a["code"]: a for a in cadre["allowed_actions"]}
    assert labelled["accept"] == {"code": "accept", "label": "签收", "requires": None, "choices": None}
    assert labelled["return"]["requires"] == {"field": "note", "label": "退回原因"}
    assert labelled["return"]["choices"] == "return_reason", "the workbench offers the reasons as a list"
    assert labelled["dispatch"]["requires"]["field"] == "assignee_id"


def test_the_actions_follow_the_status_and_what_the_answer_to_an_action_says(clients, own_case):
    chief = clients["chief"]
    accepted = act(chief, own_case, "accept")
    assert codes(accepted) == ["start", "resolve", "return"], "the answer to a chief's action is for the chief"
    resolved = act(chief, accepted, "resolve", note="已清理")
    assert codes(resolved) == [], "a resolved case leaves a chief nothing to do"
    cadre_view = clients["cadre"].get(f"/api/v1/cases/{own_case['code']}").get_json()
    assert codes(cadre_view) == ["visit", "confirm", "reopen"]
    confirmed = act(clients["cadre"], cadre_view, "confirm")
    assert codes(confirmed) == ["visit", "reopen"], "a report is confirmed once"


def test_lists_carry_the_actions_too(clients, own_case):
    listed = clients["chief"].get("/api/v1/cases?limit=50").get_json()["cases"]
    mine = next(c for c in listed if c["code"] == own_case["code"])
    assert codes(mine) == ["accept", "return"]
    assert all("allowed_actions" in c for c in clients["cadre"].get("/api/v1/cases?limit=5").get_json()["cases"])


def test_the_public_receipt_offers_nothing(app):
    receipt = app.test_client().post("/api/v1/cases", json=case_body()).get_json()
    assert "allowed_actions" not in receipt and "code" in receipt
