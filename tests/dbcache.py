"""A cache of the test templates across runs, keyed by everything that shapes them.

Building the demo template loads the demo community through the services (over a minute); a pg_dump of
the result restores in seconds. The key hashes the migrations, the models, the services, the layers, the
roles module and this folder's set-up code, and the server's version (tests/conftest.py is left out: its fixtures do not shape a template): change any of them and the template is
built anew. MINQING_TEST_CACHE chooses the folder (default ~/.cache/minqing-tests); set it to "off" to
always build.
"""

import hashlib
import logging
import os
import subprocess
from pathlib import Path

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
KEYED = [
    "geo_app/migrations",
    "geo_app/models",
    "geo_app/services",
    "geo_app/geo",
    "geo_app/db_roles.py",
    "geo_app/config.py",
    "geo_app/embedded_pg.py",
    "geo_app/extensions.py",
    "layers",
    "tests/dbcache.py",
]
KEEP = 4  # cached dumps kept per template name


def cache_dir():
    """Return the cache folder, or None when caching is off."""
    chosen = os.environ.get("MINQING_TEST_CACHE", "")
    if chosen.lower() in ("off", "0", "no"):
        return None
    return Path(chosen) if chosen else Path.home() / ".cache" / "minqing-tests"


def source_key(server_version):
    """Hash the files that decide what a template holds, and the server's version."""
    digest = hashlib.sha256(server_version.encode())
    for entry in KEYED:
        path = ROOT / entry
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if "__pycache__" in file.parts:
                continue
            digest.update(str(file.relative_to(ROOT)).encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()[:20]


def _client(name, cluster):
    from geo_app.services.backup import find_client

    major = int(cluster.psql("SHOW server_version_num")[0][0]) // 10000
    return find_client(name, major)


def _run(args, cluster):
    from geo_app.embedded_pg import DB_USER

    env = {**os.environ, "PGHOST": str(cluster.socket_dir), "PGUSER": DB_USER}
    subprocess.run([str(a) for a in args], check=True, capture_output=True, env=env)


def build_template(cluster, name, load_demo):
    """Create database ``name``, migrate it as the owner and, if asked, load the demo community as the app."""
    from geo_app import create_app
    from geo_app.db_roles import APP_ROLE, OWNER_ROLE
    from geo_app.extensions import db
    from geo_app.migrate import upgrade

    cluster.create_database(name)
    upgrade(cluster.url_for(name, OWNER_ROLE), grant_to=APP_ROLE)
    if load_demo:
        app = create_app({"DATABASE_URL": cluster.url_for(name), "TESTING": True})
        with app.app_context():
            from geo_app.services.demo import create_demo_accounts, load_demo

            load_demo(db.session)
            create_demo_accounts(db.session)
            db.session.commit()
            db.session.remove()
            db.engine.dispose()


def build_or_restore(cluster, name, load_demo):
    """Fill database ``name`` from the cache if it holds this key, else build it and store a dump."""

    def build():
        build_template(cluster, name, load_demo)

    folder = cache_dir()
    if folder is None:
        build()
        return
    version = cluster.psql(
        "SELECT version() || coalesce((SELECT extversion FROM pg_extension WHERE extname = 'postgis'), '')",
        dbname="template1",
    )[0][0]
    dump = folder / f"{name}-{source_key(version)}.dump"
    if dump.is_file():
        try:
            cluster.create_database(name)
            _run(
                [
                    _client("pg_restore", cluster),
                    "--exit-on-error",
                    "--single-transaction",
                    f"--dbname={name}",
                    dump,
                ],
                cluster,
            )
            logger.info("restored %s from %s", name, dump)
            return
        except subprocess.CalledProcessError as exc:
            logger.warning(
                "cached %s unusable (%s); building it", dump, exc.stderr.decode(errors="replace")[-500:]
            )
            cluster.drop_database(name)
            dump.unlink(missing_ok=True)
    build()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        partial = dump.with_suffix(f".{os.getpid()}.partial")
        _run(
            [_client("pg_dump", cluster), "--format=custom", f"--file={partial}", f"--dbname={name}"], cluster
        )
        os.replace(partial, dump)
        for old in sorted(folder.glob(f"{name}-*.dump"), key=lambda p: p.stat().st_mtime)[:-KEEP]:
            old.unlink(missing_ok=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        logger.warning("could not cache %s: %s", name, exc)
