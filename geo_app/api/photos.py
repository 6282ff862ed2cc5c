"""Photos: adding them to a case, serving them (ETag, long caching), publishing and hiding them."""

from flask import Response, current_app, jsonify, request

from ..auth import current_viewer
from ..errors import NotFoundError
from ..extensions import db
from ..services import case_store
from ..services import photos as photo_service
from ..services.access import check_case_visible, require_role
from ..services.cases import CasePolicy
from .blueprint import bp
from .params import form_field, uploaded_files


@bp.record_once
def refuse_an_unknown_photo_rule(state):
    """Refuse to start when RESOLVE_REQUIRES_PHOTO names a category that does not exist (the rule would vanish)."""
    CasePolicy.from_config(state.app.config)

IMMUTABLE = "private, max-age=31536000, immutable"  # derivatives never change; private: never in a shared cache


def photo_policy():
    return photo_service.PhotoPolicy.from_config(current_app.config)


@bp.post("/cases/<code>/photos")
def add_case_photos(code):
    viewer = current_viewer()
    row = case_store.get_case_row(db.session, code)
    check_case_visible(viewer, row)
    kind = form_field("kind") or "report"
    policy = photo_policy()
    cleaned = photo_service.clean_uploads(uploaded_files("photo", required=True), policy, field="photo")
    added = photo_service.add_photos(db.session, row, cleaned, kind, actor=viewer.actor, policy=policy)
    db.session.commit()
    return jsonify({"photos": added}), 201


@bp.get("/photos/<int:photo_id>/<any(display, thumb, original):variant>")
def serve_photo(photo_id, variant):
    viewer = current_viewer()
    row = photo_service.get_photo_row(db.session, photo_id)
    if variant == "original":
        require_role(viewer, "admin", "cadre")
        check_case_visible(viewer, row)
    elif not row.public:
        if not viewer.is_staff:  # the public cannot tell an unpublished photo from none
            raise NotFoundError("没有这张照片 (no such photo)", code="photo_not_found")
        check_case_visible(viewer, row)
    data, content_type, key = photo_service.read_variant(db.session, row, variant, photo_policy())
    response = Response(data, mimetype=content_type)
    response.set_etag(key)
    if variant == "original":
        photo_service.log_original_read(db.session, row, viewer.actor)
        db.session.commit()
        response.headers["Cache-Control"] = "private, no-store"  # every read is logged: never from a cache
        return response
    response.headers["Cache-Control"] = IMMUTABLE
    return response.make_conditional(request)


def _set_public(photo_id, public):
    viewer = current_viewer()
    require_role(viewer, "admin", "cadre")
    row = photo_service.get_photo_row(db.session, photo_id)
    check_case_visible(viewer, row)
    answer = photo_service.set_public(db.session, row, public, actor=viewer.actor)
    db.session.commit()
    return jsonify(answer)


@bp.post("/photos/<int:photo_id>/publish")
def publish_photo(photo_id):
    return _set_public(photo_id, True)


@bp.post("/photos/<int:photo_id>/hide")
def hide_photo(photo_id):
    return _set_public(photo_id, False)
