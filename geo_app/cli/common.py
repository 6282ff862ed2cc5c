"""What every `minqing` command group shares: the app, the embedded cluster, one transaction, friendly errors."""

import functools
import getpass
import sys

import click

from ..embedded_pg import Cluster, PostgresMissing
from ..errors import AppError


def make_app():
    """Create the Flask app from the environment and instance configuration."""
    from .. import create_app

    return create_app()


def make_configured_app():
    """Return the app with its configuration only (where the database and instance are), which starts in a moment."""
    from .. import configured_app

    return configured_app()


def embedded_cluster(app):
    """Return the embedded cluster, or None when DATABASE_URL points elsewhere."""
    import os

    if os.environ.get("DATABASE_URL") or app.config.get("DATABASE_URL") != Cluster.for_instance(app.instance_path).url:
        return None
    return Cluster.for_instance(app.instance_path)


def owner_database_target():
    """Return (the schema owner's database URL, the app role to grant to or None), starting the embedded cluster."""
    from ..db_roles import migration_target

    app = make_configured_app()
    cluster = embedded_cluster(app)
    if cluster is not None and not cluster.is_running():
        cluster.start()
    return migration_target(app.config["DATABASE_URL"], app.config["DATABASE_OWNER_URL"])


def cli_actor():
    """Name the operator in the admin log: cli:<OS user>."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def redact(url):
    """Return a database URL with its password hidden."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def friendly_errors(func):
    """Turn expected failures into a one-paragraph message and exit status 1, not a traceback."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except PostgresMissing as exc:
            click.echo(f"错误 error: {exc}", err=True)
            sys.exit(1)
        except AppError as exc:
            click.echo(f"错误 error: {exc.message}", err=True)
            sys.exit(1)

    return wrapper


def in_transaction(func):
    """Run a command inside an app context and one transaction: commit on success, roll back on failure."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from ..extensions import db

        app = make_app()
        with app.app_context():
            try:
                result = func(db.session, *args, **kwargs)
                db.session.commit()
                return result
            except BaseException:
                db.session.rollback()
                raise

    return friendly_errors(wrapper)


def community_option(default="mingzhu"):
    """The --community option naming a community by its code."""
    return click.option("--community", "community_code", default=default, show_default=True,
                        help="Community code, e.g. mingzhu.")
