"""What every page's header shows about the signed-in person."""

from flask import current_app
from flask_login import current_user

from ..extensions import db
from ..services.actors import account_label
from .blueprint import bp


@bp.app_context_processor
def signed_in_person():
    """Give every page the header's name for the signed-in account: the person's role and name, or the role."""

    def signed_in_label():
        if not current_user.is_authenticated:
            return ""
        return account_label(db.session, current_user.username)

    return {"signed_in_label": signed_in_label}


@bp.get("/favicon.ico")
def favicon():
    """Answer the browser's own /favicon.ico request with the site's icon (pages link the SVG)."""
    return current_app.send_static_file("favicon.svg")
