"""The morning views of a 街道 or county admin: case pages (first, deep, overdue) and the KPIs by every grouping.

Each view is fetched over HTTP with the admin token, once to warm up and then RUNS times; the figure is
the median time and the answer's bytes. The deep page is the one 500,000 cases in (half the city;
half the cases at smaller scales), reached with the cursor the page before would give (an offset that far
is refused).
"""

import logging
from collections import namedtuple

from .report import Figure, median
from .server import get

logger = logging.getLogger(__name__)
RUNS = 3
CASES_TARGET_S = 0.2
STATS_TARGET_S = 0.3
STATS_BYTES_TARGET = 200_000
DEEP = 500_000
STATS_GROUPINGS = ("month", "channel", "category", "unit_kind", "community", "assignee")
Position = namedtuple("Position", "received_at id")


def deep_cursor(conn, position=DEEP):
    """Return (position, cursor): the cursor of the case `position` cases in (newest first; at most half of
    them), as the page before would give it."""
    from geo_app.services.case_pages import encode_cursor

    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM civic_case")
        position = max(1, min(position, cur.fetchone()[0] // 2))
        cur.execute("SELECT received_at, id FROM civic_case ORDER BY received_at DESC, id DESC OFFSET %s LIMIT 1",
                    (position - 1,))
        row = cur.fetchone()
    conn.rollback()
    return position, (encode_cursor(Position(*row)) if row else None)


def views(position, cursor):
    """Return [(name, path, seconds target, bytes target)]; without a cursor the deep page is asked by offset."""
    deep = f"/api/v1/cases?limit=100&cursor={cursor}" if cursor else f"/api/v1/cases?limit=100&offset={position}"
    pages = [("cases first page", "/api/v1/cases?limit=100", CASES_TARGET_S, None),
             (f"cases page at {position:,}", deep, CASES_TARGET_S, None),
             ("cases overdue", "/api/v1/cases?overdue=1&limit=100", CASES_TARGET_S, None)]
    stats = [(f"stats by {by}", f"/api/v1/stats?by={by}", STATS_TARGET_S, STATS_BYTES_TARGET)
             for by in STATS_GROUPINGS]
    return pages + stats


def measure_view(host, port, name, path, seconds_target, bytes_target):
    """Return one Figure: the median seconds of RUNS fetches after a warm-up, and the answer's bytes."""
    status, body, _ = get(host, port, path, timeout=300)
    if status != 200:
        return Figure(f"morning {name}", None, "s", skipped=f"HTTP {status}: {body[:200]!r}")
    times = [get(host, port, path, timeout=300)[2] for _ in range(RUNS)]
    seconds = median(times)
    met = seconds <= seconds_target and (bytes_target is None or len(body) <= bytes_target)
    target = f"≤ {seconds_target * 1000:.0f} ms" + (f", ≤ {bytes_target // 1000} kB" if bytes_target else "")
    return Figure(f"morning {name}", seconds * 1000, "ms", target=target, met=met,
                  note=f"{len(body):,} bytes; median of {RUNS}")


def measure(conn, host, port):
    """Yield a Figure for every morning view."""
    for name, path, seconds_target, bytes_target in views(*deep_cursor(conn)):
        figure = measure_view(host, port, name, path, seconds_target, bytes_target)
        logger.info("%s", figure.line())
        yield figure
