"""Drop a pooled connection the server has closed, at checkout and without a round trip.

`pool_pre_ping` costs a `SELECT 1` round trip before every request's first statement. Instead, a
checkout asks the kernel whether the idle connection's socket is readable: an idle PostgreSQL
connection has nothing to read, so readable (or hung up) means the server sent its goodbye (a restart,
a failover, `pg_terminate_backend`) and closed it. The pool then discards it and connects afresh
(SQLAlchemy retries a checkout that raises DisconnectionError). A peer that vanished without a word
is found by TCP keepalives (the socket then reports an error here too) or, at the latest, by
`pool_recycle`; a statement that meets a dead connection mid-request is answered 503 with Retry-After.
"""

import logging
import select

from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import Pool

logger = logging.getLogger(__name__)
POOL_RECYCLE_S = 1800
# libpq keepalives: a silently dropped peer shows as a socket error within about a minute.
KEEPALIVES = {"keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10, "keepalives_count": 3}
_GONE = select.POLLIN | select.POLLHUP | select.POLLERR | select.POLLNVAL


def socket_says_closed(dbapi_connection):
    """Tell, without blocking or a round trip, whether an idle connection's socket has been closed by its peer."""
    if getattr(dbapi_connection, "closed", False):
        return True
    fileno = getattr(dbapi_connection, "fileno", None)
    if fileno is None:
        return False
    try:
        fd = fileno()
    except Exception:  # noqa: BLE001 (a driver that cannot say; the first statement will)
        return True
    poller = select.poll()
    poller.register(fd, _GONE)
    return bool(poller.poll(0))


def _on_checkout(dbapi_connection, _record, _proxy):
    if socket_says_closed(dbapi_connection):
        logger.info("discarding a pooled connection the server closed")
        raise DisconnectionError("the server closed this pooled connection")


def install():
    """Check every pool's connections at checkout (idempotent; covers engines made later too)."""
    if not event.contains(Pool, "checkout", _on_checkout):
        event.listen(Pool, "checkout", _on_checkout)


def engine_options(statement_timeout_ms):
    """Return the app engine's options: no pre-ping, recycled connections, keepalives, the statement bound."""
    return {"pool_recycle": POOL_RECYCLE_S,
            "connect_args": {"options": f"-c statement_timeout={statement_timeout_ms}", **KEEPALIVES}}
