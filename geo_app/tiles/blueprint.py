"""The vector tiles blueprint object, apart from its views so they can import it without a circle."""

from flask import Blueprint

bp = Blueprint("tiles", __name__)
