"""民情地图 (MinQing Map): the application factory."""

import logging
import os

from flask import Flask, request
from sqlalchemy.exc import OperationalError

from . import pool_health
from .config import load_config
from .error_pages import error_response
from .errors import AppError, ValidationError
from .extensions import db
from .jsonio import StrictJSONProvider

logger = logging.getLogger(__name__)
PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
# An installed package carries its static files (setup.py); a source checkout serves the project's static/.
PACKAGED_STATIC = os.path.join(PACKAGE_DIR, "static")
STATIC_FOLDER = PACKAGED_STATIC if os.path.isdir(PACKAGED_STATIC) else os.path.join(os.path.dirname(PACKAGE_DIR),
                                                                                      "static")


class MinQingFlask(Flask):
    json_provider_class = StrictJSONProvider


def configured_app(overrides=None):
    """Return the app with its configuration only: no database, extension or route yet.

    Enough for the commands that only need to know where things are (`minqing db status`, `db up`, …).
    """
    instance_path = os.environ.get("MINQING_INSTANCE_PATH")
    app = MinQingFlask(__name__, instance_relative_config=True, static_folder=STATIC_FOLDER,
                instance_path=os.path.abspath(instance_path) if instance_path else None)
    load_config(app, overrides)
    return app


def create_app(overrides=None):
    """Create and configure the Flask application."""
    app = configured_app(overrides)
    pool_health.install()
    db.init_app(app)

    from . import (
        auth,
        headers,
        models,  # noqa: F401  (register the tables)
        replicas,
        request_budget,
        static_assets,
    )
    from .api import bp as api_bp
    from .extensions import csrf
    from .health import bp as health_bp
    from .ogc import bp as ogc_bp
    from .open311 import bp as open311_bp
    from .tiles import bp as tiles_bp
    from .web import bp as web_bp

    static_assets.init_app(app)  # first, so that its compression runs after every other after_request
    auth.init_app(app)
    headers.init_app(app)
    replicas.init_app(app)
    request_budget.init_app(app)
    csrf.exempt(api_bp)  # the API checks CSRF itself for session-cookie writes (api/__init__.py)
    csrf.exempt(open311_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    app.register_blueprint(web_bp)
    app.register_blueprint(open311_bp, url_prefix="/open311/v2")
    app.register_blueprint(ogc_bp, url_prefix="/ogc")
    app.register_blueprint(tiles_bp, url_prefix="/tiles")
    _register_error_handlers(app)
    return app


def _register_error_handlers(app):
    @app.errorhandler(AppError)
    def handle_app_error(error):
        db.session.rollback()
        return error_response(error.status, error.to_dict())

    @app.before_request
    def refuse_nul_in_url():
        if "\x00" in request.path or any("\x00" in k or "\x00" in v for k, v in request.args.items(multi=True)):
            raise ValidationError("地址中含有 NUL 字符 (the URL contains a NUL character)", field="url")

    @app.errorhandler(ValueError)
    def handle_nul_in_body(error):
        # psycopg2 refuses NUL characters in strings; anything else is a bug and stays a 500.
        if "NUL (0x00)" not in str(error):
            raise error
        db.session.rollback()
        return error_response(400, {"error": "invalid", "field": "body",
                                    "message": "文字中含有 NUL 字符 (a text field contains a NUL character)"})

    @app.errorhandler(OperationalError)
    def handle_database_down(error):
        db.session.rollback()
        logger.warning("database error answered with 503: %s", error.orig)
        if "statement timeout" in str(error.orig):
            return error_response(503, {"error": "timeout",
                                        "message": "查询超时，请缩小范围后重试 (the query took too long); narrow it and retry"})
        body = {"error": "unavailable", "message": "数据库暂时不可用，请稍后再试 (database unavailable); retry shortly"}
        return error_response(503, body, {"Retry-After": "5"})

    @app.errorhandler(403)
    def handle_forbidden(error):
        return error_response(403, {"error": "forbidden", "message": f"没有权限访问此页面 ({error.description})"})

    @app.errorhandler(404)
    def handle_not_found(error):
        return error_response(404, {"error": "not_found", "message": "没有这个地址 (no such URL)"})

    @app.errorhandler(405)
    def handle_method(error):
        allowed = ", ".join(sorted(error.valid_methods or ()))
        return error_response(405, {"error": "method_not_allowed",
                                    "message": f"此地址不支持这种访问方式 ({request.method} not allowed; allowed: {allowed})"},
                              {"Allow": allowed})

    @app.errorhandler(413)
    def handle_too_large(error):
        limit = request.max_content_length or app.config["MAX_CONTENT_LENGTH"]
        return error_response(413, {"error": "too_large",
                                    "message": f"请求体超过 {limit} 字节 (request body exceeds {limit} bytes)"})

    @app.errorhandler(500)
    def handle_server_error(error):
        db.session.rollback()
        return error_response(500, {"error": "server_error", "message": "服务器出错了，请稍后再试 (internal server error)"})
