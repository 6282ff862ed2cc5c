"""我的待办: the assignee's open cases, nearest deadline first, with 超时 / 即将超时 marks; the phone reveal log."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from geo_app.errors import ForbiddenError
from geo_app.services.access import Viewer
from geo_app.services.cases import CasePolicy, create_case
from geo_app.services.workbench import (
    WorkbenchPolicy,
    due_mark,
    my_cases,
    navigation_links,
    open_count,
    reveal_reporter_phone,
)
from geo_app.services.workflow import transition
from tests.factories import case_in, change, point_in_building

NOW = datetime(2031, 3, 1, 9, 0, tzinfo=UTC)
POLICY = CasePolicy()


def chief_viewer(session, username="chief"):
    row = session.execute(text("SELECT username, community_id, person_id FROM app_user WHERE username = :u"),
                          {"u": username}).one()
    return Viewer(role="chief", username=row.username, community_id=row.community_id, person_id=row.person_id)


def new_case(session, hours=0, **overrides):
    case, _ = create_case(session, case_in(**{**point_in_building("BD01"), **overrides}), policy=POLICY,
                          now=NOW + timedelta(hours=hours))
    return case


def test_my_cases_are_the_open_ones_dispatched_to_me_nearest_deadline_first(session):
    viewer = chief_viewer(session)
    before = open_count(session, viewer.person_id)
    normal = new_case(session, title="一般的事")  # respond within 24 h
    urgent = new_case(session, title="紧急的事", urgency="urgent")  # respond within 4 h
    elsewhere = new_case(session, title="别处的事", **point_in_building("BD03"))
    accepted = new_case(session, title="已签收的事", hours=-1)
    transition(session, accepted["code"], change("accept", accepted["version"]), actor="chief", policy=POLICY,
               now=NOW)
    answer = my_cases(session, viewer, now=NOW)
    codes = [c["code"] for c in answer["cases"]]
    assert answer["count"] == len(codes) == before + 3 == open_count(session, viewer.person_id)
    assert elsewhere["code"] not in codes
    mine = [c for c in answer["cases"] if c["code"] in (normal["code"], urgent["code"], accepted["code"])]
    assert [c["code"] for c in mine] == [urgent["code"], normal["code"], accepted["code"]]
    assert [c["due_kind"] for c in mine] == ["response", "response", "resolution"]
    due = [c["due_at"] for c in answer["cases"]]
    assert due == sorted(due), "the nearest deadline first"
    assert mine[0]["allowed_actions"] and {a["code"] for a in mine[0]["allowed_actions"]} == {"accept", "return"}
    assert mine[0]["reporter_phone"] == "139****5678" and mine[0]["has_reporter_phone"]
    assert mine[0]["unit"]["name"] and mine[0]["unit_outline"]["type"] in ("Polygon", "MultiPolygon")


def test_marks_overdue_and_due_soon(session):
    viewer = chief_viewer(session)
    case = new_case(session, title="快到期", urgency="urgent")  # response due NOW + 4 h
    policy = WorkbenchPolicy(due_soon_hours=4)

    def mark(at):
        return next(c for c in my_cases(session, viewer, policy=policy, now=at)["cases"] if c["code"] == case["code"])

    assert mark(NOW - timedelta(hours=1))["due_mark"] is None
    assert mark(NOW + timedelta(hours=1))["due_mark_label"] == "即将超时"
    assert mark(NOW + timedelta(hours=5))["due_mark_label"] == "超时"
    assert due_mark(None, NOW, policy) is None


def test_a_returned_case_leaves_my_list(session):
    viewer = chief_viewer(session)
    case = new_case(session)
    after = transition(session, case["code"], change("return", case["version"], reason="not_my_unit"), actor="chief",
                       policy=POLICY, now=NOW)
    assert case["code"] not in [c["code"] for c in my_cases(session, viewer, now=NOW)["cases"]]
    event = after["history"][-1]
    assert event["action"] == "return" and event["note"] == "不属于本人责任范围"
    assert event["data"]["reason"] == "not_my_unit"


def test_an_account_without_a_person_has_no_workbench(session):
    cadre = Viewer(role="cadre", username="cadre", community_id=1)
    with pytest.raises(ForbiddenError) as refused:
        my_cases(session, cadre)
    assert refused.value.code == "no_person"


def test_navigation_links_hand_the_point_to_an_app_and_load_nothing():
    links = {link["app"]: link["url"] for link in navigation_links(22.96, 115.32, "楼栋 1栋")}
    assert links["geo"].startswith("geo:22.960000,115.320000?q=")
    assert "position=115.320000,22.960000" in links["amap"] and "coordinate=wgs84" in links["amap"]
    assert links["baidu"].startswith("baidumap://") and "coord_type=wgs84" in links["baidu"]


def test_the_full_phone_goes_to_the_current_assignee_only_and_each_reveal_is_logged(session):
    viewer = chief_viewer(session)
    case = new_case(session)
    count = "SELECT count(*) FROM phone_reveal WHERE case_id = (SELECT id FROM civic_case WHERE code = :c)"
    assert reveal_reporter_phone(session, viewer, case["code"], now=NOW)["phone"] == "13912345678"
    reveal_reporter_phone(session, viewer, case["code"], now=NOW)
    logged = session.execute(text("SELECT actor, person_id, at FROM phone_reveal WHERE case_id = "
                                  "(SELECT id FROM civic_case WHERE code = :c) ORDER BY id"), {"c": case["code"]}).all()
    assert [(r.actor, r.person_id, r.at) for r in logged] == [("chief", viewer.person_id, NOW)] * 2
    elsewhere = new_case(session, **point_in_building("BD03"))
    with pytest.raises(ForbiddenError):
        reveal_reporter_phone(session, viewer, elsewhere["code"])
    cadre = Viewer(role="cadre", username="cadre", community_id=viewer.community_id)
    with pytest.raises(ForbiddenError) as refused:
        reveal_reporter_phone(session, cadre, case["code"])
    assert refused.value.code == "not_assignee"
    assert session.execute(text(count), {"c": elsewhere["code"]}).scalar() == 0
