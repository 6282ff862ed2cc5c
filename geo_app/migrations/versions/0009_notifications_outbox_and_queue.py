"""placeholder reserved for notifications_outbox_and_queue (filled in by the branch that owns it)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 05:00:00
"""

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
