"""Red education and service sites: import, list, and the nearest to a point."""

import csv
import json
import logging
from datetime import date

import shapely
from sqlalchemy import func, select, text

from ..errors import ImportRefused
from ..models import SITE_KIND_LABELS, SITE_KINDS, Site
from .display import as_geojson, simplified
from .importing import community_id, read_features
from .queries import community_id_of, envelope

logger = logging.getLogger(__name__)

SITE_FIELDS = ("name", "kind", "story", "opening_hours", "address", "contact")
# KNN candidates fetched by the index (planar degrees) before re-ranking by true metres.
NEAREST_OVERFETCH = 4
SITES = Site.__table__


def import_sites(session, path, community_code, crs=None):
    """Create or update the sites in a layer file (any geometry type); return the number of features."""
    cid = community_id(session, community_code)
    frame = read_features(path, crs=crs)
    if frame.crs and frame.crs.to_epsg() != 4326:
        frame = frame.to_crs(4326)
    for column in ("code", "name", "kind"):
        if column not in frame.columns:
            raise ImportRefused(f"{path}: missing field {column!r}")
    for number, (_, record) in enumerate(frame.iterrows(), start=1):
        if record["kind"] not in SITE_KINDS:
            raise ImportRefused(f"{path}: feature {number}: kind must be one of {', '.join(SITE_KINDS)}, "
                                f"got {record['kind']!r}")
        geom = record.geometry
        if geom is None or geom.is_empty:
            raise ImportRefused(f"{path}: feature {number} has no geometry")
        if not geom.is_valid:
            raise ImportRefused(f"{path}: feature {number} has an invalid geometry: {shapely.is_valid_reason(geom)}")
        if not record["code"] or not record["name"]:
            raise ImportRefused(f"{path}: feature {number} needs a code and a name")
        values = {f: (None if f not in frame.columns or record[f] is None else str(record[f])) for f in SITE_FIELDS}
        session.execute(
            text(
                """
                INSERT INTO site (community_id, code, name, kind, story, opening_hours, address, contact, geom)
                VALUES (:cid, :code, :name, :kind, :story, :opening_hours, :address, :contact,
                        ST_GeomFromText(:wkt, 4326))
                ON CONFLICT (community_id, code) DO UPDATE SET
                    name = EXCLUDED.name, kind = EXCLUDED.kind, story = EXCLUDED.story,
                    opening_hours = EXCLUDED.opening_hours, address = EXCLUDED.address,
                    contact = EXCLUDED.contact, geom = EXCLUDED.geom, updated_at = now()
                WHERE (site.name, site.kind, site.story, site.opening_hours, site.address, site.contact)
                      IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.kind, EXCLUDED.story, EXCLUDED.opening_hours,
                                        EXCLUDED.address, EXCLUDED.contact)
                   OR NOT ST_Equals(site.geom, EXCLUDED.geom)
                """
            ),
            {"cid": cid, "code": str(record["code"]), "wkt": geom.wkt, **values},
        )
    return len(frame)


def import_activities(session, path, community_code):
    """Load site activities (site_code, date, title, attendees) from a CSV; return the row count."""
    cid = community_id(session, community_code)
    sites = dict(session.execute(text("SELECT code, id FROM site WHERE community_id = :cid"), {"cid": cid}).all())
    with open(path, encoding="utf-8-sig", newline="") as fh:
        records = list(csv.DictReader(fh))
    rows = []
    for line, record in enumerate(records, start=2):
        where = f"{path}: line {line}"
        site_id = sites.get((record.get("site_code") or "").strip())
        if site_id is None:
            raise ImportRefused(f"{where}: no site with code {record.get('site_code')!r}")
        try:
            day = date.fromisoformat(record["date"].strip())
            attendees = int(record.get("attendees") or 0)
        except (ValueError, KeyError, AttributeError):
            raise ImportRefused(f"{where}: date must be YYYY-MM-DD and attendees an integer") from None
        if attendees < 0 or not (record.get("title") or "").strip():
            raise ImportRefused(f"{where}: attendees must be ≥ 0 and title non-empty")
        rows.append({"cid": cid, "site_id": site_id, "date": day, "title": record["title"].strip(),
                     "attendees": attendees})
    if rows:
        session.execute(
            text(
                """
                INSERT INTO site_activity (community_id, site_id, date, title, attendees)
                VALUES (:cid, :site_id, :date, :title, :attendees)
                ON CONFLICT (site_id, date, title) DO UPDATE SET attendees = EXCLUDED.attendees, updated_at = now()
                WHERE site_activity.attendees IS DISTINCT FROM EXCLUDED.attendees
                """
            ),
            rows,
        )
    return len(rows)


