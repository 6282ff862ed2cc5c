"""The JSON/GeoJSON API at /api/v1: parse the request, call a service, shape the answer."""

from flask import Blueprint

bp = Blueprint("api", __name__)

from . import cases, lookup, points  # noqa: E402,F401
