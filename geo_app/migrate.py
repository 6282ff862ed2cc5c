"""Run Alembic migrations programmatically, then give the app role its grants."""

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config

logger = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url):
    """Return an Alembic config pointed at our migrations and the given database."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url, revision="head", grant_to=None):
    """Bring the database schema up to revision as url's role (the owner), then grant the app role its privileges.

    Without grant_to the app is taken to connect as the owner itself and no grants are applied.
    """
    command.upgrade(alembic_config(url), revision)
    if grant_to:
        from .db_roles import apply_grants

        apply_grants(url, grant_to)


def revision(url, message):
    """Autogenerate a migration from the models."""
    command.revision(alembic_config(url), message=message, autogenerate=True)
