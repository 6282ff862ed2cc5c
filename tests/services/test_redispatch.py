"""Re-dispatching a case gives the new assignee their own deadlines; 确认上报 is offered only where it applies."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from geo_app.services.access import Viewer, case_actions
from geo_app.services.case_store import get_case, get_case_row
from geo_app.services.cases import CasePolicy, create_case
from geo_app.services.workflow import transition
from tests.factories import case_in, change, point_in_building


def other_building_chief(session, case):
    """The id of a 楼栋长 who is not the case's current assignee."""
    return session.execute(text(
        "SELECT person_id FROM responsibility WHERE role = 'building_chief' AND person_id <> :p ORDER BY id LIMIT 1"),
        {"p": case["assignee"]["id"]}).scalar_one()


def test_a_redispatched_case_is_not_overdue_for_its_new_assignee(session):
    policy = CasePolicy()
    received = datetime.now(UTC) - timedelta(days=3)  # long past the response deadline of its urgency
    case, _ = create_case(session, case_in(**point_in_building("BD01")), policy=policy, now=received)
    assert case["status"] == "dispatched"
    assert get_case(session, case["code"])["overdue"] == "response", "the first assignee is late"
    new_person = other_building_chief(session, case)
    case = transition(session, case["code"], change("dispatch", case["version"], assignee_id=new_person),
                      actor="cadre", policy=policy)
    assert case["assignee"]["id"] == new_person
    assert case["overdue"] is None, "the new assignee starts with the whole 签收 time"
    response_hours = policy.deadlines[case["urgency"]["code"]]["response_hours"]
    due = datetime.fromisoformat(case["response_due_at"])
    assert timedelta(hours=response_hours - 1) < due - datetime.now(UTC) <= timedelta(hours=response_hours)


def test_a_returned_case_redispatched_starts_afresh_too(session):
    received = datetime.now(UTC) - timedelta(days=3)
    case, _ = create_case(session, case_in(**point_in_building("BD01")), now=received)
    new_person = other_building_chief(session, case)
    case = transition(session, case["code"], change("return", case["version"], note="不是我的楼"), actor="cadre")
    case = transition(session, case["code"], change("dispatch", case["version"], assignee_id=new_person),
                      actor="cadre")
    assert case["status"] == "dispatched" and case["overdue"] is None


def test_confirm_is_offered_only_when_a_household_can_be_credited(session):
    community_id = session.execute(text("SELECT id FROM community WHERE code = 'mingzhu'")).scalar_one()
    cadre = Viewer(role="cadre", username="cadre", community_id=community_id)
    with_household, _ = create_case(session, case_in(household="BD03-301"))
    without, _ = create_case(session, case_in(household=None))
    assert "confirm" in case_actions(cadre, get_case_row(session, with_household["code"]))
    assert "confirm" not in case_actions(cadre, get_case_row(session, without["code"]))
    session.execute(text("UPDATE civic_case SET status = 'duplicate' WHERE code = :c"), {"c": with_household["code"]})
    assert "confirm" not in case_actions(cadre, get_case_row(session, with_household["code"]))
