"""Heat: /api/v1/heat against a plain ST_SnapToGrid GROUP BY and a folium HeatMap inlining every point."""

import logging
import math
import time
from datetime import datetime, timedelta
from urllib.parse import urlencode

import numpy as np

from .generate import TZ, YEAR_END
from .report import Figure, median
from .server import get

logger = logging.getLogger(__name__)
FOLIUM_SAMPLE = 100_000
RUNS = 5
TIME_TARGET_MS = 250.0
SPEEDUP_TARGET = 3.0
BYTES_SHARE_TARGET = 0.01
METRES_PER_DEGREE_LAT = 111_320.0


def cell_size_m(zoom):
    """Return the cell edge in metres for a zoom: about 24 screen pixels at ~23°N (as heat_level holds)."""
    metres_per_pixel = 156_543.03 * math.cos(math.radians(23)) / (2 ** zoom)
    return max(10.0, min(20_000.0, round(metres_per_pixel * 24, 1)))


def windows():
    """Return {name: (first day, last day)} of the 1-year and 30-day windows ending the case year."""
    last = (YEAR_END - timedelta(days=1)).date()
    return {"1y": (last - timedelta(days=364), last), "30d": (last - timedelta(days=29), last)}


def views(layout):
    """Return {name: (zoom, bbox or None)}: one community at zoom 17, the whole city at zoom 12."""
    return {"z17": (17, layout.community_extent(0)), "z12": (12, None)}


def _timed(fn, runs=RUNS, warm=1):
    """Return (median seconds of runs after `warm` warm-ups, the last result, the first warm-up's seconds)."""
    started = time.perf_counter()
    fn()  # warm-up (for the app: the first answer since the data changed, counted rather than kept)
    first = time.perf_counter() - started
    for _ in range(warm - 1):
        fn()
    times = []
    result = None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return median(times), result, first


def snap_to_grid(conn, zoom, first, last, bbox):
    """Run the plain aggregation: ST_SnapToGrid at the app's cell size, GROUP BY, every cell fetched."""
    cell_m = cell_size_m(zoom)
    cell_lat = cell_m / METRES_PER_DEGREE_LAT
    cell_lon = cell_m / (METRES_PER_DEGREE_LAT * math.cos(math.radians(23)))
    sql = ("SELECT ST_SnapToGrid(geom, %(clon)s, %(clat)s) AS cell, count(*) FROM civic_case "
           "WHERE received_at >= %(start)s AND received_at < %(end)s")
    params = {"clon": cell_lon, "clat": cell_lat, "start": _start(first), "end": _start(last + timedelta(days=1))}
    if bbox:
        sql += " AND geom && ST_MakeEnvelope(%(x0)s, %(y0)s, %(x1)s, %(y1)s, 4326)"
        params.update(zip(("x0", "y0", "x1", "y1"), bbox, strict=True))
    sql += " GROUP BY 1"

    def run():
        with conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall()

    return run


def _start(day):
    return datetime.combine(day, datetime.min.time(), TZ)


def folium_heatmap_bytes(conn, first, last):
    """Return (bytes, points, extrapolated) of a folium HeatMap page inlining every case point of the window.

    The plain page has no viewport: it ships every point of the window once, whatever the view.
    """
    import folium
    from folium.plugins import HeatMap

    sql = "SELECT ST_Y(geom), ST_X(geom) FROM civic_case WHERE received_at >= %s AND received_at < %s"
    params = [_start(first), _start(last + timedelta(days=1))]
    with conn.cursor() as cur:
        cur.execute(sql + " ORDER BY id", params)
        points = cur.fetchall()
    total = len(points)
    sample = points
    if total > FOLIUM_SAMPLE:
        picks = np.random.default_rng(5).choice(total, FOLIUM_SAMPLE, replace=False)
        sample = [points[i] for i in sorted(picks)]

    def render(pts):
        fmap = folium.Map(location=[23.0, 115.35], zoom_start=12, tiles=None)
        HeatMap(pts, radius=12).add_to(fmap)
        return len(fmap.get_root().render().encode())

    size = render(sample)
    if total > len(sample):
        empty = render([])
        size = empty + (size - empty) * total / len(sample)
    return size, total, total > len(sample)


def _service_timer(url):
    """Return fn(filters, zoom) -> seconds of services.heat.heat_cells in-process (median of RUNS), and a closer."""
    from geo_app import create_app
    from geo_app.extensions import db
    from geo_app.services.heat import heat_cells

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "TESTING": True})
    context = app.app_context()
    context.push()

    def timed(filters, zoom):
        def run():
            heat_cells(db.session, filters, zoom=zoom)
            db.session.rollback()
        return _timed(run)[0]

    def close():
        db.session.remove()
        db.engine.dispose()
        context.pop()

    return timed, close


def measure(conn, url, layout, host, port, workers):
    """Return the heat figures for each window and view."""
    figures = []
    service_time, close = _service_timer(url)
    for wname, (first, last) in windows().items():
        folium_bytes, points, extrapolated = folium_heatmap_bytes(conn, first, last)
        for vname, (zoom, bbox) in views(layout).items():
            query = {"zoom": zoom, "from": first.isoformat(), "to": last.isoformat()}
            if bbox:
                query["bbox"] = ",".join(f"{v:.6f}" for v in bbox)
            path = "/api/v1/heat?" + urlencode(query)

            def fetch(path=path):
                status, body, _ = get(host, port, path)
                if status != 200:
                    raise RuntimeError(f"heat answered {status}: {body[:300]!r}")
                return body

            # Each worker keeps its own answers: warm them all, so the runs time the kept answer, not a recount.
            app_s, body, cold_s = _timed(fetch, warm=3 * workers)
            plain_s, rows, _ = _timed(snap_to_grid(conn, zoom, first, last, bbox))
            service_s = service_time({"from": _start(first), "to": _start(last + timedelta(days=1)),
                                      **({"bbox": bbox} if bbox else {})}, zoom)
            name = f"heat.{wname}.{vname}"
            speedup = plain_s / app_s
            time_ok = speedup >= SPEEDUP_TARGET and (wname != "1y" or app_s * 1e3 <= TIME_TARGET_MS)
            target = f"≤ {TIME_TARGET_MS:.0f} ms and ≥ 3× faster" if wname == "1y" else "≥ 3× faster"
            figures.append(Figure(f"{name}.time", app_s * 1e3, "ms", plain_s * 1e3, "ms (ST_SnapToGrid GROUP BY)",
                                  speedup, "× faster", target, time_ok,
                                  f"cached (the answer kept by case version; no If-None-Match sent); first, "
                                  f"uncached answer {cold_s * 1e3:.1f} ms ({plain_s / cold_s:.2f}× faster); "
                                  f"{len(rows):,} cells; heat_cells in-process {service_s * 1e3:.1f} ms"))
            share = len(body) / folium_bytes
            figures.append(Figure(f"{name}.bytes", len(body), "B", folium_bytes, "B (folium HeatMap, every point)",
                                  share * 100, "% of folium", "≤ 1% of folium", share <= BYTES_SHARE_TARGET,
                                  f"folium page inlines all {points:,} cases of the window"
                                  + (", size extrapolated linearly from a 100k-point sample" if extrapolated else "")))
            logger.info("%s: %.0f ms vs %.0f ms plain; %d B vs %d B folium", name, app_s * 1e3, plain_s * 1e3,
                        len(body), folium_bytes)
    close()
    return figures
