"""Units as GeoJSON, with the people responsible for each."""

import json
import logging

from sqlalchemy import text

from ..models import UNIT_KIND_LABELS
from .lookup import people_for_units

logger = logging.getLogger(__name__)


def units_geojson(session, kind=None, bbox=None, community_code=None, limit=1000, offset=0):
    """Return a page of units as a FeatureCollection, each with its people (phones masked)."""
    params = {"kind": kind, "community": community_code, "limit": limit, "offset": offset}
    where = ["(CAST(:kind AS text) IS NULL OR u.kind = :kind)",
             "(CAST(:community AS text) IS NULL OR c.code = :community)"]
    if bbox:
        where.append("u.geom && ST_MakeEnvelope(:minlon, :minlat, :maxlon, :maxlat, 4326)")
        params.update(dict(zip(("minlon", "minlat", "maxlon", "maxlat"), bbox, strict=True)))
    sql = f"""
        SELECT u.id, u.kind, u.code, u.name, u.address, p.natural_key AS parent, c.code AS community,
               ST_AsGeoJSON(u.geom, 7) AS geojson, count(*) OVER () AS total
        FROM unit u JOIN community c ON c.id = u.community_id LEFT JOIN unit p ON p.id = u.parent_id
        WHERE {' AND '.join(where)}
        ORDER BY u.id LIMIT :limit OFFSET :offset
    """
    rows = session.execute(text(sql), params).all()
    people = people_for_units(session, [r.id for r in rows])
    total = rows[0].total if rows else _count(session, sql, params, offset)
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": r.id,
                "geometry": json.loads(r.geojson),
                "properties": {
                    "id": r.id, "kind": r.kind, "kind_label": UNIT_KIND_LABELS[r.kind], "code": r.code,
                    "name": r.name, "address": r.address, "parent": r.parent, "community": r.community,
                    "people": people.get(r.id, []),
                },
            }
            for r in rows
        ],
        "total": total,
        "limit": limit,
        "offset": offset,
    }


def _count(session, sql, params, offset):
    if offset == 0:
        return 0
    return session.execute(text(f"SELECT count(*) FROM ({sql.replace('LIMIT :limit OFFSET :offset', '')}) q"),
                           params).scalar()
