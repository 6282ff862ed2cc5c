"""rate-limit counters shared by every worker, in PostgreSQL

An UNLOGGED table: counters are worth nothing after a crash (PostgreSQL empties unlogged tables on
crash recovery, which merely forgives the current minute) and skipping the WAL keeps a hit cheap.
One row per limit key and window (fixed window): the upsert in auth/pg_storage.py increments it
atomically under concurrency, resetting it when its window has ended.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 02:00:00
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
        CREATE UNLOGGED TABLE rate_limit_counter (
            key text PRIMARY KEY CHECK (char_length(key) <= 512),
            count integer NOT NULL,
            expires_at timestamptz NOT NULL
        )
    """)
    op.execute("CREATE INDEX ix_rate_limit_counter_expires_at ON rate_limit_counter (expires_at)")


def downgrade():
    op.execute("DROP TABLE rate_limit_counter")
