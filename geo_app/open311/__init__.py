"""Open311 GeoReport v2 at /open311/v2: parse the request, call services.open311, answer in JSON or XML."""

from flask import Blueprint

bp = Blueprint("open311", __name__)

from . import views  # noqa: E402,F401
