"""Query arguments of the OGC API – Features items (bbox, limit, offset, datetime, f, community)."""

from datetime import date, datetime, timedelta
from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator, Field

from ..errors import ValidationError
from ..services.clock import LOCAL_TZ
from .places import Paged

OPEN_END = ("", "..")


def _moment(text, *, end=False):
    """Return an RFC 3339 date-time (or a whole local day's start/end for a date), or refuse naming datetime."""
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime.combine(day + timedelta(days=1) if end else day, datetime.min.time(), LOCAL_TZ)
        moment = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise ValidationError(f"datetime 必须是 RFC 3339 时间（如 2024-05-01T08:00:00Z）或区间 开始/结束（可用 .. 表示不限），"
                              f"收到 {text[:40]!r} (datetime must be a date-time or an interval)",
                              field="datetime") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL_TZ)
    return moment


def parse_interval(value):
    """Return (start, end) of an OGC datetime: an instant, a date, or 'start/end' with '..' open; end is exclusive."""
    parts = value.split("/")
    if len(parts) == 1:
        if len(value) == 10:
            return _moment(value), _moment(value, end=True)
        moment = _moment(value)
        return moment, moment + timedelta(microseconds=1)
    if len(parts) != 2 or (parts[0] in OPEN_END and parts[1] in OPEN_END):
        raise ValidationError("datetime 区间应为 开始/结束，至少一端是具体时间 (datetime interval must be start/end)",
                              field="datetime")
    start = None if parts[0] in OPEN_END else _moment(parts[0])
    end = None if parts[1] in OPEN_END else _moment(parts[1], end=True)
    if end is not None and len(parts[1]) != 10:
        end += timedelta(microseconds=1)  # a closed interval: its end instant is included
    if start and end and start >= end:
        raise ValidationError("datetime 的开始必须早于结束 (the interval's start must be before its end)",
                              field="datetime")
    return start, end


class FeaturesQuery(Paged):
    """A page of an OGC collection's features (bbox, limit, offset, community from Paged)."""

    # Every argument the items endpoint knows: anything else is refused (OGC API – Features /req/core/query-param-unknown).
    KNOWN: ClassVar[frozenset] = frozenset({"bbox", "limit", "offset", "datetime", "f", "community"})
    # "If you ask for 50000, you might get up to 10000 (server-limited)": GDAL asks for more than the largest page.
    CLAMP_LIMIT: ClassVar[bool] = True

    interval: Annotated[str, Field(max_length=100), AfterValidator(parse_interval)] | None = Field(
        None, alias="datetime", description="an RFC 3339 instant or start/end (.. is open)")
    f: Literal["json", "geojson"] | None = None
