"""`make scale-check`: the failover drill on loopback — nothing acknowledged is lost, nothing is stored twice.

Starts a primary and a synchronous streaming standby (the embedded cluster's binaries, pg_basebackup -R),
Redis, two app nodes (gunicorn) and two queue workers behind nginx (deploy/nginx.conf with two upstreams).
It checks the anonymous POST limit through both nodes, then drives intake (POST /api/v1/cases, each with an
Idempotency-Key, retried with the same key after a 5xx or a broken connection, as a client should) and map
reads through the proxy, kills one app node (SIGKILL), then the primary (SIGKILL of the postmaster), and
promotes the standby (pg_ctl promote). The app and the workers find the new primary by themselves: their
DATABASE_URL names both hosts with target_session_attrs=read-write (libpq tries each in turn), so no node is
restarted. The figures come last, one a line; the exit status is non-zero when a case was lost or stored
twice, or the limit did not hold.

What can be lost: nothing acknowledged. With synchronous_commit = remote_apply a commit is acknowledged only
once the standby has applied it; a request whose commit was cut off by the crash got no 2xx, and its retry
with the same key either finds the stored case (200) or stores it once. Writes wait while the standby is
down (availability is traded for this), and the old primary must be rebuilt as a standby, never restarted.
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import ExitStack, contextmanager
from pathlib import Path

from sqlalchemy import create_engine, pool, text

from geo_app.db_roles import APP_ROLE
from geo_app.embedded_pg import DB_NAME
from tests import dbcache
from tests.receivers import running, sms_gateway
from tests.replication import crash, multi_host_url, restore_dump, start_primary, start_standby
from tests.servers import free_port, nginx, redis_server, wait_for

ROOT = Path(__file__).resolve().parents[1]
LIMIT = 20
PATH_CASES = "/api/v1/cases"
READS = ("/api/v1/heat?zoom=16", "/api/v1/units?limit=50", "/api/v1/stats?by=category",
         "/ogc/collections/cases/items?limit=20")


class AppNode:
    """One app node: gunicorn with its own instance folder, on a free loopback port."""

    def __init__(self, env, workdir, workers):
        self.port, self.dir = free_port(), Path(tempfile.mkdtemp(prefix="mq-node-", dir=workdir))
        self.log = self.dir / "gunicorn.log"
        with open(self.log, "w") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{self.port}",
                 "--no-control-socket",  # two nodes on one machine would share ~/.gunicorn/gunicorn.ctl
                 "--access-logfile", str(self.dir / "access.log"), "--access-logformat",
                 "%(s)s %(U)s %({x-forwarded-for}i)s", "geo_app.wsgi:app"],
                cwd=ROOT, env={**env, "MINQING_INSTANCE_PATH": str(self.dir)}, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True)  # a process group of its own: the node (master and workers) dies at once

    def wait(self):
        wait_for(f"http://127.0.0.1:{self.port}/healthz", self.proc, self.log, timeout=240)  # a busy machine
        return self

    def served_from(self, address):
        lines = (self.dir / "access.log").read_text().splitlines()
        return sum(1 for line in lines if line.split()[-1:] == [address])

    def stop(self, kill=False):
        """Stop the node; kill=True: SIGKILL its master and workers at once, as a machine that dies (requests in
        flight and queued in its listen backlog are cut off, not finished by orphaned workers)."""
        if self.proc.poll() is None:
            if kill:
                os.killpg(self.proc.pid, signal.SIGKILL)
            else:
                self.proc.terminate()
            self.proc.wait(timeout=30)


class Workers:
    """Queue workers (`minqing worker`), each restarted if it exits, as systemd or compose would."""

    def __init__(self, env, workdir, count):
        self.env, self.workdir, self.stopping = env, workdir, False
        self.procs = [self._start(i) for i in range(count)]
        self.restarts = 0
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def _start(self, i):
        out = open(Path(self.workdir) / f"worker-{i}.log", "a")  # noqa: SIM115 (kept open by the process)
        return subprocess.Popen([sys.executable, "-m", "geo_app.cli", "worker", "--name", f"drill-{i}",
                                 "--heartbeat", "1", "--stalled-after", "5"], cwd=ROOT, env=self.env,
                                stdout=out, stderr=subprocess.STDOUT)

    def _watch(self):
        while not self.stopping:
            for i, proc in enumerate(self.procs):
                if proc.poll() is not None and not self.stopping:
                    self.restarts += 1
                    self.procs[i] = self._start(i)
            time.sleep(0.5)

    def stop(self):
        self.stopping = True
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                proc.kill()


def call(base, path, *, source, method="GET", body=None, headers=None, timeout=30):
    """One request from a given loopback source address; return (status or 0 for a broken connection, JSON)."""
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", int(base.rsplit(":", 1)[1]), timeout=timeout,
                                      source_address=(source, 0))
    try:
        payload = json.dumps(body).encode() if body is not None else None
        conn.request(method, path, body=payload, headers={"Content-Type": "application/json", **(headers or {})})
        response = conn.getresponse()
        data = response.read()
        try:
            return response.status, json.loads(data or b"null")
        except ValueError:
            return response.status, None
    except OSError:
        return 0, None
    finally:
        conn.close()


class Drill:
    """The load, the events and what was seen: acknowledged keys, every response's time and status."""

    def __init__(self, proxy, token, cases):
        self.proxy, self.token, self.cases = proxy, token, cases
        self.acknowledged, self.responses, self.lock, self.reads = {}, [], threading.Lock(), {}
        self.stop = threading.Event()
        self.killed_at = self.crashed_at = self.recovered_at = None

    def record(self, started, status):
        with self.lock:
            self.responses.append((started, time.monotonic(), status))

    def writer(self, n, body):
        source = f"127.0.1.{n + 1}"
        while not self.stop.is_set() and len(self.acknowledged) < self.cases:
            key = uuid.uuid4().hex
            while not self.stop.is_set():
                started = time.monotonic()
                status, answer = call(self.proxy, PATH_CASES, source=source, method="POST",
                                      body={**body, "description": f"演练 {key}"},
                                      headers={"Authorization": f"Bearer {self.token}", "Idempotency-Key": key})
                self.record(started, status)
                if status in (200, 201):
                    with self.lock:
                        self.acknowledged[key] = answer["code"]
                        if self.crashed_at and self.recovered_at is None and started >= self.crashed_at:
                            self.recovered_at = time.monotonic()
                    break
                if status and status < 500 and status != 429:
                    raise RuntimeError(f"intake refused with {status}: {answer}")
                time.sleep(0.2)

    def reader(self, n):
        source, i = f"127.0.2.{n + 1}", 0
        while not self.stop.is_set():
            started = time.monotonic()
            status, _ = call(self.proxy, READS[i % len(READS)], source=source,
                             headers={"Authorization": f"Bearer {self.token}"})
            self.record(started, status)
            with self.lock:
                self.reads[status] = self.reads.get(status, 0) + 1
            i += 1
            time.sleep(0.05)

    def failures_outside_window(self):
        """Return the (start time, status) of the 5xx answers and broken connections outside the failover window.

        The window runs from the primary's crash to the first case acknowledged by a request begun after it; a
        request in flight at the crash (answered after it) is inside.
        """
        start, end = self.crashed_at or float("inf"), self.recovered_at or float("inf")
        return [(started, status) for started, answered, status in self.responses
                if (status == 0 or status >= 500) and not (answered >= start and started <= end)]


