"""Run Alembic migrations programmatically."""

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


def upgrade(url, revision="head"):
    """Bring the database schema up to revision."""
    command.upgrade(alembic_config(url), revision)


def revision(url, message):
    """Autogenerate a migration from the models."""
    command.revision(alembic_config(url), message=message, autogenerate=True)
