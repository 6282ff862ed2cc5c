"""workbench and feedback: the reporter's consent to be kept informed, 回访 links and answers, the phone reveal log

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 05:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# Answers and reveals are history: append-only for everyone (refuse_audit_change() is migration 0003's).
APPEND_ONLY = ("resident_feedback", "phone_reveal")


def _scoped(table):
    """Return the community_id column and its foreign key of a community-scoped table."""
    return [
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"], name=op.f(f"fk_{table}_community_id_community"),
                                ondelete="CASCADE"),
    ]


def _case(table):
    return [
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["civic_case.id"], name=op.f(f"fk_{table}_case_id_civic_case"),
                                ondelete="CASCADE"),
    ]


def upgrade():
    op.add_column("civic_case", sa.Column("notify", sa.Boolean(), server_default=sa.text("false"), nullable=False))
    op.create_check_constraint(op.f("ck_civic_case_notify_needs_phone"), "civic_case",
                               "NOT notify OR reporter_phone IS NOT NULL")

    op.create_table(
        "feedback_token",
        sa.Column("id", sa.Integer(), nullable=False),
        *_case("feedback_token"),
        *_scoped("feedback_token"),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("expires_at > issued_at", name=op.f("ck_feedback_token_period")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_feedback_token_token_hash")),
    )
    op.create_table(
        "resident_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        *_case("resident_feedback"),
        *_scoped("resident_feedback"),
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("satisfaction", sa.String(24), nullable=False),
        sa.Column("comment", sa.Text(), server_default="", nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("satisfaction IN ('satisfied', 'basically_satisfied', 'dissatisfied')",
                           name=op.f("ck_resident_feedback_satisfaction")),
        sa.CheckConstraint("char_length(comment) <= 1000", name=op.f("ck_resident_feedback_comment_length")),
        sa.ForeignKeyConstraint(["token_id"], ["feedback_token.id"], name=op.f("fk_resident_feedback_token_id_feedback_token"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resident_feedback")),
        # One answer per link, whatever races the application loses: single use is the database's rule.
        sa.UniqueConstraint("token_id", name=op.f("uq_resident_feedback_token_id")),
    )
    op.create_table(
        "phone_reveal",
        sa.Column("id", sa.Integer(), nullable=False),
        *_case("phone_reveal"),
        *_scoped("phone_reveal"),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_phone_reveal_person_id_person"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phone_reveal")),
    )
    for table in ("feedback_token", "resident_feedback", "phone_reveal"):
        op.create_index(op.f(f"ix_{table}_case_id"), table, ["case_id"])
        op.create_index(op.f(f"ix_{table}_community_id"), table, ["community_id"])
    for table in APPEND_ONLY:
        op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table} "
                   "FOR EACH ROW EXECUTE FUNCTION refuse_audit_change()")


def downgrade():
    for table in ("phone_reveal", "resident_feedback", "feedback_token"):
        op.drop_table(table)
    op.drop_constraint(op.f("ck_civic_case_notify_needs_phone"), "civic_case", type_="check")
    op.drop_column("civic_case", "notify")
