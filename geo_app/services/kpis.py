"""12345 / 接诉即办 KPIs: 响应率, 办结率, 按期办结率, 满意率 and mean hours to resolve, grouped.

- received: cases taken in (duplicates excluded) in the window (by received_at)
- resolved: of those, cases resolved (办结, 回访 or 关闭)
- in_progress: of those, cases still open
- response_rate: accepted within the response deadline / cases whose response is due or done
- resolution_rate: resolved / received
- on_time_rate: resolved by the resolution deadline / resolved
- satisfaction_rate: (满意 + 基本满意) / cases with a satisfaction, where a case's satisfaction is its
  reporter's own latest answer on the 回访 page (services/feedback.py) when there is one, else the cadre's 回访:
  residents' own answers take precedence for their cases
"""

import logging

from sqlalchemy import Float, String, and_, cast, extract, func, or_, select
from sqlalchemy.dialects.postgresql import distinct_on

from ..errors import ValidationError
from ..models import COMMUNITY_QUEUE, OPEN_STATUSES, ROLE_LABELS, Person, ResidentFeedback, Unit
from . import kpi_rollup
from .catalog import VOCABULARIES
from .clock import LOCAL_TZ
from .exports import csv_text, percent
from .privacy import mask_name
from .queries import CASES, COMMUNITIES, case_conditions

logger = logging.getLogger(__name__)

UNITS, PEOPLE, ANSWERS = Unit.__table__, Person.__table__, ResidentFeedback.__table__
GROUPINGS = {
    "channel": CASES.c.channel,
    "category": CASES.c.category,
    "assignee": func.coalesce(cast(CASES.c.assignee_id, String), COMMUNITY_QUEUE),
    "unit_kind": func.coalesce(UNITS.c.kind, "none"),
    "month": func.to_char(func.timezone(LOCAL_TZ.key, CASES.c.received_at), "YYYY-MM"),
    "community": COMMUNITIES.c.code,
}
SATISFIED = kpi_rollup.SATISFIED
# by=assignee is a page, worst first: the most cases open, or the lowest rate (never unbounded: 113k rows in a city).
ASSIGNEE_SORTS = ("in_progress", "received", "response_rate", "resolution_rate", "on_time_rate", "satisfaction_rate")
ASSIGNEE_SORT_DEFAULT = "in_progress"
ASSIGNEE_PAGE_DEFAULT = 100
ASSIGNEE_PAGE_MAX = 500
# What each grouping is called in a file name or sheet title (民情统计-渠道.xlsx).
GROUPING_LABELS = {"channel": "渠道", "category": "类别", "assignee": "责任人", "unit_kind": "单元类型", "month": "月份",
                   "community": "社区"}
# What each column is called where a person reads it (the stats page).
COLUMN_LABELS = {
    "key": "分组", "label": "名称", "received": "受理", "resolved": "办结", "in_progress": "办理中",
    "response_rate": "响应率", "resolution_rate": "办结率", "on_time_rate": "按期办结率", "satisfaction_rate": "满意率",
    "mean_hours_to_resolve": "平均办结（小时）",
}
COLUMNS = tuple(COLUMN_LABELS)
RATE_COLUMNS = ("response_rate", "resolution_rate", "on_time_rate", "satisfaction_rate")
# What an export (CSV, Excel) holds: the Chinese name of each group, not its code.
EXPORT_COLUMNS = tuple(c for c in COLUMNS if c != "key")


def stats(session, by, filters=None, *, show_names=True, sort=ASSIGNEE_SORT_DEFAULT, limit=ASSIGNEE_PAGE_DEFAULT,
          offset=0):
    """Return {"by", "rows", "source"}: one row of KPIs per group; by assignee a page of them, worst first.

    source says where the counts came from: "rollup" (migration 0013's tables and the live parts of
    services/kpi_rollup.py) or "cases" (a plain count, for filters no rollup carries).
    """
    if by not in GROUPINGS:
        raise ValidationError(f"分组方式只能是 {'、'.join(GROUPINGS)} (by must be one of {', '.join(GROUPINGS)}, "
                              f"got {str(by)[:40]!r})", field="by")
    filters = filters or {}
    from_rollup = kpi_rollup.answers_rollup(by, filters)
    query = kpi_rollup.rollup_kpis(by, filters) if from_rollup else kpi_select(GROUPINGS[by], filters)
    page = {}
    if by == "assignee":
        if from_rollup and sort in ("in_progress", "received"):
            query = kpi_rollup.with_people(kpi_rollup.assignee_page(session, filters, sort, limit, offset))
        else:
            query = _ranked(query, sort).limit(limit).offset(offset)
            if from_rollup:
                query = kpi_rollup.with_people(query)
        page = {"sort": sort, "limit": limit, "offset": offset, "total": 0}
    rows = []
    for r in session.execute(query):
        if page:
            page["total"] = r.groups
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
    if page and not rows and offset:  # a page past the end still says how many groups there are
        page["total"] = session.execute(select(func.count()).select_from(
            (kpi_rollup.rollup_kpis(by, filters) if from_rollup else kpi_select(GROUPINGS[by], filters))
            .subquery())).scalar()
    return {"by": by, "rows": rows, "source": "rollup" if from_rollup else "cases", **page}


