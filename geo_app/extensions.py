"""Flask extensions, created unbound and initialised in create_app()."""

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)

from flask_limiter import Limiter  # noqa: E402
from flask_login import LoginManager  # noqa: E402
from flask_wtf.csrf import CSRFProtect  # noqa: E402

login_manager = LoginManager()
csrf = CSRFProtect()


def client_address():
    """Return the client address (ProxyFix has already applied the trusted proxies' X-Forwarded-For)."""
    from flask import request

    return request.remote_addr or "unknown"


def exempt_from_anonymous_limit():
    """Only posts by callers without a login or token count toward the anonymous limit."""
    from flask import request

    from .auth import current_viewer

    if request.method != "POST" or current_viewer().is_staff:
        return True
    if request.path.startswith("/open311/"):
        return _holds_open311_key(request)
    return False


def _holds_open311_key(request):
    """A trusted Open311 client (configured key or staff token as api_key) is not an anonymous poster."""
    from flask import current_app

    from .services.open311 import Open311Policy, trusted_client

    api_key = request.values.get("api_key")
    if not api_key and request.is_json:
        body = request.get_json(silent=True)
        api_key = body.get("api_key") if isinstance(body, dict) else None
    if not api_key:
        return False
    return trusted_client(db.session, Open311Policy.from_config(current_app.config), api_key) is not None


def make_limiter(app):
    """Create the app's rate limiter: anonymous posts share one per-client limit (ANON_POST_LIMIT)."""
    return Limiter(
        key_func=client_address,
        app=app,
        application_limits=[app.config["ANON_POST_LIMIT"]],
        application_limits_exempt_when=exempt_from_anonymous_limit,
        storage_uri=app.config["RATELIMIT_STORAGE_URI"] or "memory://",
        headers_enabled=True,
    )
