"""Composable SQLAlchemy Core filters over the tables: the common case filters and map envelopes.

Callers start from their own select() and extend it with `.where(*case_conditions(filters, table))`;
the same conditions serve the cases themselves, the heat rollups (which carry some case columns),
the KPIs and Open311. No SQL text is assembled here.
"""

from sqlalchemy import and_, func, or_, select

from ..models import OPEN_STATUSES, Case, Community

CASES = Case.__table__
COMMUNITIES = Community.__table__
SRID = 4326
CODE_FILTERS = ("status", "channel", "category", "urgency")


def envelope(bbox):
    """Return the WGS-84 rectangle of a (minlon, minlat, maxlon, maxlat) bbox, for `geom.intersects` (&&)."""
    minlon, minlat, maxlon, maxlat = bbox
    return func.ST_MakeEnvelope(minlon, minlat, maxlon, maxlat, SRID)


def community_id_of(code):
    """Return a scalar subquery: the id of the community with this code."""
    return select(COMMUNITIES.c.id).where(COMMUNITIES.c.code == code).scalar_subquery()


def _as_list(value):
    return list(value) if isinstance(value, list | tuple | set) else [value]


def case_conditions(filters, table=CASES):
    """Return the WHERE conditions of the common case filters over a table with case columns.

    filters (each optional): status, channel, category, urgency (a code or a list of codes), assignee,
    community_id, community (a code), from and to (received_at, half-open), bbox and overdue. Give a
    table only the filters it has columns for (the heat rollups have no received_at or geom).
    """
    conditions = []
    for name in CODE_FILTERS:
        if filters.get(name):
            conditions.append(table.c[name].in_(_as_list(filters[name])))
    if filters.get("assignee") is not None:
        conditions.append(table.c.assignee_id == filters["assignee"])
    if filters.get("community_id") is not None:
        conditions.append(table.c.community_id == filters["community_id"])
    if filters.get("community"):
        conditions.append(table.c.community_id == community_id_of(filters["community"]))
    if filters.get("from"):
        conditions.append(table.c.received_at >= filters["from"])
    if filters.get("to"):
        conditions.append(table.c.received_at < filters["to"])
    if filters.get("bbox"):
        conditions.append(table.c.geom.intersects(envelope(filters["bbox"])))
    if filters.get("overdue"):
        conditions.append(overdue(table))
    return conditions


def overdue(table=CASES):
    """Return the condition of an open case past its response or resolution deadline."""
    return and_(
        table.c.status.in_(OPEN_STATUSES),
        or_(and_(table.c.accepted_at.is_(None), func.now() > table.c.response_due_at),
            and_(table.c.resolved_at.is_(None), func.now() > table.c.resolve_due_at)),
    )
