"""Quiet hours for SMS: the next moment a message may go out, in China time."""

from datetime import datetime, time, timedelta

from ...errors import ValidationError
from ..clock import LOCAL_TZ


def parse_quiet_hours(spec):
    """Return (start, end) times from "22:00-07:00", or None for an empty spec; refuse anything else."""
    if not spec or not spec.strip():
        return None
    try:
        start, end = (time.fromisoformat(part.strip()) for part in spec.split("-"))
    except ValueError:
        raise ValidationError(f"NOTIFY_QUIET_HOURS 须形如 22:00-07:00 (NOTIFY_QUIET_HOURS must look like "
                              f"22:00-07:00, got {spec!r})", field="NOTIFY_QUIET_HOURS") from None
    return start, end


def next_allowed(now, hours):
    """Return now outside the quiet hours [start, end) China time, else the end of the current quiet period."""
    if hours is None:
        return now
    start, end = hours
    local = now.astimezone(LOCAL_TZ)
    moment = local.time().replace(tzinfo=None)
    quiet = (start <= moment or moment < end) if start > end else (start <= moment < end)
    if not quiet:
        return now
    day = local.date() if (start > end and moment < end) or start <= end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=LOCAL_TZ)
