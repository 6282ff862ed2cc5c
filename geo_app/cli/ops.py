"""`minqing serve|backup|restore`: running the app and keeping its data safe."""

import logging
import os
import signal
import subprocess
import sys
import time

import click

from .common import embedded_cluster, friendly_errors, make_app, owner_database_target

logger = logging.getLogger(__name__)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=None, help="Port (default: $PORT or 5000).")
@click.option("--workers", type=int, default=2, show_default=True)
@click.option("--threads", type=int, default=4, show_default=True,
              help="Threads per worker (gunicorn gthread, chosen by `make bench`); 1: sync workers.")
@click.option("--with-worker", is_flag=True, help="Also run a queue worker (notifications); both stop together.")
@friendly_errors
def serve(host, port, workers, threads, with_worker):
    """Serve the app with gunicorn (and, with --with-worker, a queue worker beside it: what `make demo` runs)."""
    app = make_app()
    port = port or app.config["PORT"]
    cluster = embedded_cluster(app)
    if cluster is not None and not cluster.is_running():
        cluster.start()
    click.echo(f"serving 民情地图 on http://{host}:{port}")
    # The worker timeout is the one the anonymous database budget was checked against (request_budget.py).
    kind = ["--worker-class", "gthread", "--threads", str(threads)] if threads > 1 else []
    command = [sys.executable, "-m", "gunicorn", "--workers", str(workers), *kind, "--bind", f"{host}:{port}",
               "--timeout", str(app.config["WORKER_TIMEOUT"]), "--access-logfile", "-", "geo_app.wsgi:app"]
    if not with_worker:
        os.execvp(sys.executable, command)
    sys.exit(_run_together([command, [sys.executable, "-m", "geo_app.cli", "worker"]]))


def _run_together(commands):
    """Run commands side by side until one ends or a signal comes; then stop them all; return the worst status."""
    processes = [subprocess.Popen(command) for command in commands]
    stopping = []

    def stop(*_):
        # Once only: a second SIGTERM makes the queue worker abandon its graceful shutdown.
        if stopping:
            return
        stopping.append(True)
        for process in processes:
            if process.poll() is None:
                process.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while all(process.poll() is None for process in processes) and not stopping:
        time.sleep(0.5)
    stop()
    codes = []
    for process in processes:
        try:
            codes.append(process.wait(timeout=45))
        except subprocess.TimeoutExpired:
            process.kill()
            codes.append(process.wait())
    # A child that ended by the SIGTERM we sent it stopped as asked.
    return max((0 if code == -signal.SIGTERM else abs(code)) for code in codes)


def _schema_note(url):
    """Return a hint when the restored schema is behind the code's migrations, else None."""
    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine, text

    from ..migrate import alembic_config

    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:  # no alembic_version table: the archive is not of this app's schema
        current = None
    finally:
        engine.dispose()
    if current == head:
        return None
    return (f"note: the restored schema is at revision {current or 'none'}, the code expects {head}; "
            "run `minqing db upgrade`.")


@click.command("backup")
@click.argument("out", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Replace OUT if it exists.")
@friendly_errors
def backup(out, force):
    """Write the whole database to OUT as a pg_dump custom-format archive.

    The archive holds residents' personal data; it is created readable by its owner only.
    """
    from ..services.backup import backup_database

    info = backup_database(owner_database_target()[0], out, overwrite=force)
    click.echo(f"backed up to {info['path']}: {info['bytes']} bytes, {info['entries']} archive entries "
               f"(PostgreSQL {info['server_major']})")


@click.command("restore")
@click.argument("in_path", metavar="IN", type=click.Path(dir_okay=False))
@click.option("--yes", is_flag=True, help="Confirm that the database's current data is to be replaced.")
@friendly_errors
def restore(in_path, yes):
    """Replace ALL data in the database with the archive IN (written by `minqing backup`).

    Runs in a single transaction: if anything fails, the database is left as it was.
    """
    from ..services.backup import check_archive, restore_database

    check_archive(in_path)
    if not yes:
        click.echo(f"错误 error: restore replaces ALL data in the database with the contents of {in_path}; "
                   "nothing was changed. Run again with --yes to confirm.", err=True)
        sys.exit(1)
    url, grant_to = owner_database_target()
    info = restore_database(url, in_path, grant_to=grant_to)
    click.echo(f"restored database {info['database']} from {in_path} "
               f"(a backup of {info['dbname']} made {info['created_at']})")
    note = _schema_note(url)
    if note:
        click.echo(note)
