"""The `minqing` command: database, demo, layers, people and serving."""

import functools
import logging
import os
import sys

import click

from .embedded_pg import Cluster, PostgresMissing
from .errors import AppError

logger = logging.getLogger(__name__)


def _app():
    from . import create_app

    return create_app()


def _embedded(app):
    """Return the embedded cluster, or None when DATABASE_URL points elsewhere."""
    if os.environ.get("DATABASE_URL") or app.config.get("DATABASE_URL") != Cluster.for_instance(app.instance_path).url:
        return None
    return Cluster.for_instance(app.instance_path)


def _cli_actor():
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


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
        from .extensions import db

        app = _app()
        with app.app_context():
            try:
                result = func(db.session, *args, **kwargs)
                db.session.commit()
                return result
            except BaseException:
                db.session.rollback()
                raise

    return friendly_errors(wrapper)


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log what happens.")
def cli(verbose):
    """民情地图 MinQing Map — community governance by the map."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")


# -- db -------------------------------------------------------------------------------------------

@cli.group()
def db():
    """Manage the database (the embedded PostGIS cluster when DATABASE_URL is unset)."""


@db.command("up")
@friendly_errors
def db_up():
    """Initialise (first time) and start the embedded PostgreSQL + PostGIS cluster."""
    app = _app()
    cluster = _embedded(app)
    if cluster is None:
        click.echo("DATABASE_URL is set: nothing to start.")
        return
    cluster.start()
    click.echo(cluster.describe())


@db.command("down")
@friendly_errors
def db_down():
    """Stop the embedded cluster."""
    cluster = _embedded(_app())
    if cluster is None:
        click.echo("DATABASE_URL is set: nothing to stop.")
        return
    click.echo("stopped" if cluster.stop() else "not running")


@db.command("status")
@friendly_errors
def db_status():
    """Say where the database is and whether it runs."""
    app = _app()
    cluster = _embedded(app)
    if cluster is None:
        click.echo(f"external database: {_redact(app.config['DATABASE_URL'])}")
        return
    click.echo(cluster.describe())


def _redact(url):
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@friendly_errors
def db_upgrade(revision):
    """Apply the schema migrations as the owner (DATABASE_OWNER_URL), then grant the app role its privileges."""
    from .db_roles import migration_target
    from .migrate import upgrade

    app = _app()
    cluster = _embedded(app)
    if cluster is not None:
        cluster.start()  # creates the roles; an older cluster hands its tables to the owner
    url, grant_to = migration_target(app.config["DATABASE_URL"], app.config["DATABASE_OWNER_URL"])
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
    from .db_roles import grant_command

    app = _app()
    cluster = _embedded(app)
    if cluster is not None:
        cluster.start()
    click.echo(grant_command(app.config["DATABASE_URL"], app.config["DATABASE_OWNER_URL"], apply=apply_,
                             superuser_url=superuser_url), nl=False)


@db.command("revision")
@click.argument("message")
def db_revision(message):
    """Autogenerate a migration from the models (for developers)."""
    from .migrate import revision

    revision(_app().config["DATABASE_URL"], message)


# -- layers ---------------------------------------------------------------------------------------

@cli.group()
def layers():
    """Import and export unit layers."""


KIND_CHOICE = click.Choice(["street", "lane", "shop", "building", "grid"])


@layers.command("import")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--kind", type=KIND_CHOICE, required=True, help="What the features are.")
@click.option("--community", "community_code", required=True, help="Community code, e.g. mingzhu.")
@click.option("--name-field", help="Field holding the unit name (default: name).")
@click.option("--code-field", help="Field holding the unit code (default: code, if present).")
@click.option("--parent-field", help="Field holding the parent unit's code (default: parent, if present).")
@click.option("--layer", help="Layer to read from a multi-layer file (GeoPackage, KML).")
@click.option("--street-width", type=float, help="Width in metres for buffering centrelines (street 20, lane 6).")
@click.option("--make-valid", is_flag=True, help="Repair invalid polygons instead of refusing them.")
@click.option("--crs", help="Coordinate system of a file that declares none, e.g. EPSG:4490.")
@in_transaction
def layers_import(session, path, kind, community_code, name_field, code_field, parent_field, layer, street_width,
                  make_valid, crs):
    """Import a GeoJSON, GeoPackage, Shapefile (or .zip) or KML layer, all or nothing."""
    from .services.accounts import log_admin_action
    from .services.importing import import_layer

    counts = import_layer(session, path, kind, community_code, name_field=name_field, code_field=code_field,
                          parent_field=parent_field, layer=layer, street_width=street_width,
                          make_valid=make_valid, crs=crs)
    log_admin_action(session, _cli_actor(), "layers.import", path=str(path), kind=kind, community=community_code,
                     **counts)
    click.echo(f"{path}: {counts['features']} features — {counts['inserted']} new, {counts['updated']} updated, "
               f"{counts['unchanged']} unchanged")


@layers.command("export")
@click.option("--kind", type=KIND_CHOICE, required=True)
@click.option("--community", "community_code", default="mingzhu", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["gpkg", "geojson"]), required=True)
@click.argument("out", type=click.Path(dir_okay=False))
@in_transaction
def layers_export(session, kind, community_code, fmt, out):
    """Write a community's units of one kind to a file."""
    from .services.importing import export_layer

    count = export_layer(session, kind, community_code, fmt, out)
    click.echo(f"wrote {count} {kind} features to {out}")


