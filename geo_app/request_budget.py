"""A bound on the database time of one anonymous request, kept below the server's worker timeout.

Every statement of an anonymous request runs under ``SET LOCAL statement_timeout`` = what is left of
ANON_DB_BUDGET_MS since the request began, so all its statements together cannot run longer than the
budget (a statement that would start past it is cancelled at once and the answer is a 503 "查询超时").
The rest of a public request is bounded by its input (services/display.py caps the geometry a page
carries), so with the budget at most half of WORKER_TIMEOUT a worker is never killed mid-request.
"""

import logging
import time

from flask import current_app, g, has_request_context, request
from flask_login import current_user
from sqlalchemy import event

from .extensions import db
from .replicas import replica_set
from .static_assets import STATIC_ENDPOINTS

logger = logging.getLogger(__name__)


def check_arithmetic(config):
    """Refuse a configuration where a request could outlive the worker that serves it."""
    worker_ms = config["WORKER_TIMEOUT"] * 1000
    if config["ANON_DB_BUDGET_MS"] * 2 > worker_ms:
        raise SystemExit(f"ANON_DB_BUDGET_MS ({config['ANON_DB_BUDGET_MS']}) must be at most half of WORKER_TIMEOUT "
                         f"({config['WORKER_TIMEOUT']} s), so an anonymous request ends before its worker is killed")
    if config["STATEMENT_TIMEOUT_MS"] >= worker_ms:
        raise SystemExit(f"STATEMENT_TIMEOUT_MS ({config['STATEMENT_TIMEOUT_MS']}) must be below WORKER_TIMEOUT "
                         f"({config['WORKER_TIMEOUT']} s)")


def restart_budget():
    """Give an anonymous request its whole database budget again, after CPU work bounded by limits of its own.

    Receiving and cleaning up to 9 photos can take seconds before the first statement; the budget bounds database
    time, so it starts when that work is done.
    """
    if has_request_context() and g.get("db_deadline") is not None:
        g.db_deadline = time.monotonic() + current_app.config["ANON_DB_BUDGET_MS"] / 1000


def init_app(app):
    """Start each anonymous request's budget and bound each of its statements by what is left."""
    check_arithmetic(app.config)
    budget_s = app.config["ANON_DB_BUDGET_MS"] / 1000

    @app.before_request
    def start_budget():
        if request.endpoint is None or request.endpoint in STATIC_ENDPOINTS:
            return
        if not current_user.is_authenticated:  # a bad or disabled token is anonymous too
            g.db_deadline = time.monotonic() + budget_s

    with app.app_context():
        engines = [db.engine, *(replicas.engines if (replicas := replica_set(app)) else ())]

    def bound_statement(conn, cursor, statement, parameters, context, executemany):
        if not has_request_context():
            return
        deadline = g.get("db_deadline")
        if deadline is None:
            return
        left_ms = max(1, int((deadline - time.monotonic()) * 1000))
        cursor.execute(f"SET LOCAL statement_timeout = {left_ms}")

    for engine in engines:  # the primary's and the standbys'
        event.listen(engine, "before_cursor_execute", bound_statement)
