"""Photos of a case (随手拍, 处置前/处置后) and the stored bytes of their cleaned derivatives."""

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import CommunityScopedMixin, check_in

PHOTO_KINDS = {"report": "上报照片", "before": "处置前", "after": "处置后"}


class CasePhoto(CommunityScopedMixin, db.Model):
    """One photo of a case: what it shows and who may see it; the bytes live in the photo store under *_key."""

    __tablename__ = "case_photo"
    __table_args__ = (
        CheckConstraint(check_in("kind", PHOTO_KINDS), name="kind"),
        CheckConstraint("width > 0 AND height > 0 AND thumb_width > 0 AND thumb_height > 0", name="sizes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("civic_case.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    public: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    thumb_width: Mapped[int] = mapped_column(Integer)
    thumb_height: Mapped[int] = mapped_column(Integer)
    taken_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    source_format: Mapped[str] = mapped_column(String(16))
    # Keys are the sha256 of the stored bytes: derivatives are immutable, so a key is also their ETag.
    display_key: Mapped[str] = mapped_column(String(64))
    display_type: Mapped[str] = mapped_column(String(32))
    thumb_key: Mapped[str] = mapped_column(String(64))
    thumb_type: Mapped[str] = mapped_column(String(32))
    original_key: Mapped[str | None] = mapped_column(String(64))  # only with KEEP_PHOTO_ORIGINALS
    original_type: Mapped[str | None] = mapped_column(String(32))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    visibility_by: Mapped[str | None] = mapped_column(String(100))  # who last published or hid it
    visibility_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PhotoBlob(db.Model):
    """Bytes of the PostgreSQL photo store (PHOTO_STORE=db): one row per distinct content, never changed."""

    __tablename__ = "photo_blob"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex of data
    content_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
