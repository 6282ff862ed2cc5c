"""`minqing db`: the embedded PostGIS cluster and the schema."""

import click

from .common import embedded_cluster, friendly_errors, make_configured_app, owner_database_target, redact


@click.group("db")
def db():
    """Manage the database (the embedded PostGIS cluster when DATABASE_URL is unset)."""


@db.command("up")
@friendly_errors
def db_up():
    """Initialise (first time) and start the embedded PostgreSQL + PostGIS cluster."""
    cluster = embedded_cluster(make_configured_app())
    if cluster is None:
        click.echo("DATABASE_URL is set: nothing to start.")
        return
    cluster.start()
    click.echo(cluster.describe())


@db.command("down")
@friendly_errors
def db_down():
    """Stop the embedded cluster."""
    cluster = embedded_cluster(make_configured_app())
    if cluster is None:
        click.echo("DATABASE_URL is set: nothing to stop.")
        return
    click.echo("stopped" if cluster.stop() else "not running")


@db.command("status")
@friendly_errors
def db_status():
    """Say where the database is and whether it runs."""
    app = make_configured_app()
    cluster = embedded_cluster(app)
    if cluster is None:
        click.echo(f"external database: {redact(app.config['DATABASE_URL'])}")
        return
    click.echo(cluster.describe())


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@friendly_errors
def db_upgrade(revision):
    """Apply the schema migrations as the owner (DATABASE_OWNER_URL), then grant the app role its privileges."""
    from ..migrate import upgrade

    app = make_configured_app()
    cluster = embedded_cluster(app)
    if cluster is not None:
        cluster.start()  # creates the roles; an older cluster hands its tables to the owner
    url, grant_to = owner_database_target()
    upgrade(url, revision, grant_to=grant_to)
    click.echo(f"database at {revision}" + (f"; {grant_to} granted its privileges" if grant_to else ""))


@db.command("grant")
@click.option("--apply", "apply_", is_flag=True, help="Run the SQL instead of only printing it.")
@click.option("--superuser-url", envvar="DATABASE_SUPERUSER_URL",
              help="A superuser's URL to the database, to create the roles with --apply "
                   "(default: only the grants, as DATABASE_OWNER_URL).")
@friendly_errors
def db_grant(apply_, superuser_url):
    """Print the SQL a DBA runs to create the owner and app roles and grant the app its privileges."""
    from ..db_roles import grant_command

    app = make_configured_app()
    cluster = embedded_cluster(app)
    if cluster is not None:
        cluster.start()
    click.echo(grant_command(app.config["DATABASE_URL"], app.config["DATABASE_OWNER_URL"], apply=apply_,
                             superuser_url=superuser_url), nl=False)


@db.command("revision")
@click.argument("message")
def db_revision(message):
    """Autogenerate a migration from the models (for developers)."""
    from ..migrate import revision

    revision(make_configured_app().config["DATABASE_URL"], message)
