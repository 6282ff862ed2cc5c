"""Lookup, units, people and sites endpoints."""

from flask import current_app, jsonify, request

from ..auth import current_viewer
from ..extensions import db
from ..geo.coords import to_wgs84
from ..geo.validate import parse_bbox, parse_choice, parse_crs, parse_int, parse_point
from ..models import ROLES, SITE_KINDS, UNIT_KINDS
from ..services import lookup as lookup_service
from ..services.access import check_point_community, scope_for
from ..services.people import list_people
from ..services.sites import list_sites, nearest_sites
from ..services.units import units_geojson
from . import schemas
from .blueprint import bp


def point_from_args(args):
    """Return the WGS-84 (lon, lat) named by lat/lon/crs query arguments."""
    crs = parse_crs(args.get("crs"))
    lon, lat = parse_point(args.get("lat"), args.get("lon"))
    return to_wgs84(lon, lat, crs)


@bp.get("/lookup")
def lookup():
    viewer = current_viewer()
    scope = scope_for(db.session, viewer)
    schemas.validate(schemas.PointQuery, request.args.to_dict())
    lon, lat = point_from_args(request.args)
    found = lookup_service.lookup(db.session, lon, lat)
    check_point_community(db.session, viewer, scope, found["community"])
    return jsonify(found)


@bp.get("/units")
def units():
    scope = scope_for(db.session, current_viewer(), request.args.get("community"))
    schemas.validate(schemas.UnitsQuery, request.args.to_dict())
    kind = parse_choice(request.args.get("kind"), "kind", UNIT_KINDS)
    bbox = parse_bbox(request.args["bbox"]) if request.args.get("bbox") else None
    limit = parse_int(request.args.get("limit"), "limit", default=current_app.config["PAGE_LIMIT_DEFAULT"],
                      minimum=1, maximum=current_app.config["PAGE_LIMIT_MAX"])
    offset = parse_int(request.args.get("offset"), "offset", default=0)
    collection = units_geojson(db.session, kind=kind, bbox=bbox, community_id=scope.community_id,
                               limit=limit, offset=offset)
    return current_app.response_class(
        response=current_app.json.dumps(collection), mimetype="application/geo+json"
    )


@bp.get("/people")
def people():
    scope = scope_for(db.session, current_viewer(), request.args.get("community"))
    schemas.validate(schemas.PeopleQuery, request.args.to_dict())
    role = parse_choice(request.args.get("role"), "role", ROLES)
    rows = list_people(db.session, community_id=scope.community_id, role=role)
    return jsonify({"count": len(rows), "people": rows})


@bp.get("/sites")
def sites():
    kind = parse_choice(request.args.get("kind"), "kind", SITE_KINDS)
    collection = list_sites(db.session, community_code=request.args.get("community"), kind=kind)
    return current_app.response_class(response=current_app.json.dumps(collection), mimetype="application/geo+json")


@bp.get("/sites/nearest")
def sites_nearest():
    schemas.validate(schemas.NearestQuery, request.args.to_dict())
    lon, lat = point_from_args(request.args)
    limit = parse_int(request.args.get("limit"), "limit", default=5, minimum=1, maximum=100)
    kind = parse_choice(request.args.get("kind"), "kind", SITE_KINDS)
    found = nearest_sites(db.session, lon, lat, limit=limit, kind=kind)
    return jsonify({"point": {"lat": lat, "lon": lon}, "sites": found})
