"""The anonymous limits hold across workers: two gunicorn workers on one database count together.

With per-process memory the same limit would let through twice as much (a check that the test can fail).
"""

import threading
from collections import Counter

import pytest

from tests.conftest import demo_clone
from tests.servers import gunicorn, redis_server, request

ATTEMPTS = 40


@pytest.fixture
def database_url(pg_cluster, demo_template):
    with demo_clone(pg_cluster, demo_template, "limits") as name:
        yield pg_cluster.url_for(name)


def hammer(url, *, method="POST", body=None):
    """Send ATTEMPTS requests from 4 threads at once (so both workers are busy); return the statuses."""
    statuses, lock = [], threading.Lock()

    def run(n):
        for _ in range(n):
            status, _, _ = request(url, method=method, body=body)
            with lock:
                statuses.append(status)

    threads = [threading.Thread(target=run, args=(ATTEMPTS // 4,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return statuses


def workers_that_served(access_log, path):
    """The pids of the gunicorn workers whose access-log lines are for path."""
    lines = [line.split() for line in access_log.read_text().splitlines()]
    return Counter(parts[0] for parts in lines if len(parts) >= 3 and parts[2] == path)


def alternate(bases, path, *, method="POST", body=None):
    """Send ATTEMPTS requests, alternating between servers; return the statuses."""
    return [request(f"{bases[i % len(bases)]}{path}", method=method, body=body)[0] for i in range(ATTEMPTS)]


@pytest.mark.parametrize("storage", ["database", "redis"])
def test_two_app_servers_on_one_database_share_one_post_limit(database_url, storage):
    env = {"ANON_POST_LIMIT": "20 per minute"}
    with redis_server() if storage == "redis" else _nothing() as redis_url:
        if redis_url:
            env["REDIS_URL"] = redis_url
        with gunicorn(database_url, workers=1, env=env) as (first, _), \
                gunicorn(database_url, workers=1, env=env) as (second, _):
            statuses = alternate([first, second], "/api/v1/cases", body={})
    assert statuses.count(400) == 20 and statuses.count(429) == ATTEMPTS - 20, Counter(statuses)


def test_per_process_memory_would_let_twice_as_much_through(database_url):
    env = {"ANON_POST_LIMIT": "20 per minute", "RATELIMIT_STORAGE_URI": "memory://"}
    with gunicorn(database_url, workers=1, env=env) as (first, _), \
            gunicorn(database_url, workers=1, env=env) as (second, _):
        statuses = alternate([first, second], "/api/v1/cases", body={})
    assert statuses.count(400) == ATTEMPTS, Counter(statuses)


def test_two_gunicorn_workers_let_through_the_limit_in_total(database_url):
    with gunicorn(database_url, workers=2, env={"ANON_POST_LIMIT": "20 per minute"}) as (base, access):
        statuses = hammer(f"{base}/api/v1/cases", body={})
        served_by = workers_that_served(access, "/api/v1/cases")
    assert statuses.count(400) == 20 and statuses.count(429) == ATTEMPTS - 20, (Counter(statuses), served_by)


def test_two_gunicorn_workers_share_one_heavy_read_limit(database_url):
    with gunicorn(database_url, workers=2, env={"ANON_HEAVY_LIMIT": "10 per minute"}) as (base, access):
        statuses = hammer(f"{base}/api/v1/sites", method="GET")
        assert request(f"{base}/healthz")[0] == 200  # never counted
    assert statuses.count(200) == 10 and statuses.count(429) == ATTEMPTS - 10, Counter(statuses)


class _nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False
