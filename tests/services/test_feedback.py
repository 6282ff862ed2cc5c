"""The reporter's 回访: single-use links valid 7 days, stored as hashes; 不满意 reopens the case to its assignee;
满意率 counts the residents' own answers first."""

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from geo_app.errors import ConflictError, NotFoundError
from geo_app.schemas import FeedbackIn
from geo_app.services.cases import CasePolicy, create_case
from geo_app.services.feedback import LinkGone, answer_feedback, read_feedback
from geo_app.services.feedback_links import issue_feedback_link
from geo_app.services.kpis import stats
from geo_app.services.workflow import transition
from tests.factories import case_in, change, point_in_building

NOW = datetime(2031, 5, 1, 9, 0, tzinfo=UTC)
POLICY = CasePolicy()


def resolved_case(session, note="已清理楼道，恢复通行", hours=0, **overrides):
    case, _ = create_case(session, case_in(**{**point_in_building("BD01"), "notify": True, **overrides}),
                          policy=POLICY, now=NOW + timedelta(hours=hours))
    version = case["version"]
    for action, extra in (("accept", {}), ("start", {}), ("resolve", {"note": note})):
        version = transition(session, case["code"], change(action, version, **extra), actor="chief", policy=POLICY,
                             now=NOW + timedelta(hours=hours + 1))["version"]
    return session.execute(text("SELECT id, code, assignee_id FROM civic_case WHERE code = :c"),
                           {"c": case["code"]}).one()


def token_of(path):
    assert path.startswith("/feedback/")
    return path.removeprefix("/feedback/")


def answer(satisfaction, comment=""):
    return FeedbackIn(satisfaction=satisfaction, comment=comment)


def test_a_link_shows_the_resolution_note_and_only_its_hash_is_stored(session):
    case = resolved_case(session)
    token = token_of(issue_feedback_link(session, case.id, now=NOW))
    # The resolution itself issued the reporter's SMS link (they consented); this is a second, hand-issued one.
    stored = session.execute(text("SELECT token_hash, expires_at FROM feedback_token WHERE case_id = :id "
                                  "ORDER BY id DESC LIMIT 1"), {"id": case.id}).one()
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in stored.token_hash
    assert stored.expires_at == NOW + timedelta(days=7)
    shown = read_feedback(session, token, now=NOW)
    assert shown["resolution_note"] == "已清理楼道，恢复通行" and shown["answerable"]
    with pytest.raises(NotFoundError):
        read_feedback(session, token[:-2] + "xx", now=NOW)


def test_satisfied_is_recorded_once_and_the_link_is_spent(session):
    case = resolved_case(session)
    token = token_of(issue_feedback_link(session, case.id, now=NOW))
    result = answer_feedback(session, token, answer("satisfied", "很快"), now=NOW)
    assert result["satisfaction"]["label"] == "满意" and not result["reopened"]
    with pytest.raises(LinkGone):
        answer_feedback(session, token, answer("dissatisfied"), now=NOW)
    with pytest.raises(LinkGone):
        read_feedback(session, token, now=NOW)
    rows = session.execute(text("SELECT satisfaction, comment FROM resident_feedback WHERE case_id = :id"),
                           {"id": case.id}).all()
    assert [tuple(r) for r in rows] == [("satisfied", "很快")]


def test_the_database_itself_refuses_a_second_answer_on_one_link(session):
    case = resolved_case(session)
    token = token_of(issue_feedback_link(session, case.id, now=NOW))
    answer_feedback(session, token, answer("satisfied"), now=NOW)
    token_id = session.execute(text("SELECT id FROM feedback_token WHERE token_hash = :h"),
                               {"h": hashlib.sha256(token.encode()).hexdigest()}).scalar()
    with pytest.raises(Exception, match="uq_resident_feedback_token_id"):
        with session.begin_nested():
            session.execute(text("INSERT INTO resident_feedback (case_id, community_id, token_id, satisfaction) "
                                 "SELECT id, community_id, :t, 'dissatisfied' FROM civic_case WHERE id = :id"),
                            {"t": token_id, "id": case.id})


