"""Run the benchmark: `python -m bench.run --scale small|city` (what `make bench SCALE=…` does).

Starts a private PostgreSQL + PostGIS cluster, generates the dataset, serves the app with gunicorn,
measures every figure next to its plain baseline, prints one line per figure and writes the
scale's section of docs/benchmarks.md.
"""

import argparse
import logging
import os
import sys
import time
from dataclasses import dataclass, replace
from urllib.parse import urlencode

from . import (
    agreement,
    heat_bench,
    import_bench,
    lookup_bench,
    mapload_bench,
    morning_bench,
    nearest_bench,
    notify_bench,
    page_bench,
    photo_bench,
    tiles_bench,
)
from .cluster import connect, migrated_database, private_cluster
from .generate import generate
from .layout import SCALES, Layout
from .report import Figure, machine, section, write_doc
from .server import HEADERS, SERVER_KINDS, THREADS, api_token, authorise, gunicorn

logger = logging.getLogger("bench")
DBNAME = "bench"
FIGURE_GROUPS = ("lookup", "nearest", "heat", "morning", "page", "tiles", "mapload", "photo", "import", "notify")


@dataclass(frozen=True)
class Plan:
    """How hard to push at a scale."""

    clients: tuple
    duration: int
    workers: int
    nearest_samples: int


PLANS = {
    "tiny": Plan(clients=(1, 4), duration=3, workers=2, nearest_samples=200),
    "small": Plan(clients=(1, 4, 8), duration=8, workers=4, nearest_samples=1000),
    "city": Plan(clients=(1, 4, 8), duration=15, workers=4, nearest_samples=2000),
}

NOTES = [
    "Everything (PostgreSQL, gunicorn, pgbench, the Python load generator, chromium) shares the same cores, "
    "so each side's client steals CPU from its server; the raw side's pgbench client is C and much lighter.",
    "lookup raw = one prepared SQL statement (community, covering units, current people) under pgbench -M prepared "
    "with the same random-point distribution (uniform inside random communities).",
    "heat baseline (a) = `ST_SnapToGrid(geom, cell) … GROUP BY` with the same window/bbox at the app's cell size, "
    "every cell fetched through psycopg2; times are medians of 5 after a warm-up; the app's time is over HTTP.",
    "import figures include reading the GeoPackage; import_layer also validates every geometry, upserts on the "
    "natural key and links every building to its lane.",
    "Cases are written without their case_event history (nothing measured reads it).",
    "photo figures: each report is a multipart POST with one ~4 MB 4000×3000 JPEG (EXIF GPS, Orientation 6), two "
    "at a time; served bytes are the first report's display and thumbnail of a synthetic picture (real photographs "
    "gave a median of 596 kB and 26 kB in the issue-12 research).",
]


def emit(figure, collected):
    collected.append(figure)
    print(figure.line(), flush=True)


def _serve_side_by_side(cluster, url, layout, plan, servers, seed, figures, notes):
    """Measure the lookup (app, minimal view, pgbench) and a heat view under each server kind, one after another."""
    raw = {}
    community_view = "/api/v1/heat?" + urlencode({"zoom": 17, "bbox": ",".join(f"{v:.6f}" for v in
                                                                              layout.community_extent(0))})
    for kind in servers:
        with gunicorn(url, workers=plan.workers, default_community="C001", kind=kind) as app, \
                gunicorn(url, workers=plan.workers, default_community="C001", kind=kind,
                         target="bench.minimal_app:app") as minimal:
            for figure in lookup_bench.measure(cluster, DBNAME, layout, app, minimal, kind=kind,
                                               clients_levels=plan.clients, duration=plan.duration, seed=seed, raw=raw):
                emit(figure, figures)
            emit(lookup_bench.measure_heat_view(app, community_view, kind=kind, clients=4, duration=plan.duration),
                 figures)
    notes.append(f"servers: {plan.workers} workers each; sync = gunicorn sync workers, gthread = gunicorn "
                 f"-k gthread --threads {THREADS}, granian = granian --interface wsgi --blocking-threads {THREADS}; "
                 f"load generator: 2 processes of threads, {plan.duration} s per concurrency level; the minimal view "
                 "(bench/minimal_app.py) runs services/lookup.LOOKUP through psycopg2 under the same server")


