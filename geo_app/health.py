"""GET /healthz: is the app up and can it reach its database."""

import logging

from flask import Blueprint, jsonify
from sqlalchemy import text

from .extensions import db

logger = logging.getLogger(__name__)
bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT postgis_version()")).scalar()
    except Exception as exc:  # any failure means the database is down for our purpose
        logger.warning("health check: database unreachable: %s", exc)
        db.session.rollback()
        return jsonify({"status": "error", "database": "down", "message": f"database unreachable: {type(exc).__name__}"}), 503
    return jsonify({"status": "ok", "database": "ok"})
