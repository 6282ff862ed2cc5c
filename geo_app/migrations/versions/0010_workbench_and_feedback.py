"""placeholder reserved for workbench_and_feedback (filled in by the branch that owns it)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 05:00:00
"""

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
