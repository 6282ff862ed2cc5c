"""Heat answers kept in Redis (REDIS_URL): what one node counted the other serves, a case change still makes a
new answer, and a Redis that is down only costs a recount. Two apps on one database stand for two nodes."""

import logging

import pytest
import redis
from sqlalchemy import event
from sqlalchemy.engine import Engine

from geo_app.services.heat_cache import RedisAnswerCache
from tests.conftest import token_for
from tests.factories import case_body
from tests.servers import free_port, redis_server

URL = "/api/v1/heat?zoom=16"


def total(response):
    return sum(cell[2] for cell in response.get_json()["cells"])


@pytest.fixture
def redis_url():
    with redis_server() as url:
        yield url


@pytest.fixture
def counted():
    """The heat counts run in this test, as statements (each count reads its cell size from heat_level first)."""
    statements = []

    def seen(_conn, _cursor, statement, *_args):
        if "heat_level" in statement:
            statements.append(statement)

    event.listen(Engine, "before_cursor_execute", seen)
    yield statements
    event.remove(Engine, "before_cursor_execute", seen)


def nodes(make_app, redis_url, n=2):
    """n apps sharing one database and one Redis, each with a client acting as the cadre (one token for all)."""
    apps = [make_app(REDIS_URL=redis_url, RATELIMIT_STORAGE_URI="memory://") for _ in range(n)]
    token = token_for(apps[0], "cadre")
    clients = [app.test_client() for app in apps]
    for client in clients:
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return clients


def test_the_second_node_serves_what_the_first_counted(make_app, redis_url, counted):
    first, second = nodes(make_app, redis_url)
    counted_then = first.get(URL)
    assert counted_then.status_code == 200 and len(counted) == 1
    served = second.get(URL)
    assert served.status_code == 200
    assert len(counted) == 1, "the second node counted again instead of reading the first node's answer"
    assert served.data == counted_then.data and served.headers["ETag"] == counted_then.headers["ETag"]
    kept = redis.Redis.from_url(redis_url)
    (key,) = kept.keys("minqing:heat:*")
    assert 0 < kept.ttl(key) <= 3600  # HEAT_CACHE_SECONDS


def test_a_case_stored_on_one_node_changes_the_answer_on_both(make_app, redis_url, counted):
    first, second = nodes(make_app, redis_url)
    before = first.get(URL)
    assert second.get(URL).data == before.data and len(counted) == 1
    assert second.post("/api/v1/cases", json=case_body()).status_code == 201
    after = first.get(URL, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and total(after) == total(before) + 1
    assert len(counted) == 2
    assert second.get(URL).data == after.data and len(counted) == 2


def test_redis_down_from_the_start_answers_by_counting_and_logs_once(make_app, counted, caplog):
    (client,) = nodes(make_app, f"redis://127.0.0.1:{free_port()}/0", n=1)  # nothing listens there
    with caplog.at_level(logging.INFO, logger="geo_app.services.heat_cache"):
        before = client.get(URL)
        again = client.get(URL)
        assert client.post("/api/v1/cases", json=case_body()).status_code == 201
        after = client.get(URL)
    assert (before.status_code, again.status_code, after.status_code) == (200, 200, 200)
    assert again.data == before.data and total(after) == total(before) + 1
    assert len(counted) == 3, "without Redis every answer is counted"
    warnings = [r for r in caplog.records if r.name == "geo_app.services.heat_cache" and r.levelno == logging.WARNING]
    assert len(warnings) == 1


def test_redis_stopping_under_way_costs_a_recount_not_an_error(make_app, counted):
    with redis_server() as url:
        first, second = nodes(make_app, url)
        before = first.get(URL)
        assert second.get(URL).data == before.data and len(counted) == 1
    # Redis is gone now; the nodes still answer, and a new case is counted.
    assert first.post("/api/v1/cases", json=case_body()).status_code == 201
    after = second.get(URL)
    assert after.status_code == 200 and total(after) == total(before) + 1


def test_an_answer_over_the_bound_is_not_kept(redis_url):
    cache = RedisAnswerCache(redis_url, ttl=60, namespace="bound", max_answer_bytes=10)
    cache.put("small", b"0123456789")
    cache.put("large", b"0123456789+")
    assert cache.get("small") == b"0123456789"
    assert cache.get("large") is None
