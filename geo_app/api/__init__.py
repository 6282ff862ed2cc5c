"""The JSON/GeoJSON API at /api/v1: parse the request, call a service, shape the answer."""

from flask import Blueprint

from ..auth import protect_session_writes

bp = Blueprint("api", __name__)
bp.before_request(protect_session_writes)

from . import cases, lookup, openapi, points  # noqa: E402,F401
