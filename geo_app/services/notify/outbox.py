"""The outbox: write notification rows (and their delivery jobs) in the caller's transaction; claim and record."""

import json
import logging

from sqlalchemy import text

from .enqueue import enqueue_delivery

logger = logging.getLogger(__name__)

INSERT = text("""
    INSERT INTO notification (community_id, case_id, person_id, user_id, kind, channel, address, robot_ref, urgent,
                              params, dedup_key, state, sent_at, not_before)
    VALUES (:community_id, :case_id, :person_id, :user_id, :kind, :channel, :address, :robot_ref, :urgent,
            CAST(:params AS jsonb), :dedup_key, :state, CASE WHEN :state = 'sent' THEN clock_timestamp() END,
            :not_before)
    ON CONFLICT (dedup_key) DO NOTHING
    RETURNING id
""")
CLAIM = text("""
    UPDATE notification n SET state = 'sending', attempts = n.attempts + 1, claimed_at = clock_timestamp(),
           claimed_by = :worker, resumed_after_crash = n.resumed_after_crash OR old.old_state = 'sending'
      FROM (SELECT id, state AS old_state FROM notification WHERE id = :id FOR UPDATE) old
     WHERE n.id = old.id AND n.state IN ('pending', 'sending')
    RETURNING n.id, n.community_id, n.kind, n.channel, n.address, n.robot_ref, n.urgent, n.params, n.attempts,
              old.old_state
""")
RECORD = text("""
    UPDATE notification SET state = :state, last_error = :error, not_before = :not_before,
           attempts = attempts - CASE WHEN :refund THEN 1 ELSE 0 END,
           sent_at = CASE WHEN :state = 'sent' THEN clock_timestamp() END
     WHERE id = :id AND state = 'sending'
""")


def add(session, *, community_id, kind, channel, params, case_id=None, person_id=None, user_id=None, address=None,
        robot_ref=None, urgent=False, dedup_key=None):
    """Write one notification and defer its delivery (inbox rows are delivered by being written); return its id.

    Returns None when a row with the same dedup_key exists already (once per level, never a storm).
    """
    state = "sent" if channel == "inbox" else "pending"
    notification_id = session.execute(INSERT, {
        "community_id": community_id, "case_id": case_id, "person_id": person_id, "user_id": user_id, "kind": kind,
        "channel": channel, "address": address, "robot_ref": robot_ref, "urgent": urgent,
        "params": json.dumps(params, ensure_ascii=False), "dedup_key": dedup_key, "state": state,
        "not_before": None,
    }).scalar()
    if notification_id is not None and state == "pending":
        enqueue_delivery(session.connection(), notification_id)
    return notification_id


def claim(connection, notification_id, worker):
    """Mark a row 'sending' (commit it before sending); return it, or None when it is sent, failed or cancelled."""
    return connection.execute(CLAIM, {"id": notification_id, "worker": worker}).first()


def record(connection, notification_id, state, error=None, *, not_before=None, refund=False):
    """Record a send's outcome: sent, pending (to retry or held), failed or cancelled."""
    connection.execute(RECORD, {"id": notification_id, "state": state, "error": error, "not_before": not_before,
                                "refund": refund})
