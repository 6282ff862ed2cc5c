"""The Open311 blueprint object, apart from its views so they can import it without a circle."""

from flask import Blueprint, current_app

from ..auth import add_anonymous_limit_exemption
from ..extensions import db
from ..services.open311 import Open311Policy, trusted_client, trusted_network

bp = Blueprint("open311", __name__)


def holds_trusted_key(request):
    """A trusted Open311 client (a configured api_key) is not an anonymous poster."""
    if not request.path.startswith("/open311/"):
        return False
    policy = Open311Policy.from_config(current_app.config)
    if trusted_network(policy, request.remote_addr):
        return True
    api_key = request.values.get("api_key")
    if not api_key and request.is_json:
        body = request.get_json(silent=True)
        api_key = body.get("api_key") if isinstance(body, dict) else None
    if not api_key:
        return False
    return trusted_client(db.session, policy, api_key) is not None


@bp.record_once
def exempt_trusted_clients(state):
    try:  # a misspelt network must stop the start, not answer 500s later
        Open311Policy.from_config(state.app.config)
    except ValueError as error:
        raise SystemExit(f"OPEN311_TRUSTED_NETWORKS: {error}") from None
    add_anonymous_limit_exemption(state.app, holds_trusted_key)
