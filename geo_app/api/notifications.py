"""The caller's in-app inbox: GET /me/notifications (unread first, unread count), POST /me/notifications/read."""

from flask import current_app, jsonify
from flask_login import current_user

from ..auth import current_viewer
from ..extensions import db
from ..schemas import InboxQuery, MarkReadIn
from ..services.access import require_staff
from ..services.notify.admin import inbox, mark_read
from .blueprint import bp
from .params import args_as, body_as


@bp.get("/me/notifications")
def my_notifications():
    require_staff(current_viewer())
    query = args_as(InboxQuery)
    return jsonify(inbox(db.session, current_user.id, config=current_app.config, limit=query.limit))


@bp.post("/me/notifications/read")
def read_my_notifications():
    require_staff(current_viewer())
    data = body_as(MarkReadIn)
    changed = mark_read(db.session, current_user.id, data.ids, everything=data.all)
    db.session.commit()
    return jsonify({"marked": changed, **inbox(db.session, current_user.id, config=current_app.config, limit=0)})
