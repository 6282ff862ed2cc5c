"""The `minqing` command: one group per module, each importing only `common`.

A command's module is imported when that command runs (click's lazily loaded subcommands), so `minqing db status`
does not import what `minqing users` needs.
"""

import importlib
import logging

import click

# command name -> "module:attribute" in this package
COMMANDS = {
    "db": "db:db", "layers": "data:layers", "communities": "data:communities", "people": "data:people",
    "demo": "data:demo", "serve": "ops:serve", "backup": "ops:backup", "restore": "ops:restore",
    "worker": "worker:worker", "notify": "worker:notify", "users": "accounts:users", "points": "accounts:points",
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported when one of them is asked for."""

    def list_commands(self, ctx):
        return sorted(COMMANDS)

    def get_command(self, ctx, cmd_name):
        if cmd_name not in COMMANDS:
            return None
        module, attribute = COMMANDS[cmd_name].split(":")
        return getattr(importlib.import_module(f"{__name__}.{module}"), attribute)


@click.group(cls=LazyGroup)
@click.option("-v", "--verbose", is_flag=True, help="Log what happens.")
def cli(verbose):
    """民情地图 MinQing Map — community governance by the map."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
