"""Answers served from services/heat_cache.py by the cases' version: ETag, 304, and the kept bytes."""

from flask import current_app, request
from sqlalchemy.engine import make_url

from ..extensions import db
from ..services.heat_cache import answer_key, make_answer_cache

EXTENSION = "minqing_answer_cache"


def answer_cache(app):
    """Return the app's answer cache, made on first use (after any fork): Redis with REDIS_URL, else in-process."""
    cache = app.extensions.get(EXTENSION)
    if cache is None:
        # Two databases may share one Redis (tests, a second deployment): their versions are counted apart.
        namespace = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database
        cache = app.extensions.setdefault(EXTENSION, make_answer_cache(
            app.config["REDIS_URL"], ttl=app.config["HEAT_CACHE_SECONDS"], namespace=namespace))
    return cache


def versioned_json(asked, compute, *, community_id=None, cache_control):
    """Answer `compute()` as JSON, tagged by the case version: 304 when the client holds it, kept bytes when any."""
    key = answer_key(db.session, asked, community_id)
    if key in request.if_none_match:
        response = current_app.response_class(status=304, mimetype="application/json")  # the API's headers
    else:
        cache = answer_cache(current_app)
        body = cache.get(key)
        if body is None:
            body = current_app.json.dumps(compute()).encode() + b"\n"
            cache.put(key, body)
        response = current_app.response_class(body, mimetype="application/json")
    response.set_etag(key)
    response.headers["Cache-Control"] = cache_control
    return response
