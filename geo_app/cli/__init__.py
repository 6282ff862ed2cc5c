"""The `minqing` command: one group per module, each importing only `common`."""

import logging

import click

from .accounts import points, users
from .data import communities, demo, layers, people
from .db import db
from .ops import backup, restore, serve
from .worker import notify, worker


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log what happens.")
def cli(verbose):
    """民情地图 MinQing Map — community governance by the map."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")


for command in (db, layers, communities, people, demo, serve, worker, notify, users, points, backup, restore):
    cli.add_command(command)
