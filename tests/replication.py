"""A primary and a streaming hot standby built from the embedded cluster's binaries (pg_basebackup -R).

Both listen on Unix sockets only, like the embedded cluster. The standby connects to the primary's socket as
the bootstrap superuser (initdb's pg_hba trusts local replication) under an application_name, so the primary
can name it in synchronous_standby_names. Used by the replica tests and by the scale drill (bench/scale_check.py).
"""

import os
import signal
import subprocess
import time
from pathlib import Path

from geo_app.embedded_pg import DB_NAME, DB_USER, Cluster, find_bindir
from geo_app.services.backup import find_client

STANDBY_NAME = "minqing_standby"


def _append_conf(cluster, lines):
    """Append settings to a cluster's postgresql.auto.conf (as the server's user; later lines win)."""
    tmp = cluster.data_dir.parent / "extra.conf.tmp"
    tmp.write_text("\n".join(lines) + "\n")
    os.chmod(tmp, 0o644)
    cluster._run(["sh", "-c", f"cat '{tmp}' >> '{cluster.data_dir}/postgresql.auto.conf'"])
    tmp.unlink()


def start_primary(root, *, synchronous):
    """Start a fresh primary in root/primary; with synchronous, commits wait until the standby has applied them."""
    primary = Cluster(Path(root) / "primary" / "pgdata", Path("/tmp") / f"mq-p-{os.getpid()}-{time.time_ns() % 10**6}")
    primary.init()
    _append_conf(primary, ["wal_level = replica", "max_wal_senders = 10", "wal_keep_size = '256MB'"])
    primary.synchronous = synchronous  # turned on once the standby streams (a commit would wait for it before)
    return primary.start()


def restore_dump(cluster, dump, dbname=DB_NAME):
    """Fill a database of the cluster from a pg_dump custom-format file (as the superuser, owned by the owner)."""
    cluster.drop_database(dbname)
    cluster.create_database(dbname)
    major = int(cluster.psql("SHOW server_version_num")[0][0]) // 10000
    env = {**os.environ, "PGHOST": str(cluster.socket_dir), "PGUSER": DB_USER}
    subprocess.run([find_client("pg_restore", major), "--exit-on-error", "--single-transaction",
                    f"--dbname={dbname}", str(dump)], check=True, capture_output=True, env=env)


def dump_database(cluster, dbname, path):
    """Write a pg_dump custom-format file of one database of a cluster."""
    major = int(cluster.psql("SHOW server_version_num")[0][0]) // 10000
    env = {**os.environ, "PGHOST": str(cluster.socket_dir), "PGUSER": DB_USER}
    subprocess.run([find_client("pg_dump", major), "--format=custom", f"--file={path}", f"--dbname={dbname}"],
                   check=True, capture_output=True, env=env)


class Standby(Cluster):
    """A hot standby: started as it is (it is read-only, so no roles or databases are made on it)."""

    def start(self):
        bindir = find_bindir()
        self._prepare_dirs()
        out = self._run([os.path.join(bindir, "pg_ctl"), "start", "-w", "-t", "60", "-D", self.data_dir,
                         "-l", self.log_file, "-o", f"-k {self.socket_dir} -c listen_addresses=''"], check=False)
        if out.returncode != 0:
            raise RuntimeError(f"the standby did not start:\n{out.stdout}{out.stderr}\n{self.log_file.read_text()[-2000:]}")
        return self

    def promote(self):
        """Make the standby a primary (pg_ctl promote) and wait until it accepts writes."""
        self._run([os.path.join(find_bindir(), "pg_ctl"), "promote", "-w", "-t", "60", "-D", self.data_dir])
        deadline = time.monotonic() + 60
        while self.psql("SELECT pg_is_in_recovery()")[0][0]:
            if time.monotonic() > deadline:
                raise RuntimeError("the standby did not leave recovery")
            time.sleep(0.1)


def start_standby(primary, root):
    """Clone a running primary with pg_basebackup -R into root/standby and start it streaming from the primary."""
    standby = Standby(Path(root) / "standby" / "pgdata", Path(str(primary.socket_dir) + "-s"))
    standby._prepare_dirs()
    out = standby._run([os.path.join(find_bindir(), "pg_basebackup"), "-D", standby.data_dir, "-h",
                        primary.socket_dir, "-U", DB_USER, "-X", "stream", "-c", "fast", "-R"], check=False)
    if out.returncode != 0:
        raise RuntimeError(f"pg_basebackup failed:\n{out.stdout}{out.stderr}")
    _append_conf(standby, [
        f"primary_conninfo = 'host={primary.socket_dir} user={DB_USER} application_name={STANDBY_NAME}'",
        f"unix_socket_directories = '{standby.socket_dir}'",
        "hot_standby = on", "hot_standby_feedback = on",
        "synchronous_standby_names = ''",  # it inherits the primary's: once promoted it must not wait for itself
    ])
    standby.start()
    wait_streaming(primary)
    if getattr(primary, "synchronous", False):
        primary.psql(f"ALTER SYSTEM SET synchronous_standby_names = '{STANDBY_NAME}'")
        primary.psql("ALTER SYSTEM SET synchronous_commit = 'remote_apply'")
        primary.psql("SELECT pg_reload_conf()")
    return standby


def wait_streaming(primary, timeout=60):
    """Wait until the primary's standby streams (pg_stat_replication shows it)."""
    deadline = time.monotonic() + timeout
    while not primary.psql(f"SELECT 1 FROM pg_stat_replication WHERE application_name = '{STANDBY_NAME}' "
                           "AND state = 'streaming'"):
        if time.monotonic() > deadline:
            raise RuntimeError("the standby does not stream")
        time.sleep(0.1)


def crash(cluster):
    """Kill a cluster's postmaster with SIGKILL, as a power cut would (its backends then exit)."""
    pid = int((cluster.data_dir / "postmaster.pid").read_text().split()[0])
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while cluster.is_running() and time.monotonic() < deadline:
        time.sleep(0.1)


def multi_host_url(role, *clusters, dbname=DB_NAME):
    """Return a SQLAlchemy URL that tries each cluster's socket in turn and keeps the one that accepts writes."""
    hosts = "&".join(f"host={c.socket_dir}" for c in clusters)
    return f"postgresql+psycopg2://{role}@/{dbname}?{hosts}&target_session_attrs=read-write"
