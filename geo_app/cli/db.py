"""`minqing db`: the embedded PostGIS cluster and the schema."""

import click

from .common import embedded_cluster, friendly_errors, make_app, redact


@click.group("db")
def db():
    """Manage the database (the embedded PostGIS cluster when DATABASE_URL is unset)."""


@db.command("up")
@friendly_errors
def db_up():
    """Initialise (first time) and start the embedded PostgreSQL + PostGIS cluster."""
    cluster = embedded_cluster(make_app())
    if cluster is None:
        click.echo("DATABASE_URL is set: nothing to start.")
        return
    cluster.start()
    click.echo(cluster.describe())


@db.command("down")
@friendly_errors
def db_down():
    """Stop the embedded cluster."""
    cluster = embedded_cluster(make_app())
    if cluster is None:
        click.echo("DATABASE_URL is set: nothing to stop.")
        return
    click.echo("stopped" if cluster.stop() else "not running")


@db.command("status")
@friendly_errors
def db_status():
    """Say where the database is and whether it runs."""
    app = make_app()
    cluster = embedded_cluster(app)
    if cluster is None:
        click.echo(f"external database: {redact(app.config['DATABASE_URL'])}")
        return
    click.echo(cluster.describe())


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@friendly_errors
def db_upgrade(revision):
    """Apply the schema migrations."""
    from ..migrate import upgrade

    upgrade(make_app().config["DATABASE_URL"], revision)
    click.echo(f"database at {revision}")


@db.command("revision")
@click.argument("message")
def db_revision(message):
    """Autogenerate a migration from the models (for developers)."""
    from ..migrate import revision

    revision(make_app().config["DATABASE_URL"], message)
