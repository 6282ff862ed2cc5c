"""placeholder reserved for case_photos (filled in by the branch that owns it)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 05:00:00
"""

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
