"""Accounts: admins, cadres (社区干部) and chiefs (四长 and grid workers), with hashed passwords and API tokens."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String, text
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
        CheckConstraint("failed_logins >= 0", name="failed_logins"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("community.id", ondelete="CASCADE"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    # Consecutive failed logins, and until when the next attempt is refused (services/login.py).
    failed_logins: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    # The server-side session this request's user came in by (auth/identity.py); not a column.
    session_token = None

    @property
    def is_active(self):
        return self.active

    def get_id(self):
        """Return what Flask-Login keeps in the cookie: the session token, never the user id (see user_session)."""
        return self.session_token


class UserSession(db.Model):
    """A login: the cookie holds the token, the database its hash; logout or a disabled account deletes it."""

    __tablename__ = "user_session"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    address: Mapped[str | None] = mapped_column(String(64))


class AdminLog(db.Model):
    __tablename__ = "admin_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at = mapped_column(db.DateTime(timezone=True), server_default=db.func.now(), nullable=False)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict] = mapped_column(JSONB, server_default=text("'{}'"))
