"""Operations commands of `minqing`: backup and restore (registered at the end of cli.py)."""

import functools
import logging
import sys

import click

logger = logging.getLogger(__name__)


def _friendly(func):
    """Apply cli.friendly_errors at call time (cli.py imports this module, so not at import time)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from .cli import friendly_errors

        return friendly_errors(func)(*args, **kwargs)

    return wrapper


def _owner_url():
    """Return (the schema owner's database URL, the app role to grant to or None), starting the embedded cluster."""
    from .cli import _app, _embedded
    from .db_roles import migration_target

    app = _app()
    cluster = _embedded(app)
    if cluster is not None and not cluster.is_running():
        cluster.start()
    return migration_target(app.config["DATABASE_URL"], app.config["DATABASE_OWNER_URL"])


def _schema_note(url):
    """Return a hint when the restored schema is behind the code's migrations, else None."""
    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine, text

    from .migrate import alembic_config

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
@_friendly
def backup(out, force):
    """Write the whole database to OUT as a pg_dump custom-format archive.

    The archive holds residents' personal data; it is created readable by its owner only.
    """
    from .services.backup import backup_database

    info = backup_database(_owner_url()[0], out, overwrite=force)
    click.echo(f"backed up to {info['path']}: {info['bytes']} bytes, {info['entries']} archive entries "
               f"(PostgreSQL {info['server_major']})")


@click.command("restore")
@click.argument("in_path", metavar="IN", type=click.Path(dir_okay=False))
@click.option("--yes", is_flag=True, help="Confirm that the database's current data is to be replaced.")
@_friendly
def restore(in_path, yes):
    """Replace ALL data in the database with the archive IN (written by `minqing backup`).

    Runs in a single transaction: if anything fails, the database is left as it was.
    """
    from .services.backup import check_archive, restore_database

    check_archive(in_path)
    if not yes:
        click.echo(f"错误 error: restore replaces ALL data in the database with the contents of {in_path}; "
                   "nothing was changed. Run again with --yes to confirm.", err=True)
        sys.exit(1)
    url, grant_to = _owner_url()
    info = restore_database(url, in_path, grant_to=grant_to)
    click.echo(f"restored database {info['database']} from {in_path} "
               f"(a backup of {info['dbname']} made {info['created_at']})")
    note = _schema_note(url)
    if note:
        click.echo(note)
