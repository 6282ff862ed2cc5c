"""Nearest sites: services.sites.nearest_sites in-process (server-side time) and over HTTP."""

import logging
import time

import numpy as np

from geo_app import create_app
from geo_app.errors import NotFoundError
from geo_app.extensions import db
from geo_app.services.lookup import lookup
from geo_app.services.sites import nearest_sites

from .report import Figure, percentile
from .server import get

logger = logging.getLogger(__name__)
TARGET_MS = 2.0


def _in_process(url, fn, points, warmup=50):
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "TESTING": True})
    times = []
    with app.app_context():
        for lon, lat in points[:warmup]:
            fn(db.session, lon, lat)
            db.session.rollback()
        for lon, lat in points[warmup:]:
            started = time.perf_counter()
            fn(db.session, lon, lat)
            times.append(time.perf_counter() - started)
            db.session.rollback()
        db.session.remove()
        db.engine.dispose()
    return times


def _lookup_or_outside(session, lon, lat):
    try:
        return lookup(session, lon, lat)
    except NotFoundError:  # outside every community: still a measured answer
        return None


def measure(url, layout, host, port, *, samples, seed):
    """Return the nearest-site figures, and the in-process lookup time as a diagnostic figure."""
    rng = np.random.default_rng([seed, 7])
    points = layout.random_points(rng, samples + 50)
    service = _in_process(url, nearest_sites, points)
    http = []
    for lon, lat in points[: max(200, samples // 5)]:
        status, body, seconds = get(host, port, f"/api/v1/sites/nearest?lat={lat:.7f}&lon={lon:.7f}")
        if status != 200:
            raise RuntimeError(f"nearest answered {status}: {body[:300]!r}")
        http.append(seconds)
    p50 = percentile(service, .5) * 1e3
    lookups = _in_process(url, _lookup_or_outside, points)
    logger.info("nearest: p50 %.2f ms in-process, %.2f ms over HTTP", p50, percentile(http, .5) * 1e3)
    return [
        Figure("nearest.service.p50", p50, "ms", target=f"≤ {TARGET_MS:g} ms", met=p50 <= TARGET_MS,
               note=f"{layout.spec.sites:,} sites, {len(service):,} random points, "
                    f"p99 {percentile(service, .99) * 1e3:.2f} ms"),
        Figure("nearest.http.p50", percentile(http, .5) * 1e3, "ms",
               note=f"one client, {len(http)} requests, p99 {percentile(http, .99) * 1e3:.2f} ms"),
        Figure("lookup.service.p50", percentile(lookups, .5) * 1e3, "ms",
               note=f"in-process services.lookup.lookup, p99 {percentile(lookups, .99) * 1e3:.2f} ms (diagnostic)"),
    ]
