"""The queue end to end: a real worker delivers what was committed, nothing that was rolled back, survives a
receiver that is down and a worker killed in the middle of sending."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, pool, text

from geo_app.extensions import db
from geo_app.jobs.worker import run_worker
from geo_app.services.cases import create_case
from tests.factories import case_in, point_in_building
from tests.receivers import running, sms_gateway, smtp_server, wecom_robot

pytestmark = [pytest.mark.committed_db, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[3]


def notify_config(robot, gateway, **extra):
    return {"WECOM_WEBHOOK_URL": robot.url + "/cgi-bin/webhook/send?key=test", "SMS_PROVIDER": "http",
            "SMS_HTTP_URL": gateway.url + "/sms", "NOTIFY_QUIET_HOURS": "", "NOTIFY_DIGEST_TIME": "",
            "NOTIFY_BACKOFF_SECONDS": 1, "NOTIFY_BACKOFF_MAX_SECONDS": 2, "NOTIFY_SEND_TIMEOUT": 5, **extra}


def deliver_now(app, concurrency=1):
    """Run an in-process worker until the queues are empty, in a thread of its own: a browser test that ran
    earlier on this xdist worker leaves Playwright's event loop running in the main thread."""
    failures = []

    def work():
        try:
            run_worker(app, concurrency=concurrency, wait=False, periodic=False, install_signal_handlers=False)
        except BaseException as exc:  # handed to the test's thread below
            failures.append(exc)

    thread = threading.Thread(target=work, name="deliver-now")
    thread.start()
    thread.join()
    if failures:
        raise failures[0]


LOST = "回滚的民情"  # the title of the case whose transaction is rolled back (its code is drawn again)


def new_case(app, *, commit=True, building="BD01"):
    """Post a case in a demo building (auto-dispatched to its 楼栋长); return its code."""
    extra = {} if commit else {"title": LOST}
    with app.app_context():
        case, _ = create_case(db.session, case_in(**point_in_building(building), **extra), actor="test")
        (db.session.commit if commit else db.session.rollback)()
    return case["code"]


def states(app, code):
    engine = create_engine(app.config["DATABASE_URL"], poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT n.channel, n.state, n.attempts, n.resumed_after_crash, n.id "
                                     "FROM notification n JOIN civic_case c ON c.id = n.case_id "
                                     "WHERE c.code = :c ORDER BY n.id"), {"c": code}).all()
    finally:
        engine.dispose()


def robot_texts(robot):
    return [b["text"]["content"] for b in robot.json_bodies() if b["msgtype"] == "text"]


def test_an_in_process_worker_delivers_the_committed_dispatch_and_nothing_rolled_back(make_app):
    with running(wecom_robot()) as robot, running(sms_gateway()) as gateway:
        app = make_app(**notify_config(robot, gateway))
        code = new_case(app)
        lost = new_case(app, commit=False)
        deliver_now(app, concurrency=2)
    assert {(channel, state) for channel, state, *_ in states(app, code)} == {
        ("inbox", "sent"), ("sms", "sent"), ("wecom", "sent")}
    (message,) = robot.json_bodies()
    assert code in message["text"]["content"] and "【新派单】" in message["text"]["content"]
    with app.app_context():
        phone = db.session.execute(text("SELECT p.phone FROM app_user u JOIN person p ON p.id = u.person_id "
                                        "WHERE u.username = 'chief'")).scalar()
    assert message["text"]["mentioned_mobile_list"] == [phone]
    (sms,) = gateway.json_bodies()
    assert sms == {"phone": phone, "template": "dispatched", "params": {
        "code": code, "title": "楼道电动车充电", "deadline": sms["params"]["deadline"]}}
    assert not any(LOST in text for text in robot_texts(robot)) and states(app, lost) == []


def test_an_unconfigured_channel_is_cancelled_and_a_refusal_fails_for_the_admin(make_app, cli_runner):
    with running(wecom_robot(errcode=93000)) as robot:
        app = make_app(WECOM_WEBHOOK_URL=robot.url + "/send?key=removed", NOTIFY_QUIET_HOURS="")
        code = new_case(app)
        deliver_now(app, concurrency=1)
    assert {(channel, state) for channel, state, *_ in states(app, code)} == {
        ("inbox", "sent"), ("sms", "cancelled"), ("wecom", "failed")}
    listing = cli_runner(app, ["notify", "failed"])
    assert code in listing.output and "企业微信拒绝 errcode 93000" in listing.output
    with running(wecom_robot()) as robot:
        app.config["WECOM_WEBHOOK_URL"] = robot.url + "/send?key=fixed"
        retried = cli_runner(app, ["notify", "retry", "--all"])
        assert "已重新排队 1 条通知" in retried.output
        deliver_now(app, concurrency=1)
    assert ("wecom", "sent") in {(channel, state) for channel, state, *_ in states(app, code)}
    assert "没有发送失败的通知" in cli_runner(app, ["notify", "failed"]).output
    stats = cli_runner(app, ["notify", "stats"]).output
    assert "企业微信  已发送" in stats and "短信    已取消" in stats