def _ranked(grouped, sort):
    """Return grouped KPI rows (a select()) ordered worst first by sort, each with its rank and the group count."""
    if sort not in ASSIGNEE_SORTS:
        raise ValidationError(f"排序方式只能是 {'、'.join(ASSIGNEE_SORTS)} (sort must be one of "
                              f"{', '.join(ASSIGNEE_SORTS)}, got {str(sort)[:40]!r})", field="sort")
    g = grouped.subquery("groups")

    def rate(numerator, denominator):
        return cast(g.c[numerator], Float) / func.nullif(g.c[denominator], 0)

    worst = {
        "in_progress": g.c.in_progress.desc(),
        "received": g.c.received.desc(),
        "response_rate": rate("responded_on_time", "response_due").asc().nulls_last(),
        "resolution_rate": rate("resolved", "received").asc().nulls_last(),
        "on_time_rate": rate("resolved_on_time", "resolved").asc().nulls_last(),
        "satisfaction_rate": rate("satisfied", "visited").asc().nulls_last(),
    }[sort]
    order = (worst, g.c.received.desc(), g.c.key)
    return (select(g, func.row_number().over(order_by=order).label("rank"), func.count().over().label("groups"))
            .order_by(*order))


def kpi_select(key, filters):
    """Return the select() of the KPI counts of the cases matching filters (duplicates excluded), grouped by key."""
    c = CASES.c

    def counted(*conditions):
        return func.count().filter(and_(*conditions))

    key = key.label("key")
    # Each case's latest resident answer (one hash join, however many cases are counted).
    resident = (select(ANSWERS.c.case_id, ANSWERS.c.satisfaction).ext(distinct_on(ANSWERS.c.case_id))
                .order_by(ANSWERS.c.case_id, ANSWERS.c.at.desc(), ANSWERS.c.id.desc()).subquery("resident"))
    satisfaction = func.coalesce(resident.c.satisfaction, c.satisfaction)
    return (
        select(key, func.count().label("received"),
               counted(c.resolved_at.is_not(None)).label("resolved"),
               counted(c.status.in_(OPEN_STATUSES)).label("in_progress"),
               counted(c.accepted_at.is_not(None), c.accepted_at <= c.response_due_at).label("responded_on_time"),
               counted(or_(c.accepted_at.is_not(None), func.now() > c.response_due_at)).label("response_due"),
               counted(c.resolved_at.is_not(None), c.resolved_at <= c.resolve_due_at).label("resolved_on_time"),
               counted(satisfaction.in_(SATISFIED)).label("satisfied"),
               counted(satisfaction.is_not(None)).label("visited"),
               func.avg(extract("epoch", c.resolved_at - c.received_at) / 3600.0)
               .filter(c.resolved_at.is_not(None)).label("mean_hours"),
               func.min(PEOPLE.c.name).label("person_name"), func.min(c.assignee_role).label("person_role"))
        .select_from(CASES.join(COMMUNITIES, COMMUNITIES.c.id == c.community_id)
                     .outerjoin(UNITS, UNITS.c.id == c.unit_id)
                     .outerjoin(PEOPLE, PEOPLE.c.id == c.assignee_id)
                     .outerjoin(resident, resident.c.case_id == c.id))
        .where(*case_conditions(filters), c.status != "duplicate")
        .group_by(key).order_by(key)
    )


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
    """Return the stats rows as CSV text under Chinese headers, rates as percentages (formula-like cells as text)."""
    rows = [row | {c: percent(row[c]) for c in RATE_COLUMNS} for row in result["rows"]]
    return csv_text(EXPORT_COLUMNS, rows, COLUMN_LABELS)
