"""Printed paper: the 派单单 of a case (with a QR code to its page) and the monthly report of the KPIs."""

import logging
import re
from datetime import datetime, timedelta

import segno

from ..errors import ValidationError
from .case_store import get_case
from .clock import LOCAL_TZ
from .exports import percent
from .kpis import RATE_COLUMNS, stats
from .privacy import mask_name

logger = logging.getLogger(__name__)

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
# The groupings a monthly report shows, in order, with their headings.
REPORT_SECTIONS = (("channel", "按渠道"), ("category", "按类别"), ("unit_kind", "按责任单元类型"), ("assignee", "按责任人"))
TIME_FIELDS = ("received", "dispatched", "accepted")


def qr_svg(url):
    """Return an inline SVG QR code of a URL (drawn here; no image host), sized for paper."""
    return segno.make(url, error="m").svg_inline(scale=3, border=2, title="扫码查看此民情", svgclass="mq-qr")


def _local(iso_time):
    if not iso_time:
        return ""
    return datetime.fromisoformat(iso_time).astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


def dispatch_sheet(session, code, url, *, viewer=None):
    """Return what the printed 派单单 of a case shows: its facts in Chinese, deadlines and a QR code to url."""
    case = get_case(session, code, include_private=False, viewer=viewer)
    unit, assignee = case["unit"], case["assignee"]
    return {
        "code": case["code"], "title": case["title"], "description": case["description"],
        "category": case["category"]["label"], "channel": case["channel"]["label"],
        "urgency": case["urgency"]["label"] if case["urgency"] else "", "status": case["status_label"],
        "place": " · ".join(p for p in (unit and unit["name"], case["address"]) if p) or "",
        "assignee": f"{assignee['name'] or ''}（{assignee['role_label']}）" if assignee["name"] else assignee["role_label"],
        "reporter": "匿名" if case["anonymous"] else (mask_name(case["reporter_name"]) or ""),
        "times": {stage: _local(case["times"][stage]) for stage in TIME_FIELDS},
        "response_due": _local(case["response_due_at"]), "resolve_due": _local(case["resolve_due_at"]),
        "url": url, "qr": qr_svg(url),
    }


def month_window(month, today):
    """Return (label, start, end) of a YYYY-MM month in China time; without one, the last whole month."""
    if not month:
        first = today.replace(day=1) - timedelta(days=1)
        month = f"{first.year:04d}-{first.month:02d}"
    found = MONTH.match(month)
    if not found or not 1 <= int(found.group(2)) <= 12 or not 2000 <= int(found.group(1)) <= 2099:
        raise ValidationError(f"月份应写作 2024-05 这样的年-月 (month must look like 2024-05, got {month[:20]!r})",
                              field="month")
    year, number = int(found.group(1)), int(found.group(2))
    start = datetime(year, number, 1, tzinfo=LOCAL_TZ)
    end = datetime(year + (number == 12), number % 12 + 1, 1, tzinfo=LOCAL_TZ)
    return f"{year}年{number}月", month, start, end


def _printable(rows):
    return [row | {c: percent(row[c]) or "—" for c in RATE_COLUMNS} for row in rows]


def monthly_report(session, filters, month, today):
    """Return the monthly report: the month's totals and its KPIs by channel, category, unit kind and assignee."""
    label, month, start, end = month_window(month, today)
    window = filters | {"from": start, "to": end}
    total = stats(session, "community", window)["rows"]
    sections = [{"by": by, "title": title, "rows": _printable(stats(session, by, window)["rows"])}
                for by, title in REPORT_SECTIONS]
    logger.debug("monthly report %s: %d groups", month, sum(len(s["rows"]) for s in sections))
    return {"label": label, "month": month, "total": _printable(total)[0] if total else None, "sections": sections}
