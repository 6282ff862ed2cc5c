"""爱心超市 points: one account per household and its ledger."""

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import CommunityScopedMixin, TimestampMixin, check_in

ENTRY_KINDS = {"earn": "获得", "redeem": "兑换"}


class PointsAccount(CommunityScopedMixin, TimestampMixin, db.Model):
    __tablename__ = "points_account"
    __table_args__ = (
        CheckConstraint("balance >= 0", name="balance_not_negative"),
        UniqueConstraint("community_id", "household", name="uq_points_account_household"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household: Mapped[str] = mapped_column(String(100))
    balance: Mapped[int] = mapped_column(Integer, default=0)


class PointsEntry(CommunityScopedMixin, db.Model):
    __tablename__ = "points_entry"
    __table_args__ = (
        CheckConstraint(check_in("kind", ENTRY_KINDS), name="kind"),
        CheckConstraint("points > 0", name="points_positive"),
        CheckConstraint("balance_after >= 0", name="balance_after"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("points_account.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    points: Mapped[int] = mapped_column(Integer)
    balance_after: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(200))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("civic_case.id", ondelete="SET NULL"), unique=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
