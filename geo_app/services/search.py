"""Search across case codes, units, sites, people and addresses, scoped by role and community.

Why ILIKE and no index of its own: the names searched are short Chinese strings, and a user types two
characters (红宫, 明珠). pg_trgm cuts text into three-character grams, so a two-character pattern yields no
trigram its GIN index can use (it falls back to reading every row), and pg_bigm is not packaged for the
PostgreSQL we run on. What is searched is small and already narrowed by an index: one community's units,
sites and people (hundreds of rows), and its cases (thousands, searched by code and, for cadres, address).
A sequential ILIKE over those is well under a millisecond per hundred rows, so a substring match costs
less than maintaining a bigram index would; should a 街道 grow to hundreds of thousands of cases, the
case address search is the part to move to a bigram index.

Ranking: exact match, then prefix, then substring; within each, the kind order of KIND_ORDER, then the
shorter name. The public sees public things only: red sites and street names, never people or cases.
"""

import logging

from sqlalchemy import case, func, literal, or_, select, true

from ..models import ROLE_LABELS, SITE_KIND_LABELS, UNIT_KIND_LABELS, Site, Unit
from .catalog import labelled
from .clock import china_today
from .people import PEOPLE, RESPONSIBILITIES, current_responsibilities
from .queries import CASES, case_conditions, community_id_of

logger = logging.getLogger(__name__)

UNITS, SITES = Unit.__table__, Site.__table__
KIND_ORDER = ("case", "unit", "site", "person", "case_address")
KIND_LABELS = {"case": "民情", "site": "红色阵地", "person": "责任人", "case_address": "民情地址"}
MATCHES = ("exact", "prefix", "substring")
# Units the public may find by name: the streets and lanes every public map draws.
PUBLIC_UNIT_KINDS = ("street", "lane")
PER_KIND = 50


def _match_rank(column, q):
    """Return 0 for an exact (case-insensitive) match, 1 for a prefix, 2 for a substring."""
    return case((func.lower(column) == q.lower(), 0), (column.istartswith(q, autoescape=True), 1), else_=2)


def _unit_rows(q, scope_where, kinds):
    c = UNITS.c
    point = func.ST_PointOnSurface(c.geom)
    box = func.Box2D(c.geom)
    name_or_address = or_(c.name.icontains(q, autoescape=True), c.address.icontains(q, autoescape=True))
    query = (select(literal("unit").label("kind"), c.id, c.name, c.kind.label("sub"), c.address.label("detail"),
                    _match_rank(c.name, q).label("rank"), func.ST_Y(point).label("lat"), func.ST_X(point).label("lon"),
                    func.ST_XMin(box).label("minlon"), func.ST_YMin(box).label("minlat"),
                    func.ST_XMax(box).label("maxlon"), func.ST_YMax(box).label("maxlat"))
             .where(scope_where(UNITS), name_or_address))
    if kinds:
        query = query.where(c.kind.in_(kinds))
    return query.order_by("rank", func.length(c.name)).limit(PER_KIND)


def _site_rows(q, scope_where):
    c = SITES.c
    point = func.ST_PointOnSurface(c.geom)
    box = func.Box2D(c.geom)
    return (select(literal("site").label("kind"), c.id, c.name, c.kind.label("sub"), c.address.label("detail"),
                   _match_rank(c.name, q).label("rank"), func.ST_Y(point).label("lat"), func.ST_X(point).label("lon"),
                   func.ST_XMin(box).label("minlon"), func.ST_YMin(box).label("minlat"),
                   func.ST_XMax(box).label("maxlon"), func.ST_YMax(box).label("maxlat"))
            .where(scope_where(SITES), or_(c.name.icontains(q, autoescape=True), c.address.icontains(q, autoescape=True)))
            .order_by("rank", func.length(c.name)).limit(PER_KIND))


