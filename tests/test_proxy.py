"""The client address the limits count by: the socket's own without trusted proxies, nginx's behind deploy/nginx.conf."""

import os
from collections import Counter
from itertools import count

import pytest

from tests.servers import gunicorn, nginx, post_from, request

_names = count()
LIMIT = 5


@pytest.fixture
def database_url(pg_cluster, demo_template):
    name = f"proxy_{os.getpid()}_{next(_names)}"
    pg_cluster.create_database(name, template=demo_template)
    yield pg_cluster.url_for(name)
    pg_cluster.drop_database(name)


def post_with_forged_addresses(base, n):
    """Post n times, each claiming another client in X-Forwarded-For; return the statuses."""
    return [request(f"{base}/api/v1/cases", method="POST", body={},
                    headers={"X-Forwarded-For": f"203.0.113.{i}"})[0] for i in range(n)]


def test_a_forged_forwarded_for_does_not_move_the_limit_without_trusted_proxies(database_url):
    with gunicorn(database_url, env={"ANON_POST_LIMIT": f"{LIMIT} per minute", "TRUSTED_PROXIES": "0"}) as (base, _):
        statuses = post_with_forged_addresses(base, 3 * LIMIT)
    assert statuses.count(400) == LIMIT and statuses.count(429) == 2 * LIMIT, Counter(statuses)


def test_behind_nginx_the_address_nginx_saw_is_used_and_a_forged_one_dropped(database_url):
    env = {"ANON_POST_LIMIT": f"{LIMIT} per minute", "TRUSTED_PROXIES": "1"}
    with gunicorn(database_url, env=env) as (base, access), nginx(base.split("//", 1)[1]) as proxy:
        statuses = post_with_forged_addresses(proxy, 3 * LIMIT)
        forwarded = [line.split()[3] for line in access.read_text().splitlines() if " /api/v1/cases " in line]
    assert statuses.count(400) == LIMIT and statuses.count(429) == 2 * LIMIT, Counter(statuses)
    assert set(forwarded) == {"127.0.0.1"}, "nginx replaces the client's X-Forwarded-For with the address it saw"


def test_behind_nginx_each_client_address_has_its_own_limit(database_url):
    """Two loopback clients behind nginx (127.0.0.1 and 127.0.0.2) are counted apart."""
    env = {"ANON_POST_LIMIT": f"{LIMIT} per minute", "TRUSTED_PROXIES": "1"}
    with gunicorn(database_url, env=env) as (base, _), nginx(base.split("//", 1)[1]) as proxy:
        first = [post_from("127.0.0.1", f"{proxy}/api/v1/cases", {}) for _ in range(LIMIT + 1)]
        second = [post_from("127.0.0.2", f"{proxy}/api/v1/cases", {}) for _ in range(LIMIT + 1)]
    assert first == [400] * LIMIT + [429]
    assert second == [400] * LIMIT + [429], "another client address has a limit of its own"
