"""Lookup, units, people and sites endpoints."""

from flask import current_app, jsonify

from ..auth import current_viewer
from ..extensions import db
from ..schemas import NearestQuery, PeopleQuery, PointQuery, SitesQuery, UnitsQuery
from ..services import lookup as lookup_service
from ..services.access import require_staff
from ..services.display import Display
from ..services.people import list_people
from ..services.sites import list_sites, nearest_sites
from ..services.units import units_geojson
from .blueprint import bp
from .params import args_as


def _geojson(collection):
    return current_app.response_class(response=current_app.json.dumps(collection), mimetype="application/geo+json")


@bp.get("/lookup")
def lookup():
    require_staff(current_viewer())
    point = args_as(PointQuery)
    return jsonify(lookup_service.lookup(db.session, point.lon, point.lat))


@bp.get("/units")
def units():
    require_staff(current_viewer())
    query = args_as(UnitsQuery)
    return _geojson(units_geojson(db.session, kind=query.kind, bbox=query.bbox, community_code=query.community,
                                  limit=query.limit, offset=query.offset))


@bp.get("/people")
def people():
    require_staff(current_viewer())
    query = args_as(PeopleQuery)
    rows = list_people(db.session, community_code=query.community, role=query.role)
    return jsonify({"count": len(rows), "people": rows})


@bp.get("/sites")
def sites():
    query = args_as(SitesQuery)
    display = Display(zoom=query.zoom, max_vertices=current_app.config["PUBLIC_MAX_VERTICES"])
    return _geojson(list_sites(db.session, community_code=query.community, kind=query.kind, display=display))


@bp.get("/sites/nearest")
def sites_nearest():
    query = args_as(NearestQuery)
    found = nearest_sites(db.session, query.lon, query.lat, limit=query.limit, kind=query.kind)
    return jsonify({"point": {"lat": query.lat, "lon": query.lon}, "sites": found})
