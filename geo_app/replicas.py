"""Heavy reads from hot standbys: DATABASE_REPLICA_URL's engines, their replay lag, which requests may use them.

A GET of one of the heavy endpoints (REPLICA_ENDPOINTS: heat, stats, units, sites, search, OGC features, tiles) runs its
queries on a standby whose replay lag is at most REPLICA_MAX_LAG_MS; every other request, and every request
from a client that wrote within the last few seconds (the `minqing_wrote` cookie, set on each successful
write), stays on the primary — read-your-own-writes. A standby that is down, not streaming, promoted or
further behind is skipped and the request reads from the primary: never an error.

The bound: an answer from a standby misses at most the writes of the last REPLICA_MAX_LAG_MS, as measured
at the standby's last check (at most LAG_CHECK_EVERY_S ago) — so at most REPLICA_MAX_LAG_MS + 1 s.
With synchronous replication in `remote_apply` mode (the scale drill's set-up) the standby has applied
every acknowledged commit before its author hears of it, and the lag of acknowledged writes is nil.
"""

import logging
import random
import threading
import time

from flask import current_app, g, request
from flask_login import current_user
from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError

logger = logging.getLogger(__name__)

EXTENSION_KEY = "minqing_replicas"
WROTE_COOKIE = "minqing_wrote"
LAG_CHECK_EVERY_S = 1.0
READ_METHODS = ("GET", "HEAD")
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# GET endpoints whose answer aggregates many rows or carries geometry, and that write nothing.
REPLICA_ENDPOINTS = frozenset({
    "api.heat", "api.stats", "api.units", "api.sites", "api.sites_nearest", "api.search",
    "ogc.items", "ogc.item", "tiles.tile", "tiles.tilejson",
    "web.heatmap", "web.stats",
})
# Lag as the standby sees it: nil when it has replayed all it received, else the age of the last replayed
# commit. NULL when it is not a streaming standby: promoted, or its WAL receiver is not running (cut off from
# its primary; the receiver's `status` column is hidden from an unprivileged role, its row is not).
LAG_SQL = text("""
    SELECT CASE
        WHEN NOT pg_is_in_recovery() THEN NULL
        WHEN NOT EXISTS (SELECT 1 FROM pg_stat_wal_receiver) THEN NULL
        WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
        ELSE extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp()) * 1000
    END
""")


class Replica:
    """One standby: its engine and the lag found at its last check (None: unusable)."""

    def __init__(self, url, engine_options):
        self.url = url
        options = {**engine_options, "pool_pre_ping": True}
        args = dict(options.get("connect_args", {}))
        args.setdefault("connect_timeout", 2)  # a host that is gone must not hold the request up
        options["connect_args"] = args
        self.engine = create_engine(url, **options)
        self.lag_ms, self.checked_at = None, float("-inf")
        self.lock = threading.Lock()

    def current_lag_ms(self):
        """Return the replay lag in ms (checked at most once a second per process), or None when unusable."""
        with self.lock:
            if time.monotonic() - self.checked_at >= LAG_CHECK_EVERY_S:
                self.lag_ms, self.checked_at = measure_lag_ms(self.engine), time.monotonic()
            return self.lag_ms


def measure_lag_ms(engine):
    """Return a standby's replay lag in ms, or None when it is down or not a streaming standby."""
    try:
        with engine.connect() as conn:
            lag = conn.execute(LAG_SQL).scalar()
    except SQLAlchemyError as exc:
        logger.warning("replica skipped: %s", str(exc).splitlines()[0])
        return None
    return None if lag is None else float(lag)


class ReplicaSet:
    """The app's standbys; choose() returns the engine of one fresh enough, or None for the primary."""

    def __init__(self, urls, engine_options, max_lag_ms):
        self.replicas = [Replica(url, engine_options) for url in urls]
        self.max_lag_ms = max_lag_ms

    @property
    def engines(self):
        return [replica.engine for replica in self.replicas]

    def choose(self):
        fresh = [r for r in self.replicas if (lag := r.current_lag_ms()) is not None and lag <= self.max_lag_ms]
        return random.choice(fresh).engine if fresh else None

    @property
    def primary_after_write_s(self):
        """How long a client reads from the primary after a write: the lag bound, a check's age, and a margin."""
        return int(self.max_lag_ms / 1000 + LAG_CHECK_EVERY_S) + 2


def replica_set(app):
    """Return the app's ReplicaSet, or None when no DATABASE_REPLICA_URL is set."""
    return app.extensions.get(EXTENSION_KEY)


def wrote_recently(replicas):
    """Tell whether this client's last write is recent enough that a standby may not have it yet."""
    try:
        wrote_at = float(request.cookies.get(WROTE_COOKIE, ""))
    except ValueError:
        return False
    return 0 <= time.time() - wrote_at < replicas.primary_after_write_s


def init_app(app):
    """Make the standby engines and route the heavy reads to them, writes and fresh writers to the primary."""
    urls = app.config["DATABASE_REPLICA_URL"]
    if not urls:
        return
    options = app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {})
    replicas = app.extensions[EXTENSION_KEY] = ReplicaSet(urls, options, app.config["REPLICA_MAX_LAG_MS"])

    @app.before_request
    def read_from_replica():
        if request.method not in READ_METHODS or request.endpoint not in REPLICA_ENDPOINTS:
            return
        if wrote_recently(replicas):
            return
        # Who is asking is read from the primary (a session begun a moment ago may not be on a standby yet).
        current_user._get_current_object()
        g.read_engine = replicas.choose()

    @app.after_request
    def remember_write(response):
        if request.method in WRITE_METHODS and response.status_code < 400:
            response.set_cookie(WROTE_COOKIE, str(int(time.time())), max_age=replicas.primary_after_write_s,
                                httponly=True, samesite="Lax", secure=current_app.config["COOKIE_SECURE"])
        return response
