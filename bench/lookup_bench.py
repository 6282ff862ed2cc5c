"""Lookup: /api/v1/lookup over HTTP against a minimal Flask view of the same statement under the same server, and
against the raw statement under pgbench."""

import glob
import logging
import os
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from geo_app.embedded_pg import DB_USER, find_bindir

from .report import Figure, percentile
from .server import get, load

logger = logging.getLogger(__name__)
MINIMAL_SHARE = 0.75
RAW_SHARE = 0.10

# The whole lookup in one statement: the community at the point, the most specific unit of each kind
# covering it, and the people currently responsible — what services/lookup.LOOKUP does, for pgbench.
RAW_LOOKUP_SQL = """\
WITH here AS (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS pt),
cm AS (SELECT c.id, c.code, c.name FROM community c, here WHERE ST_Covers(c.boundary, here.pt)
       ORDER BY ST_Area(c.boundary), c.id LIMIT 1),
units AS (SELECT DISTINCT ON (u.rank) u.id, u.kind, u.code, u.name, u.address, u.rank FROM (
    SELECT u.*, CASE u.kind WHEN 'building' THEN 0 WHEN 'shop' THEN 1 WHEN 'lane' THEN 2 WHEN 'street' THEN 3 ELSE 4 END AS rank
    FROM unit u, cm, here WHERE u.community_id = cm.id AND ST_Covers(u.geom, here.pt)) u
  ORDER BY u.rank, ST_Area(u.geom), u.id)
SELECT cm.code, units.kind, units.code, units.name, p.name, p.phone, r.role
FROM cm LEFT JOIN units ON true
LEFT JOIN responsibility r ON r.unit_id = units.id AND r.since <= CURRENT_DATE AND (r.until IS NULL OR r.until > CURRENT_DATE)
LEFT JOIN person p ON p.id = r.person_id
ORDER BY units.rank, r.id;
"""


def pgbench_script(layout):
    """Return the pgbench script: a random point inside a random community, then the raw lookup."""
    return layout.random_point_sql() + "\n" + RAW_LOOKUP_SQL


def run_pgbench(cluster, dbname, script, clients, duration):
    """Run pgbench with a custom script; return (tps, per-transaction latencies in seconds)."""
    pgbench = os.path.join(find_bindir(), "pgbench")
    with tempfile.TemporaryDirectory(prefix="minqing-pgbench-") as tmp:
        script_path = Path(tmp) / "lookup.sql"
        script_path.write_text(script)
        out = subprocess.run(
            [pgbench, "-n", "-h", str(cluster.socket_dir), "-U", DB_USER, "-f", str(script_path), "-c", str(clients),
             "-j", str(min(clients, 2)), "-T", str(duration), "-M", "prepared", "-l", "--log-prefix",
             str(Path(tmp) / "pgb"), dbname],
            capture_output=True, text=True, check=False, cwd=tmp,
        )
        if out.returncode != 0:
            raise RuntimeError(f"pgbench failed:\n{out.stdout}\n{out.stderr}")
        tps = None
        for line in out.stdout.splitlines():
            if line.startswith("tps ="):
                tps = float(line.split()[2])
        latencies = []
        for log in glob.glob(str(Path(tmp) / "pgb.*")):
            with open(log) as fh:
                latencies += [int(row.split()[2]) / 1e6 for row in fh if row.strip()]
    return tps, latencies


def _warm(host, port, paths):
    for path in paths[:40]:  # warm every worker and its connection pool
        status, body, _ = get(host, port, path)
        if status not in (200, 404):
            raise RuntimeError(f"lookup answered {status}: {body[:300]!r}")


def _p(latencies, q):
    return percentile(latencies, q) * 1e3 if latencies else float("nan")


def measure(cluster, dbname, layout, app, minimal, *, kind, clients_levels, duration, seed, raw):
    """Return the lookup figures under one server kind: the app's req/s against the minimal view's and pgbench's.

    app and minimal are (host, port); raw is {clients: (tps, latencies)}, filled by the first call (pgbench does
    not depend on the server) and reused by the others.
    """
    rng = np.random.default_rng([seed, 99])
    points = layout.random_points(rng, 4000)
    paths = [f"/api/v1/lookup?lat={lat:.7f}&lon={lon:.7f}" for lon, lat in points]
    minimal_paths = [f"/lookup?lat={lat:.7f}&lon={lon:.7f}" for lon, lat in points]
    _warm(*app, paths)
    _warm(*minimal, minimal_paths)
    script = pgbench_script(layout)
    figures = []
    for clients in clients_levels:
        latencies, errors, _ = load(*app, paths, clients, duration)
        time.sleep(1)
        base_latencies, base_errors, _ = load(*minimal, minimal_paths, clients, duration)
        if clients not in raw:
            time.sleep(1)
            raw[clients] = run_pgbench(cluster, dbname, script, clients, duration)
        tps, raw_latencies = raw[clients]
        rps, base_rps = len(latencies) / duration, len(base_latencies) / duration
        share, raw_share = rps / base_rps if base_rps else None, rps / tps if tps else None
        note = (f"p50 {_p(latencies, .5):.1f} ms, p99 {_p(latencies, .99):.1f} ms; minimal p50 "
                f"{_p(base_latencies, .5):.1f} ms, p99 {_p(base_latencies, .99):.1f} ms")
        if errors or base_errors:
            note += f"; errors app {len(errors)}, minimal {len(base_errors)} ({sorted(set(map(str, errors)))[:3]})"
        name = f"lookup.{kind}.c{clients}"
        figures.append(Figure(f"{name}.vs_minimal", rps, "req/s", base_rps, "req/s (minimal Flask + psycopg2 view)",
                              share, "× minimal", f"≥ {MINIMAL_SHARE}× minimal",
                              share is not None and share >= MINIMAL_SHARE, note))
        figures.append(Figure(f"{name}.vs_raw", rps, "req/s", tps, "tx/s (pgbench, raw SQL)", raw_share, "× raw",
                              f"≥ {RAW_SHARE}× raw", raw_share is not None and raw_share >= RAW_SHARE,
                              f"raw p50 {_p(raw_latencies, .5):.2f} ms, p99 {_p(raw_latencies, .99):.2f} ms"))
        logger.info("lookup %s with %d clients: %.0f req/s vs %.0f minimal, %.0f tx/s raw", kind, clients, rps,
                    base_rps, tps or 0)
    return figures


def measure_heat_view(app, path, *, kind, clients, duration):
    """Return the throughput of one heat view (a community at zoom 17) under a server kind: answers kept or 304."""
    status, body, _ = get(*app, path)
    if status != 200:
        raise RuntimeError(f"heat answered {status}: {body[:300]!r}")
    latencies, errors, _ = load(*app, [path], clients, duration)
    return Figure(f"heat.{kind}.z17.c{clients}", len(latencies) / duration, "req/s",
                  note=f"the same view again and again (its kept answer), p50 {_p(latencies, .5):.1f} ms"
                       + (f"; {len(errors)} errors" if errors else ""))