def _shape(row):
    found = {"kind": row.kind, "id": row.id, "name": row.name, "detail": row.detail,
             "match": MATCHES[row.rank], "lat": row.lat, "lon": row.lon,
             "bbox": [row.minlon, row.minlat, row.maxlon, row.maxlat]}
    if row.kind == "unit":
        found |= {"kind_label": UNIT_KIND_LABELS[row.sub], "unit_kind": row.sub}
    else:
        found |= {"kind_label": SITE_KIND_LABELS.get(row.sub, KIND_LABELS["site"]), "site_kind": row.sub}
    return found


def _people(session, q, community_id, today):
    """People whose name matches, each with the units they answer for (points of the first, for the map)."""
    rows = session.execute(current_responsibilities(today, community_id)
                           .add_columns(_match_rank(PEOPLE.c.name, q).label("rank"),
                                        func.ST_Y(func.ST_PointOnSurface(UNITS.c.geom)).label("lat"),
                                        func.ST_X(func.ST_PointOnSurface(UNITS.c.geom)).label("lon"))
                           .where(PEOPLE.c.name.icontains(q, autoescape=True))
                           .order_by(PEOPLE.c.id, RESPONSIBILITIES.c.id).limit(PER_KIND * 4)).all()
    people = {}
    for r in rows:
        person = people.setdefault(r.id, {"kind": "person", "kind_label": KIND_LABELS["person"], "id": r.id,
                                          "name": r.name, "match": MATCHES[r.rank], "lat": r.lat, "lon": r.lon,
                                          "units": [], "detail": ""})
        person["units"].append({"id": r.unit_id, "kind": r.kind, "name": r.unit_name,
                                "role_label": ROLE_LABELS[r.role]})
    for person in people.values():
        person["detail"] = "、".join(f"{u['name']}{u['role_label']}" for u in person["units"][:3])
    return list(people.values())[:PER_KIND]


def _cases(session, q, scope, *, by_address):
    c = CASES.c
    code_match = c.code.icontains(q, autoescape=True)
    condition = or_(code_match, c.address.icontains(q, autoescape=True)) if by_address else code_match
    rank = case((c.code == q.upper(), 0), (c.code.istartswith(q, autoescape=True), 1), else_=2)
    rows = session.execute(
        select(c.code, c.title, c.address, c.status, func.ST_Y(c.geom).label("lat"), func.ST_X(c.geom).label("lon"),
               code_match.label("by_code"), rank.label("rank"))
        .where(*case_conditions(scope.case_filters()), condition)
        .order_by(rank, c.received_at.desc()).limit(PER_KIND))
    return [{"kind": "case" if r.by_code else "case_address",
             "kind_label": KIND_LABELS["case" if r.by_code else "case_address"],
             "id": r.code, "code": r.code, "name": r.code if r.by_code else (r.address or r.code),
             "detail": f"{r.title} · {labelled('status', r.status)['label']}", "status": r.status,
             "match": MATCHES[r.rank] if r.by_code else "substring", "lat": r.lat, "lon": r.lon}
            for r in rows]


def search(session, q, *, viewer, scope=None, community=None, today=None, limit=20):
    """Return {"query", "count", "results"}: what matches q that the viewer may see, best first.

    scope is the staff Scope (services.access.scope_for); None for the public, who see sites and street
    names (of one community when its code is given).
    """
    q = q.strip()
    if scope is None:
        def public_where(table):
            return table.c.community_id == community_id_of(community) if community else true()
        found = [_shape(r) for r in session.execute(_unit_rows(q, public_where, PUBLIC_UNIT_KINDS))]
        found += [_shape(r) for r in session.execute(_site_rows(q, public_where))]
    else:
        found = [_shape(r) for r in session.execute(_unit_rows(q, scope.where, None))]
        found += [_shape(r) for r in session.execute(_site_rows(q, scope.where))]
        found += _people(session, q, scope.community_id, today or china_today())
        found += _cases(session, q, scope, by_address=viewer.sees_private)
    found.sort(key=lambda f: (MATCHES.index(f["match"]), KIND_ORDER.index(f["kind"]), len(f["name"] or ""),
                              f["name"] or ""))
    logger.debug("search %r: %d results", q, len(found))
    return {"query": q, "count": min(len(found), limit), "results": found[:limit]}
