"""Lookup, units, people and sites endpoints."""

from flask import current_app, jsonify, request, url_for

from ..auth import current_viewer
from ..extensions import db
from ..paging import page_links
from ..schemas import NearestQuery, PeopleQuery, PointQuery, SitesQuery, UnitsQuery
from ..services import lookup as lookup_service
from ..services.access import check_point_community, require_staff, scope_for
from ..services.display import Display
from ..services.people import list_people
from ..services.sites import list_sites, nearest_sites
from ..services.spreadsheets import roster_xlsx
from ..services.units import units_geojson
from .blueprint import bp
from .downloads import xlsx_response
from .params import args_as


def _geojson(collection):
    return current_app.response_class(response=current_app.json.dumps(collection), mimetype="application/geo+json")


def _with_links(page, query):
    """Add the self/next/prev links of a page, so that a client sees when features were left out."""
    args = {name: value for name, value in request.args.items() if name not in ("offset", "limit")}

    def at(offset):
        return url_for(request.endpoint, _external=True, **args, limit=query.limit, offset=offset)

    page["links"] = page_links(at, offset=query.offset, limit=query.limit, returned=page["numberReturned"],
                               matched=page["numberMatched"], media_type="application/geo+json")
    return page


@bp.get("/lookup")
def lookup():
    viewer = current_viewer()
    scope = scope_for(db.session, viewer)
    point = args_as(PointQuery)
    found = lookup_service.lookup(db.session, point.lon, point.lat)
    check_point_community(db.session, viewer, scope, found["community"])
    return jsonify(found)


@bp.get("/place")
def place():
    """Name a point for anyone (the report form's 位置 line): unit names only, no people."""
    point = args_as(PointQuery)
    return jsonify(lookup_service.place_names(db.session, point.lon, point.lat))


@bp.get("/units")
def units():
    viewer = current_viewer()
    require_staff(viewer)
    query = args_as(UnitsQuery)
    scope = scope_for(db.session, viewer, query.community)
    page = units_geojson(db.session, kind=query.kind, bbox=query.bbox, community_id=scope.community_id,
                         limit=query.limit, offset=query.offset)
    page |= {"numberMatched": page["total"], "numberReturned": len(page["features"])}
    return _geojson(_with_links(page, query))


@bp.get("/people")
def people():
    viewer = current_viewer()
    require_staff(viewer)
    query = args_as(PeopleQuery)
    rows = list_people(db.session, community_id=scope_for(db.session, viewer, query.community).community_id,
                       role=query.role)
    if query.format == "xlsx":
        return xlsx_response(roster_xlsx(rows), "红色四长名册.xlsx", "people.xlsx")
    return jsonify({"count": len(rows), "people": rows})


@bp.get("/sites")
def sites():
    query = args_as(SitesQuery)
    display = Display(zoom=query.zoom, max_vertices=current_app.config["PUBLIC_MAX_VERTICES"])
    page = list_sites(db.session, community_code=query.community, kind=query.kind, display=display, bbox=query.bbox,
                      limit=query.limit, offset=query.offset)
    return _geojson(_with_links(page, query))


@bp.get("/sites/nearest")
def sites_nearest():
    query = args_as(NearestQuery)
    found = nearest_sites(db.session, query.lon, query.lat, limit=query.limit, kind=query.kind)
    return jsonify({"point": {"lat": query.lat, "lon": query.lon}, "sites": found})
