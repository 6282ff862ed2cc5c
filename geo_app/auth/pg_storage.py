"""A `limits` storage over PostgreSQL, so every worker (and every app server) counts against one limit.

Registered with the `limits` library under the scheme ``minqing+postgresql`` (its metaclass registers a
Storage subclass by STORAGE_SCHEME); the database URL comes in the storage options. Fixed-window counters
live in the UNLOGGED table rate_limit_counter (migration 0008); one upsert increments a key atomically and
starts a new window when the old one has ended. Hits run on a small engine of their own in autocommit, so a
request that rolls back still counts, and a slow hit cannot hold up the request's transaction.
"""

import logging
import threading
import time

from limits.storage import Storage
from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError

logger = logging.getLogger(__name__)

SCHEME = "minqing+postgresql"
CLEANUP_EVERY_S = 60
HIT_TIMEOUT_MS = 2000

INCR = text("""
    INSERT INTO rate_limit_counter AS r (key, count, expires_at)
    VALUES (:key, :amount, clock_timestamp() + make_interval(secs => :expiry))
    ON CONFLICT (key) DO UPDATE SET
        count = CASE WHEN r.expires_at <= clock_timestamp() THEN EXCLUDED.count ELSE r.count + EXCLUDED.count END,
        expires_at = CASE WHEN r.expires_at <= clock_timestamp() THEN EXCLUDED.expires_at ELSE r.expires_at END
    RETURNING count, extract(epoch FROM expires_at) AS expires
""")


class PostgresStorage(Storage):
    """Fixed-window rate-limit counters in PostgreSQL (the `limits` Storage interface)."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri=None, wrap_exceptions=False, database_url=None, **options):
        if not database_url:
            raise ValueError(f"{SCHEME}:// storage needs the database_url storage option")
        # No pre-ping (a hit is one round trip): a dead connection fails the hit, SQLAlchemy drops it from
        # the pool, Flask-Limiter counts in memory meanwhile and comes back when check() succeeds.
        self.engine = create_engine(database_url, isolation_level="AUTOCOMMIT", pool_size=2, max_overflow=6,
                                    pool_timeout=2,
                                    connect_args={"options": f"-c statement_timeout={HIT_TIMEOUT_MS}"})
        self.last_cleanup = 0.0
        self.recent = threading.local()  # this thread's last hit, for the headers asked right after it
        super().__init__(uri, wrap_exceptions=wrap_exceptions)

    @property
    def base_exceptions(self):
        return SQLAlchemyError

    def _execute(self, statement, **params):
        with self.engine.connect() as conn:
            return conn.execute(statement, params).all()

    def incr(self, key, expiry, amount=1):
        """Add amount to key's counter (a new window of expiry seconds when there is none); return the count."""
        self._cleanup()
        count, expires = self._execute(INCR, key=key, amount=amount, expiry=expiry)[0]
        self.recent.hit = (key, count, float(expires), time.monotonic())
        return count

    def _recent(self, key):
        hit = getattr(self.recent, "hit", None)
        if hit and hit[0] == key and time.monotonic() - hit[3] < 1.0:
            return hit
        return None

    def get(self, key):
        if hit := self._recent(key):
            return hit[1]
        rows = self._execute(text("SELECT count FROM rate_limit_counter WHERE key = :key AND expires_at > "
                                  "clock_timestamp()"), key=key)
        return rows[0][0] if rows else 0

    def get_expiry(self, key):
        if hit := self._recent(key):
            return hit[2]
        rows = self._execute(text("SELECT extract(epoch FROM expires_at) FROM rate_limit_counter WHERE key = :key "
                                  "AND expires_at > clock_timestamp()"), key=key)
        return float(rows[0][0]) if rows else time.time()

    def check(self):
        try:
            self._execute(text("SELECT 1"))
            return True
        except SQLAlchemyError:
            return False

    def reset(self):
        with self.engine.connect() as conn:
            return conn.execute(text("DELETE FROM rate_limit_counter")).rowcount

    def clear(self, key):
        self.recent.hit = None
        with self.engine.connect() as conn:
            conn.execute(text("DELETE FROM rate_limit_counter WHERE key = :key"), {"key": key})

    def _cleanup(self):
        """Now and then drop the windows that have ended (each worker, at most once a minute)."""
        now = time.monotonic()
        if now - self.last_cleanup < CLEANUP_EVERY_S:
            return
        self.last_cleanup = now
        with self.engine.connect() as conn:
            removed = conn.execute(text("DELETE FROM rate_limit_counter WHERE expires_at < clock_timestamp() - "
                                        "interval '1 minute'")).rowcount
        logger.debug("rate-limit counters: %d ended windows removed", removed)
