"""What /map and /stats cost a browser: text answers arrive compressed, versioned assets are not asked again.

Run with -s to see the figures: bytes on the wire against the bytes of the same answers uncompressed.
"""

import pytest

pytestmark = pytest.mark.browser

TEXT_TYPES = ("application/json", "application/geo+json", "text/javascript", "application/javascript", "text/css")


def _load(open_page, login, path, ready):
    watched = open_page(None, storage_state=login)
    seen = []
    watched.page.on("requestfinished", lambda request: seen.append(request))
    watched.goto(path)
    watched.page.wait_for_function(ready)
    watched.page.wait_for_load_state("networkidle")
    return watched, seen


def _measure(seen):
    wire = plain = 0
    uncompressed = []
    by_kind = {}
    for request in seen:
        response = request.response()
        if response is None or response.status != 200:
            continue
        body = len(response.body())
        encoded = request.sizes()["responseBodySize"]
        wire, plain = wire + encoded, plain + body
        kind = response.headers.get("content-type", "").split(";")[0]
        totals = by_kind.setdefault(kind, [0, 0])
        totals[0], totals[1] = totals[0] + body, totals[1] + encoded
        if kind in TEXT_TYPES and body > 1024 and response.headers.get("content-encoding") not in ("br", "gzip"):
            uncompressed.append(request.url)
    for kind, (body, encoded) in sorted(by_kind.items()):
        print(f"  {kind}: {body / 1024:.0f} KiB -> {encoded / 1024:.0f} KiB")
    return wire, plain, uncompressed


@pytest.mark.parametrize(("path", "ready"), [
    ("/map", "() => window.MQ && MQ.map && document.querySelectorAll('.leaflet-marker-icon, .marker-cluster').length"),
    ("/stats", "() => document.querySelectorAll('.mq-chart-card[data-loaded]').length === 4"),
])
def test_text_arrives_compressed_and_assets_come_from_the_cache(open_page, cadre_login, path, ready):
    watched, seen = _load(open_page, cadre_login, path, ready)
    wire, plain, uncompressed = _measure(seen)
    assert uncompressed == []
    assert wire * 3 < plain
    print(f"\n{path}: {plain / 1024:.0f} KiB uncompressed, {wire / 1024:.0f} KiB on the wire")
    watched.assert_quiet()


def test_a_second_visit_takes_scripts_and_styles_from_the_cache(browser, live_server, cadre_login):
    """Playwright's routing (open_page) turns the HTTP cache off, so this page is opened without it."""
    context = browser.new_context(storage_state=cadre_login, locale="zh-CN")
    try:
        page = context.new_page()
        for _ in range(2):
            page.goto(live_server.url + "/stats", wait_until="load")
            page.wait_for_function("() => document.querySelectorAll('.mq-chart-card[data-loaded]').length === 4")
        entries = page.evaluate("""() => performance.getEntriesByType('resource')
            .filter(e => /[.](js|css)([?]|$)/.test(e.name)).map(e => [e.name, e.transferSize])""")
    finally:
        context.close()
    assert any("echarts" in name for name, _ in entries)
    assert [name for name, transferred in entries if transferred > 0] == []
