"""The community's calendar: days and months are China's (Asia/Shanghai), whatever the host's zone."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ..errors import ValidationError

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
# Every date or time a caller sends must fall in these days (China time): far enough for any real
# case, and far from datetime's limits, so a day's end or a default window never overflows.
EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2100, 12, 31)
_EARLIEST = datetime.combine(EARLIEST_DAY, time(), LOCAL_TZ)
_AFTER_LATEST = datetime.combine(LATEST_DAY + timedelta(days=1), time(), LOCAL_TZ)


def china_today() -> date:
    """Return today's date in China."""
    return datetime.now(LOCAL_TZ).date()


def check_in_range(moment, field):
    """Return an aware datetime if it falls between EARLIEST_DAY and LATEST_DAY, or refuse naming the field."""
    if not _EARLIEST <= moment < _AFTER_LATEST:
        raise ValidationError(f"{field} 超出范围：日期须在 {EARLIEST_DAY} 至 {LATEST_DAY} 之间 "
                              f"({field} must fall between {EARLIEST_DAY} and {LATEST_DAY})",
                              field=field)
    return moment