def limit_holds(proxy, nodes):
    """Send 2×LIMIT anonymous POSTs from one new client address through the proxy; return (passed, refused, served)."""
    source = "127.0.3.1"
    statuses = [call(proxy, PATH_CASES, source=source, method="POST", body={})[0] for _ in range(2 * LIMIT)]
    served = [node.served_from(source) for node in nodes]
    return sum(s == 400 for s in statuses), sum(s == 429 for s in statuses), served


def lag_sampler(primary_url, samples, stop):
    """Sample the standby's replay lag as the primary sees it (pg_stat_replication.replay_lag) every 50 ms."""
    engine = create_engine(primary_url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            while not stop.is_set():
                lag = conn.execute(text("SELECT extract(epoch FROM replay_lag) * 1000 FROM pg_stat_replication")).scalar()
                conn.commit()
                if lag is not None:
                    samples.append(float(lag))
                time.sleep(0.05)
    except Exception:  # noqa: BLE001 (the primary is killed while we sample: the sampling simply ends)
        pass
    finally:
        engine.dispose()


def percentile(values, q):
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


@contextmanager
def workdir(keep):
    path = Path(tempfile.mkdtemp(prefix="minqing-scale-"))
    os.chmod(path, 0o755)  # the clusters' server user must reach its folders
    try:
        yield path
    finally:
        if not keep:
            shutil.rmtree(path, ignore_errors=True)


def issue_token(url, username):
    from geo_app import create_app
    from geo_app.extensions import db
    from geo_app.services.accounts import issue_token as issue

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "drill"})
    with app.app_context():
        token = issue(db.session, username, actor="scale-check")
        db.session.commit()
        db.engine.dispose()
    return token


