"""Accounts: admins, cadres (社区干部) and chiefs (四长 and grid workers), with hashed passwords and API tokens."""

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import TimestampMixin, check_in

USER_ROLES = {"admin": "管理员", "cadre": "社区干部", "chief": "四长/网格员"}


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "app_user"
    __table_args__ = (
        CheckConstraint(check_in("role", USER_ROLES), name="role"),
        CheckConstraint("role <> 'chief' OR person_id IS NOT NULL", name="chief_has_person"),
        CheckConstraint("role = 'admin' OR community_id IS NOT NULL", name="scoped_to_community"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("community.id", ondelete="CASCADE"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))

    @property
    def is_active(self):
        return self.active


class AdminLog(db.Model):
    __tablename__ = "admin_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at = mapped_column(db.DateTime(timezone=True), server_default=db.func.now(), nullable=False)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict] = mapped_column(JSONB, server_default=text("'{}'"))
