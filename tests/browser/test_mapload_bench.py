"""The map-load benchmark's measuring code (bench/mapload_bench.py), on the demo in chromium: it sees the tiles a
tiled map fetches, the units an embedded map carries in its page, and waits for a drawn map.

Here rather than in tests/bench/ so that it shares this package's live server and chromium (fixtures imported
into another package would start a second live server under the same database name).
"""

import pytest

from bench.mapload_bench import EMBEDDED, TILED, load_map, log_in
from tests.browser.conftest import CADRE_LOGIN

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def tiles_above(live_server):
    """Set TILES_ABOVE_FEATURES on the live server for one test, as the benchmark's two servers do."""
    before = live_server.app.config["TILES_ABOVE_FEATURES"]
    yield lambda value: live_server.app.config.update(TILES_ABOVE_FEATURES=value)
    live_server.app.config["TILES_ABOVE_FEATURES"] = before


def test_a_map_load_counts_every_response_and_tells_tiles_from_embedded_units(browser, live_server, tiles_above):
    state = log_in(browser, live_server.url, *CADRE_LOGIN)
    tiles_above(TILED)
    tiled = load_map(browser, live_server.url, state)
    tiles_above(EMBEDDED)
    embedded = load_map(browser, live_server.url, state)

    assert tiled.tiled and not embedded.tiled
    assert tiled.entries[0][0] == embedded.entries[0][0] == live_server.url + "/map"
    assert tiled.count("/tiles/units/") >= 1 and tiled.bytes_of("/tiles/units/") > 0
    assert embedded.count("/tiles/") == 0
    # the units ride in the embedded page's HTML, not in the tiled one's
    assert embedded.entries[0][1] > tiled.entries[0][1]
    for visit in (tiled, embedded):
        assert visit.count("/api/v1/cases") >= 1, "the case markers were waited for"
        assert visit.count("/static/") >= 3, "scripts and styles are counted"
        assert all(size > 0 for _, size in visit.entries), visit.entries  # cold cache: every response went over
        assert visit.requests == len(visit.entries) and visit.bytes == sum(size for _, size in visit.entries)
        assert 0 < visit.units_ms <= visit.drawn_ms
    each, span = tiled.timing_of("/tiles/units/")
    assert 0 < each <= span
    assert embedded.timing_of("/tiles/") == (None, None)
