"""The auth blueprint object, apart from its views so they can import it without a circle."""

from flask import Blueprint

bp = Blueprint("auth", __name__, template_folder="templates")
