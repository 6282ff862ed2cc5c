"""The reporter's own 回访 (feedback links and answers) and the log of reporters' phone numbers revealed to staff."""

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import CommunityScopedMixin, check_in
from .case import SATISFACTION

MAX_COMMENT = 1000


class FeedbackToken(CommunityScopedMixin, db.Model):
    """A single-use link to a case's 回访 page: only the SHA-256 of the token is kept."""

    __tablename__ = "feedback_token"
    __table_args__ = (CheckConstraint("expires_at > issued_at", name="period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("civic_case.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ResidentFeedback(CommunityScopedMixin, db.Model):
    """A reporter's answer on the 回访 page; one per token (the unique token_id makes a link single-use)."""

    __tablename__ = "resident_feedback"
    __table_args__ = (
        CheckConstraint(check_in("satisfaction", SATISFACTION), name="satisfaction"),
        CheckConstraint(f"char_length(comment) <= {MAX_COMMENT}", name="comment_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("civic_case.id", ondelete="CASCADE"), index=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("feedback_token.id", ondelete="CASCADE"), unique=True)
    satisfaction: Mapped[str] = mapped_column(String(24))
    comment: Mapped[str] = mapped_column(Text, server_default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class PhoneReveal(CommunityScopedMixin, db.Model):
    """One reveal of a reporter's full phone number to a case's assignee: who, when, which case (append-only)."""

    __tablename__ = "phone_reveal"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("civic_case.id", ondelete="CASCADE"), index=True)
    actor: Mapped[str] = mapped_column(String(100))
    person_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("person.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
