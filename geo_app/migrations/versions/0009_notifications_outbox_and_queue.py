"""notifications: procrastinate's job queue (frozen schema 3.10.0) and our notification outbox/inbox

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 05:00:00
"""

from pathlib import Path

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# Frozen copy of procrastinate/sql/schema.sql of the pinned version: a later procrastinate must not change
# what this old migration creates (tests/services/notify/test_queue_schema.py compares it with the installed one).
PROCRASTINATE_SQL = Path(__file__).resolve().parents[1] / "sql" / "procrastinate-3.10.0.sql"
PROCRASTINATE_TABLES = ("procrastinate_events", "procrastinate_periodic_defers", "procrastinate_jobs",
                        "procrastinate_workers")
CHANNELS = ("inbox", "wecom", "sms", "email")
STATES = ("pending", "sending", "sent", "failed", "cancelled")


def upgrade():
    # exec_driver_sql: no bind-parameter parsing of ':'; psycopg2 gets an empty parameter dict, so double every %.
    op.get_bind().exec_driver_sql(PROCRASTINATE_SQL.read_text(encoding="utf-8").replace("%", "%%"))
    op.add_column("person", sa.Column("email", sa.String(254)))
    op.create_table(
        "notification",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("community_id", sa.Integer, sa.ForeignKey("community.id", ondelete="CASCADE"), nullable=False),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("civic_case.id", ondelete="CASCADE")),
        sa.Column("person_id", sa.Integer, sa.ForeignKey("person.id", ondelete="SET NULL")),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("app_user.id", ondelete="CASCADE")),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("address", sa.String(254)),
        sa.Column("robot_ref", sa.String(200)),
        sa.Column("urgent", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("params", JSONB, nullable=False, server_default=sa.text("'{}'")),
        sa.Column("dedup_key", sa.String(300), unique=True),
        sa.Column("state", sa.String(16), nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("not_before", sa.DateTime(timezone=True)),
        sa.Column("last_error", sa.Text),
        sa.Column("resumed_after_crash", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("clock_timestamp()")),
        sa.Column("claimed_at", sa.DateTime(timezone=True)),
        sa.Column("claimed_by", sa.String(100)),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.Column("read_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("channel IN (" + ", ".join(f"'{c}'" for c in CHANNELS) + ")", name=op.f("ck_notification_channel")),
        sa.CheckConstraint("state IN (" + ", ".join(f"'{s}'" for s in STATES) + ")", name=op.f("ck_notification_state")),
        sa.CheckConstraint("channel <> 'inbox' OR user_id IS NOT NULL", name=op.f("ck_notification_inbox_owner")),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_notification_attempts")),
    )
    op.create_index("ix_notification_open", "notification", ["state"],
                    postgresql_where=sa.text("state IN ('pending', 'sending', 'failed')"))
    op.create_index("ix_notification_inbox", "notification", ["user_id", "read_at", "created_at"],
                    postgresql_where=sa.text("channel = 'inbox'"))
    op.create_index("ix_notification_case", "notification", ["case_id"])
    op.create_index("ix_notification_robot_window", "notification", ["robot_ref", "sent_at"],
                    postgresql_where=sa.text("channel = 'wecom'"))


def downgrade():
    op.drop_table("notification")
    op.drop_column("person", "email")
    for table in PROCRASTINATE_TABLES:
        op.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
    op.execute("DROP TYPE IF EXISTS procrastinate_job_status, procrastinate_job_event_type, "
               "procrastinate_job_to_defer_v1 CASCADE")
    op.execute("""DO $$ DECLARE f regprocedure; BEGIN
        FOR f IN SELECT p.oid::regprocedure FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                 WHERE n.nspname = 'public' AND p.proname LIKE 'procrastinate%' LOOP
            EXECUTE 'DROP FUNCTION ' || f || ' CASCADE'; END LOOP; END $$""")
