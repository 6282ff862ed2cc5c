"""Pages of cases at city scale: keyset pagination on (received_at, id) and counts that do not scan.

A page is read along ix_civic_case_received_id (or its per-community and open-case siblings, migration
0013) from a cursor, the position of the last case of the page before; offset still works, within
OFFSET_MAX. The total comes from case_kpi_month_total when the filters and window fit it (exact), else
from a count that stops after COUNT_BOUND matching cases (exact below it), else from the planner's
estimate; `count_is_estimate` says which.
"""

import base64
import binascii
import json
import logging
from datetime import UTC, datetime

from sqlalchemy import func, literal, select, tuple_

from ..errors import ValidationError
from .case_store import CASE_ROW, overdue_kind, serialize_case
from .heat import split_window
from .kpi_rollup import month_rollup, month_window
from .queries import CASES, case_conditions

logger = logging.getLogger(__name__)

COUNT_BOUND = 1_000
OFFSET_MAX = 10_000
ORDER = (CASES.c.received_at.desc(), CASES.c.id.desc())
# Counted from case_kpi_month_total (compact): the community and a window of whole months. Other filters
# are counted up to COUNT_BOUND, then estimated (case_kpi_month would be exact but too large to sum city-wide).
ROLLUP_FILTERS = {"community_id", "community", "from", "to"}
# A marker's coordinates to 6 decimals: about 0.1 m, finer than any click.
MARKER_DIGITS = 6


def encode_cursor(row):
    """Return the opaque position after a case row: its received_at and id."""
    raw = json.dumps([row.received_at.isoformat(), row.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor):
    """Return (received_at, id) from a cursor, or raise ValidationError naming the field."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        moment, case_id = json.loads(raw)
        moment = datetime.fromisoformat(moment)
        if moment.tzinfo is None or not isinstance(case_id, int) or isinstance(case_id, bool):
            raise ValueError(cursor)
        return moment, case_id
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise ValidationError("cursor 无效，请使用上一页返回的 next_cursor (cursor is not one this API gave out)",
                              field="cursor") from None


def _present(filters):
    return {k: v for k, v in filters.items() if v is not None and v != [] and v is not False}


def count_cases(session, filters):
    """Return (total, is_estimate) for the cases matching filters, without reading more than COUNT_BOUND of them."""
    from_rollup = _rollup_count(session, _present(filters))
    if from_rollup is not None:
        return from_rollup, False
    conditions = case_conditions(filters)
    upto = select(literal(1)).select_from(CASES).where(*conditions).limit(COUNT_BOUND + 1).subquery()
    counted = session.execute(select(func.count()).select_from(upto)).scalar()
    if counted <= COUNT_BOUND:
        return counted, False
    return max(_planner_estimate(session, select(literal(1)).select_from(CASES).where(*conditions)),
               COUNT_BOUND + 1), True


def _rollup_count(session, filters):
    """Return the exact count from case_kpi_month_total when the filters and a window of whole months fit it."""
    if not set(filters) <= ROLLUP_FILTERS:
        return None
    m0, m1, ragged = split_window(filters.get("from"), filters.get("to"))
    if ragged:
        return None
    table, conditions = month_rollup(filters)
    query = select(func.coalesce(func.sum(table.c.n), 0)).where(*conditions, *month_window(table, m0, m1))
    return int(session.execute(query).scalar())


def _planner_estimate(session, query):
    """Return the planner's row estimate for a select() (EXPLAIN, nothing read)."""
    connection = session.connection()
    compiled = query.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    plan = connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled}", compiled.params).scalar()
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])


def list_cases(session, filters, *, limit=100, offset=0, cursor=None, include_private=False, viewer=None,
               markers=False):
    """Return a page of cases matching filters, newest first, after cursor (and offset), with its total.

    next_cursor is the position to ask for the following page (None on the last one). markers: only what a map
    marker and a list line need (marker_fields); the rest is fetched per case on demand.
    """
    if offset > OFFSET_MAX:
        raise ValidationError(f"offset 不能超过 {OFFSET_MAX}，更后面的页请用 next_cursor 翻页 "
                              f"(offset is limited to {OFFSET_MAX}: follow next_cursor instead)", field="offset")
    query = CASE_ROW.where(*case_conditions(filters))
    if cursor:
        moment, case_id = decode_cursor(cursor)
        query = query.where(tuple_(CASES.c.received_at, CASES.c.id) < tuple_(moment, case_id))
    rows = session.execute(query.order_by(*ORDER).limit(limit + 1).offset(offset)).all()
    more, rows = len(rows) > limit, rows[:limit]
    total, estimate = count_cases(session, filters)
    return {"total": total, "count_is_estimate": estimate, "limit": limit, "offset": offset,
            "next_cursor": encode_cursor(rows[-1]) if more else None,
            "cases": [marker_fields(r) if markers else serialize_case(r, include_private=include_private, viewer=viewer)
                      for r in rows]}


def marker_fields(row, now=None):
    """Shape a case row for a map marker: code, title, status, category and overdue codes, and its point."""
    return {"code": row.code, "title": row.title, "status": row.status, "category": row.category,
            "overdue": overdue_kind(row, now or datetime.now(UTC)),
            "lat": round(row.lat, MARKER_DIGITS), "lon": round(row.lon, MARKER_DIGITS)}
