"""The OGC API – Features blueprint object, apart from its views so they can import it without a circle."""

from flask import Blueprint

bp = Blueprint("ogc", __name__)
