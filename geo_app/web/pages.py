"""What the pages show, gathered from the services (framework-free: no flask.request here)."""

import json
import logging

from sqlalchemy import func, select

from ..errors import NotFoundError
from ..models import CATEGORIES, CHANNELS, Community
from ..services.access import STAFF_ROLES, scope_for
from ..services.catalog import vocabulary_list
from ..services.display import display_units
from ..services.sites import list_sites
from ..services.units import units_geojson

logger = logging.getLogger(__name__)

RESIDENT_CHANNEL = "resident"


def find_community(session, code=None, *, community_id=None):
    """Return {id, code, name, town, boundary} of a community by code (or id), or raise NotFoundError."""
    key = Community.code == code if community_id is None else Community.id == community_id
    row = session.execute(
        select(Community.id, Community.code, Community.name, Community.town,
               func.ST_AsGeoJSON(Community.boundary, 7)).where(key)
    ).first()
    if row is None:
        raise NotFoundError(f"没有编号为 {code!r} 的社区 (no community with code {code!r})", code="unknown_community")
    return {"id": row[0], "code": row[1], "name": row[2], "town": row[3], "boundary": json.loads(row[4])}


def staff_community(session, viewer, requested_code, default_code, *, roles=STAFF_ROLES):
    """Return the community a staff page shows: the viewer's own, or for an admin the one asked for (or the default).

    Asking for another community than one's own is refused (403, naming it), as every staff endpoint does.
    """
    scope = scope_for(session, viewer, requested_code, roles=roles)
    if scope.community_id is None:
        return find_community(session, default_code)
    return find_community(session, community_id=scope.community_id)


def community_units(session, community, limit, kind=None):
    """Return every unit (of a kind) of a community as one FeatureCollection (community scale: one query)."""
    collection = units_geojson(session, kind=kind, community_id=community["id"], limit=limit)
    if collection["total"] > len(collection["features"]):
        logger.warning("community %s has %d units, only %d drawn: load layers by bbox at this scale",
                       community["code"], collection["total"], len(collection["features"]))
    return collection


def community_sites(session, community_code, display=None):
    """Return the sites of a community (GeoJSON) and the same sites as a list of property dicts."""
    collection = list_sites(session, community_code=community_code, display=display)
    return collection, [f["properties"] for f in collection["features"]]


def case_choices():
    """Return the channels and categories a case form offers."""
    return {"channels": vocabulary_list("channel"), "categories": vocabulary_list("category")}


def staff_case_choices():
    """Return what the staff case form offers: the channels and categories, and the urgencies deadlines depend on."""
    return {**case_choices(), "urgencies": vocabulary_list("urgency")}


def labelled_units(session, community_code, display, streets):
    """Return the streets (already read), lanes and buildings of a community as one collection with their kind."""
    by_kind = {"street": streets, **{kind: display_units(session, community_code, kind, display)
                                     for kind in ("lane", "building")}}
    return {"type": "FeatureCollection", "features": [
        {**feature, "properties": {**feature["properties"], "kind": kind}}
        for kind, collection in by_kind.items() for feature in collection["features"]]}


def case_labels():
    """Return {"status": {code: label}, "category": {code: label}} for pages that get cases as bare codes."""
    return {name: {item["code"]: item["label"] for item in vocabulary_list(name)} for name in ("status", "category")}


def filter_choices():
    """Return the channels, categories and statuses the case filters offer."""
    return {**case_choices(), "statuses": vocabulary_list("status")}


def sensitive_labels(policy):
    """Return the Chinese labels of the channels and categories the public heat never counts."""
    return {"channels": [CHANNELS[c] for c in policy.sensitive_channels],
            "categories": [CATEGORIES[c] for c in policy.sensitive_categories]}