def _measure_map_load(url, plan, kind, figures, notes):
    """The cadre's /map of C001 in chromium, from tiles and embedded, on two servers that differ only in that."""
    tiled = {"TILES_ABOVE_FEATURES": mapload_bench.TILED}
    embedded = {"TILES_ABOVE_FEATURES": mapload_bench.EMBEDDED}
    with gunicorn(url, workers=plan.workers, default_community="C001", kind=kind, settings=tiled) as tiles_app, \
            gunicorn(url, workers=plan.workers, default_community="C001", kind=kind, settings=embedded) as json_app:
        for figure in mapload_bench.measure(url, {"tiled": tiles_app, "embedded": json_app}, "C001"):
            emit(figure, figures)
    notes.append(f"mapload: two {kind} servers of {plan.workers} workers, TILES_ABOVE_FEATURES "
                 f"{mapload_bench.TILED} and {mapload_bench.EMBEDDED:,}; see bench/mapload_bench.py for what "
                 "'drawn' means")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument("--seed", type=int, default=None, help="dataset seed (default: the scale's)")
    parser.add_argument("--only", default=",".join(FIGURE_GROUPS),
                        help=f"comma-separated figure groups to measure ({','.join(FIGURE_GROUPS)})")
    parser.add_argument("--notify-count", type=int, default=10_000, help="notifications per notify run")
    parser.add_argument("--notify-rate", type=float, default=20.0, help="notifications committed per second")
    parser.add_argument("--notify-down", type=float, default=60.0,
                        help="seconds the receiver is down in the middle of the second notify run (0: no such run)")
    parser.add_argument("--servers", default=",".join(SERVER_KINDS),
                        help="comma-separated servers to measure the lookup and a heat view under, side by side "
                             f"({','.join(SERVER_KINDS)}); the other figures use the first")
    parser.add_argument("--no-write", action="store_true", help="do not update docs/benchmarks.md")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("bench").setLevel(logging.INFO)
    only = {g.strip() for g in args.only.split(",") if g.strip()}
    servers = [k.strip() for k in args.servers.split(",") if k.strip()]
    if not servers or set(servers) - set(SERVER_KINDS):
        parser.error(f"--servers: choose among {', '.join(SERVER_KINDS)}")
    unknown = only - set(FIGURE_GROUPS)
    if unknown:
        parser.error(f"unknown figure groups: {', '.join(sorted(unknown))}")

    spec = SCALES[args.scale] if args.seed is None else replace(SCALES[args.scale], seed=args.seed)
    plan = PLANS[args.scale]
    layout = Layout(spec).check()
    started = time.perf_counter()
    load_at_start = os.getloadavg()[0]
    figures, notes = [], list(NOTES)
    with private_cluster() as cluster:
        url = migrated_database(cluster, DBNAME)
        conn = connect(cluster, DBNAME)
        t0 = time.perf_counter()
        counts = generate(conn, spec)
        emit(Figure("generate", time.perf_counter() - t0, "s",
                    note=", ".join(f"{v:,} {k}" for k, v in counts.items())), figures)
        with conn.cursor() as cur:
            cur.execute("SELECT current_setting('server_version'), postgis_lib_version(), postgis_geos_version()")
            pg_version, postgis, geos = cur.fetchone()
        facts = machine(pg_version, f"{postgis} (GEOS {geos})")
        conn.rollback()
        conn.autocommit = True
        authorise(api_token(url))
        if "lookup" in only:
            _serve_side_by_side(cluster, url, layout, plan, servers, spec.seed, figures, notes)
        notes.append(f"nearest, heat, page and photo figures: the app under {servers[0]}, {plan.workers} workers")
        with gunicorn(url, workers=plan.workers, default_community="C001", kind=servers[0]) as (host, port):
            if "lookup" in only:
                emit(agreement.measure(url, layout, samples=plan.nearest_samples, seed=spec.seed), figures)
            if "nearest" in only:
                for figure in nearest_bench.measure(url, layout, host, port, samples=plan.nearest_samples,
                                                    seed=spec.seed):
                    emit(figure, figures)
            if "heat" in only:
                for figure in heat_bench.measure(conn, url, layout, host, port, plan.workers):
                    emit(figure, figures)
            if "morning" in only:
                for figure in morning_bench.measure(conn, host, port):
                    emit(figure, figures)
            if "page" in only:
                for figure in page_bench.measure(host, port, HEADERS):
                    emit(figure, figures)
            if "tiles" in only:
                for figure in tiles_bench.measure(layout, host, port, seed=spec.seed):
                    emit(figure, figures)
            if "photo" in only:
                for figure in photo_bench.measure(layout, host, port, seed=spec.seed):
                    emit(figure, figures)
        conn.close()
        if "mapload" in only:
            _measure_map_load(url, plan, servers[0], figures, notes)
        if "notify" in only:
            notes.append(f"notify: {notify_bench.WORKERS} `minqing worker` processes × {notify_bench.CONCURRENCY} "
                         f"threads, {notify_bench.PRODUCERS} producer threads, one transaction per notification; "
                         "latency = first arrival at the local receiver − the producer's commit")
            for figure in notify_bench.measure(url, count=args.notify_count, rate=args.notify_rate,
                                               down_for=args.notify_down):
                emit(figure, figures)
        if "import" in only:
            for figure in import_bench.measure(cluster, spec.buildings, spec.seed):
                emit(figure, figures)
    elapsed = time.perf_counter() - started
    facts["load average (1 min) at start / end"] = f"{load_at_start:.1f} / {os.getloadavg()[0]:.1f}"
    missed = [f.name for f in figures if f.met is False]
    print(f"total: {elapsed / 60:.1f} min; targets missed: {', '.join(missed) if missed else 'none'}", flush=True)
    if not args.no_write:
        path = write_doc(args.scale, section(args.scale, spec, facts, figures, notes, elapsed))
        print(f"wrote {path}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