def test_a_chief_given_an_email_by_people_import_gets_the_dispatch_by_mail(make_app, cli_runner, tmp_path):
    with smtp_server() as (host, port, received):
        app = make_app(SMTP_URL=f"smtp://{host}:{port}?from=noreply@mingzhu.example", NOTIFY_QUIET_HOURS="")
        with app.app_context():
            chief = db.session.execute(text(
                "SELECT p.name, p.phone, r.role, u.code FROM app_user a JOIN person p ON p.id = a.person_id "
                "JOIN responsibility r ON r.person_id = p.id JOIN unit u ON u.id = r.unit_id "
                "WHERE a.username = 'chief' AND r.until IS NULL ORDER BY r.id LIMIT 1")).one()
        csv_file = tmp_path / "people.csv"
        csv_file.write_text(f"name,phone,role,unit_code,email\n{chief.name},{chief.phone},{chief.role},{chief.code},"
                            "chief@mingzhu.example\n", encoding="utf-8")
        assert cli_runner(app, ["people", "import", str(csv_file)]).exit_code == 0
        bad = tmp_path / "bad.csv"
        bad.write_text(f"name,phone,role,unit_code,email\n{chief.name},{chief.phone},{chief.role},{chief.code},"
                       "not-an-address\n", encoding="utf-8")
        refused = cli_runner(app, ["people", "import", str(bad)])
        assert refused.exit_code == 1 and "email" in refused.output
        code = new_case(app)
        deliver_now(app, concurrency=1)
    (mail,) = received
    assert mail["To"] == "chief@mingzhu.example" and mail["Subject"] == f"【新派单】{code} 楼道电动车充电"
    assert "签收时限" in mail.get_content()
    assert ("email", "sent") in {(channel, state) for channel, state, *_ in states(app, code)}


def test_a_robot_gets_at_most_20_messages_a_minute_the_rest_wait_their_turn(make_app):
    from geo_app.services.notify import outbox

    with running(wecom_robot()) as robot:
        app = make_app(WECOM_WEBHOOK_URL=robot.url + "/send?key=busy")
        with app.app_context():
            community_id = db.session.execute(text("SELECT id FROM community WHERE code = 'mingzhu'")).scalar()
            ids = [outbox.add(db.session, community_id=community_id, kind="digest", channel="wecom", robot_ref="mingzhu",
                              params={"community": "明珠社区", "day": "2026-12-01", "new": i, "overdue": 0,
                                      "overdue_cases": [], "path": "/map"}) for i in range(21)]
            db.session.commit()
        deliver_now(app, concurrency=1)
    assert len(robot.accepted()) == 20
    with app.app_context():
        found = db.session.execute(text("SELECT state, count(*), max(attempts), bool_and(not_before > now()) "
                                        "FROM notification WHERE id = ANY(:ids) GROUP BY 1 ORDER BY 1"),
                                   {"ids": ids}).all()
    assert [tuple(row) for row in found] == [("pending", 1, 0, True), ("sent", 20, 1, None)]


class Worker:
    """A `minqing worker` process on the test's database."""

    def __init__(self, app, config_file, name):
        self.log = config_file.parent / f"{name}.log"
        env = {**os.environ, "DATABASE_URL": app.config["DATABASE_URL"], "MINQING_CONFIG": str(config_file),
               "MINQING_INSTANCE_PATH": str(config_file.parent), "SECRET_KEY": "test"}
        with open(self.log, "w") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "geo_app.cli", "-v", "worker", "--concurrency", "4", "--name", name,
                 "--heartbeat", "1", "--stalled-after", "4"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def wait_until(predicate, what, worker, timeout=90):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline or worker.proc.poll() is not None:
            raise AssertionError(f"timed out waiting for {what}:\n{worker.log.read_text()[-3000:]}")
        time.sleep(0.2)


def all_sent(app, code):
    found = states(app, code)
    return bool(found) and all(state == "sent" for _, state, *_ in found)


def test_a_worker_process_delivers_retries_while_the_receiver_is_down_and_survives_being_killed(make_app, tmp_path):
    robot, gateway = wecom_robot(), sms_gateway()
    app = make_app(**notify_config(robot, gateway))
    config_file = tmp_path / "config.py"
    config_file.write_text("".join(f"{k} = {v!r}\n" for k, v in notify_config(robot, gateway).items()))
    first = Worker(app, config_file, "worker-a")
    second = None
    try:
        with running(robot), running(gateway):
            # Committed → delivered; rolled back → nothing.
            code = new_case(app)
            new_case(app, commit=False)
            wait_until(lambda: all_sent(app, code), "the first dispatch", first)
            assert any(code in t for t in robot_texts(robot))
        # The receivers are down: the worker retries, nothing is lost.
        down = new_case(app)
        wait_until(lambda: any(ch == "sms" and attempts >= 2 for ch, _, attempts, *_ in states(app, down)),
                   "a retry while the receivers are down", first)
        assert not all_sent(app, down)
        with running(robot), running(gateway):
            wait_until(lambda: all_sent(app, down), "delivery once the receivers are back", first)
            # Killed in the middle of sending (a slow receiver holds the requests): another worker finishes.
            robot.delay = gateway.delay = 3
            killed = new_case(app)
            wait_until(lambda: any(state == "sending" for _, state, *_ in states(app, killed)), "sending", first)
            first.kill()
            robot.delay = gateway.delay = 0
            second = Worker(app, config_file, "worker-b")
            wait_until(lambda: all_sent(app, killed), "delivery after the kill", second)
    finally:
        first.stop()
        if second is not None:
            second.stop()
    assert not any(LOST in t for t in robot_texts(robot))
    assert [body for body in gateway.json_bodies() if body["params"].get("title") == LOST] == []
    for code in (down, killed):
        assert sum(code in t for t in robot_texts(robot)) >= 1
    # Every committed SMS reached the gateway; a resend happened only for a row the claim flagged.
    sms_rows = [row for c in (code, down, killed) for row in states(app, c) if row.channel == "sms"]
    delivered = {int(r["headers"]["X-Notification-Id"]) for r in gateway.accepted()}
    assert {row.id for row in sms_rows} <= delivered
    assert gateway.duplicates() <= sum(row.resumed_after_crash for row in sms_rows)
    # The rows the killed worker was sending were taken up again and flagged as possibly sent twice.
    assert any(row.resumed_after_crash for row in states(app, killed))
