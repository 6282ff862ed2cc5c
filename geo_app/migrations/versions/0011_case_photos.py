"""case photos, the PostgreSQL photo store and Open311 media_url

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 05:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("civic_case", sa.Column("media_url", sa.String(2000), nullable=True))
    op.create_table(
        "case_photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("public", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("thumb_width", sa.Integer(), nullable=False),
        sa.Column("thumb_height", sa.Integer(), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("source_format", sa.String(16), nullable=False),
        sa.Column("display_key", sa.String(64), nullable=False),
        sa.Column("display_type", sa.String(32), nullable=False),
        sa.Column("thumb_key", sa.String(64), nullable=False),
        sa.Column("thumb_type", sa.String(32), nullable=False),
        sa.Column("original_key", sa.String(64), nullable=True),
        sa.Column("original_type", sa.String(32), nullable=True),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("visibility_by", sa.String(100), nullable=True),
        sa.Column("visibility_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('report', 'before', 'after')", name=op.f("ck_case_photo_kind")),
        sa.CheckConstraint("width > 0 AND height > 0 AND thumb_width > 0 AND thumb_height > 0",
                           name=op.f("ck_case_photo_sizes")),
        sa.ForeignKeyConstraint(["case_id"], ["civic_case.id"], name=op.f("fk_case_photo_case_id_civic_case"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"], name=op.f("fk_case_photo_community_id_community"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_photo")),
    )
    op.create_index(op.f("ix_case_photo_case_id"), "case_photo", ["case_id"])
    op.create_index(op.f("ix_case_photo_community_id"), "case_photo", ["community_id"])
    op.create_table(
        "photo_blob",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("content_type", sa.String(32), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("size = octet_length(data)", name=op.f("ck_photo_blob_size")),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_photo_blob")),
    )
    # JPEG/WebP bytes do not compress: store them out of line without trying (measured: pglz saves nothing and
    # costs ~2x the insert time).
    op.execute("ALTER TABLE photo_blob ALTER COLUMN data SET STORAGE EXTERNAL")


def downgrade():
    op.drop_table("photo_blob")
    op.drop_index(op.f("ix_case_photo_community_id"), table_name="case_photo")
    op.drop_index(op.f("ix_case_photo_case_id"), table_name="case_photo")
    op.drop_table("case_photo")
    op.drop_column("civic_case", "media_url")
