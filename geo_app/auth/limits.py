"""The anonymous-post rate limit: who counts, by which address, and who is exempt."""

from flask import current_app, request
from flask_limiter import Limiter

from .identity import current_viewer

EXEMPTIONS_KEY = "minqing_anonymous_limit_exemptions"


def client_address():
    """Return the client address (ProxyFix has already applied the trusted proxies' X-Forwarded-For)."""
    return request.remote_addr or "unknown"


def add_anonymous_limit_exemption(app, predicate):
    """Let a blueprint exempt some anonymous posts (e.g. a trusted Open311 client) from the limit."""
    app.extensions.setdefault(EXEMPTIONS_KEY, []).append(predicate)


def exempt_from_anonymous_limit():
    """Only posts by callers without a login, token or other trusted credential count toward the limit."""
    if request.method != "POST" or current_viewer().is_staff:
        return True
    return any(predicate(request) for predicate in current_app.extensions.get(EXEMPTIONS_KEY, ()))


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
