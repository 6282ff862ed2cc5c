"""Lookup: /api/v1/lookup over HTTP under gunicorn against the raw PostGIS query under pgbench."""

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
TARGET_SHARE = 0.25

# The whole lookup in one statement: the community at the point, the most specific unit of each kind
# covering it, and the people currently responsible — what the three queries of services/lookup do.
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


def measure(cluster, dbname, layout, host, port, *, clients_levels, duration, seed):
    """Return the lookup figures: app req/s, p50, p99 at each concurrency against pgbench's raw throughput."""
    rng = np.random.default_rng([seed, 99])
    paths = [f"/api/v1/lookup?lat={lat:.7f}&lon={lon:.7f}" for lon, lat in layout.random_points(rng, 4000)]
    for path in paths[:40]:  # warm every worker and its connection pool
        status, body, _ = get(host, port, path)
        if status not in (200, 404):
            raise RuntimeError(f"lookup answered {status}: {body[:300]!r}")
    script = pgbench_script(layout)
    figures = []
    for clients in clients_levels:
        latencies, errors, _ = load(host, port, paths, clients, duration)
        rps = len(latencies) / duration
        time.sleep(1)
        tps, raw_latencies = run_pgbench(cluster, dbname, script, clients, duration)
        share = rps / tps if tps else None
        note = (f"p50 {percentile(latencies, .5) * 1e3:.1f} ms, p99 {percentile(latencies, .99) * 1e3:.1f} ms; "
                f"raw p50 {percentile(raw_latencies, .5) * 1e3:.2f} ms, p99 {percentile(raw_latencies, .99) * 1e3:.2f} ms")
        if errors:
            note += f"; {len(errors)} errors ({sorted(set(map(str, errors)))[:3]})"
        figures.append(Figure(f"lookup.c{clients}.throughput", rps, "req/s", tps, "tx/s (pgbench, raw SQL)", share,
                              "× raw", "≥ 0.25× raw", share is not None and share >= TARGET_SHARE, note))
        figures.append(Figure(f"lookup.c{clients}.p50", percentile(latencies, .5) * 1e3, "ms",
                              percentile(raw_latencies, .5) * 1e3, "ms (raw)"))
        figures.append(Figure(f"lookup.c{clients}.p99", percentile(latencies, .99) * 1e3, "ms",
                              percentile(raw_latencies, .99) * 1e3, "ms (raw)"))
        logger.info("lookup with %d clients: %.0f req/s vs %.0f tx/s raw", clients, rps, tps or 0)
    return figures
