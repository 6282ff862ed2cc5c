"""Case heat, aggregated on the server into square cells sized to the zoom.

Whole months come from case_heat_month (or, with no channel/category/status filter, the much smaller
case_heat_month_total), per-cell rollups kept by triggers on civic_case, at zooms up to 14; the
days at either end of a window that do not fill a month, and filters the rollup does not carry
(assignee), are counted from the cases themselves. Both paths use the same cells (heat_level), so
their counts add up exactly. A bbox selects the cells it overlaps.
"""

import logging
from datetime import datetime, time

from sqlalchemy import text

from ..errors import ValidationError
from .cases import case_filters_sql
from .clock import LOCAL_TZ

logger = logging.getLogger(__name__)
ROLLUP_FILTERS = {"status", "channel", "category", "community_id", "community", "from", "to", "bbox"}


def _level(session, zoom):
    row = session.execute(text("SELECT zoom, cell_m, clat, clon, rollup FROM heat_level WHERE zoom = :z"),
                          {"z": zoom}).first()
    if row is None:
        raise ValidationError(f"zoom must be between 1 and 20, got {zoom}", field="zoom")
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
    minlon, minlat, maxlon, maxlat = bbox
    return {"gy0": int(minlat // level.clat), "gy1": int(maxlat // level.clat),
            "gx0": int(minlon // level.clon), "gx1": int(maxlon // level.clon)}


def _raw_part(filters, start, end, index):
    """SQL counting the cases of [start, end) per cell, with the common filters."""
    window = {k: v for k, v in filters.items() if k != "bbox"} | {"from": start, "to": end}
    where, params = case_filters_sql(window, prefix=f"p{index}_")
    if filters.get("bbox"):
        where.append("c.geom && ST_MakeEnvelope(:bx0, :by0, :bx1, :by1, 4326)")
        where.append("floor(ST_Y(c.geom) / :clat) BETWEEN :gy0 AND :gy1 AND floor(ST_X(c.geom) / :clon) BETWEEN :gx0 AND :gx1")
    sql = (f"SELECT floor(ST_Y(c.geom) / :clat)::int AS gy, floor(ST_X(c.geom) / :clon)::int AS gx, count(*) AS n "
           f"FROM civic_case c {'WHERE ' + ' AND '.join(where) if where else ''} GROUP BY 1, 2")
    return sql, params


def _rollup_part(filters, m0, m1):
    """SQL summing the rollup's whole months [m0, m1) per cell; its columns carry the same filters."""
    unfiltered = not any(filters.get(name) for name in ("status", "channel", "category"))
    table = "case_heat_month_total" if unfiltered else "case_heat_month"
    kept = {k: v for k, v in filters.items() if k in ("status", "channel", "category", "community_id", "community")}
    where, params = case_filters_sql(kept, alias="h", prefix="r_")
    where.append("h.level = :level")
    if m0 is not None:
        where.append("h.month >= :m0")
        params["m0"] = m0.date()
    if m1 is not None:
        where.append("h.month < :m1")
        params["m1"] = m1.date()
    if filters.get("bbox"):
        where.append("h.gy BETWEEN :gy0 AND :gy1 AND h.gx BETWEEN :gx0 AND :gx1")
    return f"SELECT h.gy, h.gx, sum(h.n) AS n FROM {table} h WHERE {' AND '.join(where)} GROUP BY 1, 2", params


def heat_cells(session, filters, zoom=16, min_count=1):
    """Return {"cell_m", "cells": [[lat, lon, count], …]} for the cases matching filters."""
    level = _level(session, zoom)
    filters = {k: v for k, v in filters.items() if v is not None and v != [] and v is not False}
    params = {"clat": level.clat, "clon": level.clon, "level": level.zoom, "min_count": min_count}
    if filters.get("bbox"):
        params.update(_cell_range(filters["bbox"], level))
        params.update(dict(zip(("bx0", "by0", "bx1", "by1"), _expanded_bbox(params, level), strict=True)))
    use_rollup = level.rollup and set(filters) <= ROLLUP_FILTERS and all(
        _is_local_midnight(filters.get(k)) for k in ("from", "to"))
    parts = []
    if use_rollup:
        m0, m1, raw_ranges = split_window(filters.get("from"), filters.get("to"))
        if not (m0 is None and m1 is None and raw_ranges):
            sql, extra = _rollup_part(filters, m0, m1)
            parts.append(sql)
            params.update(extra)
    else:
        raw_ranges = [(filters.get("from"), filters.get("to"))]
    for index, (start, end) in enumerate(raw_ranges):
        sql, extra = _raw_part(filters, start, end, index)
        parts.append(sql)
        params.update(extra)
    sql = (f"SELECT gy, gx, sum(n)::int AS n FROM ({' UNION ALL '.join(parts)}) AS parts "
           "GROUP BY gy, gx HAVING sum(n) >= :min_count ORDER BY gy, gx")
    cells = [[round((gy + 0.5) * level.clat, 6), round((gx + 0.5) * level.clon, 6), n]
             for gy, gx, n in session.execute(text(sql), params)]
    return {"cell_m": level.cell_m, "cells": cells}


def _expanded_bbox(params, level):
    """The envelope of the cells a bbox overlaps, for the spatial index."""
    return (params["gx0"] * level.clon, params["gy0"] * level.clat,
            (params["gx1"] + 1) * level.clon, (params["gy1"] + 1) * level.clat)


def _is_local_midnight(moment):
    if moment is None:
        return True
    return moment.astimezone(LOCAL_TZ).time() == time(0, 0)
