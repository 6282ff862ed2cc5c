"""Units as GeoJSON, with the people responsible for each."""

import json
import logging

from sqlalchemy import func, select

from ..models import UNIT_KIND_LABELS, Unit
from .lookup import people_for_units
from .queries import COMMUNITIES, envelope

logger = logging.getLogger(__name__)

UNITS = Unit.__table__
PARENTS = UNITS.alias("parent")


def unit_conditions(kind=None, bbox=None, community_id=None):
    """Return the WHERE conditions of the unit filters: a kind, a bbox (&&, the spatial index) and a community."""
    conditions = []
    if kind:
        conditions.append(UNITS.c.kind == kind)
    if community_id is not None:
        conditions.append(UNITS.c.community_id == community_id)
    if bbox:
        conditions.append(UNITS.c.geom.intersects(envelope(bbox)))
    return conditions


def unit_features(conditions):
    """Return the select() of units as feature rows (GeoJSON geometry, parent key, community code), by id."""
    return (select(UNITS.c.id, UNITS.c.kind, UNITS.c.code, UNITS.c.name, UNITS.c.address,
                   PARENTS.c.natural_key.label("parent"), COMMUNITIES.c.code.label("community"),
                   func.ST_AsGeoJSON(UNITS.c.geom, 7).label("geojson"))
            .select_from(UNITS.join(COMMUNITIES, COMMUNITIES.c.id == UNITS.c.community_id)
                         .outerjoin(PARENTS, PARENTS.c.id == UNITS.c.parent_id))
            .where(*conditions).order_by(UNITS.c.id))


def units_geojson(session, kind=None, bbox=None, community_id=None, limit=1000, offset=0):
    """Return a page of units as a FeatureCollection, each with its people (phones masked)."""
    features, total = unit_page(session, unit_conditions(kind, bbox, community_id), limit, offset)
    return {"type": "FeatureCollection", "features": features, "total": total, "limit": limit, "offset": offset}


def unit_page(session, conditions, limit, offset, *, with_people=True):
    """Return (features, number matched) of a page of units; with_people adds the people (phones masked)."""
    query = unit_features(conditions).add_columns(func.count().over().label("total"))
    rows = session.execute(query.limit(limit).offset(offset)).all()
    people = people_for_units(session, [r.id for r in rows]) if with_people else None
    total = rows[0].total if rows else _count(session, conditions, offset)
    return [_unit_feature(r, people) for r in rows], total


def _unit_feature(row, people):
    """Shape a unit row as a Feature: without people (None), its name and kind only, for the public."""
    properties = {"id": row.id, "kind": row.kind, "kind_label": UNIT_KIND_LABELS[row.kind], "name": row.name,
                  "community": row.community}
    if people is not None:
        properties |= {"code": row.code, "address": row.address, "parent": row.parent,
                       "people": people.get(row.id, [])}
    return {"type": "Feature", "id": row.id, "geometry": json.loads(row.geojson), "properties": properties}


def _count(session, conditions, offset):
    """Count the matching units when a page past the end came back empty (no window count to read)."""
    if offset == 0:
        return 0
    return session.execute(select(func.count()).select_from(UNITS).where(*conditions)).scalar()
