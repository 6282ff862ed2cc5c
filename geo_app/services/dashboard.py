"""Read-only facts the dashboard pages need and the API does not give: the months a community has cases in."""

import logging
from datetime import date

from sqlalchemy import text

from .clock import LOCAL_TZ

logger = logging.getLogger(__name__)

MAX_MONTHS = 240


def _month_list(first: date, last: date) -> list[str]:
    months, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month) and len(months) < MAX_MONTHS:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def case_months(session, community_code: str) -> list[str]:
    """Return every month ("YYYY-MM", China time) from a community's first case to its last; [] when none.

    Only the span is read, never a case: the heatmap's animation slider needs it, the public one too.
    """
    row = session.execute(
        text("""SELECT min(c.received_at AT TIME ZONE :zone)::date AS first,
                       max(c.received_at AT TIME ZONE :zone)::date AS last
                FROM civic_case c JOIN community cm ON cm.id = c.community_id
                WHERE cm.code = :code"""),
        {"code": community_code, "zone": LOCAL_TZ.key},
    ).one()
    if row.first is None:
        return []
    months = _month_list(row.first, row.last)
    if len(months) == MAX_MONTHS:
        logger.info("community %s: cases span more than %d months; the animation shows the last ones",
                    community_code, MAX_MONTHS)
        months = _month_list(_shift_months(row.last, -(MAX_MONTHS - 1)), row.last)
    return months


def _shift_months(day: date, count: int) -> date:
    index = day.year * 12 + day.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)
