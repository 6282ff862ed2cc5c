"""民情地图 (MinQing Map): the application factory."""

import logging
import os

from flask import Flask, jsonify

from .config import load_config
from .errors import AppError
from .extensions import db

logger = logging.getLogger(__name__)
PROJECT_STATIC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "static")


def create_app(overrides=None):
    """Create and configure the Flask application."""
    instance_path = os.environ.get("MINQING_INSTANCE_PATH")
    app = Flask(__name__, instance_relative_config=True, static_folder=PROJECT_STATIC,
                instance_path=os.path.abspath(instance_path) if instance_path else None)
    load_config(app, overrides)
    app.json.ensure_ascii = False
    db.init_app(app)

    from . import models  # noqa: F401  (register the tables)
    from .api import bp as api_bp
    from .health import bp as health_bp

    app.register_blueprint(health_bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    _register_error_handlers(app)
    return app


def _register_error_handlers(app):
    @app.errorhandler(AppError)
    def handle_app_error(error):
        db.session.rollback()
        return jsonify(error.to_dict()), error.status

    @app.errorhandler(404)
    def handle_not_found(error):
        return jsonify({"error": "not_found", "message": "没有这个地址 (no such URL)"}), 404

    @app.errorhandler(405)
    def handle_method(error):
        return jsonify({"error": "method_not_allowed", "message": str(error.description)}), 405

    @app.errorhandler(413)
    def handle_too_large(error):
        limit = app.config["MAX_CONTENT_LENGTH"]
        return jsonify({"error": "too_large", "message": f"request body exceeds {limit} bytes"}), 413
