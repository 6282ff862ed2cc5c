"""The benchmark's own private PostgreSQL + PostGIS cluster, in a temporary folder."""

import logging
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

import psycopg2

from geo_app.db_roles import APP_ROLE, OWNER_ROLE
from geo_app.embedded_pg import DB_USER, Cluster
from geo_app.migrate import upgrade

logger = logging.getLogger(__name__)

# Settings a dedicated benchmark server may use (the cluster is already fsync-off when fast).
TUNING = {"max_wal_size": "4GB", "checkpoint_timeout": "30min", "work_mem": "32MB",
          "effective_cache_size": "8GB", "random_page_cost": "1.1"}


@contextmanager
def private_cluster(prefix="minqing-bench-"):
    """Start a fast throwaway cluster in a temp dir (readable by the server user) and remove it afterwards."""
    base = Path(tempfile.mkdtemp(prefix=prefix))
    os.chmod(base, 0o755)
    cluster = Cluster(base / "data", base / "sock", fast=True)
    try:
        cluster.start()
        for name, value in TUNING.items():
            cluster.psql(f"ALTER SYSTEM SET {name} = '{value}'")
        cluster.psql("SELECT pg_reload_conf()")
        yield cluster
    finally:
        cluster.destroy()
        shutil.rmtree(base, ignore_errors=True)


def dsn(cluster, dbname):
    """Return a libpq connection string for a database of the cluster."""
    return f"dbname={dbname} user={DB_USER} host={cluster.socket_dir}"


def connect(cluster, dbname):
    return psycopg2.connect(dsn(cluster, dbname))


def migrated_database(cluster, dbname):
    """Create a database with PostGIS (dropping any old one), migrate it as the owner; return the app role's URL."""
    cluster.drop_database(dbname)
    cluster.create_database(dbname)
    upgrade(cluster.url_for(dbname, OWNER_ROLE), grant_to=APP_ROLE)
    return cluster.url_for(dbname)
