"""Per-client rate limits on what the anonymous public asks: who counts, by which address, where the counts live.

Three limits, each counted per client address across every worker:
- ANON_POST_LIMIT: every POST without a login, token or other trusted credential, whatever its outcome;
- ANON_GET_LIMIT: every anonymous GET (pages and API) but /healthz and static files, which stay cheap
  (a file from disk, revalidated by ETag: our own under /static, the vendor tree's under /assets/…/vendor/,
  a dozen or more of them for each page a resident opens);
- ANON_HEAVY_LIMIT: in addition, the anonymous GETs that cost a query over many rows or send geometry
  (HEAVY_ENDPOINTS).
The counts live in RATELIMIT_STORAGE_URI when it is set, else in Redis when REDIS_URL is set, else in
the app's own database (auth/pg_storage.py), so the limit is the same however many workers serve.
"""

from flask import current_app, request
from flask_limiter import ApplicationLimit, Limiter

from ..static_assets import STATIC_ENDPOINTS
from . import pg_storage
from .identity import current_viewer

EXEMPTIONS_KEY = "minqing_anonymous_limit_exemptions"
READ_METHODS = ("GET", "HEAD")
# Endpoints whose anonymous GETs are heavy: aggregate many rows, or carry geometry.
HEAVY_ENDPOINTS = frozenset({
    "api.heat", "api.sites", "api.sites_nearest", "api.track",
    "web.sites_map", "web.heatmap",
    "open311.list_requests", "open311.get_request", "open311.get_token",
    "ogc.items", "ogc.item",
})
NEVER_COUNTED = frozenset({"health.healthz", *STATIC_ENDPOINTS})


def client_address():
    """Return the client address (ProxyFix has already applied the trusted proxies' X-Forwarded-For)."""
    return request.remote_addr or "unknown"


def add_anonymous_limit_exemption(app, predicate):
    """Let a blueprint exempt some anonymous posts (e.g. a trusted Open311 client) from the limit."""
    app.extensions.setdefault(EXEMPTIONS_KEY, []).append(predicate)


def exempt_from_anonymous_limit():
    """Only posts by callers without a login, token or other trusted credential count toward the post limit."""
    if request.method != "POST" or current_viewer().is_staff:
        return True
    return any(predicate(request) for predicate in current_app.extensions.get(EXEMPTIONS_KEY, ()))


def exempt_from_read_limit():
    """Only anonymous GETs count toward the read limit; /healthz and static files never do."""
    return request.method not in READ_METHODS or request.endpoint in NEVER_COUNTED or current_viewer().is_staff


def exempt_from_heavy_limit():
    """Only anonymous GETs of the heavy endpoints count toward the heavy limit."""
    return request.endpoint not in HEAVY_ENDPOINTS or exempt_from_read_limit()


def storage_settings(config):
    """Return (storage URI, storage options) for the limiter: the configured URI, Redis, or the database."""
    if config["RATELIMIT_STORAGE_URI"]:
        return config["RATELIMIT_STORAGE_URI"], {}
    if config["REDIS_URL"]:
        return config["REDIS_URL"], {}
    return f"{pg_storage.SCHEME}://", {"database_url": config["SQLALCHEMY_DATABASE_URI"]}


def make_limiter(app):
    """Create the app's rate limiter with the anonymous post, read and heavy-read limits."""
    uri, options = storage_settings(app.config)
    return Limiter(
        key_func=client_address,
        app=app,
        application_limits=[
            ApplicationLimit(app.config["ANON_POST_LIMIT"], scope="anon-post", exempt_when=exempt_from_anonymous_limit),
            ApplicationLimit(app.config["ANON_GET_LIMIT"], scope="anon-get", exempt_when=exempt_from_read_limit),
            ApplicationLimit(app.config["ANON_HEAVY_LIMIT"], scope="anon-heavy", exempt_when=exempt_from_heavy_limit),
        ],
        storage_uri=uri,
        storage_options=options,
        in_memory_fallback_enabled=True,  # the storage unreachable: count per worker rather than fail
        # No X-RateLimit-* headers: they cost two more reads a request, and Flask-Limiter would also put a
        # Retry-After on every limited answer, 200s and 503s included. A 429 gets its own (auth/__init__.py).
        headers_enabled=False,
    )


def retry_after_seconds(error):
    """Return how long a refused client should wait: at most the breached limit's window."""
    limit = getattr(error, "limit", None)
    return int(limit.limit.get_expiry()) if limit is not None else 60
