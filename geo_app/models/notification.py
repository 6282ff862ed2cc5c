"""Notifications: one row per message to one recipient on one channel — the outbox the queue delivers, and the inbox."""

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import check_in

NOTIFY_CHANNELS = {"inbox": "站内消息", "wecom": "企业微信", "sms": "短信", "email": "电子邮件"}
NOTIFY_STATES = {"pending": "待发送", "sending": "发送中", "sent": "已发送", "failed": "发送失败", "cancelled": "已取消"}
NOTIFY_KINDS = {
    "dispatched": "新派单", "returned": "退回", "due_soon": "即将超时", "overdue": "超时督办",
    "reopened": "重新办理", "resolved": "已办结", "reporter_dispatched": "已派单", "digest": "每日汇总",
    "sweep": "时限提醒汇总",
}


class Notification(db.Model):
    __tablename__ = "notification"
    __table_args__ = (
        CheckConstraint(check_in("channel", NOTIFY_CHANNELS), name="channel"),
        CheckConstraint(check_in("state", NOTIFY_STATES), name="state"),
        CheckConstraint("channel <> 'inbox' OR user_id IS NOT NULL", name="inbox_owner"),
        CheckConstraint("attempts >= 0", name="attempts"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id", ondelete="CASCADE"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("civic_case.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    # The phone or e-mail address (sms, email); NULL for the inbox and WeCom (robot_ref names the robot, never its key).
    address: Mapped[str | None] = mapped_column(String(254))
    robot_ref: Mapped[str | None] = mapped_column(String(200))
    urgent: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    params: Mapped[dict] = mapped_column(JSONB, server_default=text("'{}'"))
    dedup_key: Mapped[str | None] = mapped_column(String(300), unique=True)
    state: Mapped[str] = mapped_column(String(16), server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    not_before: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    # Set when a claim found the row still 'sending': the previous attempt died, the message may have gone twice.
    resumed_after_crash: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=text("clock_timestamp()"))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
