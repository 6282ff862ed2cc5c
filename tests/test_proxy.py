"""The client address the limits count by: the socket's own without trusted proxies, nginx's behind deploy/nginx.conf.

The two tests behind nginx with one configuration share one gunicorn and nginx (tests/conftest.py sends them to one
xdist worker): each posts from client addresses of its own, so neither sees the other's counts, and reads only the
access-log lines written since it began.
"""

import socket
import threading
import uuid
from collections import Counter
from contextlib import contextmanager

import pytest

from tests.conftest import demo_clone
from tests.factories import case_body
from tests.servers import AccessLog, gunicorn, nginx, post_from, request

LIMIT = 5


@pytest.fixture
def database_url(pg_cluster, demo_template):
    with demo_clone(pg_cluster, demo_template, "proxy") as name:
        yield pg_cluster.url_for(name)


@pytest.fixture(scope="module")
def behind_nginx(pg_cluster, demo_template):
    """gunicorn (limit LIMIT a minute, one trusted proxy) behind nginx; yields (nginx URL, gunicorn access log)."""
    env = {"ANON_POST_LIMIT": f"{LIMIT} per minute", "TRUSTED_PROXIES": "1"}
    with (demo_clone(pg_cluster, demo_template, "proxy") as name,
          gunicorn(pg_cluster.url_for(name), env=env) as (base, access), nginx(base.split("//", 1)[1]) as proxy):
        yield proxy, access


def post_with_forged_addresses(base, n):
    """Post n times, each claiming another client in X-Forwarded-For; return the statuses."""
    return [request(f"{base}/api/v1/cases", method="POST", body={},
                    headers={"X-Forwarded-For": f"203.0.113.{i}"})[0] for i in range(n)]


def test_a_forged_forwarded_for_does_not_move_the_limit_without_trusted_proxies(database_url):
    with gunicorn(database_url, env={"ANON_POST_LIMIT": f"{LIMIT} per minute", "TRUSTED_PROXIES": "0"}) as (base, _):
        statuses = post_with_forged_addresses(base, 3 * LIMIT)
    assert statuses.count(400) == LIMIT and statuses.count(429) == 2 * LIMIT, Counter(statuses)


def test_behind_nginx_the_address_nginx_saw_is_used_and_a_forged_one_dropped(behind_nginx):
    proxy, log = behind_nginx
    access = AccessLog(log)  # the other test's requests are not this one's
    statuses = post_with_forged_addresses(proxy, 3 * LIMIT)  # from 127.0.0.1
    forwarded = [line.split()[3] for line in access.read_text().splitlines() if " /api/v1/cases " in line]
    assert statuses.count(400) == LIMIT and statuses.count(429) == 2 * LIMIT, Counter(statuses)
    assert set(forwarded) == {"127.0.0.1"}, "nginx replaces the client's X-Forwarded-For with the address it saw"


def test_behind_nginx_each_client_address_has_its_own_limit(behind_nginx):
    """Two loopback clients behind nginx (127.0.0.2 and 127.0.0.3; the other test posts from 127.0.0.1) are
    counted apart."""
    proxy, _ = behind_nginx
    first = [post_from("127.0.0.2", f"{proxy}/api/v1/cases", {}) for _ in range(LIMIT + 1)]
    second = [post_from("127.0.0.3", f"{proxy}/api/v1/cases", {}) for _ in range(LIMIT + 1)]
    assert first == [400] * LIMIT + [429]
    assert second == [400] * LIMIT + [429], "another client address has a limit of its own"


@contextmanager
def dying_node():
    """A node that dies under every request: it reads the request, then drops the connection unanswered.

    Yields (port, the requests it took): what nginx sees of an app node killed while a request was on its way.
    """
    listener = socket.create_server(("127.0.0.1", 0))
    taken, stop = [], threading.Event()

    def serve():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(5)
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                taken.append(data)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1], taken
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()


def test_a_report_with_an_idempotency_key_goes_to_the_other_node_when_its_node_dies(database_url):
    """nginx never sends a POST twice on its own; one with an Idempotency-Key it may, since the app stores it once."""
    env = {"ANON_POST_LIMIT": "100 per minute", "TRUSTED_PROXIES": "1"}
    with dying_node() as (dead, taken), gunicorn(database_url, env=env) as (base, _), \
            nginx(f"127.0.0.1:{dead} max_fails=0; server {base.split('//', 1)[1]}") as proxy:
        keyed = [request(f"{proxy}/api/v1/cases", method="POST", body=case_body(),
                         headers={"Idempotency-Key": uuid.uuid4().hex})[0] for _ in range(6)]
        plain = [request(f"{proxy}/api/v1/cases", method="POST", body={})[0] for _ in range(6)]
    assert keyed == [201] * 6, "a keyed report the dying node took was passed on to the live one"
    assert any(b"Idempotency-Key" in data for data in taken), "the dying node never saw a keyed report"
    # Every other POST is left as it was: the one the dying node took is a 502, never sent a second time.
    assert set(plain) == {400, 502}, Counter(plain)
