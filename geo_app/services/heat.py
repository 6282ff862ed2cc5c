"""Case heat, aggregated on the server into square cells sized to the zoom.

Whole months come from case_heat_month (or, with no channel/category/status filter, the much smaller
case_heat_month_total), per-cell rollups kept by triggers on civic_case, at zooms up to 14; the
days at either end of a window that do not fill a month, and filters the rollup does not carry
(assignee), are counted from the cases themselves. Both paths use the same cells (heat_level), so
their counts add up exactly. A bbox selects the cells it overlaps.
"""

import logging
from datetime import datetime, time

from sqlalchemy import Float, Integer, bindparam, func, select, union_all

from ..errors import ValidationError
from ..models.case import CaseHeatMonth, CaseHeatMonthTotal, HeatLevel
from .clock import LOCAL_TZ
from .queries import CASES, case_conditions, envelope

logger = logging.getLogger(__name__)
HEAT_LEVELS = HeatLevel.__table__
ROLLUP = CaseHeatMonth.__table__
ROLLUP_TOTAL = CaseHeatMonthTotal.__table__
# The cell a case's point falls in, as heat_level and the rollup triggers define it; the cell sizes are
# bound once per statement (:clat, :clon), so a grouping repeats exactly the expression it selects.
CELL_Y = func.floor(func.ST_Y(CASES.c.geom) / bindparam("clat", type_=Float)).cast(Integer)
CELL_X = func.floor(func.ST_X(CASES.c.geom) / bindparam("clon", type_=Float)).cast(Integer)
ROLLUP_FILTERS = {"status", "channel", "category", "community_id", "community", "from", "to", "bbox"}


def _level(session, zoom):
    row = session.execute(select(HEAT_LEVELS).where(HEAT_LEVELS.c.zoom == zoom)).first()
    if row is None:
        raise ValidationError(f"缩放级别须在 1 到 20 之间 (zoom must be between 1 and 20, got {zoom})", field="zoom")
    return row


def _month_start(moment):
    local = moment.astimezone(LOCAL_TZ)
    return datetime(local.year, local.month, 1, tzinfo=LOCAL_TZ)


def _next_month(start):
    return start.replace(year=start.year + (start.month == 12), month=start.month % 12 + 1)


def split_window(start, end):
    """Return (first whole month, end of whole months, raw ranges) covering [start, end)."""
    if start is None and end is None:
        return None, None, []
    m0 = None if start is None else (start if start == _month_start(start) else _next_month(_month_start(start)))
    m1 = None if end is None else _month_start(end)
    if m0 is not None and m1 is not None and m0 >= m1:
        return None, None, [(start, end)]
    raw = []
    if start is not None and start < m0:
        raw.append((start, m0))
    if end is not None and m1 < end:
        raw.append((m1, end))
    return m0, m1, raw


def _cell_range(bbox, level):
    """Return (gy0, gy1, gx0, gx1): the rows and columns of the cells a bbox overlaps."""
    minlon, minlat, maxlon, maxlat = bbox
    return (int(minlat // level.clat), int(maxlat // level.clat), int(minlon // level.clon), int(maxlon // level.clon))


def _raw_part(filters, start, end, level, span):
    """Select the cases of [start, end) per cell, with the common filters."""
    window = {k: v for k, v in filters.items() if k != "bbox"} | {"from": start, "to": end}
    part = select(CELL_Y.label("gy"), CELL_X.label("gx"), func.count().label("n")).where(*case_conditions(window))
    if span:
        gy0, gy1, gx0, gx1 = span
        # The envelope of whole cells serves the spatial index; the cell ranges make the edges exact.
        part = part.where(CASES.c.geom.intersects(envelope(_expanded_bbox(span, level))),
                          CELL_Y.between(gy0, gy1), CELL_X.between(gx0, gx1))
    return part.group_by(CELL_Y, CELL_X)


def _rollup_part(filters, m0, m1, level, span):
    """Select the rollup's whole months [m0, m1) per cell; its columns carry the same filters."""
    unfiltered = not any(filters.get(name) for name in ("status", "channel", "category"))
    table = ROLLUP_TOTAL if unfiltered else ROLLUP
    kept = {k: v for k, v in filters.items() if k in ("status", "channel", "category", "community_id", "community")}
    part = (select(table.c.gy, table.c.gx, func.sum(table.c.n).label("n"))
            .where(*case_conditions(kept, table), table.c.level == level.zoom))
    if m0 is not None:
        part = part.where(table.c.month >= m0.date())
    if m1 is not None:
        part = part.where(table.c.month < m1.date())
    if span:
        gy0, gy1, gx0, gx1 = span
        part = part.where(table.c.gy.between(gy0, gy1), table.c.gx.between(gx0, gx1))
    return part.group_by(table.c.gy, table.c.gx)


def heat_select(parts, min_count):
    """Return the select() adding up per-cell counts of every part (rollup months and raw days) by cell.

    Hand-shaped rather than one filtered GROUP BY over the cases: a window is split into whole months,
    read from the small rollup tables, and its ragged ends, counted from civic_case; the parts are
    summed as `SELECT gy, gx, sum(n) FROM (part UNION ALL part …) GROUP BY gy, gx`. Every part names the
    same cells (heat_level's clat/clon, the triggers' floor(ST_Y / clat)), so the sums equal raw counts
    (tests/services/test_heat.py, tests/bench/test_agreement.py); `make bench` times it.
    """
    counted = (parts[0] if len(parts) == 1 else union_all(*parts)).subquery("parts")
    total = func.sum(counted.c.n)
    return (select(counted.c.gy, counted.c.gx, total.cast(Integer).label("n"))
            .group_by(counted.c.gy, counted.c.gx).having(total >= min_count).order_by(counted.c.gy, counted.c.gx))


def heat_cells(session, filters, zoom=16, min_count=1):
    """Return {"cell_m", "cells": [[lat, lon, count], …]} for the cases matching filters."""
    level = _level(session, zoom)
    filters = {k: v for k, v in filters.items() if v is not None and v != [] and v is not False}
    span = _cell_range(filters["bbox"], level) if filters.get("bbox") else None
    use_rollup = level.rollup and set(filters) <= ROLLUP_FILTERS and all(
        _is_local_midnight(filters.get(k)) for k in ("from", "to"))
    parts = []
    if use_rollup:
        m0, m1, raw_ranges = split_window(filters.get("from"), filters.get("to"))
        if not (m0 is None and m1 is None and raw_ranges):
            parts.append(_rollup_part(filters, m0, m1, level, span))
    else:
        raw_ranges = [(filters.get("from"), filters.get("to"))]
    parts += [_raw_part(filters, start, end, level, span) for start, end in raw_ranges]
    rows = session.execute(heat_select(parts, min_count), {"clat": level.clat, "clon": level.clon})
    cells = [[round((gy + 0.5) * level.clat, 6), round((gx + 0.5) * level.clon, 6), n] for gy, gx, n in rows]
    return {"cell_m": level.cell_m, "cells": cells}


def _expanded_bbox(span, level):
    """The envelope (minlon, minlat, maxlon, maxlat) of the cells a bbox overlaps, for the spatial index."""
    gy0, gy1, gx0, gx1 = span
    return (gx0 * level.clon, gy0 * level.clat, (gx1 + 1) * level.clon, (gy1 + 1) * level.clat)


def _is_local_midnight(moment):
    if moment is None:
        return True
    return moment.astimezone(LOCAL_TZ).time() == time(0, 0)
