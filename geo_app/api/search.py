"""Search: what matches a few characters, as the caller may see it."""

from flask import jsonify

from ..auth import current_viewer
from ..extensions import db
from ..schemas import SearchQuery
from ..services.access import scope_for
from ..services.search import search as search_service
from .blueprint import bp
from .params import args_as


@bp.get("/search")
def search():
    viewer = current_viewer()
    query = args_as(SearchQuery)
    scope = scope_for(db.session, viewer, query.community) if viewer.is_staff else None
    return jsonify(search_service(db.session, query.q, viewer=viewer, scope=scope, community=query.community, limit=query.limit))
