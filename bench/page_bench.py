"""Page: HTML bytes and time to a rendered map in headless chromium for /map and /heatmap."""

import logging
import os
import time
from urllib.parse import urlsplit

from .report import Figure, median

logger = logging.getLogger(__name__)
CHROMIUM = os.environ.get("MINQING_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PAGES = ("/map", "/heatmap")
RUNS = 3
BYTES_TARGET = 2_000_000
SECONDS_TARGET = 3.0
RENDER_TIMEOUT_MS = 60_000
# A map is rendered when Leaflet has drawn something into its overlay pane (vector paths or a heat canvas).
RENDERED = """() => !!document.querySelector('.leaflet-container') &&
    document.querySelectorAll('.leaflet-overlay-pane path, .leaflet-overlay-pane canvas, canvas.leaflet-heatmap-layer')
        .length > 0"""


def _local_only(route):
    host = urlsplit(route.request.url).hostname
    if host in ("127.0.0.1", "localhost"):
        route.continue_()
    else:
        route.abort()


def _load(browser, url, headers):
    """Return (status, html bytes, seconds to rendered or None) for one fresh visit."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, extra_http_headers=headers)
    try:
        page = context.new_page()
        page.route("**/*", _local_only)
        started = time.perf_counter()
        response = page.goto(url, wait_until="commit", timeout=RENDER_TIMEOUT_MS)
        status = response.status if response else None
        if status != 200:
            return status, 0, None
        html = len(response.body())
        try:
            page.wait_for_function(RENDERED, timeout=RENDER_TIMEOUT_MS, polling=50)
        except Exception:  # playwright's TimeoutError: the map never rendered
            return status, html, None
        return status, html, time.perf_counter() - started
    finally:
        context.close()


def measure(host, port, headers):
    """Return one bytes and one time figure per page, or a skipped figure for a page not built yet."""
    if not os.access(CHROMIUM, os.X_OK):
        return [Figure(f"page {p}", None, "", skipped=f"no chromium at {CHROMIUM}") for p in PAGES]
    from playwright.sync_api import sync_playwright

    figures = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            for path in PAGES:
                url = f"http://{host}:{port}{path}"
                status, html, _ = _load(browser, url, headers)  # warm-up (server caches, chromium's disk cache is per context)
                if status == 404:
                    figures.append(Figure(f"page {path}", None, "", skipped="page not built yet"))
                    continue
                runs = [_load(browser, url, headers) for _ in range(RUNS)]
                html = max(r[1] for r in runs)
                times = [r[2] for r in runs if r[2] is not None]
                statuses = {r[0] for r in runs}
                note = "" if statuses == {200} else f"HTTP {sorted(statuses, key=str)}"
                figures.append(Figure(f"page{path}.bytes", html, "B", target="≤ 2 MB", met=html <= BYTES_TARGET,
                                      note=note))
                if len(times) < len(runs):
                    figures.append(Figure(f"page{path}.render", None, "s", target="≤ 3 s", met=False,
                                          note=f"map not rendered within {RENDER_TIMEOUT_MS / 1000:.0f} s "
                                               f"in {len(runs) - len(times)} of {len(runs)} visits"))
                else:
                    t = median(times)
                    figures.append(Figure(f"page{path}.render", t, "s", target="≤ 3 s", met=t <= SECONDS_TARGET,
                                          note=f"median of {len(runs)} fresh visits, navigation to drawn overlay"))
        finally:
            browser.close()
    return figures
