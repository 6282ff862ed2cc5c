"""Real servers for tests: the app under gunicorn, redis-server and nginx, each on a free loopback port."""

import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def post_from(source, url, body):
    """POST JSON from a given local source address (another loopback client); return the status."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30, source_address=(source, 0))
    try:
        conn.request("POST", parts.path, body=json.dumps(body), headers={"Content-Type": "application/json"})
        return conn.getresponse().status
    finally:
        conn.close()


def wait_for(url, proc, log, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not come up:\n{Path(log).read_text()[-3000:]}")
        time.sleep(0.2)


def request(url, *, method="GET", body=None, headers=None, timeout=30):
    """Send one request; return (status, headers, parsed JSON or None)."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            payload = response.read()
            status, got = response.status, response.headers
    except urllib.error.HTTPError as error:
        payload, status, got = error.read(), error.code, error.headers
    try:
        return status, got, json.loads(payload or b"null")
    except ValueError:
        return status, got, None


class AccessLog:
    """An access log's lines written since this object was made (a server shared by several tests keeps one log)."""

    def __init__(self, path):
        self.path, self.start = path, len(path.read_text())

    def read_text(self):
        return self.path.read_text()[self.start:]


@contextmanager
def gunicorn(database_url, *, workers=2, env=None, bind="127.0.0.1"):
    """Serve the app with gunicorn; yield (base URL, access log path) — its lines start with the worker's pid."""
    port = free_port()
    instance = Path(tempfile.mkdtemp(prefix="minqing-gunicorn-"))
    access = instance / "access.log"
    full_env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "test-" + os.urandom(8).hex(),
                "MINQING_INSTANCE_PATH": str(instance), **(env or {})}
    log = instance / "gunicorn.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"{bind}:{port}",
             "--access-logfile", str(access), "--access-logformat", "%(p)s %(s)s %(U)s %({x-forwarded-for}i)s",
             "geo_app.wsgi:app"], cwd=ROOT, env=full_env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for(f"http://{bind}:{port}/healthz", proc, log)
        yield f"http://{bind}:{port}", access
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(instance, ignore_errors=True)


@contextmanager
def redis_server():
    """Start redis-server (no persistence) on a free loopback port; yield its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed: run `sh tools/install-system-deps.sh --browser`")
    port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="minqing-redis-"))
    with open(workdir / "redis.log", "w") as out:
        proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                 "--dir", str(workdir)], stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start: {(workdir / 'redis.log').read_text()[-2000:]}")
            time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


def nginx_config(site, *, listen, upstream, workdir):
    """Return a whole nginx.conf for an unprivileged local run around deploy/nginx.conf's server (listen and upstream changed)."""
    text = site.read_text()
    assert "listen 80;" in text and "server app:8000;" in text, "deploy/nginx.conf changed shape"
    text = text.replace("listen 80;", f"listen {listen};").replace("server app:8000;", f"server {upstream};")
    temp = "".join(f"  {kind}_temp_path {workdir}/{kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return (f"pid {workdir}/nginx.pid;\nerror_log {workdir}/error.log;\nevents {{}}\n"
            f"http {{\n  access_log {workdir}/access.log;\n{temp}{text}\n}}\n")


@contextmanager
def nginx(upstream, listen="127.0.0.1"):
    """Run Debian's nginx in front of upstream ("127.0.0.1:port") with deploy/nginx.conf's server; yield its URL."""
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.access(binary, os.X_OK):
        raise RuntimeError("nginx is not installed: run `sh tools/install-system-deps.sh --browser`")
    port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="minqing-nginx-"))
    config = workdir / "nginx.conf"
    user = "user root;\n" if os.geteuid() == 0 else ""  # as root, workers would otherwise switch to nobody
    config.write_text(user + nginx_config(ROOT / "deploy" / "nginx.conf", listen=f"{listen}:{port}",
                                          upstream=upstream, workdir=workdir))
    with open(workdir / "stderr.log", "w") as out:
        proc = subprocess.Popen([binary, "-c", str(config), "-p", str(workdir), "-g", "daemon off; master_process on;"],
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", proc, workdir / "stderr.log")
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)
