"""Answers served from services/heat_cache.py by the cases' version: ETag, 304, and the kept bytes."""

from flask import current_app, request

from ..extensions import db
from ..services.heat_cache import AnswerCache, answer_key

EXTENSION = "minqing_answer_cache"


def versioned_json(asked, compute, *, community_id=None, cache_control):
    """Answer `compute()` as JSON, tagged by the case version: 304 when the client holds it, kept bytes when any."""
    key = answer_key(db.session, asked, community_id)
    if key in request.if_none_match:
        response = current_app.response_class(status=304, mimetype="application/json")  # the API's headers
    else:
        cache = current_app.extensions.get(EXTENSION) or current_app.extensions.setdefault(EXTENSION, AnswerCache())
        body = cache.get(key)
        if body is None:
            body = current_app.json.dumps(compute()).encode() + b"\n"
            cache.put(key, body)
        response = current_app.response_class(body, mimetype="application/json")
    response.set_etag(key)
    response.headers["Cache-Control"] = cache_control
    return response
