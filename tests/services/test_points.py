"""爱心超市 points: a confirmed report earns points; a balance never goes negative."""

import pytest
from sqlalchemy import text

from geo_app.errors import ConflictError, ValidationError
from geo_app.schemas import PointsIn, validate
from geo_app.services.cases import CasePolicy, create_case
from geo_app.services.points import account, earn, redeem
from geo_app.services.workflow import transition
from tests.factories import case_in, change


def cid(session):
    return session.execute(text("SELECT id FROM community WHERE code = 'mingzhu'")).scalar()


def test_confirmed_report_earns_the_category_points_once(session):
    policy = CasePolicy(points_per_category={**CasePolicy().points_per_category, "hazard": 25})
    case, _ = create_case(session, case_in(household="测试户-1"), policy=policy)
    case = transition(session, case["code"], change("confirm", case["version"]), actor="cadre",
                      policy=policy)
    assert account(session, "mingzhu", "测试户-1")["balance"] == 25
    with pytest.raises(ConflictError):
        transition(session, case["code"], change("confirm", case["version"]), actor="cadre",
                   policy=policy)
    assert account(session, "mingzhu", "测试户-1")["balance"] == 25


def test_confirm_without_household_is_refused(session):
    case, _ = create_case(session, case_in(household=None))
    with pytest.raises(ValidationError, match="household"):
        transition(session, case["code"], change("confirm", case["version"]), actor="cadre")


def test_redemption_beyond_balance_is_refused_and_ledger_kept(session):
    earn(session, cid(session), "测试户-2", 30, "志愿服务")
    assert redeem(session, cid(session), "测试户-2", 20, "兑换大米") == 10
    with pytest.raises(ConflictError, match="has 10 points"):
        redeem(session, cid(session), "测试户-2", 11, "兑换油")
    ledger = account(session, "mingzhu", "测试户-2")
    assert ledger["balance"] == 10
    assert [(e["kind"], e["points"], e["balance_after"]) for e in ledger["entries"]] == [("redeem", 20, 10), ("earn", 30, 30)]


def test_database_refuses_a_negative_balance_even_bypassing_the_service(session):
    from sqlalchemy.exc import IntegrityError

    earn(session, cid(session), "测试户-3", 5, "x")
    with pytest.raises(IntegrityError):
        session.execute(text("UPDATE points_account SET balance = -1 WHERE household = '测试户-3'"))


@pytest.mark.parametrize("points", [0, -5, 1.5, True, "10", 100_001])
def test_bad_amounts_are_refused(points):
    with pytest.raises(ValidationError, match="points") as refused:
        validate(PointsIn, {"points": points})
    assert refused.value.field == "points" and any("\u4e00" <= ch <= "\u9fff" for ch in refused.value.message)


def test_points_api(client):
    response = client.post("/api/v1/points/mingzhu/测试户-5/earn", json={"points": 8, "reason": "垃圾分类"})
    assert response.status_code == 200 and response.get_json()["balance"] == 8
    refused = client.post("/api/v1/points/mingzhu/测试户-5/redeem", json={"points": 9})
    assert refused.status_code == 409 and refused.get_json()["error"] == "insufficient_points"
    assert client.get("/api/v1/points/mingzhu/测试户-5").get_json()["balance"] == 8
    assert client.get("/api/v1/points/mingzhu/nobody").status_code == 404
