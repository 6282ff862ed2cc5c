"""The API blueprint object, apart from its views so they can import it without a circle."""

from flask import Blueprint, current_app, request

from ..auth import protect_session_writes
from ..services.photos import MAX_PHOTOS

bp = Blueprint("api", __name__)
# Endpoints that take photos in a multipart body: up to 9 photos of PHOTO_MAX_BYTES each (one more, so a
# tenth is refused by count with a clear 400, not by size), plus the form.
PHOTO_UPLOADS = {"api.create_case", "api.add_case_photos"}
FORM_ALLOWANCE = 1024 * 1024


@bp.before_request
def allow_photo_bodies():
    """Raise the body limit of the photo endpoints before anything (the CSRF check included) reads the form."""
    if request.endpoint in PHOTO_UPLOADS and request.mimetype == "multipart/form-data":
        request.max_content_length = (MAX_PHOTOS + 1) * current_app.config["PHOTO_MAX_BYTES"] + FORM_ALLOWANCE


bp.before_request(protect_session_writes)
