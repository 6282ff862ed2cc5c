"""server-side sessions, login lockout and public tracking codes

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 02:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# A public tracking code: 50 random bits as 10 Crockford base32 characters, grouped 5-5 (K7QM4-XD29P).
# The bits come from gen_random_uuid() (PostgreSQL's strong random source): bytes 0-5 and 7 of a version-4
# UUID are fully random (56 bits; the low 50 are used); plpgsql, which ran about 4 times faster here than a
# SQL function. The column's default calls it, so every insert path (the app, COPY by the benchmark or a bulk
# import) gets a code; services/tracking.py reads codes back with the same alphabet.
TRACKING_CODE_FUNCTION = """
CREATE OR REPLACE FUNCTION minqing_tracking_code() RETURNS text LANGUAGE plpgsql VOLATILE PARALLEL SAFE AS $$
DECLARE
    u bytea := uuid_send(gen_random_uuid());
    v bigint := (get_byte(u, 0)::bigint << 48) | (get_byte(u, 1)::bigint << 40) | (get_byte(u, 2)::bigint << 32)
              | (get_byte(u, 3)::bigint << 24) | (get_byte(u, 4)::bigint << 16) | (get_byte(u, 5)::bigint << 8)
              | get_byte(u, 7);
    code text := '';
BEGIN
    FOR k IN REVERSE 9..0 LOOP
        code := code || substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', ((v >> (5 * k)) & 31)::int + 1, 1);
    END LOOP;
    RETURN left(code, 5) || '-' || right(code, 5);
END
$$
"""
# Give a fresh code to any row whose code another row already has (50 bits: rare, but not impossible).
REDRAW_COLLISIONS = """
DO $$
BEGIN
    LOOP
        UPDATE civic_case SET tracking_code = minqing_tracking_code()
        WHERE id IN (SELECT id FROM (SELECT id, row_number() OVER (PARTITION BY tracking_code ORDER BY id) AS n
                                     FROM civic_case) AS d WHERE d.n > 1);
        EXIT WHEN NOT FOUND;
    END LOOP;
END
$$
"""


def upgrade():
    op.execute(TRACKING_CODE_FUNCTION)
    # A volatile default makes ADD COLUMN rewrite the table and draw a code per existing row (no UPDATE triggers).
    op.add_column("civic_case", sa.Column("tracking_code", sa.String(11), server_default=sa.text("minqing_tracking_code()"),
                                          nullable=True))
    op.execute(REDRAW_COLLISIONS)
    op.alter_column("civic_case", "tracking_code", nullable=False)
    op.create_unique_constraint(op.f("uq_civic_case_tracking_code"), "civic_case", ["tracking_code"])
    # The body an Idempotency-Key was first used with (sha256 of its canonical JSON).
    op.add_column("civic_case", sa.Column("request_hash", sa.String(64), nullable=True))

    op.add_column("app_user", sa.Column("failed_logins", sa.Integer(), server_default=sa.text("0"), nullable=False))
    op.add_column("app_user", sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
    op.create_check_constraint(op.f("ck_app_user_failed_logins"), "app_user", "failed_logins >= 0")

    op.create_table(
        "user_session",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("address", sa.String(64), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_user_session_user_id_app_user"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_user_session")),
    )
    op.create_index(op.f("ix_user_session_user_id"), "user_session", ["user_id"])
    op.create_index(op.f("ix_user_session_last_seen_at"), "user_session", ["last_seen_at"])


def downgrade():
    op.drop_table("user_session")
    op.drop_constraint(op.f("ck_app_user_failed_logins"), "app_user", type_="check")
    op.drop_column("app_user", "locked_until")
    op.drop_column("app_user", "failed_logins")
    op.drop_column("civic_case", "request_hash")
    op.drop_constraint(op.f("uq_civic_case_tracking_code"), "civic_case", type_="unique")
    op.drop_column("civic_case", "tracking_code")
    op.execute("DROP FUNCTION IF EXISTS minqing_tracking_code()")