def _site_dict(row, activities):
    return {
        "id": row.id, "code": row.code, "name": row.name, "kind": row.kind, "kind_label": SITE_KIND_LABELS[row.kind],
        "story": row.story, "opening_hours": row.opening_hours, "address": row.address, "contact": row.contact,
        "activities": activities.get(row.id, []),
    }


def _activities(session, site_ids):
    result = {}
    if not site_ids:
        return result
    for row in session.execute(
        text("SELECT site_id, date, title, attendees FROM site_activity WHERE site_id = ANY(:ids) ORDER BY date, id"),
        {"ids": list(site_ids)},
    ):
        result.setdefault(row.site_id, []).append(
            {"date": row.date.isoformat(), "title": row.title, "attendees": row.attendees}
        )
    return result


def list_sites(session, community_code=None, kind=None, display=None, *, bbox=None, limit=None, offset=0):
    """Return a page of sites (all of them without a limit) as a GeoJSON FeatureCollection, with their activities
    and numberMatched/numberReturned.

    With a display (services/display.py) the geometry is simplified for it and bounded in size.
    """
    columns = [c for c in SITES.c if c.name != "geom"]
    conditions = []
    if community_code:
        conditions.append(SITES.c.community_id == community_id_of(community_code))
    if kind:
        conditions.append(SITES.c.kind == kind)
    if bbox:
        conditions.append(SITES.c.geom.intersects(envelope(bbox)))
    total = func.count().over().label("total")
    if display is None:
        query = select(*columns, func.ST_AsGeoJSON(SITES.c.geom, 7).label("geojson"), total).where(*conditions)
        rows = session.execute(query.order_by(SITES.c.id).limit(limit).offset(offset)).all()
    else:
        page = select(*columns, SITES.c.geom, total).where(*conditions).order_by(SITES.c.id).limit(limit).offset(offset)
        page = page.subquery()
        shapes = select(*(page.c[c.name] for c in columns), page.c.total, simplified(page.c.geom).label("g")).subquery()
        query = select(*(shapes.c[c.name] for c in columns), shapes.c.total, as_geojson(shapes.c.g).label("geojson"),
                       func.ST_NPoints(shapes.c.g).label("vertices"))
        rows = session.execute(query.order_by(shapes.c.id), display.params()).all()
        display.check(sum(r.vertices for r in rows), "红色阵地")
    activities = _activities(session, [r.id for r in rows])
    matched = rows[0].total if rows else (0 if not offset else session.execute(
        select(func.count()).select_from(SITES).where(*conditions)).scalar())
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "id": r.id, "geometry": json.loads(r.geojson), "properties": _site_dict(r, activities)}
            for r in rows
        ],
        "numberMatched": matched,
        "numberReturned": len(rows),
    }


def nearest_sites(session, lon, lat, limit=5, kind=None):
    """Return the sites nearest a WGS-84 point, nearest first, each with its distance in metres."""
    # The point is written inline (not in a CTE) so the GiST index serves the <-> ordering (KNN).
    rows = session.execute(
        text(
            """
            SELECT c.*, ST_Distance(c.geom::geography, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography)
                       AS distance_m,
                   ST_Y(ST_ClosestPoint(c.geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))) AS near_lat,
                   ST_X(ST_ClosestPoint(c.geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))) AS near_lon
            FROM (
                SELECT s.* FROM site s
                WHERE CAST(:kind AS text) IS NULL OR s.kind = :kind
                ORDER BY s.geom <-> ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)
                LIMIT :fetch
            ) AS c
            ORDER BY distance_m, c.id
            LIMIT :limit
            """
        ),
        {"lon": lon, "lat": lat, "kind": kind, "limit": limit, "fetch": limit * NEAREST_OVERFETCH + 8},
    ).all()
    activities = _activities(session, [r.id for r in rows])
    return [
        {**_site_dict(r, activities), "distance_m": round(r.distance_m, 1),
         "nearest_point": {"lat": r.near_lat, "lon": r.near_lon}}
        for r in rows
    ]