def count_stored(url, acknowledged):
    """Return (stored acknowledged keys, extra copies of any drill key) as the promoted standby has them."""
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT substr(description, 4) AS key, count(*) FROM civic_case "
                                     "WHERE description LIKE '演练 %' GROUP BY 1")).all()
    finally:
        engine.dispose()
    counts = dict(rows)
    return sum(1 for key in acknowledged if counts.get(key)), sum(n - 1 for n in counts.values())


def run(args):
    from tests.factories import case_body, point_in_building

    with workdir(args.keep) as root, ExitStack() as stack:
        primary = start_primary(root, synchronous=True)
        stack.callback(primary.destroy)
        if args.dump:
            restore_dump(primary, args.dump)
        else:
            dbcache.build_or_restore(primary, DB_NAME, load_demo=True)
        token = issue_token(primary.url, "cadre")
        log(args, "primary up with the demo community")
        standby = start_standby(primary, root)
        log(args, "standby streaming")
        stack.callback(standby.destroy)
        redis_url = stack.enter_context(redis_server())
        gateway = stack.enter_context(running(sms_gateway()))
        database_url = multi_host_url(APP_ROLE, primary, standby)
        env = {**os.environ, "DATABASE_URL": database_url, "DATABASE_REPLICA_URL": standby.url,
               "REDIS_URL": redis_url, "SECRET_KEY": "scale-" + os.urandom(8).hex(), "TRUSTED_PROXIES": "1",
               "ANON_POST_LIMIT": f"{LIMIT} per minute", "SMS_PROVIDER": "http", "SMS_HTTP_URL": gateway.url + "/sms",
               "NOTIFY_BACKOFF_SECONDS": "1",
               "NOTIFY_BACKOFF_MAX_SECONDS": "2"}
        nodes = [AppNode(env, root, args.node_workers) for _ in range(2)]  # both boot at once
        for node in nodes:
            stack.callback(node.stop)
        for node in nodes:
            node.wait()
        upstream = "; server ".join(f"127.0.0.1:{node.port} max_fails=1 fail_timeout=10s" for node in nodes)
        proxy = stack.enter_context(nginx(upstream))
        config = Path(root) / "worker_config.py"  # an empty setting cannot come from the environment
        config.write_text('NOTIFY_QUIET_HOURS = ""\nNOTIFY_DIGEST_TIME = ""\n')
        workers = Workers({**env, "MINQING_INSTANCE_PATH": str(root), "MINQING_CONFIG": str(config),
                           "PYTHONUNBUFFERED": "1"}, root, 2)
        stack.callback(workers.stop)

        log(args, "two app nodes, two workers, redis and nginx up")
        passed, refused, served = limit_holds(proxy, nodes)
        drill = Drill(proxy, token, args.cases)
        lags, lag_stop = [], threading.Event()
        sampler = threading.Thread(target=lag_sampler, args=(primary.url_for("postgres", "minqing"), lags, lag_stop))
        sampler.start()
        body = case_body(**point_in_building("BD01"))
        threads = [threading.Thread(target=drill.writer, args=(n, body)) for n in range(args.writers)]
        threads += [threading.Thread(target=drill.reader, args=(n,)) for n in range(args.readers)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + args.timeout
        try:
            wait_acknowledged(drill, args.cases // 3, deadline)
            drill.killed_at = time.monotonic()
            nodes[0].stop(kill=True)
            log(args, f"app node on :{nodes[0].port} killed after {len(drill.acknowledged)} cases")
            wait_acknowledged(drill, 2 * args.cases // 3, deadline)
            drill.crashed_at = time.monotonic()
            crash(primary)
            lag_stop.set()
            standby.promote()
            log(args, f"primary killed after {len(drill.acknowledged)} cases; standby promoted in "
                      f"{time.monotonic() - drill.crashed_at:.1f} s")
            wait_acknowledged(drill, args.cases, deadline)
        finally:
            drill.stop.set()
            lag_stop.set()
            for thread in threads:
                thread.join(timeout=60)
            sampler.join(timeout=10)
        stored, duplicates = count_stored(standby.url, drill.acknowledged)
        log(args, f"reads by status: {drill.reads}")
        unsent = wait_delivered(standby.url, time.monotonic() + 60)
        workers.stop()
        log(args, f"workers restarted {workers.restarts} times; SMS received {len(gateway.accepted())} "
                  f"(twice: {gateway.duplicates()}), not yet sent: {unsent}")
    acknowledged, outside = len(drill.acknowledged), drill.failures_outside_window()
    for started, status in outside:
        log(args, f"{status or 'broken connection'} at {started - drill.killed_at:+.2f} s from the node kill, "
                  f"{started - (drill.crashed_at or 0):+.2f} s from the crash")
    window = (drill.recovered_at - drill.crashed_at) if drill.recovered_at and drill.crashed_at else float("nan")
    limit_ok = passed == LIMIT and refused == LIMIT and all(served)
    print(f"acknowledged: {acknowledged}")
    print(f"stored: {stored}")
    print(f"lost: {acknowledged - stored}")
    print(f"duplicates: {duplicates}")
    print(f"5xx outside the failover window: {len(outside)}")
    print(f"failover window s: {window:.1f}")
    print(f"replica lag p50/p99 ms: {percentile(lags, 0.5):.1f}/{percentile(lags, 0.99):.1f}")
    if limit_ok:
        print(f"limit held: {LIMIT}/min per client across nodes")
    else:
        print(f"limit NOT held: {passed} passed, {refused} refused, served per node {served}")
    return 0 if acknowledged == stored and duplicates == 0 and limit_ok and acknowledged >= args.cases else 1


def wait_delivered(url, deadline):
    """Wait until the workers have sent every SMS; return how many are still unsent at the deadline."""
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        while True:
            with engine.connect() as conn:
                unsent = conn.execute(text("SELECT count(*) FROM notification WHERE channel = 'sms' "
                                           "AND state IN ('pending', 'sending')")).scalar()
            if not unsent or time.monotonic() > deadline:
                return unsent
            time.sleep(0.5)
    finally:
        engine.dispose()


def wait_acknowledged(drill, count, deadline):
    while len(drill.acknowledged) < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"only {len(drill.acknowledged)} of {count} cases acknowledged in time")
        time.sleep(0.05)


BEGAN = time.monotonic()


def log(args, message):
    if not args.quiet:
        print(f"# {time.monotonic() - BEGAN:6.1f} s  {message}", file=sys.stderr, flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=300, help="cases to have acknowledged in all")
    parser.add_argument("--writers", type=int, default=3, help="client threads posting cases")
    parser.add_argument("--readers", type=int, default=2, help="client threads reading maps and stats")
    parser.add_argument("--node-workers", type=int, default=2, help="gunicorn workers per app node")
    parser.add_argument("--dump", type=Path, help="a pg_dump of a demo database to start from (else the demo is "
                        "built, or restored from the test cache)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds the load may take")
    parser.add_argument("--keep", action="store_true", help="keep the working folder (logs) afterwards")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
