"""Map load: the cadre's /map of one large community in headless chromium, its units drawn from vector tiles
and, as the baseline, embedded as GeoJSON (bytes transferred, requests, time to the drawn map).

The two ways are forced by two servers of the same app and database that differ only in `TILES_ABOVE_FEATURES`
(0: every community is drawn from tiles; a billion: never). A cadre account of the community logs in once per
server through /login, as a person would; every visit is then a fresh browser context (cold cache) at 1280×800.

Drawn means: the units are on the map (embedded: unit paths in the overlay pane; tiled: VectorGrid has no tile
loading and has drawn paths), the case markers have arrived (`body[data-cases-loaded]`, set by
static/js/cadre-cases.js after its last page of cases) and no request is in flight. The time is from navigation
start to the later of the moment the units and cases were drawn and the end of the last response (Resource
Timing); bytes are the sum of `transferSize` (headers and body as sent, before decompression) over the document
and every resource it fetched, requests their count.
"""

import logging
import os
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .report import Figure, median

logger = logging.getLogger(__name__)
CHROMIUM = os.environ.get("MINQING_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1280, "height": 800}
RUNS = 3
TIMEOUT_MS = 120_000
TILED, EMBEDDED = 0, 1_000_000_000  # TILES_ABOVE_FEATURES of the two servers
CADRE = "bench-cadre"

# Keep every resource entry (Chromium's buffer holds 250 by default; a page of tiles and case pages can pass it).
KEEP_ENTRIES = "performance.setResourceTimingBufferSize(100000);"
# Return performance.now() at the first animation frame where the units are drawn (and, for DRAWN, the cases).
UNITS_DRAWN = """() => {
    if (!window.MQ || !MQ.map) return false;
    if (MQ.config.tiles) {
        if (!MQ.tiles || MQ.tiles.grid.isLoading()) return false;
        if (!document.querySelector('.leaflet-overlay-pane svg.leaflet-tile path')) return false;
    } else if (!document.querySelector('.leaflet-overlay-pane path')) {
        return false;
    }
    return performance.now();
}"""
DRAWN = f"() => !!document.body && !!document.body.dataset.casesLoaded && ({UNITS_DRAWN})()"
TRANSFERS = """() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const entries = [nav, ...performance.getEntriesByType('resource')];
    return entries.map(e => ({url: e.name, bytes: e.transferSize, start: e.startTime, end: e.responseEnd}));
}"""


@dataclass
class MapLoad:
    """One visit: what it transferred and when the map was drawn."""

    tiled: bool
    units_ms: float
    drawn_ms: float
    entries: list  # (url, bytes transferred), the document first
    spans: list = field(default_factory=list)  # (url, start ms, response end ms), the same order

    @property
    def bytes(self):
        return sum(size for _, size in self.entries)

    @property
    def requests(self):
        return len(self.entries)

    def count(self, path_prefix):
        """How many of this visit's requests went to a path starting with path_prefix (e.g. "/tiles/units/")."""
        return len(self.of(path_prefix))

    def bytes_of(self, path_prefix):
        return sum(self.of(path_prefix))

    def timing_of(self, path_prefix):
        """Return (median ms from request start to response end, ms from the first start to the last end)."""
        spans = [(start, end) for url, start, end in self.spans if urlsplit(url).path.startswith(path_prefix)]
        if not spans:
            return None, None
        return median([end - start for start, end in spans]), max(e for _, e in spans) - min(s for s, _ in spans)

    def of(self, path_prefix):
        return [size for url, size in self.entries if urlsplit(url).path.startswith(path_prefix)]


def log_in(browser, base_url, username, password):
    """Log in through /login in a throwaway context; return its storage state (the session cookie)."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{base_url}/login?next=/map", timeout=TIMEOUT_MS)
        page.fill("#username", username)
        page.fill("#password", password)
        with page.expect_navigation(timeout=TIMEOUT_MS):
            page.click("button[type=submit]")
        if urlsplit(page.url).path != "/map":
            raise RuntimeError(f"login as {username} failed: at {page.url}")
        return context.storage_state()
    finally:
        context.close()


def _local_only(base_url):
    host = urlsplit(base_url).netloc

    def route(route):
        parts = urlsplit(route.request.url)
        if parts.scheme in ("data", "blob", "about") or parts.netloc == host:
            route.continue_()
        else:
            route.abort()

    return route


def load_map(browser, base_url, storage_state, path="/map"):
    """Open path in a fresh context logged in with storage_state; return the MapLoad once the map is drawn."""
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai",
                                  storage_state=storage_state)
    try:
        context.route("**/*", _local_only(base_url))
        context.add_init_script(KEEP_ENTRIES)
        page = context.new_page()
        response = page.goto(base_url + path, wait_until="commit", timeout=TIMEOUT_MS)
        if response is None or response.status != 200:
            raise RuntimeError(f"{path} answered {response and response.status}")
        units_at = page.wait_for_function(UNITS_DRAWN, timeout=TIMEOUT_MS, polling="raf").json_value()
        drawn_at = page.wait_for_function(DRAWN, timeout=TIMEOUT_MS, polling="raf").json_value()
        page.wait_for_load_state("networkidle", timeout=TIMEOUT_MS)
        tiled = page.evaluate("() => !!MQ.config.tiles")
        entries = page.evaluate(TRANSFERS)
    finally:
        context.close()
    last_response = max(entry["end"] for entry in entries)
    return MapLoad(tiled=tiled, units_ms=units_at, drawn_ms=max(drawn_at, last_response),
                   entries=[(entry["url"], entry["bytes"]) for entry in entries],
                   spans=[(entry["url"], entry["start"], entry["end"]) for entry in entries])


def cadre_account(database_url, community_code):
    """Create a cadre account of the community in the bench database; return (username, password)."""
    from geo_app import create_app
    from geo_app.extensions import db
    from geo_app.services.accounts import add_user

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "bench", "TESTING": True})
    with app.app_context():
        password = os.urandom(16).hex()
        add_user(db.session, CADRE, "cadre", password, community_code=community_code, actor="bench")
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return CADRE, password


def _units(database_url, community_code):
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return dict(conn.execute(text(
                "SELECT kind, count(*) FROM unit JOIN community c ON c.id = unit.community_id "
                "WHERE c.code = :code GROUP BY kind"), {"code": community_code}).all())
    finally:
        engine.dispose()


def measure(database_url, servers, community_code, runs=RUNS):
    """Return bytes, requests and time-to-drawn figures of /map from tiles, with the embedded GeoJSON as baseline.

    servers: {"tiled": (host, port), "embedded": (host, port)}, the same app and database with
    TILES_ABOVE_FEATURES at TILED and EMBEDDED.
    """
    names = ("mapload.bytes", "mapload.requests", "mapload.units", "mapload.drawn")
    if not os.access(CHROMIUM, os.X_OK):
        return [Figure(name, None, "", skipped=f"no chromium at {CHROMIUM}") for name in names]
    from playwright.sync_api import sync_playwright

    username, password = cadre_account(database_url, community_code)
    urls = {way: f"http://{host}:{port}" for way, (host, port) in servers.items()}
    visits = {way: [] for way in urls}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            states = {way: log_in(browser, url, username, password) for way, url in urls.items()}
            for way, url in urls.items():  # warm-up: each worker's first map, the server's caches
                load_map(browser, url, states[way])
            for _ in range(runs):  # interleaved, so both ways see the same machine load
                for way, url in urls.items():
                    visit = load_map(browser, url, states[way])
                    if visit.tiled != (way == "tiled"):
                        raise RuntimeError(f"the {way} server drew the map the other way")
                    logger.info("mapload %s: %d B in %d requests, units at %.0f ms, drawn at %.0f ms", way,
                                visit.bytes, visit.requests, visit.units_ms, visit.drawn_ms)
                    visits[way].append(visit)
        finally:
            browser.close()
    tiled, embedded = visits["tiled"], visits["embedded"]
    units = _units(database_url, community_code)
    about = (f"community {community_code}: {sum(units.values()):,} units ({units.get('building', 0):,} buildings); "
             f"median of {runs} cold visits each way at 1280×800, cadre logged in")
    size, base_size = median([v.bytes for v in tiled]), median([v.bytes for v in embedded])
    count, base_count = median([v.requests for v in tiled]), median([v.requests for v in embedded])
    first, base_first = median([v.units_ms for v in tiled]), median([v.units_ms for v in embedded])
    drawn, base_drawn = median([v.drawn_ms for v in tiled]), median([v.drawn_ms for v in embedded])
    tile_bytes = median([v.bytes_of("/tiles/") for v in tiled])
    tile_count = median([v.count("/tiles/") for v in tiled])
    tile_each = median([v.timing_of("/tiles/")[0] for v in tiled])
    tile_span = median([v.timing_of("/tiles/")[1] for v in tiled])
    html = median([v.entries[0][1] for v in tiled]), median([v.entries[0][1] for v in embedded])
    return [
        Figure("mapload.bytes", size / 1024, "kB", baseline=base_size / 1024,
               ratio=base_size / size if size else None, ratio_label="× smaller than embedded GeoJSON",
               note=f"{about}; transferSize of every response; page HTML {html[0] / 1024:.0f} kB vs "
                    f"{html[1] / 1024:.0f} kB, {tile_count:.0f} tiles {tile_bytes / 1024:.0f} kB"),
        Figure("mapload.requests", count, "", baseline=base_count,
               note="the document and every resource it fetched (scripts, styles, tiles, case pages, heat)"),
        Figure("mapload.units", first, "ms", baseline=base_first, ratio=base_first / first if first else None,
               ratio_label="× faster than embedded GeoJSON",
               note=f"navigation start to the units drawn (tiled: no tile loading), cases or not; a tile took "
                    f"{tile_each:.0f} ms from request to response end, first tile request to last tile end "
                    f"{tile_span:.0f} ms"),
        Figure("mapload.drawn", drawn, "ms", baseline=base_drawn, ratio=base_drawn / drawn if drawn else None,
               ratio_label="× faster than embedded GeoJSON",
               note="navigation start to units and case markers drawn and the last response ended"),
    ]
