"""The pages blueprint object, apart from its views so they can import it without a circle."""

from flask import Blueprint

from ..maps.basemaps import basemap_from_config

bp = Blueprint("web", __name__, template_folder="templates")


@bp.record_once
def refuse_bad_basemap(state):
    """Refuse to start with a BASEMAP that cannot work (unknown, or tianditu without TIANDITU_KEY)."""
    basemap_from_config(state.app.config)
