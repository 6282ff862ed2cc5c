"""Deliver one outbox row: claim (committed) → send (no transaction open) → record the outcome.

At-least-once: a message goes out twice only when a worker dies between the receiver accepting it and the
`sent` commit; the next claim finds the row still `sending`, logs it and sets `resumed_after_crash`.
"""

import logging
import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from .channels import NotConfigured, PermanentError, RetryableError, email, sms, wecom
from .enqueue import enqueue_delivery
from .outbox import claim, record
from .quiet import next_allowed, parse_quiet_hours
from .render import render

logger = logging.getLogger(__name__)

SENDERS = {"wecom": wecom.send, "sms": sms.send, "email": email.send}
ROBOT_RECENT = text("""
    SELECT count(*), min(sent_at) FROM notification
     WHERE channel = 'wecom' AND robot_ref = :ref AND state = 'sent' AND sent_at > clock_timestamp() - interval '60 s'
""")
QUIET_SPREAD_SECONDS = 900  # held SMS go out over the first 15 minutes after the quiet hours, not all at once


def robot_free_at(conn, row):
    """Return when a 企业微信 robot may take another message (20 a minute each), or None when it may now."""
    if row.channel != "wecom":
        return None
    sent, oldest = conn.execute(ROBOT_RECENT, {"ref": row.robot_ref}).one()
    return oldest + timedelta(seconds=61) if sent >= wecom.PER_MINUTE else None


def hold_until(config, row, now):
    """Return when a non-urgent SMS may go out if now is within the quiet hours, else None."""
    if row.channel != "sms" or row.urgent:
        return None
    allowed = next_allowed(now, parse_quiet_hours(config["NOTIFY_QUIET_HOURS"]))
    if allowed <= now:
        return None
    return allowed + timedelta(seconds=random.uniform(0, QUIET_SPREAD_SECONDS))


def deliver(engine, config, notification_id, *, worker, final_attempt, now=None):
    """Send one notification; return what became of it. A RetryableError is re-raised for the queue to retry."""
    with engine.begin() as conn:
        row = claim(conn, notification_id, worker)
        held = row and (hold_until(config, row, now or datetime.now(UTC)) or robot_free_at(conn, row))
    if row is None:
        return "done"
    if row.old_state == "sending":
        logger.warning("notification %s: resending after an interrupted attempt (possible duplicate)", row.id)
    if held:
        with engine.begin() as conn:  # a new job when it may go (quiet hours over, robot free); not an attempt
            record(conn, row.id, "pending", None, not_before=held, refund=True)
            enqueue_delivery(conn, row.id, schedule_at=held)
        logger.info("notification %s (%s): held until %s", row.id, row.channel, held.isoformat())
        return "held"
    outcome, error = "sent", None
    try:
        SENDERS[row.channel](config, render(config, row))
    except NotConfigured as exc:
        outcome, error = "cancelled", str(exc)
    except PermanentError as exc:
        outcome, error = "failed", str(exc)
    except RetryableError as exc:
        with engine.begin() as conn:
            record(conn, row.id, "failed" if final_attempt else "pending", str(exc))
        logger.info("notification %s (%s): %s%s", row.id, row.channel, exc, "; giving up" if final_attempt else "")
        raise
    except Exception as exc:
        # A bug or an unexpected answer: fail visibly (an admin can retry), never leave the row 'sending'.
        with engine.begin() as conn:
            record(conn, row.id, "failed", f"{type(exc).__name__}: {exc}")
        raise
    with engine.begin() as conn:
        record(conn, row.id, outcome, error)
    if outcome != "sent":
        logger.warning("notification %s (%s) %s: %s", row.id, row.channel, outcome, error)
    return outcome