@cli.group()
def communities():
    """Manage communities."""


@communities.command("import")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--code", help="Community code (default: the feature's 'code').")
@click.option("--name", help="Community name (default: the feature's 'name').")
@click.option("--crs", help="Coordinate system of a file that declares none.")
@in_transaction
def communities_import(session, path, code, name, crs):
    """Create or update a community from a one-polygon boundary file."""
    from .services.communities import import_community

    click.echo(f"community {import_community(session, path, code, name, crs)} imported")


@cli.group()
def people():
    """Manage the people responsible for units."""


@people.command("import")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--community", "community_code", default="mingzhu", show_default=True)
@in_transaction
def people_import(session, path, community_code):
    """Load people and their responsibilities from a CSV (see layers/README.md for the columns)."""
    from .services.accounts import log_admin_action
    from .services.people import import_people

    counts = import_people(session, path, community_code)
    log_admin_action(session, _cli_actor(), "people.import", path=str(path), community=community_code, **counts)
    click.echo(f"{path}: {counts['rows']} rows — {counts['people_added']} people added, "
               f"{counts['responsibilities_changed']} responsibilities added or changed")


# -- demo and serving -----------------------------------------------------------------------------

@cli.group()
def demo():
    """The synthetic demo community 明珠社区."""


@demo.command("load")
@click.option("--layers-dir", type=click.Path(file_okay=False), help="Where the demo files are (default: layers/).")
@click.option("--no-cases", is_flag=True, help="Load the map layers, people and sites only.")
@in_transaction
def demo_load(session, layers_dir, no_cases):
    """Import the demo community through the same code paths as a user's files, then its cases."""
    from flask import current_app

    from .services.cases import CasePolicy
    from .services.demo import load_demo

    summary = load_demo(session, layers_dir, policy=CasePolicy.from_config(current_app.config),
                        with_cases=not no_cases)
    for line in summary:
        click.echo(line)


@demo.command("accounts")
@in_transaction
def demo_accounts(session):
    """Create (once) and print the demo accounts."""
    from .services.demo import create_demo_accounts

    click.echo("demo accounts (for the synthetic demo only — never use these passwords elsewhere):")
    for username, role, password, note in create_demo_accounts(session):
        click.echo(f"  {username:<8} {role:<6} password {password:<15} {note}")


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=None, help="Port (default: $PORT or 5000).")
@click.option("--workers", type=int, default=2, show_default=True)
@friendly_errors
def serve(host, port, workers):
    """Serve the app with gunicorn."""
    app = _app()
    port = port or app.config["PORT"]
    cluster = _embedded(app)
    if cluster is not None and not cluster.is_running():
        cluster.start()
    click.echo(f"serving 民情地图 on http://{host}:{port}")
    os.execvp(sys.executable, [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind",
                               f"{host}:{port}", "--access-logfile", "-", "geo_app.wsgi:app"])


from .cli_accounts import points, users  # noqa: E402
from .cli_ops import backup, restore  # noqa: E402

cli.add_command(users)
cli.add_command(points)
cli.add_command(backup)
cli.add_command(restore)
