"""民情 cases and their append-only history."""

from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import (
    ARRAY,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import CommunityScopedMixin, TimestampMixin, check_in, check_wgs84

CHANNELS = {
    "night_talk": "夜谈悦好",
    "mailbox": "书记信箱",
    "lawyer": "律师手记",
    "grid_worker": "网格员上报",
    "rider": "骑手随手拍",
    "patrol": "巾帼巡逻",
    "resident": "居民自报",
    "hotline_12345": "12345转办",
    "other": "其他",
}
CATEGORIES = {
    "dispute": "矛盾纠纷",
    "hardship": "困难诉求",
    "suggestion": "意见建议",
    "hazard": "安全隐患",
    "legal": "法律咨询",
    "sentiment": "思想动态",
    "environment": "环境卫生",
    "other": "其他",
}
TAGS = {
    "employment": "就业", "housing": "住房", "education": "教育", "medical": "医疗", "elderly": "养老",
    "childcare": "托育", "parking": "停车", "property": "物业", "neighbours": "邻里", "safety": "治安",
}
URGENCIES = {"normal": "一般", "urgent": "紧急", "critical": "特急"}
STATUSES = {
    "received": "受理",
    "dispatched": "派单",
    "accepted": "签收",
    "in_progress": "办理中",
    "resolved": "办结",
    "visited": "回访",
    "closed": "关闭",
    "returned": "退回",
    "duplicate": "重复",
}
SATISFACTION = {"satisfied": "满意", "basically_satisfied": "基本满意", "dissatisfied": "不满意"}
OPEN_STATUSES = ("received", "dispatched", "accepted", "in_progress", "returned")
RESOLVED_STATUSES = ("resolved", "visited", "closed")
# The workflow actions one may post (services/transitions.py says from which statuses each leads where).
ACTIONS = {
    "dispatch": "派单", "accept": "签收", "start": "开始办理", "resolve": "办结", "visit": "回访", "close": "关闭",
    "return": "退回", "mark_duplicate": "标记重复", "confirm": "确认上报", "reopen": "重新办理",
}
# What a case's history records: the intake, then the actions.
EVENT_ACTIONS = {"receive": "受理", **ACTIONS, "comment": "补充说明"}  # comment: an Open311 client's update
# Which deadline an open case has missed.
OVERDUE = {"response": "签收超时", "resolution": "办结超时"}
# Why an assignee hands a case back (退回); the workbench offers these, the history keeps the code.
RETURN_REASONS = {
    "not_my_unit": "不属于本人责任范围",
    "wrong_place": "位置有误",
    "needs_department": "需职能部门处理",
    "duplicate": "与其他民情重复",
    "cannot_contact": "无法联系反映人",
    "other": "其他原因",
}


class Case(CommunityScopedMixin, TimestampMixin, db.Model):
    __tablename__ = "civic_case"
    __table_args__ = (
        CheckConstraint(check_in("channel", CHANNELS), name="channel"),
        CheckConstraint(check_wgs84("geom"), name="geom_wgs84"),
        CheckConstraint(check_in("category", CATEGORIES), name="category"),
        CheckConstraint(check_in("urgency", URGENCIES), name="urgency"),
        CheckConstraint(check_in("status", STATUSES), name="status"),
        CheckConstraint(f"satisfaction IS NULL OR {check_in('satisfaction', SATISFACTION)}", name="satisfaction"),
        CheckConstraint("char_length(title) BETWEEN 1 AND 200", name="title_length"),
        CheckConstraint("char_length(description) <= 4000", name="description_length"),
        CheckConstraint("version >= 1", name="version"),
        CheckConstraint("NOT notify OR reporter_phone IS NOT NULL", name="notify_needs_phone"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    # The public tracking code (K7QM4-XD29P), drawn by the database (migration 0007); the staff code above is sequential.
    tracking_code: Mapped[str] = mapped_column(String(11), unique=True, server_default=text("minqing_tracking_code()"))
    channel: Mapped[str] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(32), index=True)
    tags: Mapped[list[str]] = mapped_column(ARRAY(String(32)), server_default=text("'{}'"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, server_default="")
    geom = mapped_column(Geometry("POINT", srid=4326, spatial_index=True), nullable=False)
    address: Mapped[str | None] = mapped_column(String(400))
    urgency: Mapped[str] = mapped_column(String(16), server_default="normal")
    reporter_name: Mapped[str | None] = mapped_column(String(100))
    reporter_phone: Mapped[str | None] = mapped_column(String(32))
    anonymous: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    household: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="SET NULL"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    assignee_role: Mapped[str | None] = mapped_column(String(32))
    response_due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    resolve_due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), index=True)
    dispatched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    visited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    returned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    satisfaction: Mapped[str | None] = mapped_column(String(24))
    resolution_note: Mapped[str | None] = mapped_column(Text)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("civic_case.id", ondelete="SET NULL"))
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    request_hash: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    # The reporter asked to be kept informed (PIPL art. 14: a separate, explicit consent); needs reporter_phone.
    notify: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    # An Open311 client's media_url, kept as given and never fetched (migration 0011).
    media_url: Mapped[str | None] = mapped_column(String(2000))


class CaseEvent(CommunityScopedMixin, db.Model):
    __tablename__ = "case_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("civic_case.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict] = mapped_column(JSONB, server_default=text("'{}'"))


class CaseCounter(db.Model):
    __tablename__ = "case_counter"

    year: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer)


class HeatLevel(db.Model):
    """Cell size per map zoom; `rollup` marks the zooms kept in case_heat_month."""

    __tablename__ = "heat_level"

    zoom: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    cell_m: Mapped[float]
    clat: Mapped[float]
    clon: Mapped[float]
    rollup: Mapped[bool]


class CaseHeatMonth(db.Model):
    """Cases per cell, month, community, channel, category and status; kept by triggers on civic_case."""

    __tablename__ = "case_heat_month"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    month = mapped_column(db.Date, primary_key=True)
    gy: Mapped[int] = mapped_column(primary_key=True)
    gx: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    category: Mapped[str] = mapped_column(String(32), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    n: Mapped[int]


class CaseHeatMonthTotal(db.Model):
    """Cases per cell, month and community, whatever their channel, category or status."""

    __tablename__ = "case_heat_month_total"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    month = mapped_column(db.Date, primary_key=True)
    gy: Mapped[int] = mapped_column(primary_key=True)
    gx: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(primary_key=True)
    n: Mapped[int]


class CaseChange(db.Model):
    """A community's case version: one more for every statement that changed its cases (migration 0014)."""

    __tablename__ = "case_change"

    community_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(db.BigInteger)
