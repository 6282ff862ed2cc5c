"""KPIs on a small hand-computed set of cases."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from geo_app.services.cases import CasePolicy, create_case
from geo_app.services.kpis import stats, stats_csv
from geo_app.services.workflow import transition
from tests.conftest import truncate_as_owner
from tests.factories import case_in, change, gap_point, point_in_building

pytestmark = pytest.mark.committed_db  # the owner empties the case tables on a connection of its own

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
POLICY = CasePolicy()  # normal urgency: respond within 24 h, resolve within 168 h


@pytest.fixture
def kpi_session(app, session):
    truncate_as_owner(app, "civic_case", "case_event", "points_entry", "points_account")
    return session


def walk(session, code, steps):
    version = session.execute(text("SELECT version FROM civic_case WHERE code = :c"), {"c": code}).scalar()
    for action, hours, extra in steps:
        version = transition(session, code, change(action, version, **extra), actor="t",
                             policy=POLICY, now=T0 + timedelta(hours=hours))["version"]


def make(session, hours=0, **overrides):
    case, _ = create_case(session, case_in(**overrides), policy=POLICY, now=T0 + timedelta(hours=hours))
    return case["code"]


def test_hand_computed_kpis_by_channel(kpi_session):
    s = kpi_session
    # night_talk: A on time & satisfied; B accepted late, resolved late, basically satisfied; C still open
    a = make(s, channel="night_talk")
    walk(s, a, [("accept", 2, {}), ("resolve", 10, {"note": "ok"}), ("visit", 30, {"satisfaction": "satisfied"})])
    b = make(s, channel="night_talk")
    walk(s, b, [("accept", 30, {}), ("start", 31, {}), ("resolve", 200, {"note": "ok"}),
                ("visit", 220, {"satisfaction": "basically_satisfied"})])
    make(s, channel="night_talk")  # dispatched at T0, never accepted: its response deadline has passed
    # mailbox: D resolved on time, dissatisfied; E marked duplicate (excluded)
    d = make(s, channel="mailbox", **point_in_building("BD08"))
    walk(s, d, [("accept", 1, {}), ("resolve", 5, {"note": "ok"}), ("visit", 6, {"satisfaction": "dissatisfied"})])
    e = make(s, channel="mailbox", **point_in_building("BD08"))
    walk(s, e, [("mark_duplicate", 1, {"duplicate_of": d})])
    rows = {r["key"]: r for r in stats(s, "channel")["rows"]}
    night = rows["night_talk"]
    assert night["label"] == "夜谈悦好"
    assert (night["received"], night["resolved"], night["in_progress"]) == (3, 2, 1)
    assert night["response_rate"] == pytest.approx(1 / 3, abs=1e-4)   # A on time; B late; C overdue
    assert night["resolution_rate"] == pytest.approx(2 / 3, abs=1e-4)
    assert night["on_time_rate"] == 0.5                                  # B resolved after 168 h
    assert night["satisfaction_rate"] == 1.0                             # 满意 + 基本满意
    assert night["mean_hours_to_resolve"] == pytest.approx((10 + 200) / 2)
    mail = rows["mailbox"]
    assert (mail["received"], mail["resolved"], mail["satisfaction_rate"]) == (1, 1, 0.0)


def test_groupings_and_date_window(kpi_session):
    s = kpi_session
    make(s, hours=0)
    make(s, hours=24 * 40)  # in April
    make(s, **gap_point())  # community queue, no unit
    months = {r["key"]: r["received"] for r in stats(s, "month")["rows"]}
    assert months == {"2024-03": 2, "2024-04": 1}
    kinds = {r["key"]: r["received"] for r in stats(s, "unit_kind")["rows"]}
    assert kinds == {"building": 2, "none": 1}
    assignees = {r["label"] for r in stats(s, "assignee")["rows"]}
    assert "社区党委" in assignees
    april = stats(s, "channel", {"from": datetime(2024, 4, 1, tzinfo=UTC), "to": datetime(2024, 5, 1, tzinfo=UTC)})
    assert sum(r["received"] for r in april["rows"]) == 1


def test_csv_has_the_same_rows(kpi_session):
    make(kpi_session)
    result = stats(kpi_session, "category")
    lines = stats_csv(result).strip().splitlines()
    assert lines[0].startswith("名称,受理,办结,办理中,响应率")
    assert lines[1].startswith("安全隐患,1,0,1")


def test_unknown_grouping_is_refused(kpi_session):
    from geo_app.errors import ValidationError

    with pytest.raises(ValidationError, match="by must be one of"):
        stats(kpi_session, "weather")
