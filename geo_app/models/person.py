"""People and their responsibilities for units (红色四长 and grid workers)."""

from datetime import date

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import CommunityScopedMixin, TimestampMixin, check_in

# Who answers for a case when nobody answers for its point: not a role a person holds.
COMMUNITY_QUEUE = "community_queue"
ROLE_LABELS = {
    "street_chief": "街长",
    "lane_chief": "巷长",
    "shop_chief": "店长",
    "building_chief": "楼栋长",
    "grid_worker": "网格员",
    COMMUNITY_QUEUE: "社区党委",
}
ROLES = tuple(role for role in ROLE_LABELS if role != COMMUNITY_QUEUE)
ROLE_FOR_KIND = {
    "street": "street_chief",
    "lane": "lane_chief",
    "shop": "shop_chief",
    "building": "building_chief",
    "grid": "grid_worker",
}


class Person(CommunityScopedMixin, TimestampMixin, db.Model):
    __tablename__ = "person"
    __table_args__ = (
        Index("uq_person_identity", "community_id", "name", text("coalesce(phone, '')"), unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254))  # for e-mail notifications (migration 0009)
    party_member: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    organisation: Mapped[str | None] = mapped_column(String(200))


class Responsibility(CommunityScopedMixin, TimestampMixin, db.Model):
    __tablename__ = "responsibility"
    __table_args__ = (
        CheckConstraint(check_in("role", ROLES), name="role"),
        CheckConstraint("until IS NULL OR until > since", name="period"),
        UniqueConstraint("unit_id", "person_id", "role", "since", name="uq_responsibility_period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    since: Mapped[date] = mapped_column(Date)
    until: Mapped[date | None] = mapped_column(Date)

    person = relationship(Person)
    unit = relationship("Unit")
