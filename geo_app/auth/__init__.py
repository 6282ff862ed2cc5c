"""Sessions (Flask-Login), API tokens, CSRF and the anonymous-post rate limit."""

import logging

from flask import Blueprint, g, jsonify, redirect, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.middleware.proxy_fix import ProxyFix

from ..extensions import csrf, db, login_manager, make_limiter
from ..services.access import PUBLIC, Viewer

logger = logging.getLogger(__name__)
bp = Blueprint("auth", __name__, template_folder="templates")


def init_app(app):
    """Wire login, tokens, CSRF, secure cookies, proxies and the rate limit into the app."""
    app.config["SESSION_COOKIE_HTTPONLY"] = app.config["REMEMBER_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = app.config["REMEMBER_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_SECURE"] = app.config["REMEMBER_COOKIE_SECURE"] = app.config["COOKIE_SECURE"]
    app.config["WTF_CSRF_TIME_LIMIT"] = None
    if app.config["TRUSTED_PROXIES"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["TRUSTED_PROXIES"], x_proto=app.config["TRUSTED_PROXIES"])
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    csrf.init_app(app)
    app.extensions["minqing_limiter"] = make_limiter(app)
    app.register_blueprint(bp)

    @app.errorhandler(CSRFError)
    def handle_csrf(error):
        return jsonify({"error": "csrf", "message": f"CSRF check failed: {error.description}"}), 400

    @app.errorhandler(429)
    def handle_rate_limit(error):
        return jsonify({"error": "rate_limited", "message": f"请求过于频繁 (too many posts: {error.description})"}), 429


@login_manager.user_loader
def load_user(user_id):
    from ..models import User

    user = db.session.get(User, int(user_id))
    return user if user is not None and user.active else None


@login_manager.request_loader
def load_user_from_token(req):
    from ..services.accounts import user_for_token

    header = req.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    user = user_for_token(db.session, header[len("Bearer "):].strip())
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


def protect_session_writes():
    """CSRF-check state-changing requests authenticated by the session cookie (tokens carry no ambient authority)."""
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and current_user.is_authenticated \
            and not g.get("authenticated_by_token"):
        csrf.protect()


from . import views  # noqa: E402,F401
