"""Sessions (Flask-Login), API tokens, CSRF and the anonymous-post rate limit."""

import logging

from flask import request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.middleware.proxy_fix import ProxyFix

from ..error_pages import error_response
from ..extensions import csrf, login_manager
from . import views  # noqa: F401  (register the login routes on bp)
from .blueprint import bp
from .clients import client_scope
from .identity import authenticated_by_token, current_viewer
from .limits import add_anonymous_limit_exemption, make_limiter, retry_after_seconds

logger = logging.getLogger(__name__)
__all__ = ["init_app", "current_viewer", "protect_session_writes", "add_anonymous_limit_exemption", "client_scope"]


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
        return error_response(400, {"error": "csrf",
                                    "message": f"页面已过期，请刷新后重试 (CSRF check failed: {error.description})"})

    @app.errorhandler(429)
    def handle_rate_limit(error):
        body = {"error": "rate_limited", "message": f"请求过于频繁，请稍后再试 (too many requests: {error.description})"}
        return error_response(429, body, {"Retry-After": str(retry_after_seconds(error))})


def protect_session_writes():
    """CSRF-check state-changing requests authenticated by the session cookie (tokens carry no ambient authority)."""
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and current_user.is_authenticated \
            and not authenticated_by_token():
        csrf.protect()
