"""Response headers every answer carries: security (CSP, framing, referrer, sniffing) and caching (ETag, lifetimes).

Content-Security-Policy: scripts come from this host, plus the page's inline scripts allowed by their
SHA-256 hashes (folium writes the map as an inline script). Hashes rather than nonces because the same
page must render to the same bytes, so that a public page can be revalidated by ETag (a nonce would make
every answer different, and a cached page would replay its nonce); and rather than 'unsafe-inline' so that
markup injected into a page still cannot run. The hashes are registered by the code that renders the trusted
script (allow_inline_scripts), never computed from the finished page, which might hold an injected one.
Styles keep 'unsafe-inline': Leaflet and folium set style attributes and <style> blocks that carry no script.
"""

import logging
from urllib.parse import urlsplit

from flask import current_app, g, request
from flask_login import current_user

from .maps.basemaps import basemap_from_config
from .static_assets import STATIC_ENDPOINTS

logger = logging.getLogger(__name__)

# Seconds a browser (or shared cache) may reuse a public answer without asking again, by endpoint;
# anything else public is "no-cache": reused only after a revalidation (304 by ETag).
PUBLIC_MAX_AGE = {
    "api.heat": 300,
    "api.sites": 300,
    "api.sites_nearest": 300,
    "api.vocabularies": 3600,
    "api.openapi": 3600,
    "ogc.landing": 3600,
    "ogc.conformance": 3600,
    "ogc.api": 3600,
    "ogc.collections": 300,
    "ogc.collection": 300,
    "ogc.items": 300,
    "ogc.item": 300,
}
STATIC_MAX_AGE = {"vendor/": 3600}  # built from the lockfile; our own js/css revalidate every time
NON_HTML_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"


def allow_inline_scripts(hashes):
    """Let this response's page run the inline scripts with these CSP hashes ('sha256-…')."""
    g.setdefault("csp_script_hashes", [])
    g.csp_script_hashes.extend(h for h in hashes if h not in g.csp_script_hashes)


def tile_sources(config):
    """Return the CSP sources of the basemap's tile hosts ({s} subdomains become a wildcard)."""
    sources = []
    for tile in basemap_from_config(config).tiles:
        parts = urlsplit(tile.url.replace("{s}", "x"))
        host = parts.netloc
        if "{s}" in urlsplit(tile.url).netloc:
            host = "*." + host.split(".", 1)[1] if host.startswith("x.") else "*" + host[host.index("."):]
        sources.append(f"{parts.scheme}://{host}")
    return sorted(set(sources))


def page_policy(script_hashes, tiles):
    """Return the Content-Security-Policy of an HTML page."""
    return "; ".join([
        "default-src 'self'",
        "script-src 'self' " + " ".join(script_hashes) if script_hashes else "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:" + "".join(" " + t for t in tiles),
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


# Endpoints that set their own Cache-Control, having checked who may read the answer.
SELF_CACHED = {"api.serve_photo", "api.heat", "tiles.tile", "tiles.tilejson"}


def _is_anonymous():
    return not current_user.is_authenticated


def _static_max_age(filename):
    for prefix, seconds in STATIC_MAX_AGE.items():
        if filename and filename.startswith(prefix):
            return seconds
    return 0


def init_app(app):
    """Add the security and caching headers to every answer of the app."""
    app.get_send_file_max_age = _static_max_age

    @app.after_request
    def security_headers(response):
        html = response.mimetype == "text/html"
        response.headers["Content-Security-Policy"] = (
            page_policy(g.get("csp_script_hashes", ()), tile_sources(current_app.config)) if html else NON_HTML_CSP)
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        # Tracking codes sit in /track/… URLs: no page address leaves this host (tiles, links out).
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Permissions-Policy"] = "geolocation=(self), camera=(), microphone=()"
        return response

    @app.after_request
    def cache_headers(response):
        if request.endpoint in STATIC_ENDPOINTS or response.direct_passthrough or response.is_streamed:
            return response  # send_file sets its own ETag/Last-Modified and our max-age
        response.vary.update(("Cookie", "Authorization"))
        if request.endpoint in SELF_CACHED and "Cache-Control" in response.headers:
            return response  # photo derivatives and originals; heat by the cases' version (api/conditional.py)
        if request.method not in ("GET", "HEAD") or response.status_code != 200:
            response.headers.setdefault("Cache-Control", "no-store")
            return response
        if not _is_anonymous() or "Set-Cookie" in response.headers:
            response.headers["Cache-Control"] = "private, no-store"  # staff answers may hold personal data
            return response
        max_age = PUBLIC_MAX_AGE.get(request.endpoint)
        response.headers["Cache-Control"] = f"public, max-age={max_age}" if max_age else "no-cache"
        response.add_etag()
        return response.make_conditional(request)
