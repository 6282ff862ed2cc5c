"""Run the `minqing` command as `python -m geo_app.cli`."""

from . import cli

cli()
