#!/usr/bin/env python3
"""Load check: post many cases concurrently to a running 民情地图 and verify each acknowledged one is stored once.

It starts nothing itself (tools/loadcheck.sh does: the embedded demo under gunicorn). Every case carries its
own Idempotency-Key; a post that meets a connection error or a 5xx is retried with the SAME key, so a retry of
a post that was in fact stored must not store it again. Afterwards every acknowledged code is read back
(GET /api/v1/cases/{code}), or, with --database-url, the rows are counted in the database directly.

    .venv/bin/python tools/loadcheck.py --url http://127.0.0.1:8000 --count 2000 --concurrency 32 [--token T]

Prints `posted: N, acknowledged: A, stored: S, duplicates: D, 5xx: E` and exits 0 only when A == S == N,
D == 0 and E == 0 (1 otherwise, 2 when the server cannot be reached at all).
"""

import argparse
import json
import random
import statistics
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from http.client import HTTPException
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILDINGS = ROOT / "layers" / "buildings.geojson"
TITLE_PREFIX = "负载检查"
CATEGORIES = ("hazard", "environment", "dispute", "hardship", "suggestion", "other")
CHANNELS = ("resident", "grid_worker", "rider", "patrol", "night_talk")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="Base URL of the running app, e.g. http://127.0.0.1:8000")
    parser.add_argument("--count", type=int, default=2000, help="Cases to post (default 2000).")
    parser.add_argument("--concurrency", type=int, default=32, help="Posts in flight at once (default 32).")
    parser.add_argument("--token", help="API token (Authorization: Bearer …); exempts the posts from the "
                                        "anonymous rate limit and lets the read-back see whole cases.")
    parser.add_argument("--database-url", help="Count the stored rows in this database (SQLAlchemy URL) "
                                               "instead of reading each case back over HTTP.")
    parser.add_argument("--attempts", type=int, default=10, help="Attempts per case before giving up (default 10).")
    parser.add_argument("--timeout", type=float, default=60, help="Seconds per HTTP request (default 60).")
    parser.add_argument("--seed", type=int, default=2024, help="Seed for the case positions.")
    args = parser.parse_args(argv)
    if args.count < 1 or args.concurrency < 1 or args.attempts < 1:
        parser.error("--count, --concurrency and --attempts must be at least 1")
    args.url = args.url.rstrip("/")
    return args


# -- what to post ---------------------------------------------------------------------------------

def building_points(count, seed):
    """Return count (lon, lat) points spread over the demo buildings, each well inside its building."""
    from shapely.geometry import Point, shape

    features = json.loads(BUILDINGS.read_text(encoding="utf-8"))["features"]
    shapes = [shape(f["geometry"]).buffer(-0.000005) for f in features]  # ~0.5 m inside the walls
    rng = random.Random(seed)
    points = []
    for i in range(count):
        polygon = shapes[i % len(shapes)]
        minx, miny, maxx, maxy = polygon.bounds
        for _ in range(1000):
            lon, lat = round(rng.uniform(minx, maxx), 7), round(rng.uniform(miny, maxy), 7)
            if polygon.contains(Point(lon, lat)):
                break
        else:
            p = polygon.representative_point()
            lon, lat = round(p.x, 7), round(p.y, 7)
        points.append((lon, lat))
    return points


def case_title(run_id, index):
    return f"{TITLE_PREFIX} {run_id} #{index:06d}"


def case_body(run_id, index, point):
    lon, lat = point
    return {"title": case_title(run_id, index), "description": "负载检查自动生成，可删除 (load check, synthetic)",
            "channel": CHANNELS[index % len(CHANNELS)], "category": CATEGORIES[index % len(CATEGORIES)],
            "lat": lat, "lon": lon, "anonymous": True}


# -- HTTP ------------------------------------------------------------------------------------------

class Client:
    """Send requests and keep the tallies the report is made of (thread-safe)."""

    def __init__(self, base_url, token, timeout):
        self.base_url = base_url
        self.token = token
        self.timeout = timeout
        self.lock = threading.Lock()
        self.server_errors = 0  # every 5xx answer seen, retried or not
        self.connection_errors = 0
        self.refusals = {}  # 4xx status → count
        self.refusal_sample = None
        self.retried_posts = 0
        self.latencies = []
        self.tracking_codes = {}  # case code → the public tracking code its receipt carried

    def request(self, path, body=None, headers=None):
        """Send one request; return (status, JSON or None). Connection failures raise OSError/HTTPException."""
        headers = {"Accept": "application/json", **(headers or {})}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = None
        if body is not None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(self.base_url + path, data=data, headers=headers,
                                     method="POST" if body is not None else "GET")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as response:
                return response.status, _json(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, _json(exc.read())

    def post_case(self, key, body, attempts):
        """Post one case, retrying connection errors and 5xx with the same key; return its code or None."""
        delay = 0.1
        for attempt in range(attempts):
            if attempt:
                with self.lock:
                    self.retried_posts += attempt == 1
                time.sleep(delay)
                delay = min(delay * 2, 2.0)
            started = time.monotonic()
            try:
                status, payload = self.request("/api/v1/cases", body, {"Idempotency-Key": key})
            except (OSError, HTTPException):
                with self.lock:
                    self.connection_errors += 1
                continue
            with self.lock:
                self.latencies.append(time.monotonic() - started)
                if status >= 500:
                    self.server_errors += 1
                elif status >= 400:
                    self.refusals[status] = self.refusals.get(status, 0) + 1
                    self.refusal_sample = self.refusal_sample or (status, payload)
            if status in (200, 201) and isinstance(payload, dict) and payload.get("code"):
                with self.lock:
                    self.tracking_codes[payload["code"]] = payload.get("tracking_code")
                return payload["code"]
            if 400 <= status < 500:
                return None  # a refusal is an answer: retrying the same request would not change it
        return None


def _json(raw):
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None


# -- checking --------------------------------------------------------------------------------------

def check_over_http(client, run_id, acknowledged, concurrency, since):
    """Read every acknowledged case back; return (stored, duplicates or None, mismatched codes)."""
    def read_back(item):
        index, code = item
        status, payload = client.request(f"/api/v1/cases/{urllib.parse.quote(code)}")
        if status in (401, 403):  # not allowed to see whole cases: existence is what tracking shows
            tracking_code = client.tracking_codes.get(code) or ""
            status, payload = client.request(f"/api/v1/track/{urllib.parse.quote(tracking_code)}")
            return status == 200, False
        if status != 200:
            return False, False
        return True, payload.get("title") != case_title(run_id, index)

    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(read_back, sorted(acknowledged.items())))
    stored = sum(found and not wrong for found, wrong in results)
    mismatched = sum(wrong for _, wrong in results)
    return stored, count_duplicates_over_http(client, run_id, since), mismatched


