"""Heat answers kept by the version of the cases they count, so a repeated view costs one tiny read.

The key of an answer is a hash of what was asked (the filters after the viewer's scope, the zoom), the
China day (public slices and open windows move with it), and the case version of the communities it
covers: case_change's row for one community, the newest of all rows for a view across communities
(versions come from one sequence, migration 0014, so every change of cases makes a number never seen
before, even after a rollback). The version is read *before* the
cells, so an answer is never older than its key: a case change committed in between is at worst counted
early, never missed. The key doubles as the answer's ETag, so a client that sends it back gets a 304
without any cell being counted. Each app keeps its own bounded AnswerCache (least recently used first
out, MAX_BYTES); processes and nodes need not agree, because a key names exactly the data behind it.
"""

import hashlib
import threading

from cachetools import LRUCache
from sqlalchemy import func, select

from ..models.case import CaseChange
from .clock import china_today

MAX_BYTES = 64 * 1024 * 1024
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
