"""Quiet hours for SMS: held until the end of the quiet period, China time; urgent cases and other channels go."""

from datetime import UTC, datetime, time
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from geo_app.errors import ValidationError
from geo_app.jobs.worker import digest_cron, stalled_cron
from geo_app.services.notify.delivery import hold_until
from geo_app.services.notify.quiet import next_allowed, parse_quiet_hours

CHINA = ZoneInfo("Asia/Shanghai")
NIGHT = (time(22), time(7))


def china(text):
    return datetime.fromisoformat(text).replace(tzinfo=CHINA)


@pytest.mark.parametrize("now,allowed", [
    ("2026-11-30T21:59:00", "2026-11-30T21:59:00"),
    ("2026-11-30T22:00:00", "2026-12-01T07:00:00"),
    ("2026-12-01T02:30:00", "2026-12-01T07:00:00"),
    ("2026-12-01T06:59:59", "2026-12-01T07:00:00"),
    ("2026-12-01T07:00:00", "2026-12-01T07:00:00"),
])
def test_next_allowed_moment_outside_the_night(now, allowed):
    assert next_allowed(china(now).astimezone(UTC), NIGHT) == china(allowed)


def test_a_daytime_quiet_period_and_none():
    assert next_allowed(china("2026-12-01T12:30:00"), (time(12), time(14))) == china("2026-12-01T14:00:00")
    assert next_allowed(china("2026-12-01T23:00:00"), None) == china("2026-12-01T23:00:00")
    assert parse_quiet_hours("") is None and parse_quiet_hours("22:00-07:00") == NIGHT
    with pytest.raises(ValidationError):
        parse_quiet_hours("夜里")


def test_only_non_urgent_sms_is_held():
    config = {"NOTIFY_QUIET_HOURS": "22:00-07:00"}
    night = china("2026-12-01T23:00:00")
    held = hold_until(config, SimpleNamespace(channel="sms", urgent=False), night)
    assert china("2026-12-02T07:00:00") <= held <= china("2026-12-02T07:15:00")
    assert hold_until(config, SimpleNamespace(channel="sms", urgent=True), night) is None
    assert hold_until(config, SimpleNamespace(channel="wecom", urgent=False), night) is None
    assert hold_until(config, SimpleNamespace(channel="sms", urgent=False), china("2026-12-02T09:00:00")) is None


def test_the_digest_time_is_china_time_turned_into_a_utc_cron():
    assert digest_cron("08:00") == "0 0 * * *"
    assert digest_cron("07:30") == "30 23 * * *"
    with pytest.raises(ValidationError):
        digest_cron("25:00")
    assert stalled_cron(30) == "* * * * * */15" and stalled_cron(60) == "* * * * *"
