"""The embedded PostgreSQL + PostGIS cluster: start, stop, restart with data kept; clear errors."""

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from geo_app.db_roles import APP_ROLE, OWNER_ROLE
from geo_app.embedded_pg import DB_USER, PRIVILEGED_DATA_ROOT, Cluster
from geo_app.migrate import upgrade

pytestmark = pytest.mark.slow  # each test starts a cluster of its own


@contextlib.contextmanager
def _own_cluster():
    base = Path(tempfile.mkdtemp(prefix="minqing-own-"))
    os.chmod(base, 0o755)
    cluster = Cluster(base / "data", base / "sock", fast=True)
    try:
        yield cluster
    finally:
        cluster.destroy()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def own_cluster():
    """A cluster of the test's own, not yet made."""
    with _own_cluster() as cluster:
        yield cluster


@pytest.fixture(scope="module")
def running_cluster():
    """A cluster of this module's own, made and started, for the tests that only look at how it runs."""
    with _own_cluster() as cluster:
        yield cluster.start()


def destroy_instance_cluster(instance):
    """Remove an instance's cluster, and its folder under /var/lib/minqing when it was put there (as root)."""
    cluster = Cluster.for_instance(instance)
    cluster.destroy()
    if Path(PRIVILEGED_DATA_ROOT) in cluster.data_dir.parents:
        shutil.rmtree(cluster.data_dir.parent, ignore_errors=True)


def test_start_stop_restart_keeps_data(own_cluster):
    own_cluster.start()
    assert own_cluster.is_running()
    own_cluster.psql("CREATE TABLE kept (v text); INSERT INTO kept VALUES ('明珠')", dbname="minqing")
    assert own_cluster.psql("SELECT postgis_version()", dbname="minqing")[0][0].startswith("3")
    assert own_cluster.stop() is True
    assert not own_cluster.is_running()
    own_cluster.start()
    assert own_cluster.psql("SELECT v FROM kept", dbname="minqing") == [("明珠",)]


def test_listens_on_a_unix_socket_only(running_cluster):
    assert running_cluster.psql("SHOW listen_addresses", dbname="minqing") == [("",)]
    assert any(p.name.startswith(".s.PGSQL.") for p in running_cluster.socket_dir.iterdir())


def test_server_does_not_run_as_root(running_cluster):
    pid = int((running_cluster.data_dir / "postmaster.pid").read_text().split()[0]) if os.geteuid() == 0 else None
    if pid is not None:
        assert os.stat(f"/proc/{pid}").st_uid != 0


def _minqing(args, env_extra, cwd):
    env = {**os.environ, **env_extra}
    env.pop("DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "geo_app.cli", *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=120)


def test_missing_postgresql_prints_install_commands(tmp_path):
    result = _minqing(["db", "up"], {"MINQING_PG_BINDIR": str(tmp_path)}, tmp_path)
    assert result.returncode == 1
    assert "apt-get install" in result.stderr and "brew install" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_db_up_status_down_through_the_cli(tmp_path):
    # tmp_path lives under a 0700 folder: as root the data must go where the 'postgres' user can reach it.
    instance = tmp_path / "inst"
    env = {"MINQING_INSTANCE_PATH": str(instance)}
    try:
        up = _minqing(["db", "up"], env, tmp_path)
        assert up.returncode == 0, up.stderr
        status = _minqing(["db", "status"], env, tmp_path)
        assert "running" in status.stdout and "socket:" in status.stdout
    finally:
        down = _minqing(["db", "down"], env, tmp_path)
    assert down.returncode == 0 and "stopped" in down.stdout
    assert "stopped" in _minqing(["db", "status"], env, tmp_path).stdout
    destroy_instance_cluster(instance)


def test_db_up_and_upgrade_take_over_a_cluster_made_by_older_versions(tmp_path):
    instance = tmp_path / "inst"
    env = {"MINQING_INSTANCE_PATH": str(instance)}
    cluster = Cluster.for_instance(instance, fast=True)
    try:
        # What older versions left: the superuser owns the database and every table; no other role exists.
        cluster.start()
        cluster.psql("DROP DATABASE minqing WITH (FORCE)")
        cluster.psql("CREATE DATABASE minqing")
        cluster.psql(f"DROP ROLE {OWNER_ROLE}; DROP ROLE {APP_ROLE}")
        cluster.psql("CREATE EXTENSION postgis", dbname="minqing")
        upgrade(cluster.url_for("minqing", DB_USER), revision="0004")
        cluster.psql("INSERT INTO community (code, name, boundary) VALUES ('old', '老社区', "
                    "ST_Multi(ST_MakeEnvelope(115, 22, 115.01, 22.01, 4326)))", dbname="minqing")
        assert cluster.psql("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = 'case_event'",
                            dbname="minqing") == [(DB_USER,)]
        cluster.stop()

        up = _minqing(["db", "up"], env, tmp_path)
        assert up.returncode == 0, up.stderr
        migrated = _minqing(["db", "upgrade"], env, tmp_path)
        assert migrated.returncode == 0, migrated.stderr
        assert f"{APP_ROLE} granted" in migrated.stdout

        owners = cluster.psql(
            "SELECT DISTINCT pg_get_userbyid(c.relowner) FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace "
            "AND c.relkind IN ('r', 'S') AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid "
            "AND d.deptype = 'e') UNION SELECT pg_get_userbyid(proowner) FROM pg_proc "
            "WHERE pronamespace = 'public'::regnamespace AND prosecdef AND proname LIKE 'case_heat%' "
            "UNION SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'minqing'", dbname="minqing")
        assert owners == [(OWNER_ROLE,)]
        import psycopg2

        conn = psycopg2.connect(dbname="minqing", user=APP_ROLE, host=str(cluster.socket_dir))
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT name FROM community WHERE code = 'old'")
                assert cur.fetchall() == [("老社区",)]
                cur.execute("SELECT version_num FROM alembic_version")
                assert cur.fetchone()[0] >= "0005"
                with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                    cur.execute("DELETE FROM case_event")
        finally:
            conn.close()
    finally:
        _minqing(["db", "down"], env, tmp_path)
        destroy_instance_cluster(instance)
