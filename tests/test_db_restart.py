"""PostgreSQL restarts under a stream of posts: every acknowledged case is stored exactly once, and the app
answers again without being restarted itself (pool_health: a closed pooled connection is dropped at checkout)."""

import json
import os
import shutil
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from geo_app import create_app
from geo_app.db_roles import APP_ROLE
from geo_app.embedded_pg import Cluster
from geo_app.extensions import db
from geo_app.migrate import upgrade
from tests.factories import BUILDINGS, case_body, point_in_building

TITLE_PREFIX = "重启测试"
CLIENTS = 4
MAX_POSTS_PER_CLIENT = 300
POST_DEADLINE_S = 90
REQUEST_TIMEOUT_S = 30

pytestmark = pytest.mark.slow  # a cluster of its own, restarted twice


@pytest.fixture(scope="module")
def own_cluster():
    """A cluster of this module's own, with durable commits, so restarting it disturbs no other test."""
    base = Path(tempfile.mkdtemp(prefix="minqing-restart-"))
    os.chmod(base, 0o755)  # the server may run as the unprivileged 'postgres' user
    cluster = Cluster(base / "data", base / "sock")
    cluster.start()
    yield cluster
    cluster.destroy()
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def live_server(own_cluster):
    """The app with the demo map (no demo cases), served by werkzeug on a loopback port in a thread."""
    from geo_app.services.demo import load_demo

    upgrade(own_cluster.owner_url, grant_to=APP_ROLE)
    # The anonymous rate limit is not what is under test here.
    app = create_app({"DATABASE_URL": own_cluster.url, "SECRET_KEY": "test", "RATELIMIT_ENABLED": False})
    with app.app_context():
        load_demo(db.session, with_cases=False)
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="werkzeug", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    with app.app_context():
        db.engine.dispose()


def request(url, body=None, headers=None):
    """Send one request; return (status, parsed JSON or None). Connection failures raise OSError."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method="POST" if data else "GET",
                                 headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=REQUEST_TIMEOUT_S) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        payload = exc.read()
        try:
            return exc.code, json.loads(payload)
        except ValueError:
            return exc.code, None


class Poster:
    """Post cases until told to stop, retrying each with the same Idempotency-Key until it is acknowledged."""

    def __init__(self, base_url):
        self.base_url = base_url
        self.lock = threading.Lock()
        self.acknowledged = {}  # Idempotency-Key → code
        self.tracking_codes = {}  # code → the tracking code of its receipt
        self.failures = []  # what went wrong on the way (5xx statuses, connection errors)
        self.unexpected = []  # 4xx answers: a bug in the test or the app
        self.stop = threading.Event()

    def post_until_acknowledged(self, key, body):
        deadline = time.monotonic() + POST_DEADLINE_S
        delay = 0.05
        while time.monotonic() < deadline:
            try:
                status, payload = request(f"{self.base_url}/api/v1/cases", body, {"Idempotency-Key": key})
            except OSError as exc:
                status, payload = None, repr(exc)
            if status in (200, 201):
                with self.lock:
                    self.tracking_codes[payload["code"]] = payload["tracking_code"]
                return payload["code"]
            with self.lock:
                if status is not None and status < 500:
                    self.unexpected.append((status, payload))
                    return None
                self.failures.append(status or payload)
            time.sleep(delay)
            delay = min(delay * 2, 1.0)
        return None

    def run(self, client):
        buildings = sorted(BUILDINGS)
        for i in range(MAX_POSTS_PER_CLIENT):
            if self.stop.is_set():
                return
            key = f"restart-{client}-{i}-{uuid.uuid4().hex[:8]}"
            body = case_body(title=f"{TITLE_PREFIX} {key}", **point_in_building(buildings[i % len(buildings)]))
            code = self.post_until_acknowledged(key, body)
            if code:
                with self.lock:
                    self.acknowledged[key] = code


def wait_until(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


def stored_posts(cluster):
    """Return {title: (rows, code, receive events)} of every stored test post."""
    rows = cluster.psql(
        "SELECT c.title, count(DISTINCT c.id), min(c.code), count(e.id) FROM civic_case c "
        "LEFT JOIN case_event e ON e.case_id = c.id AND e.action = 'receive' "
        f"WHERE c.title LIKE '{TITLE_PREFIX} %' GROUP BY c.title", dbname="minqing")
    return {title: (n, code, events) for title, n, code, events in rows}


def test_restart_during_posts_loses_and_duplicates_nothing(own_cluster, live_server):
    poster = Poster(live_server)
    clients = [threading.Thread(target=poster.run, args=(n,), name=f"poster-{n}", daemon=True)
               for n in range(CLIENTS)]
    for thread in clients:
        thread.start()
    try:
        wait_until(lambda: len(poster.acknowledged) >= 10, 60, "posts before the restart")
        before_restart = len(poster.acknowledged)
        own_cluster.stop()
        time.sleep(1.0)  # posts fail meanwhile; the clients keep retrying
        own_cluster.start()
        wait_until(lambda: len(poster.acknowledged) >= before_restart + 20, 120, "posts after the restart")
    finally:
        poster.stop.set()
        for thread in clients:
            thread.join(timeout=POST_DEADLINE_S + REQUEST_TIMEOUT_S)
    assert not any(thread.is_alive() for thread in clients)
    assert poster.unexpected == []
    assert poster.failures, "the restart went unnoticed: no post failed, so nothing was tested"

    stored = stored_posts(own_cluster)
    for key, code in poster.acknowledged.items():
        assert stored.get(f"{TITLE_PREFIX} {key}") == (1, code, 1), key
    # Nothing is stored twice, acknowledged or not, and no case lacks its receive event.
    assert all(rows == 1 and events == 1 for rows, _, events in stored.values())
    for code in poster.acknowledged.values():
        assert request(f"{live_server}/api/v1/track/{poster.tracking_codes[code]}")[0] == 200


def test_app_answers_at_once_after_an_idle_restart(own_cluster, live_server):
    # Warm the pool with several connections, restart under them, then every request must succeed first time.
    threads = [threading.Thread(target=request, args=(f"{live_server}/healthz",)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=REQUEST_TIMEOUT_S)
    own_cluster.stop()
    own_cluster.start()
    for i in range(20):
        assert request(f"{live_server}/healthz") == (200, {"status": "ok", "database": "ok"})
        status, case = request(f"{live_server}/api/v1/cases", case_body(title=f"{TITLE_PREFIX} idle-{i}"),
                               {"Idempotency-Key": f"idle-restart-{i}-{uuid.uuid4().hex[:8]}"})
        assert status == 201, case
