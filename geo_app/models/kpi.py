"""The KPI rollups of civic_case, kept by triggers (migration 0013); the app only reads them."""

from decimal import Decimal

from sqlalchemy import Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class _Measures:
    """What a group of cases adds to the KPIs and does not change with the clock."""

    n: Mapped[int] = mapped_column(server_default="0")  # every case, duplicates included; the others leave them out
    duplicates: Mapped[int] = mapped_column(server_default="0")
    resolved: Mapped[int] = mapped_column(server_default="0")
    in_progress: Mapped[int] = mapped_column(server_default="0")
    accepted: Mapped[int] = mapped_column(server_default="0")
    unaccepted: Mapped[int] = mapped_column(server_default="0")
    responded_on_time: Mapped[int] = mapped_column(server_default="0")
    resolved_on_time: Mapped[int] = mapped_column(server_default="0")
    satisfied: Mapped[int] = mapped_column(server_default="0")  # the cadre's 回访 (residents' answers come live)
    visited: Mapped[int] = mapped_column(server_default="0")
    resolve_seconds: Mapped[Decimal] = mapped_column(Numeric, server_default="0")


class CaseKpiMonth(_Measures, db.Model):
    """Cases per community, month (China time), channel, category, status and unit kind ('none': no unit)."""

    __tablename__ = "case_kpi_month"

    community_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    month = mapped_column(db.Date, primary_key=True)
    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    category: Mapped[str] = mapped_column(String(32), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    unit_kind: Mapped[str] = mapped_column(String(16), primary_key=True)


class CaseKpiMonthTotal(_Measures, db.Model):
    """Cases per community, month and value of one grouping (dimension: channel, category or unit_kind)."""

    __tablename__ = "case_kpi_month_total"

    community_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    month = mapped_column(db.Date, primary_key=True)
    dimension: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(32), primary_key=True)


class CaseKpiAssignee(_Measures, db.Model):
    """Cases per community and assignee (0: the community queue), whatever the month."""

    __tablename__ = "case_kpi_assignee"

    community_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    assignee_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    assignee_role: Mapped[str] = mapped_column(String(32), primary_key=True)


class CaseKpiPerson(_Measures, db.Model):
    """Cases per person they are assigned to, whatever the community (the community queue is not a person)."""

    __tablename__ = "case_kpi_person"

    assignee_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
