"""The public heatmap: fixed slices of non-sensitive cases that no set of answers can be differenced into a case.

The public may ask for one calendar month, or for the last 12 whole months (the default), at a zoom up
to a cap and in a bbox of whole cells; nothing else. Only cases of the allowed channels and categories
(every code but the sensitive ones — an allow-list, so a code added later stays private until it is
cleared) are ever counted, and a cell is shown only when it holds at least min_count of them. Every
answer is therefore a function of the non-sensitive cases alone: subtracting any two answers cannot
reveal a sensitive case, because none is in either. Cells are whole (a bbox selects the cells it
overlaps, never part of one), so a bbox cannot split a cell either.
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import text

from ..errors import ValidationError
from ..geo.bounds import CHINA
from ..models import CATEGORIES, CHANNELS
from .clock import LOCAL_TZ, china_today
from .heat import heat_cells

logger = logging.getLogger(__name__)

DEFAULT_MONTHS = 12
FIRST_MONTH = date(2000, 1, 1)
# Allowed query parameters and what they mean, for the 400 that refuses anything else.
ALLOWED_PARAMETERS = {"month": "YYYY-MM（某一个月）", "zoom": "缩放级别", "bbox": "minlon,minlat,maxlon,maxlat，必填"}


class PublicHeatConfigError(ValueError):
    """A sensitive channel or category in the configuration is not a known code."""


@dataclass(frozen=True)
class PublicHeatPolicy:
    """What the public heat may count and show."""

    sensitive_channels: tuple[str, ...] = ("mailbox", "lawyer")
    sensitive_categories: tuple[str, ...] = ("legal", "hardship", "sentiment")
    min_count: int = 5
    max_zoom: int = 15
    max_cells: int = 40_000

    @classmethod
    def from_config(cls, config):
        """Return the policy of an app's configuration, refusing an unknown sensitive code."""
        policy = cls(tuple(config["HEAT_SENSITIVE_CHANNELS"]), tuple(config["HEAT_SENSITIVE_CATEGORIES"]),
                     config["HEAT_PUBLIC_MIN_COUNT"], config["HEAT_PUBLIC_MAX_ZOOM"],
                     config["HEAT_PUBLIC_MAX_CELLS"])
        policy.check()
        return policy

    def check(self):
        """Raise PublicHeatConfigError when a sensitive code is unknown (a typo would publish the real one)."""
        for name, codes, known in (("HEAT_SENSITIVE_CHANNELS", self.sensitive_channels, CHANNELS),
                                   ("HEAT_SENSITIVE_CATEGORIES", self.sensitive_categories, CATEGORIES)):
            unknown = sorted(set(codes) - set(known))
            if unknown:
                raise PublicHeatConfigError(f"{name} names unknown codes {unknown}; known: {', '.join(known)}")
        if self.min_count < 1:
            raise PublicHeatConfigError("HEAT_PUBLIC_MIN_COUNT must be at least 1")

    @property
    def channels(self):
        """The channels whose cases the public heat counts."""
        return [code for code in CHANNELS if code not in self.sensitive_channels]

    @property
    def categories(self):
        """The categories whose cases the public heat counts."""
        return [code for code in CATEGORIES if code not in self.sensitive_categories]


def _month_start(day):
    return datetime(day.year, day.month, 1, tzinfo=LOCAL_TZ)


def _shift(day, months):
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def parse_month(value, today=None):
    """Return the first day of a 'YYYY-MM' month between 2000-01 and this month, or refuse naming `month`."""
    today = today or china_today()
    try:
        year, month = (int(part) for part in str(value).split("-"))
        if len(str(value)) != 7:
            raise ValueError
        first = date(year, month, 1)
    except ValueError:
        raise ValidationError(f"month 必须是 YYYY-MM 格式的月份，例如 2024-05，收到 {str(value)[:20]!r}",
                              field="month") from None
    if not FIRST_MONTH <= first <= today.replace(day=1):
        raise ValidationError(f"month 必须在 2000-01 到本月（{today:%Y-%m}）之间，收到 {value}", field="month")
    return first


def public_window(month=None, today=None):
    """Return the [start, end) of a public slice: one month, or the last 12 whole months before this one."""
    today = today or china_today()
    if month is not None:
        return _month_start(month), _month_start(_shift(month, 1))
    this_month = today.replace(day=1)
    return _month_start(_shift(this_month, -DEFAULT_MONTHS)), _month_start(this_month)


def public_heat_cells(session, policy, *, month=None, zoom=15, bbox=None, today=None):
    """Return the heat of a public slice: {"cell_m", "cells", "slice", "min_count"}; cells under min_count are hidden."""
    zoom = min(zoom, policy.max_zoom)
    _check_cell_count(session, zoom, bbox, policy.max_cells)
    start, end = public_window(month, today)
    filters = {"channel": policy.channels, "category": policy.categories, "from": start, "to": end, "bbox": bbox}
    result = heat_cells(session, filters, zoom=zoom, min_count=policy.min_count)
    label = f"{month:%Y-%m}" if month else f"最近{DEFAULT_MONTHS}个完整月"
    return {**result, "zoom": zoom, "min_count": policy.min_count,
            "slice": {"label": label, "from": start.date().isoformat(), "to": end.date().isoformat()}}


def _check_cell_count(session, zoom, bbox, max_cells):
    """Refuse a bbox (without one: China) whose cells at this zoom would be more than max_cells."""
    level = session.execute(text("SELECT clat, clon FROM heat_level WHERE zoom = :z"), {"z": zoom}).first()
    if level is None:
        raise ValidationError(f"zoom 必须在 1 到 20 之间，收到 {zoom}", field="zoom")
    minlon, minlat, maxlon, maxlat = bbox or CHINA
    cells = (int(maxlat // level.clat) - int(minlat // level.clat) + 1) * \
        (int(maxlon // level.clon) - int(minlon // level.clon) + 1)
    if cells > max_cells:
        field = "bbox"
        raise ValidationError(f"范围太大：缩放级别 {zoom} 下这个范围有 {cells} 个网格，公众热力图每次最多 {max_cells} 个；"
                              "请放大地图或缩小 bbox", field=field)


def public_months(session, policy, today=None):
    """Return the months ("YYYY-MM") from the first to the last non-sensitive case, up to this month.

    Read from the allowed cases only, so the span itself says nothing about a sensitive one; and from the
    monthly rollup (one level of it), which is far smaller than the cases.
    """
    today = today or china_today()
    row = session.execute(
        text("SELECT min(month) AS first, max(month) AS last FROM case_heat_month "
             "WHERE level = (SELECT max(zoom) FROM heat_level WHERE rollup) AND n > 0 "
             "AND channel = ANY(:channels) AND category = ANY(:categories)"),
        {"channels": policy.channels, "categories": policy.categories},
    ).one()
    if row.first is None:
        return []
    first, last = max(row.first, FIRST_MONTH).replace(day=1), min(row.last, today).replace(day=1)
    months = []
    while first <= last:
        months.append(f"{first:%Y-%m}")
        first = _shift(first, 1)
    return months[-240:]
