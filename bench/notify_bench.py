"""Notifications: commit-to-delivery latency through two `minqing worker` processes into a local receiver.

One transaction per notification (an SMS row and its delivery job, written by services/notify/outbox.add), paced
at a fixed rate from a few producer threads; the receiver (the `http` SMS gateway) records the first arrival of
each X-Notification-Id and counts repeats. Run once healthy and once with the receiver down in the middle.
"""

import json
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from geo_app.services.notify import outbox

from .report import Figure
from .server import free_port

logger = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[1]
PRODUCERS = 4
WORKERS = 2
CONCURRENCY = 8


class Receiver:
    """A local SMS gateway that records arrival times per notification id and can be taken down for a while."""

    def __init__(self):
        self.port, self.arrivals, self.lock, self.server = free_port(), defaultdict(list), threading.Lock(), None

    def up(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.arrivals[self.headers.get("X-Notification-Id")].append(time.time())
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            allow_reuse_address = daemon_threads = True

            def handle_error(self, request, client_address):
                pass

        self.server = Server(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def down(self):
        self.server.shutdown()
        self.server.server_close()


def _percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _workers(url, receiver, workdir):
    config = workdir / "notify_config.py"
    config.write_text(f"SMS_PROVIDER = 'http'\nSMS_HTTP_URL = 'http://127.0.0.1:{receiver.port}/sms'\n"
                      "NOTIFY_QUIET_HOURS = ''\nNOTIFY_DIGEST_TIME = ''\nNOTIFY_MAX_ATTEMPTS = 30\n"
                      "NOTIFY_BACKOFF_SECONDS = 5\nNOTIFY_BACKOFF_MAX_SECONDS = 60\n")
    env = {**os.environ, "DATABASE_URL": url, "MINQING_CONFIG": str(config), "SECRET_KEY": "bench",
           "MINQING_INSTANCE_PATH": str(workdir)}
    return [subprocess.Popen([sys.executable, "-m", "geo_app.cli", "worker", "--queues", "notify", "--concurrency",
                              str(CONCURRENCY), "--name", f"bench-{i}"], cwd=ROOT, env=env,
                             stdout=subprocess.DEVNULL, stderr=open(workdir / f"worker-{i}.log", "w"))  # noqa: SIM115
            for i in range(WORKERS)]


def _wait_for_workers(engine, workers, timeout=120):
    """Wait until every worker has registered (it LISTENs from then on)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            if conn.execute(text("SELECT count(*) FROM procrastinate_workers")).scalar() >= len(workers):
                return
        if any(worker.poll() is not None for worker in workers):
            break
        time.sleep(0.2)
    raise RuntimeError("the benchmark's workers did not start (see worker-*.log in the bench's temp folder)")


def run_once(url, *, count, rate, down_at=None, down_for=60.0, timeout=1800):
    """Produce count notifications at rate/s; return the result as a dict."""
    engine = create_engine(url, pool_size=PRODUCERS)
    with engine.begin() as conn:
        community_id = conn.execute(text("SELECT min(id) FROM community")).scalar()
        first_id = conn.execute(text("SELECT coalesce(max(id), 0) FROM notification")).scalar()
    receiver = Receiver()
    receiver.up()
    workdir = Path(tempfile.mkdtemp(prefix="minqing-bench-notify-"))
    workers = _workers(url, receiver, workdir)
    _wait_for_workers(engine, workers)
    committed, start = {}, time.time()
    params = {"code": "MQ-2026-000001", "title": "楼道堆物", "place": "1号楼", "deadline": "2026-12-01 18:00", "path": "/"}

    def produce(indexes):
        for i in indexes:
            delay = start + i / rate - time.time()
            if delay > 0:
                time.sleep(delay)
            with Session(engine) as session:
                nid = outbox.add(session, community_id=community_id, kind="dispatched", channel="sms",
                                 address="13800000000", params=params)
                session.commit()
            committed[str(nid)] = time.time()

    def outage():
        time.sleep(down_at)
        receiver.down()
        time.sleep(down_for)
        receiver.up()

    threads = [threading.Thread(target=produce, args=(range(k, count, PRODUCERS),)) for k in range(PRODUCERS)]
    if down_at is not None:
        threads.append(threading.Thread(target=outage))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    produced = time.time() - start
    while time.time() - start < timeout:
        with engine.connect() as conn:
            if not conn.execute(text("SELECT count(*) FROM notification WHERE id > :f AND state IN "
                                     "('pending', 'sending')"), {"f": first_id}).scalar():
                break
        time.sleep(0.5)
    drained = time.time() - start
    for worker in workers:
        worker.terminate()
    for worker in workers:
        worker.wait(timeout=60)
    receiver.down()
    with engine.connect() as conn:
        states = dict(conn.execute(text("SELECT state, count(*) FROM notification WHERE id > :f GROUP BY 1"),
                                   {"f": first_id}).all())
        attempts = dict(conn.execute(text("SELECT attempts, count(*) FROM notification WHERE id > :f GROUP BY 1 "
                                          "ORDER BY 1"), {"f": first_id}).all())
    engine.dispose()
    shutil.rmtree(workdir, ignore_errors=True)
    arrivals = receiver.arrivals
    latencies = [min(arrivals[nid]) - at for nid, at in committed.items() if nid in arrivals]
    return {"count": count, "rate": rate, "down": [down_at, down_for] if down_at is not None else None,
            "produced_s": round(produced, 1), "drained_s": round(drained, 1), "committed": len(committed),
            "delivered": sum(1 for nid in committed if nid in arrivals),
            "duplicates": sum(len(v) - 1 for k, v in arrivals.items() if k in committed),
            "states": states, "attempts": attempts,
            "p50": _percentile(latencies, 50) if latencies else None,
            "p99": _percentile(latencies, 99) if latencies else None,
            "mean": statistics.mean(latencies) if latencies else None}


def _figures(label, result):
    note = (f"{result['delivered']}/{result['committed']} delivered, {result['duplicates']} duplicates, "
            f"{result['count']} at {result['rate']:g}/s, drained in {result['drained_s']} s, "
            f"states {json.dumps(result['states'], ensure_ascii=False)}")
    complete = result["delivered"] == result["committed"] == result["count"]
    return [
        Figure(f"notify{label}.p50", result["p50"], "s", note=note),
        Figure(f"notify{label}.p99", result["p99"], "s", target="delivered = committed, 0 duplicates",
               met=complete and result["duplicates"] == 0),
    ]


def measure(url, *, count=10_000, rate=20.0, down_for=60.0):
    """Return the figures of a healthy run and of a run with the receiver down for down_for s in the middle."""
    figures = _figures("", run_once(url, count=count, rate=rate))
    if down_for:
        middle = count / rate / 2 - down_for / 2
        figures += _figures(f".down{down_for:g}s", run_once(url, count=count, rate=rate, down_at=max(0.0, middle),
                                                          down_for=down_for))
    return figures
