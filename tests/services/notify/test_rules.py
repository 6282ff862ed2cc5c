"""What sends what: case events and deadlines write outbox rows (and queue jobs) in the cause's transaction."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import text

from geo_app.services.cases import create_case
from geo_app.services.notify import muted, notify_reporter
from geo_app.services.notify.sweeps import daily_digest, sweep_deadlines
from geo_app.services.workflow import transition
from tests.factories import case_in, change, gap_point


def rows(session, case_code=None):
    return session.execute(text(
        "SELECT n.id, n.kind, n.channel, n.address, n.robot_ref, n.state, n.user_id, n.params, n.dedup_key, "
        "u.username FROM notification n LEFT JOIN app_user u ON u.id = n.user_id "
        "LEFT JOIN civic_case c ON c.id = n.case_id WHERE CAST(:code AS text) IS NULL OR c.code = :code ORDER BY n.id"),
        {"code": case_code}).all()


def jobs_for(session, ids):
    return session.execute(text(
        "SELECT (args->>'notification_id')::bigint FROM procrastinate_jobs WHERE task_name = 'deliver' "
        "AND status = 'todo' AND (args->>'notification_id')::bigint = ANY(:ids) ORDER BY 1"), {"ids": ids}).scalars().all()


def chief_of_bd01(session):
    return session.execute(text("SELECT p.id, p.phone FROM app_user u JOIN person p ON p.id = u.person_id "
                                "WHERE u.username = 'chief'")).one()


def test_a_case_dispatched_to_a_building_tells_its_chief_in_the_inbox_by_sms_and_in_the_robot_group(session):
    case, _ = create_case(session, case_in(**_bd01()), actor="test")
    chief = chief_of_bd01(session)
    assert case["assignee"]["id"] == chief.id
    found = {(r.channel, r.kind): r for r in rows(session, case["code"])}
    assert set(found) == {("inbox", "dispatched"), ("sms", "dispatched"), ("wecom", "dispatched")}
    assert found[("inbox", "dispatched")].username == "chief" and found[("inbox", "dispatched")].state == "sent"
    assert found[("sms", "dispatched")].address == chief.phone
    wecom = found[("wecom", "dispatched")]
    assert wecom.params["mention"] == [chief.phone] and wecom.params["code"] == case["code"]
    assert wecom.robot_ref.split("/")[0] == "mingzhu"
    # Each outbound row has its delivery job, queued in the same transaction; the inbox row needs none.
    outbound = [found[("sms", "dispatched")].id, wecom.id]
    assert jobs_for(session, outbound) == sorted(outbound)
    assert jobs_for(session, [found[("inbox", "dispatched")].id]) == []


def test_a_rolled_back_dispatch_leaves_no_notification_and_no_job(session):
    before = session.execute(text("SELECT (SELECT count(*) FROM notification), (SELECT count(*) FROM procrastinate_jobs)")).one()
    nested = session.begin_nested()
    create_case(session, case_in(**_bd01()), actor="test")
    assert session.execute(text("SELECT count(*) FROM notification")).scalar() > before[0]
    nested.rollback()
    after = session.execute(text("SELECT (SELECT count(*) FROM notification), (SELECT count(*) FROM procrastinate_jobs)")).one()
    assert after == before


def test_a_returned_case_tells_the_cadres_with_the_reason(session):
    case, _ = create_case(session, case_in(**_bd01()), actor="test")
    transition(session, case["code"], change("return", case["version"], note="不属于本楼栋"), actor="chief")
    returned = [r for r in rows(session, case["code"]) if r.kind == "returned"]
    assert {r.username for r in returned if r.channel == "inbox"} == {"cadre"}
    assert {r.channel for r in returned} >= {"inbox", "wecom"}
    assert all(r.params["reason"] == "不属于本楼栋" for r in returned)


def test_accepting_and_resolving_tell_nobody_and_a_case_nobody_answers_for_notifies_no_one(session):
    case, _ = create_case(session, case_in(**_bd01()), actor="test")
    before = len(rows(session, case["code"]))
    transition(session, case["code"], change("accept", case["version"]), actor="chief")
    assert len(rows(session, case["code"])) == before
    queued, _ = create_case(session, case_in(**gap_point()), actor="test")
    assert rows(session, queued["code"]) == []


def test_demo_history_loaded_muted_notifies_nobody(session):
    with muted(session):
        case, _ = create_case(session, case_in(**_bd01()), actor="test")
    assert rows(session, case["code"]) == []


def _overdue(session, code, **due):
    session.execute(text(f"UPDATE civic_case SET {', '.join(f'{k} = :{k}' for k in due)} WHERE code = :code"),
                    {"code": code, **due})


def summaries(session, code):
    """Return the robot summaries of the deadline sweeps that name a case."""
    return [r for r in rows(session) if r.kind == "sweep" and any(code in line for line in r.params["lines"])]


def test_the_deadline_sweep_reminds_once_then_escalates_once_per_level(session):
    case, _ = create_case(session, case_in(**_bd01()), actor="test")
    now = datetime.now(UTC)
    _overdue(session, case["code"], response_due_at=now + timedelta(minutes=30), resolve_due_at=now + timedelta(days=3))
    sweep_deadlines(session, now, 60)
    sweep_deadlines(session, now + timedelta(minutes=1), 60)
    soon = [r for r in rows(session, case["code"]) if r.kind == "due_soon"]
    assert {(r.channel, r.username) for r in soon} == {("inbox", "chief"), ("sms", None)}
    assert soon[0].params["level"] == "签收"
    (summary,) = summaries(session, case["code"])  # the group hears of it once, in a summary @-mentioning the chief
    assert summary.channel == "wecom" and chief_of_bd01(session).phone in summary.params["mention"]
    later = now + timedelta(hours=1)
    sweep_deadlines(session, later, 60)
    sweep_deadlines(session, later + timedelta(minutes=5), 60)
    overdue = [r for r in rows(session, case["code"]) if r.kind == "overdue"]
    assert {r.username for r in overdue if r.channel == "inbox"} == {"chief", "cadre"}
    assert len({r.dedup_key for r in overdue}) == len(overdue)
    assert len(summaries(session, case["code"])) == 2  # one reminder, one 督办; never again


def test_a_case_nobody_answers_for_is_escalated_to_the_group_alone_once(session):
    from tests.factories import gap_point

    case, _ = create_case(session, case_in(**gap_point()), actor="test")
    session.execute(text("UPDATE app_user SET active = false WHERE role = 'cadre'"))
    now = datetime.now(UTC)
    _overdue(session, case["code"], response_due_at=now - timedelta(hours=1), resolve_due_at=now + timedelta(days=3))
    sweep_deadlines(session, now, 60)
    sweep_deadlines(session, now + timedelta(minutes=1), 60)
    (group,) = rows(session, case["code"])
    assert (group.kind, group.channel, group.params["assignee"]) == ("overdue", "wecom", "社区党委")


def test_a_case_past_both_deadlines_is_escalated_at_each_level(session):
    case, _ = create_case(session, case_in(**_bd01()), actor="test")
    now = datetime.now(UTC)
    _overdue(session, case["code"], response_due_at=now - timedelta(hours=2), resolve_due_at=now - timedelta(hours=1))
    sweep_deadlines(session, now, 60)
    levels = {r.params["level"] for r in rows(session, case["code"]) if r.kind == "overdue" and r.channel == "inbox"}
    assert levels == {"签收", "办结"}


def test_the_daily_digest_goes_to_each_cadre_once_a_day(session):
    now = datetime.now(UTC)
    daily_digest(session, now)
    daily_digest(session, now + timedelta(minutes=1))
    digests = [r for r in rows(session) if r.kind == "digest"]
    assert [r.username for r in digests if r.channel == "inbox"] == ["cadre"]
    assert digests[0].params["community"] == "明珠社区"


def test_notify_reporter_texts_the_reporters_phone(session):
    case, _ = create_case(session, case_in(**_bd01(), reporter_phone="13912345678"), actor="test")
    case_id = session.execute(text("SELECT id FROM civic_case WHERE code = :c"), {"c": case["code"]}).scalar()
    notification_id = notify_reporter(session, case_id, "resolved", {"note": "已清理"})
    (row,) = [r for r in rows(session, case["code"]) if r.id == notification_id]
    assert (row.channel, row.address, row.params["note"]) == ("sms", "13912345678", "已清理")
    assert jobs_for(session, [notification_id]) == [notification_id]


def _bd01():
    from tests.factories import point_in_building

    return point_in_building("BD01")



def test_a_reopened_case_tells_the_assignee_and_the_cadres(session):
    from geo_app.services.notify import on_case_event

    case, _ = create_case(session, case_in(**_bd01()), actor="test")
    case_id = session.execute(text("SELECT id FROM civic_case WHERE code = :c"), {"c": case["code"]}).scalar()
    on_case_event(session, case_id, "reopen", note="居民回访不满意")
    reopened = [r for r in rows(session, case["code"]) if r.kind == "reopened"]
    assert {r.username for r in reopened if r.channel == "inbox"} == {"chief", "cadre"}
    (group,) = [r for r in reopened if r.channel == "wecom"]
    assert group.params["mention"] == [chief_of_bd01(session).phone]


def test_the_reporters_resolved_sms_carries_the_feedback_token_and_the_link(session):
    from geo_app.services.notify.render import render

    case, _ = create_case(session, case_in(**_bd01()), actor="test")
    case_id = session.execute(text("SELECT id FROM civic_case WHERE code = :c"), {"c": case["code"]}).scalar()
    notification_id = notify_reporter(session, case_id, "resolved", {"token": "tok123", "path": "/v/tok123"})
    row = session.execute(text("SELECT * FROM notification WHERE id = :i"), {"i": notification_id}).one()
    sms = render({"PUBLIC_BASE_URL": "https://mq.example.cn"}, row)
    assert sms["params"] == {"code": case["code"], "title": "楼道电动车充电", "token": "tok123"}
    as_mail = render({"PUBLIC_BASE_URL": "https://mq.example.cn"}, SimpleNamespace(**{**row._asdict(), "channel": "email"}))
    assert "请评价：https://mq.example.cn/v/tok123" in as_mail["text"]
