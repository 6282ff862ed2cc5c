"""Heat answers kept by the version of the cases they count, so a repeated view costs one tiny read.

The key of an answer is a hash of what was asked (the filters after the viewer's scope, the zoom), the
China day (public slices and open windows move with it), and the case version of the communities it
covers: case_change's row for one community, the newest of all rows for a view across communities
(versions come from one sequence, migration 0014, so every change of cases makes a number never seen
before, even after a rollback). The version is read *before* the
cells, so an answer is never older than its key: a case change committed in between is at worst counted
early, never missed. The key doubles as the answer's ETag, so a client that sends it back gets a 304
without any cell being counted. Because a key names exactly the data behind it, the answers may live
anywhere: with REDIS_URL they are kept in Redis (RedisAnswerCache), so what one process or node counted
every other one serves; without it each app keeps its own bounded AnswerCache (least recently used first
out, MAX_BYTES) and every process counts once per change.
"""

import hashlib
import logging
import threading
import time

from cachetools import LRUCache
from sqlalchemy import func, select

from ..models.case import CaseChange
from .clock import china_today

log = logging.getLogger(__name__)

MAX_BYTES = 64 * 1024 * 1024
# The largest answer kept in Redis: a bigger one (a county at the finest zoom) is counted each time rather than
# moved whole through Redis, which serves everything else one request at a time while it copies.
MAX_SHARED_ANSWER_BYTES = 4 * 1024 * 1024
# After a failed call Redis is left alone this long: a Redis that is down costs no time-out per request.
REDIS_RETRY_SECONDS = 5
REDIS_TIMEOUT_SECONDS = 0.5
VERSIONS = CaseChange.__table__

def case_version(session, community_id=None):
    """Return the case version of one community, or of all of them (the newest) when community_id is None."""
    query = select(func.coalesce(func.max(VERSIONS.c.version), 0))
    if community_id is not None:
        query = query.where(VERSIONS.c.community_id == community_id)
    return int(session.execute(query).scalar())


def answer_key(session, asked, community_id=None):
    """Return the ETag-ready key of an answer to `asked` (a dict of what shapes it) at the cases' current version."""
    version = case_version(session, community_id)
    described = repr((version, china_today().isoformat(), sorted((str(k), repr(v)) for k, v in asked.items())))
    return hashlib.sha256(described.encode()).hexdigest()[:40]


class AnswerCache:
    """Encoded answers (bytes) by key, at most max_bytes of them, safe to share between threads."""

    def __init__(self, max_bytes=MAX_BYTES):
        self._lock = threading.Lock()
        self._answers = LRUCache(maxsize=max_bytes, getsizeof=len)

    def get(self, key):
        with self._lock:
            return self._answers.get(key)

    def put(self, key, body):
        if len(body) <= self._answers.maxsize:
            with self._lock:
                self._answers[key] = body


class RedisAnswerCache:
    """Encoded answers in Redis, shared by every process and node, each kept ttl seconds (LRU-free: keys just expire).

    Redis unreachable or failing: a read is a miss and a write is dropped, so the answer is counted as without a
    cache; the first failure of an outage is logged (once, until a call succeeds again), and Redis is left alone
    for REDIS_RETRY_SECONDS after each failure.
    """

    def __init__(self, url, *, ttl, namespace, max_answer_bytes=MAX_SHARED_ANSWER_BYTES):
        import redis  # only where a Redis URL is set: the rest never pays for importing the client

        self._error = redis.RedisError
        self._redis = redis.Redis.from_url(url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
                                           socket_timeout=REDIS_TIMEOUT_SECONDS)
        self._ttl, self._max_answer_bytes = ttl, max_answer_bytes
        self._prefix = f"minqing:heat:{namespace}:"
        self._lock = threading.Lock()
        self._failing, self._quiet_until = False, 0.0

    def get(self, key):
        return self._call(self._redis.get, self._prefix + key)

    def put(self, key, body):
        if len(body) <= self._max_answer_bytes:
            self._call(self._redis.set, self._prefix + key, body, ex=self._ttl)

    def _call(self, operation, *args, **kwargs):
        if time.monotonic() < self._quiet_until:
            return None
        try:
            result = operation(*args, **kwargs)
        except self._error as error:
            with self._lock:
                first, self._failing = not self._failing, True
                self._quiet_until = time.monotonic() + REDIS_RETRY_SECONDS
            if first:
                log.warning("heat answers: Redis unreachable (%s); counting without the shared cache", error)
            return None
        if self._failing:
            with self._lock:
                self._failing = False
            log.info("heat answers: Redis reachable again")
        return result


def make_answer_cache(redis_url, *, ttl, namespace):
    """Return the answer cache to use: shared in Redis when redis_url is set, else this process's own."""
    if redis_url:
        return RedisAnswerCache(redis_url, ttl=ttl, namespace=namespace)
    return AnswerCache()
