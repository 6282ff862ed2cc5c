"""Run the `minqing` command as `python -m geo_app.cli_main`."""

from .cli import cli

if __name__ == "__main__":
    cli()
