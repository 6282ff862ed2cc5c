"""What an admin and a recipient see of the outbox: failed rows and their retry; the inbox and its unread count."""

from sqlalchemy import text

from ...errors import ValidationError
from ...models import NOTIFY_CHANNELS, NOTIFY_KINDS, NOTIFY_STATES
from ..privacy import mask_phone
from .enqueue import enqueue_delivery
from .render import render

FAILED = text("""
    SELECT n.id, n.kind, n.channel, n.address, n.robot_ref, n.attempts, n.last_error, n.created_at, c.code AS case_code
      FROM notification n LEFT JOIN civic_case c ON c.id = n.case_id
     WHERE n.state = 'failed' AND (CAST(:channel AS text) IS NULL OR n.channel = :channel)
     ORDER BY n.id LIMIT :limit
""")
RETRY = text("""
    UPDATE notification SET state = 'pending', attempts = 0, last_error = NULL
     WHERE state = 'failed' AND (:all OR id = ANY(:ids)) RETURNING id
""")


def _mask(address):
    if not address:
        return None
    if "@" in address:
        name, _, domain = address.partition("@")
        return f"{name[:1]}***@{domain}"
    return mask_phone(address)


def failed(session, *, channel=None, limit=200):
    """Return the failed notifications, recipients masked, oldest first."""
    if channel is not None and channel not in NOTIFY_CHANNELS:
        raise ValidationError(f"渠道须为 {'、'.join(NOTIFY_CHANNELS)} 之一 (unknown channel {channel!r})",
                              field="channel")
    return [{"id": r.id, "kind": NOTIFY_KINDS.get(r.kind, r.kind), "channel": NOTIFY_CHANNELS[r.channel],
             "to": _mask(r.address) or r.robot_ref, "case": r.case_code, "attempts": r.attempts,
             "error": r.last_error, "created_at": r.created_at}
            for r in session.execute(FAILED, {"channel": channel, "limit": limit})]


def retry(session, ids=(), *, all_failed=False):
    """Put failed notifications back in the queue (attempts counted afresh); return the ids re-queued."""
    if not ids and not all_failed:
        raise ValidationError("请指定通知编号或 --all (name notification ids, or --all)", field="ids")
    requeued = session.execute(RETRY, {"all": all_failed, "ids": list(ids)}).scalars().all()
    for notification_id in requeued:
        enqueue_delivery(session.connection(), notification_id)
    return requeued


def stats(session):
    """Return the number of notifications per channel and state, and how many may have gone twice."""
    rows = session.execute(text("SELECT channel, state, count(*) AS n, count(*) FILTER (WHERE resumed_after_crash) "
                                "AS resumed FROM notification GROUP BY 1, 2 ORDER BY 1, 2")).all()
    return [{"channel": NOTIFY_CHANNELS[r.channel], "state": NOTIFY_STATES[r.state], "count": r.n,
             "possible_duplicates": r.resumed} for r in rows]


INBOX = text("""
    SELECT id, kind, channel, params, created_at, read_at, robot_ref, address, case_id
      FROM notification WHERE channel = 'inbox' AND user_id = :uid
     ORDER BY read_at IS NOT NULL, created_at DESC, id DESC LIMIT :limit
""")


def inbox(session, user_id, *, config, limit=50):
    """Return an account's in-app notifications, unread first, newest first, and the unread count."""
    unread = session.execute(text("SELECT count(*) FROM notification WHERE channel = 'inbox' AND user_id = :uid "
                                  "AND read_at IS NULL"), {"uid": user_id}).scalar()
    items = []
    for row in session.execute(INBOX, {"uid": user_id, "limit": limit}):
        message = render(config, row)
        items.append({"id": row.id, "kind": row.kind, "kind_label": NOTIFY_KINDS.get(row.kind, row.kind),
                      "title": message["title"], "body": message["body"], "case": row.params.get("code"),
                      "link": row.params.get("path"), "created_at": row.created_at.isoformat(),
                      "read": row.read_at is not None})
    return {"unread": unread, "items": items}


def mark_read(session, user_id, ids=(), *, everything=False):
    """Mark an account's inbox notifications read (the ones named, or all); return how many changed."""
    return session.execute(text(
        "UPDATE notification SET read_at = now() WHERE channel = 'inbox' AND user_id = :uid AND read_at IS NULL "
        "AND (:all OR id = ANY(:ids))"), {"uid": user_id, "all": everything, "ids": list(ids)}).rowcount
