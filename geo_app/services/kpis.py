"""12345 / 接诉即办 KPIs: 响应率, 办结率, 按期办结率, 满意率 and mean hours to resolve, grouped.

- received: cases taken in (duplicates excluded) in the window (by received_at)
- resolved: of those, cases resolved (办结, 回访 or 关闭)
- in_progress: of those, cases still open
- response_rate: accepted within the response deadline / cases whose response is due or done
- resolution_rate: resolved / received
- on_time_rate: resolved by the resolution deadline / resolved
- satisfaction_rate: (满意 + 基本满意) / return visits with a satisfaction
"""

import logging

from sqlalchemy import text

from ..errors import ValidationError
from ..models import COMMUNITY_QUEUE, ROLE_LABELS
from .cases import case_filters_sql
from .catalog import VOCABULARIES
from .exports import csv_text
from .privacy import mask_name

logger = logging.getLogger(__name__)

GROUPINGS = {
    "channel": "c.channel",
    "category": "c.category",
    "assignee": "coalesce(c.assignee_id::text, 'community_queue')",
    "unit_kind": "coalesce(u.kind, 'none')",
    "month": "to_char(c.received_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')",
    "community": "cm.code",
}
# What each column is called where a person reads it (the stats page).
COLUMN_LABELS = {
    "key": "分组", "label": "名称", "received": "受理", "resolved": "办结", "in_progress": "办理中",
    "response_rate": "响应率", "resolution_rate": "办结率", "on_time_rate": "按期办结率", "satisfaction_rate": "满意率",
    "mean_hours_to_resolve": "平均办结（小时）",
}
COLUMNS = tuple(COLUMN_LABELS)


def stats(session, by, filters=None, *, show_names=True):
    """Return {"by", "rows"}: one row of KPIs per group."""
    if by not in GROUPINGS:
        raise ValidationError(f"by must be one of {', '.join(GROUPINGS)}, got {str(by)[:40]!r}", field="by")
    where, params = case_filters_sql(filters or {})
    where.append("c.status <> 'duplicate'")
    sql = f"""
        SELECT {GROUPINGS[by]} AS key,
               count(*) AS received,
               count(*) FILTER (WHERE c.resolved_at IS NOT NULL) AS resolved,
               count(*) FILTER (WHERE c.status IN ('received', 'dispatched', 'accepted', 'in_progress', 'returned'))
                   AS in_progress,
               count(*) FILTER (WHERE c.accepted_at IS NOT NULL AND c.accepted_at <= c.response_due_at) AS responded_on_time,
               count(*) FILTER (WHERE c.accepted_at IS NOT NULL OR now() > c.response_due_at) AS response_due,
               count(*) FILTER (WHERE c.resolved_at IS NOT NULL AND c.resolved_at <= c.resolve_due_at) AS resolved_on_time,
               count(*) FILTER (WHERE c.satisfaction IN ('satisfied', 'basically_satisfied')) AS satisfied,
               count(*) FILTER (WHERE c.satisfaction IS NOT NULL) AS visited,
               avg(extract(epoch FROM c.resolved_at - c.received_at) / 3600.0)
                   FILTER (WHERE c.resolved_at IS NOT NULL) AS mean_hours,
               min(p.name) AS person_name, min(c.assignee_role) AS person_role
        FROM civic_case c
        JOIN community cm ON cm.id = c.community_id
        LEFT JOIN unit u ON u.id = c.unit_id
        LEFT JOIN person p ON p.id = c.assignee_id
        WHERE {' AND '.join(where)}
        GROUP BY 1 ORDER BY 1
    """
    rows = []
    for r in session.execute(text(sql), params):
        rows.append({
            "key": r.key,
            "label": _label(by, r, show_names),
            "received": r.received,
            "resolved": r.resolved,
            "in_progress": r.in_progress,
            "response_rate": _rate(r.responded_on_time, r.response_due),
            "resolution_rate": _rate(r.resolved, r.received),
            "on_time_rate": _rate(r.resolved_on_time, r.resolved),
            "satisfaction_rate": _rate(r.satisfied, r.visited),
            "mean_hours_to_resolve": round(float(r.mean_hours), 1) if r.mean_hours is not None else None,
        })
    return {"by": by, "rows": rows}


def _rate(numerator, denominator):
    return round(numerator / denominator, 4) if denominator else None


def _label(by, row, show_names):
    if by in ("channel", "category", "unit_kind"):
        return VOCABULARIES[by].get(row.key, "无责任单元")
    if by == "assignee":
        if row.key == COMMUNITY_QUEUE:
            return ROLE_LABELS[COMMUNITY_QUEUE]
        name = row.person_name if show_names else mask_name(row.person_name)
        return f"{name}（{ROLE_LABELS.get(row.person_role, '')}）"
    return row.key


def stats_csv(result):
    """Return the stats rows as CSV text (cells that a spreadsheet would run as formulas written as text)."""
    return csv_text(COLUMNS, result["rows"])
