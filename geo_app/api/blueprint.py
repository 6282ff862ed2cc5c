"""The API blueprint object, apart from its views so they can import it without a circle."""

from flask import Blueprint

from ..auth import protect_session_writes

bp = Blueprint("api", __name__)
bp.before_request(protect_session_writes)
