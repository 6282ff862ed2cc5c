"""The app (or the minimal baseline) under gunicorn sync, gunicorn gthread or granian on a free local port, and a
small HTTP load generator."""

import http.client
import logging
import multiprocessing
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

logger = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[1]
CONFIG = """\
RATELIMIT_ENABLED = False
RATELIMIT_STORAGE_URI = "memory://"
"""


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


SERVER_KINDS = ("gthread", "sync", "granian")  # the first is `minqing serve`'s (chosen by these figures)
THREADS = 4  # per worker, for gthread and granian's blocking threads


def server_command(kind, target, workers, port):
    """Return the command serving the WSGI target (module:app) with one of SERVER_KINDS on 127.0.0.1:port."""
    if kind == "granian":
        return [sys.executable, "-m", "granian", "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port),
                "--workers", str(workers), "--blocking-threads", str(THREADS), "--log-level", "warning", target]
    threads = ["-k", "gthread", "--threads", str(THREADS)] if kind == "gthread" else []
    return [sys.executable, "-m", "gunicorn", "-w", str(workers), *threads, "-b", f"127.0.0.1:{port}",
            "--log-level", "warning", "--timeout", "120", target]


@contextmanager
def gunicorn(database_url, *, workers, default_community, kind="sync", target="geo_app.wsgi:app", settings=None):
    """Serve the WSGI target (the app by default) with a SERVER_KINDS server on 127.0.0.1; yield (host, port).

    settings: more app settings ({name: value}) for this server's config file.
    """
    port = free_port()
    instance = Path(tempfile.mkdtemp(prefix="minqing-bench-instance-"))
    config = instance / "bench_config.py"
    config.write_text(CONFIG + "".join(f"{name} = {value!r}\n" for name, value in (settings or {}).items()))
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "bench-" + os.urandom(8).hex(),
           "DEFAULT_COMMUNITY": default_community, "MINQING_INSTANCE_PATH": str(instance),
           "MINQING_CONFIG": str(config)}
    log = open(instance / "gunicorn.log", "w")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(server_command(kind, target, workers, port),
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    health = "/healthz" if target == "geo_app.wsgi:app" else "/lookup?lat=0&lon=0"
    try:
        deadline = time.monotonic() + 300  # a loaded shared machine can take minutes to import the app
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{health}", timeout=5) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{kind} did not come up:\n{(instance / 'gunicorn.log').read_text()[-3000:]}")
            time.sleep(0.3)
        yield ("127.0.0.1", port)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        shutil.rmtree(instance, ignore_errors=True)


def api_token(database_url):
    """Create an admin account with an API token in the bench database; return the token (None without accounts)."""
    try:
        from geo_app.services.accounts import add_user, issue_token
    except ImportError:  # an app without accounts serves its API openly
        return None
    from geo_app import create_app
    from geo_app.extensions import db

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "bench", "TESTING": True})
    with app.app_context():
        add_user(db.session, "bench", "admin", os.urandom(16).hex(), actor="bench")
        token = issue_token(db.session, "bench", actor="bench")
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return token


HEADERS = {}


def authorise(token):
    """Send this API token with every request the benchmark makes."""
    HEADERS.clear()
    if token:
        HEADERS["Authorization"] = f"Bearer {token}"


def get(host, port, path, timeout=60):
    """GET path; return (status, body bytes, seconds)."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", path, headers=HEADERS)
        resp = conn.getresponse()
        body = resp.read()
        return resp.status, body, time.perf_counter() - started
    finally:
        conn.close()


def _client_thread(host, port, paths, offset, deadline, latencies, errors):
    conn = None
    index = offset
    while time.perf_counter() < deadline:
        path = paths[index % len(paths)]
        index += 1
        started = time.perf_counter()
        try:
            if conn is None:
                conn = http.client.HTTPConnection(host, port, timeout=30)
            conn.request("GET", path, headers=HEADERS)
            resp = conn.getresponse()
            resp.read()
            if resp.will_close:
                conn.close()
                conn = None
            if resp.status >= 500 or resp.status in (401, 403, 429):
                errors.append(resp.status)
                continue
        except (OSError, http.client.HTTPException) as exc:
            errors.append(type(exc).__name__)
            if conn is not None:
                conn.close()
            conn = None
            continue
        latencies.append(time.perf_counter() - started)
    if conn is not None:
        conn.close()


def _client_process(host, port, paths, threads, first_offset, duration, queue):
    deadline = time.perf_counter() + duration
    latencies, errors = [], []
    workers = [threading.Thread(target=_client_thread,
                                args=(host, port, paths, first_offset + i * 997, deadline, latencies, errors))
               for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    queue.put((latencies, errors))


def load(host, port, paths, clients, duration, processes=2):
    """Run `clients` concurrent keep-alive-if-possible clients for `duration` s; return (latencies, errors, s)."""
    processes = max(1, min(processes, clients))
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    shares = [clients // processes + (1 if i < clients % processes else 0) for i in range(processes)]
    started = time.perf_counter()
    procs = [context.Process(target=_client_process, args=(host, port, paths, n, i * 7919, duration, queue))
             for i, n in enumerate(shares)]
    for proc in procs:
        proc.start()
    latencies, errors = [], []
    for _ in procs:
        got_latencies, got_errors = queue.get()
        latencies += got_latencies
        errors += got_errors
    for proc in procs:
        proc.join()
    return latencies, errors, time.perf_counter() - started
