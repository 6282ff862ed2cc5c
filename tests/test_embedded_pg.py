"""The embedded PostgreSQL + PostGIS cluster: start, stop, restart with data kept; clear errors."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from geo_app.embedded_pg import Cluster


@pytest.fixture
def own_cluster():
    base = Path(tempfile.mkdtemp(prefix="minqing-own-"))
    os.chmod(base, 0o755)
    cluster = Cluster(base / "data", base / "sock", fast=True)
    yield cluster
    cluster.destroy()


def test_start_stop_restart_keeps_data(own_cluster):
    own_cluster.start()
    assert own_cluster.is_running()
    own_cluster.psql("CREATE TABLE kept (v text); INSERT INTO kept VALUES ('明珠')", dbname="minqing")
    assert own_cluster.psql("SELECT postgis_version()", dbname="minqing")[0][0].startswith("3")
    assert own_cluster.stop() is True
    assert not own_cluster.is_running()
    own_cluster.start()
    assert own_cluster.psql("SELECT v FROM kept", dbname="minqing") == [("明珠",)]


def test_listens_on_a_unix_socket_only(own_cluster):
    own_cluster.start()
    assert own_cluster.psql("SHOW listen_addresses", dbname="minqing") == [("",)]
    assert any(p.name.startswith(".s.PGSQL.") for p in own_cluster.socket_dir.iterdir())


def test_server_does_not_run_as_root(own_cluster):
    own_cluster.start()
    pid = int((own_cluster.data_dir / "postmaster.pid").read_text().split()[0]) if os.geteuid() == 0 else None
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
    cluster = Cluster.for_instance(instance)
    cluster.destroy()