def count_duplicates_over_http(client, run_id, since):
    """Count this run's cases stored more than once by listing cases received since the run began.

    Returns None when the caller may not list cases (a cadre or admin token is needed).
    """
    seen = {}
    offset = 0
    for _ in range(10_000):  # bounded: at most 10 million cases
        query = urllib.parse.urlencode({"from": since.isoformat(), "limit": 1000, "offset": offset})
        status, page = client.request(f"/api/v1/cases?{query}")
        if status != 200 or not isinstance(page, dict):
            return None
        for case in page.get("cases", []):
            if case.get("title", "").startswith(f"{TITLE_PREFIX} {run_id} #"):
                seen[case["title"]] = seen.get(case["title"], 0) + 1
        offset += len(page.get("cases", []))
        if not page.get("cases") or offset >= page.get("total", 0):
            break
    return sum(n - 1 for n in seen.values())


def check_in_database(database_url, run_id, acknowledged):
    """Count this run's rows in the database; return (stored, duplicates, mismatched codes)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT title, code FROM civic_case WHERE title LIKE :prefix"),
                                {"prefix": f"{TITLE_PREFIX} {run_id} #%"}).all()
    finally:
        engine.dispose()
    codes_by_title = {}
    for title, code in rows:
        codes_by_title.setdefault(title, []).append(code)
    duplicates = sum(len(codes) - 1 for codes in codes_by_title.values())
    mismatched = sum(codes_by_title.get(case_title(run_id, i), [None])[0] != code
                     for i, code in acknowledged.items())
    return len(codes_by_title), duplicates, mismatched


# -- main ------------------------------------------------------------------------------------------

def main(argv=None):
    args = parse_args(argv)
    client = Client(args.url, args.token, args.timeout)
    try:
        status, _ = client.request("/healthz")
    except (OSError, HTTPException) as exc:
        print(f"cannot reach {args.url}: {exc}", file=sys.stderr)
        return 2
    if status != 200:
        print(f"{args.url}/healthz answered {status}; is the database up?", file=sys.stderr)
        return 2

    run_id = uuid.uuid4().hex[:10]
    points = building_points(args.count, args.seed)
    since = datetime.now(UTC) - timedelta(seconds=5)
    acknowledged = {}

    def post(index):
        code = client.post_case(f"loadcheck-{run_id}-{index}", case_body(run_id, index, points[index]), args.attempts)
        if code:
            acknowledged[index] = code  # distinct keys per thread: safe under the GIL

    started = time.monotonic()
    with ThreadPoolExecutor(args.concurrency) as pool:
        list(pool.map(post, range(args.count)))
    elapsed = time.monotonic() - started

    if args.database_url:
        stored, duplicates, mismatched = check_in_database(args.database_url, run_id, acknowledged)
    else:
        stored, duplicates, mismatched = check_over_http(client, run_id, acknowledged, args.concurrency, since)

    print(f"posted: {args.count}, acknowledged: {len(acknowledged)}, stored: {stored}, "
          f"duplicates: {'n/a' if duplicates is None else duplicates}, 5xx: {client.server_errors}")
    latencies = sorted(client.latencies) or [0.0]
    print(f"run {run_id}: {elapsed:.1f} s, {args.count / elapsed:.0f} posts/s at concurrency {args.concurrency}; "
          f"latency p50 {statistics.median(latencies) * 1000:.0f} ms, "
          f"p95 {latencies[int(0.95 * (len(latencies) - 1))] * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms; "
          f"posts retried: {client.retried_posts}, connection errors: {client.connection_errors}, "
          f"4xx: {client.refusals or 0}, checked {'in the database' if args.database_url else 'over HTTP'}")
    if mismatched:
        print(f"{mismatched} acknowledged codes do not hold the case that was posted", file=sys.stderr)
    if duplicates is None:
        print("duplicates not counted: listing cases needs a cadre/admin --token, or use --database-url",
              file=sys.stderr)
    if 429 in client.refusals:
        print("posts were rate-limited (429): pass --token (minqing users token NAME)", file=sys.stderr)
    elif client.refusal_sample:
        print(f"example refusal: {client.refusal_sample}", file=sys.stderr)

    ok = (len(acknowledged) == stored == args.count and client.server_errors == 0 and not mismatched
          and duplicates in (0, None))
    print("OK: every post acknowledged and stored exactly once, no 5xx" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
