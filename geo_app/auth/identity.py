"""Who is calling: the session user or the holder of a bearer token, reduced to a Viewer."""

from flask import current_app, g, jsonify, redirect, request, url_for
from flask_login import current_user

from ..extensions import db, login_manager
from ..services.access import PUBLIC, Viewer
from ..services.accounts import user_for_token
from ..services.sessions import SessionPolicy, resume_session, touch_session


@login_manager.user_loader
def load_user(session_token):
    """Return the user of a live server-side session (Flask-Login keeps its token in the cookie), or None."""
    user, needs_touch = resume_session(db.session, session_token,
                                       policy=SessionPolicy.from_config(current_app.config))
    if user is None:
        return None
    if needs_touch:
        with db.engine.begin() as connection:
            touch_session(connection, session_token)
    user.session_token = session_token
    return user


@login_manager.request_loader
def load_user_from_token(req):
    header = req.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    user = user_for_token(db.session, header[len("Bearer "):].strip(),
                          cache_seconds=current_app.config["TOKEN_CACHE_SECONDS"])
    if user is not None:
        g.authenticated_by_token = True
    return user


@login_manager.unauthorized_handler
def unauthorized():
    if request.path.startswith(("/api/", "/open311/")):
        return jsonify({"error": "unauthorized", "message": "请先登录 (log in, or send an API token)"}), 401
    return redirect(url_for("auth.login", next=request.full_path))


def current_viewer():
    """Return the caller as a Viewer (public when nobody is logged in)."""
    if not current_user.is_authenticated:
        return PUBLIC
    return Viewer(role=current_user.role, username=current_user.username, community_id=current_user.community_id,
                  person_id=current_user.person_id)


def authenticated_by_token():
    """Tell whether this request's user came from a bearer token (which carries no ambient authority)."""
    return bool(g.get("authenticated_by_token"))
