"""The community's calendar: days and months are China's (Asia/Shanghai), whatever the host's zone."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def china_today() -> date:
    """Return today's date in China."""
    return datetime.now(LOCAL_TZ).date()
