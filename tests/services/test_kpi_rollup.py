"""The KPIs from the rollups (migration 0013) equal a plain recount of the cases, for random filters, as cases change."""

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from geo_app.schemas import FeedbackIn
from geo_app.services.cases import CasePolicy, create_case
from geo_app.services.feedback import answer_feedback
from geo_app.services.feedback_links import issue_feedback_link
from geo_app.services.kpi_rollup import answers_rollup, rollup_kpis
from geo_app.services.kpis import GROUPINGS, kpi_select, stats
from geo_app.services.workflow import transition
from tests.factories import case_in, change, gap_point, point_in_building

TZ = ZoneInfo("Asia/Shanghai")
DIMENSIONS = ("channel", "category", "unit_kind", "month", "community")
MEASURES = ("received", "resolved", "in_progress", "responded_on_time", "response_due", "resolved_on_time",
            "satisfied", "visited")
POLICY = CasePolicy()


def _counts(rows):
    return {r.key: (*(getattr(r, m) for m in MEASURES), None if r.mean_hours is None else round(float(r.mean_hours), 1))
            for r in rows}


def recount(session, by, filters):
    """The plain count straight from the cases (kpis.kpi_select: what the service counted before the rollups)."""
    return _counts(session.execute(kpi_select(GROUPINGS[by], filters)))


def from_stats(session, by, filters):
    """The counts behind stats(), which must come from the rollups for these filters."""
    assert answers_rollup(by, filters), (by, filters)
    counted = _counts(session.execute(rollup_kpis(by, filters)))
    if by != "assignee":
        assert [r["key"] for r in stats(session, by, filters)["rows"]] == sorted(counted)
    return counted


def random_filters(rng):
    filters = {}
    if rng.random() < 0.4:
        filters["channel"] = rng.sample(["night_talk", "mailbox", "grid_worker", "rider", "resident", "lawyer"], 2)
    if rng.random() < 0.3:
        filters["category"] = [rng.choice(["hazard", "dispute", "environment", "suggestion", "legal"])]
    if rng.random() < 0.3:
        filters["status"] = [rng.choice(["closed", "in_progress", "received", "visited", "resolved"])]
    if rng.random() < 0.3:
        filters["community"] = "mingzhu"
    if rng.random() < 0.7:
        start = datetime(2022, 8, 1, tzinfo=TZ) + timedelta(days=rng.randrange(0, 600))
        filters["from"] = start
        filters["to"] = start + timedelta(days=rng.randrange(1, 400))
    return filters


@pytest.mark.parametrize("seed", range(4))
def test_rollup_kpis_equal_a_plain_recount_for_random_filters(session, seed):
    rng = random.Random(seed)
    for _ in range(4):
        filters = random_filters(rng)
        for by in DIMENSIONS:
            assert from_stats(session, by, filters) == recount(session, by, filters), (by, filters)


def test_assignee_rollup_equals_a_plain_recount(session):
    for filters in ({}, {"community": "mingzhu"}):
        assert from_stats(session, "assignee", filters) == recount(session, "assignee", filters)


def _walk(session, code, steps, at):
    version = session.execute(text("SELECT version FROM civic_case WHERE code = :c"), {"c": code}).scalar()
    for action, hours, extra in steps:
        version = transition(session, code, change(action, version, **extra), actor="t", policy=POLICY,
                             now=at + timedelta(hours=hours))["version"]


def test_rollups_follow_new_cases_transitions_duplicates_and_residents_answers(session):
    at = datetime(2031, 5, 20, 10, tzinfo=TZ)
    made = []
    for i, point in enumerate((point_in_building("BD11"), point_in_building("BD08"), gap_point())):
        case, _ = create_case(session, case_in(channel="night_talk", **point), policy=POLICY, now=at + timedelta(hours=i))
        made.append(case["code"])
    a, b, _ = made
    _walk(session, a, [("accept", 2, {}), ("resolve", 10, {"note": "ok"}), ("visit", 30, {"satisfaction": "dissatisfied"})], at)
    _walk(session, b, [("mark_duplicate", 1, {"duplicate_of": a})], at)
    # a resident's own answer on a resolved case takes precedence over the cadre's 回访
    resolved, _ = create_case(session, case_in(notify=True, **point_in_building("BD01")), policy=POLICY, now=at)
    _walk(session, resolved["code"], [("accept", 1, {}), ("start", 1, {}), ("resolve", 2, {"note": "ok"})], at)
    case_id = session.execute(text("SELECT id FROM civic_case WHERE code = :c"), {"c": resolved["code"]}).scalar()
    token = issue_feedback_link(session, case_id, now=at + timedelta(hours=3)).removeprefix("/feedback/")
    answer_feedback(session, token, FeedbackIn(satisfaction="satisfied"), now=at + timedelta(hours=4))
    for filters in ({}, {"channel": ["night_talk"]}, {"status": ["visited", "duplicate", "received"]},
                    {"from": datetime(2031, 5, 1, tzinfo=TZ), "to": datetime(2031, 6, 1, tzinfo=TZ)},
                    {"from": datetime(2031, 5, 20, tzinfo=TZ), "to": datetime(2031, 7, 1, tzinfo=TZ)}):
        for by in DIMENSIONS:
            assert from_stats(session, by, filters) == recount(session, by, filters), (by, filters)
    assert from_stats(session, "assignee", {}) == recount(session, "assignee", {})
    may = {"from": datetime(2031, 5, 1, tzinfo=TZ), "to": datetime(2031, 6, 1, tzinfo=TZ)}
    night = {r["key"]: r for r in stats(session, "channel", may)["rows"]}["night_talk"]
    assert night["received"] == 2 and night["satisfaction_rate"] == 0.0  # b is a duplicate; a dissatisfied


def test_filters_no_rollup_carries_are_counted_from_the_cases(session):
    assert stats(session, "channel", {"overdue": True})["source"] == "cases"
    assert stats(session, "assignee", {"channel": ["night_talk"]})["source"] == "cases"


def test_by_assignee_is_a_page_worst_first(session):
    everyone = stats(session, "assignee", {}, limit=500)
    assert everyone["total"] == len(everyone["rows"]) > 3
    assert {r["key"] for r in everyone["rows"]} == set(recount(session, "assignee", {}))
    for scope in ({}, {"community": "mingzhu"}):  # city-wide along case_kpi_person, one community summed
        counted = recount(session, "assignee", scope)
        for r in stats(session, "assignee", scope, limit=500)["rows"]:
            assert (r["received"], r["in_progress"]) == (counted[r["key"]][0], counted[r["key"]][2])
    open_counts = [r["in_progress"] for r in everyone["rows"]]
    assert open_counts == sorted(open_counts, reverse=True)
    first, second = (stats(session, "assignee", {}, limit=2, offset=o) for o in (0, 2))
    assert [r["key"] for r in first["rows"] + second["rows"]] == [r["key"] for r in everyone["rows"][:4]]
    assert first["total"] == everyone["total"] and len(first["rows"]) == 2
    rates = [r["on_time_rate"] for r in stats(session, "assignee", {}, sort="on_time_rate", limit=500)["rows"]]
    known = [r for r in rates if r is not None]
    assert known == sorted(known) and rates[:len(known)] == known  # lowest first, the unknown last
    past = stats(session, "assignee", {}, offset=everyone["total"] + 5)
    assert past["rows"] == [] and past["total"] == everyone["total"]
