"""`minqing layers|communities|people|demo`: the community's map layers, people and the demo."""

import click

from ..models import UNIT_KINDS
from .common import cli_actor, community_option, in_transaction

KIND_CHOICE = click.Choice(list(UNIT_KINDS))


@click.group("layers")
def layers():
    """Import and export unit layers."""


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
@click.option("--crs", help="Coordinate system to read the file in, e.g. EPSG:4490; overrides a declared one "
                             "(and GeoJSON's implied WGS-84), with a notice.")
@in_transaction
def layers_import(session, path, kind, community_code, name_field, code_field, parent_field, layer, street_width,
                  make_valid, crs):
    """Import a GeoJSON, GeoPackage, Shapefile (or .zip) or KML/KMZ layer, all or nothing.

    Refused: other formats, links and archive members that are symlinks, files over IMPORT_MAX_BYTES,
    IMPORT_MAX_VERTICES or IMPORT_MAX_FEATURES, coordinates outside the CRS's area of use or China, and
    units more than IMPORT_BOUNDARY_TOLERANCE_M metres outside the community's boundary.
    """
    from flask import current_app

    from ..services.accounts import log_admin_action
    from ..services.importing import ImportLimits, import_layer

    counts = import_layer(session, path, kind, community_code, name_field=name_field, code_field=code_field,
                          parent_field=parent_field, layer=layer, street_width=street_width,
                          make_valid=make_valid, crs=crs, limits=ImportLimits.from_config(current_app.config))
    log_admin_action(session, cli_actor(), "layers.import", path=str(path), kind=kind, community=community_code,
                     **counts)
    for notice in counts["notices"]:
        click.echo(f"注意 notice: {notice}")
    click.echo(f"{path}: {counts['features']} features — {counts['inserted']} new, {counts['updated']} updated, "
               f"{counts['unchanged']} unchanged")


@layers.command("export")
@click.option("--kind", type=KIND_CHOICE, required=True)
@community_option()
@click.option("--format", "fmt", type=click.Choice(["gpkg", "geojson"]), required=True)
@click.argument("out", type=click.Path(dir_okay=False))
@in_transaction
def layers_export(session, kind, community_code, fmt, out):
    """Write a community's units of one kind to a file."""
    from ..services.importing import export_layer

    count = export_layer(session, kind, community_code, fmt, out)
    click.echo(f"wrote {count} {kind} features to {out}")


@click.group("communities")
def communities():
    """Manage communities."""


@communities.command("import")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--code", help="Community code (default: the feature's 'code').")
@click.option("--name", help="Community name (default: the feature's 'name').")
@click.option("--crs", help="Coordinate system to read the file in; overrides a declared or implied one.")
@in_transaction
def communities_import(session, path, code, name, crs):
    """Create or update a community from a one-polygon boundary file."""
    from flask import current_app

    from ..services.communities import import_community
    from ..services.importing import ImportLimits

    notices = []
    code = import_community(session, path, code, name, crs, limits=ImportLimits.from_config(current_app.config),
                            notices=notices)
    for notice in notices:
        click.echo(f"注意 notice: {notice}")
    click.echo(f"community {code} imported")


@click.group("people")
def people():
    """Manage the people responsible for units."""


@people.command("import")
@click.argument("path", type=click.Path(dir_okay=False))
@community_option()
@in_transaction
def people_import(session, path, community_code):
    """Load people and their responsibilities from a CSV (see layers/README.md for the columns)."""
    from ..services.accounts import log_admin_action
    from ..services.people import import_people

    counts = import_people(session, path, community_code)
    log_admin_action(session, cli_actor(), "people.import", path=str(path), community=community_code, **counts)
    click.echo(f"{path}: {counts['rows']} rows — {counts['people_added']} people added, "
               f"{counts['responsibilities_changed']} responsibilities added or changed")


@click.group("demo")
def demo():
    """The synthetic demo community 明珠社区."""


@demo.command("load")
@click.option("--layers-dir", type=click.Path(file_okay=False), help="Where the demo files are (default: layers/).")
@click.option("--no-cases", is_flag=True, help="Load the map layers, people and sites only.")
@in_transaction
def demo_load(session, layers_dir, no_cases):
    """Import the demo community through the same code paths as a user's files, then its cases."""
    from flask import current_app

    from ..services.cases import CasePolicy
    from ..services.demo import load_demo

    summary = load_demo(session, layers_dir, policy=CasePolicy.from_config(current_app.config),
                        with_cases=not no_cases)
    for line in summary:
        click.echo(line)


@demo.command("accounts")
@in_transaction
def demo_accounts(session):
    """Create (once) and print the demo accounts."""
    from ..services.demo import create_demo_accounts

    click.echo("demo accounts (for the synthetic demo only — never use these passwords elsewhere):")
    for username, role, password, note in create_demo_accounts(session):
        click.echo(f"  {username:<8} {role:<6} password {password:<15} {note}")
