"""Vector tiles: a z14 and a z17 building tile over HTTP (p50 ms, bytes) against the GeoJSON of the same bbox.

Tiles are drawn around random points inside random communities (the same distribution as the lookup), each
distinct tile fetched once, after a warm-up on the first; the baseline is
`/api/v1/units?kind=building&bbox=<the tile's bbox>&limit=<largest page>` for the same tile, fetched the same way.
Both are answered to the benchmark's API token (staff: the people are in both).
"""

import logging
import math

import numpy as np

from .report import Figure, median, percentile
from .server import get

logger = logging.getLogger(__name__)
ZOOMS = (14, 17)
SAMPLES = 30
WARMUP = 5
PAGE_MAX = 5000  # the app's default PAGE_LIMIT_MAX


def tile_of(lon, lat, z):
    """Return the (x, y) of the slippy-map tile holding a WGS-84 point."""
    n = 2 ** z
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)


def tile_bbox(z, x, y):
    """Return the WGS-84 (minlon, minlat, maxlon, maxlat) of a tile."""
    n = 2 ** z

    def lat(row):
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return x / n * 360 - 180, lat(y + 1), (x + 1) / n * 360 - 180, lat(y)


def _fetch(host, port, path):
    status, body, seconds = get(host, port, path)
    if status not in (200, 204):
        raise RuntimeError(f"{path} answered {status}: {body[:300]!r}")
    return len(body), seconds


def measure(layout, host, port, *, seed):
    """Return, per zoom, the tile's p50 time and median bytes, with the GeoJSON of the same bbox as baseline."""
    rng = np.random.default_rng([seed, 14])
    figures = []
    for z in ZOOMS:
        tiles = list(dict.fromkeys(tile_of(lon, lat, z) for lon, lat in layout.random_points(rng, SAMPLES)))
        tile_times, tile_bytes, json_times, json_bytes, features = [], [], [], [], []
        for _ in range(WARMUP):
            _fetch(host, port, f"/tiles/buildings/{z}/{tiles[0][0]}/{tiles[0][1]}.mvt")
        for x, y in tiles:
            size, seconds = _fetch(host, port, f"/tiles/buildings/{z}/{x}/{y}.mvt")
            bbox = ",".join(f"{v:.7f}" for v in tile_bbox(z, x, y))
            status, body, json_seconds = get(host, port, f"/api/v1/units?kind=building&bbox={bbox}&limit={PAGE_MAX}")
            if status != 200:
                raise RuntimeError(f"units answered {status}: {body[:300]!r}")
            tile_times.append(seconds)
            tile_bytes.append(size)
            json_times.append(json_seconds)
            json_bytes.append(len(body))
            features.append(body.count(b'"type": "Feature"') + body.count(b'"type":"Feature"'))
        p50, json_p50 = percentile(tile_times, .5) * 1e3, percentile(json_times, .5) * 1e3
        size, json_size = median(tile_bytes), median(json_bytes)
        logger.info("tiles z%d: p50 %.1f ms, %d B; GeoJSON %.1f ms, %d B", z, p50, size, json_p50, json_size)
        note = (f"{len(tile_times)} tiles around random points, median {median(features):.0f} buildings per bbox "
                f"(GeoJSON count), p99 {percentile(tile_times, .99) * 1e3:.1f} ms")
        figures.append(Figure(f"tiles.z{z}.p50", p50, "ms", baseline=json_p50, ratio=json_p50 / p50 if p50 else None,
                              ratio_label="× faster than GeoJSON", note=note))
        figures.append(Figure(f"tiles.z{z}.bytes", size / 1024, "kB", baseline=json_size / 1024,
                              ratio=json_size / size if size else None, ratio_label="× smaller than GeoJSON",
                              note="median body of the tile vs the GeoJSON page of the same bbox"))
    return figures