def test_a_link_expires_after_seven_days(session):
    case = resolved_case(session)
    token = token_of(issue_feedback_link(session, case.id, now=NOW))
    read_feedback(session, token, now=NOW + timedelta(days=6, hours=23))
    with pytest.raises(LinkGone, match="过期"):
        answer_feedback(session, token, answer("satisfied"), now=NOW + timedelta(days=7))


def test_dissatisfied_reopens_the_case_to_the_same_assignee_with_a_new_deadline(session):
    case = resolved_case(session)
    token = token_of(issue_feedback_link(session, case.id, now=NOW))
    later = NOW + timedelta(hours=3)
    result = answer_feedback(session, token, answer("dissatisfied", "楼道又堆满了"), policy=POLICY, now=later)
    assert result["reopened"]
    row = session.execute(text("SELECT status, assignee_id, resolved_at, resolution_note, resolve_due_at "
                               "FROM civic_case WHERE id = :id"), {"id": case.id}).one()
    assert (row.status, row.assignee_id, row.resolved_at, row.resolution_note) == \
        ("in_progress", case.assignee_id, None, None)
    assert row.resolve_due_at == later + timedelta(hours=168)
    event = session.execute(text("SELECT actor, action, from_status, to_status, note, data FROM case_event "
                                 "WHERE case_id = :id ORDER BY id DESC LIMIT 1"), {"id": case.id}).one()
    assert (event.action, event.from_status, event.to_status) == ("reopen", "resolved", "in_progress")
    assert event.note == "群众回访不满意：楼道又堆满了" and event.data["source"] == "resident_feedback"
    assert event.data["previous_resolution_note"] == "已清理楼道，恢复通行"


def test_an_answer_waits_for_the_case_to_be_resolved(session):
    case = resolved_case(session)
    path = issue_feedback_link(session, case.id, now=NOW)
    version = session.execute(text("SELECT version FROM civic_case WHERE id = :id"), {"id": case.id}).scalar()
    transition(session, case.code, change("reopen", version, note="干部复核未完成"), actor="cadre", policy=POLICY,
               now=NOW)
    with pytest.raises(ConflictError):
        answer_feedback(session, token_of(path), answer("satisfied"), now=NOW)
    assert not read_feedback(session, token_of(path), now=NOW)["answerable"]


def test_satisfaction_rate_counts_the_residents_answers_before_the_cadres_visit(session):
    """Three cases: A the cadre's 满意 only; B the cadre's 满意 but the resident's 不满意; C the resident's 基本满意."""
    window = {"from": NOW - timedelta(hours=1), "to": NOW + timedelta(days=1)}
    a, b, c = (resolved_case(session, hours=h, title=t) for h, t in ((0, "甲"), (1, "乙"), (2, "丙")))
    for case in (a, b):
        version = session.execute(text("SELECT version FROM civic_case WHERE id = :id"), {"id": case.id}).scalar()
        transition(session, case.code, change("visit", version, satisfaction="satisfied"), actor="cadre",
                   policy=POLICY, now=NOW + timedelta(hours=5))
    answer_feedback(session, token_of(issue_feedback_link(session, b.id, now=NOW)), answer("dissatisfied"),
                    policy=POLICY, now=NOW + timedelta(hours=6))
    answer_feedback(session, token_of(issue_feedback_link(session, c.id, now=NOW)), answer("basically_satisfied"),
                    now=NOW + timedelta(hours=6))
    [row] = stats(session, "community", window)["rows"]
    assert row["received"] == 3
    assert row["satisfaction_rate"] == round(2 / 3, 4)


def test_the_database_refuses_a_consent_without_a_phone(session):
    case = resolved_case(session)
    with pytest.raises(Exception, match="ck_civic_case_notify_needs_phone"):
        with session.begin_nested():
            session.execute(text("UPDATE civic_case SET reporter_phone = NULL WHERE id = :id"), {"id": case.id})
