"""Workers anywhere: two `minqing worker` processes (two nodes) on one database share the queue and deliver each
notification once."""

import time

import pytest
from sqlalchemy import create_engine, pool, text

from tests.receivers import running, sms_gateway, wecom_robot
from tests.services.notify.test_worker import Worker, new_case, notify_config

pytestmark = [pytest.mark.committed_db, pytest.mark.slow]
CASES = 16


def sms_rows(app, codes):
    engine = create_engine(app.config["DATABASE_URL"], poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT n.id, n.state, n.claimed_by FROM notification n JOIN civic_case c "
                                     "ON c.id = n.case_id WHERE c.code = ANY(:codes) AND n.channel = 'sms'"),
                                {"codes": codes}).all()
    finally:
        engine.dispose()


def registered_workers(app):
    """The ids of the workers procrastinate has registered (a worker registers just before it starts fetching)."""
    engine = create_engine(app.config["DATABASE_URL"], poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            return set(conn.execute(text("SELECT id FROM procrastinate_workers")).scalars())
    finally:
        engine.dispose()


def test_two_workers_on_one_database_deliver_each_notification_once(make_app, tmp_path):
    robot, gateway = wecom_robot(), sms_gateway()
    config = notify_config(robot, gateway)
    config.pop("WECOM_WEBHOOK_URL")  # the robot's own limit of 20 a minute would hold messages back
    app = make_app(**config)
    config_file = tmp_path / "config.py"
    config_file.write_text("".join(f"{k} = {v!r}\n" for k, v in config.items()))
    gateway.delay = 0.3  # a send takes a while: one worker's slots fill up and the other takes its share
    with running(gateway):
        known = registered_workers(app)
        workers = [Worker(app, config_file, "node-a"), Worker(app, config_file, "node-b")]
        try:
            # The cases are queued once both workers are registered and about to listen: queued earlier, the
            # first worker to start could send all of them before the second one is up.
            deadline = time.monotonic() + 60
            while len(registered_workers(app) - known) < 2:
                assert time.monotonic() < deadline and all(w.proc.poll() is None for w in workers), \
                    [w.log.read_text()[-2000:] for w in workers]
                time.sleep(0.1)
            codes = [new_case(app) for _ in range(CASES)]
            deadline = time.monotonic() + 120
            while not all(row.state == "sent" for row in sms_rows(app, codes)):
                assert time.monotonic() < deadline and all(w.proc.poll() is None for w in workers), \
                    [w.log.read_text()[-2000:] for w in workers]
                time.sleep(0.3)
        finally:
            for worker in workers:
                worker.stop()
    rows = sms_rows(app, codes)
    assert len(rows) == CASES
    delivered = [int(r["headers"]["X-Notification-Id"]) for r in gateway.accepted()]
    # Every SMS of these cases reached the gateway (beside any the demo data left queued), none of them twice.
    assert {row.id for row in rows} <= set(delivered) and gateway.duplicates() == 0
    assert {row.claimed_by for row in rows} == {"node-a", "node-b"}  # both took a share
