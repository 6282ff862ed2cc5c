"""Issuing a reporter's 回访 link: 120 random bits, only their SHA-256 stored, valid 7 days.

The token is 20 characters so that it fits an SMS template variable (Aliyun's hold at most 25); 120 bits of a
single-use, 7-day token stored only as a hash leave nothing to guess.

Kept apart from feedback.py (which reopens cases through the workflow) and importing nothing that reaches
case_store, so the notification rules that run inside append_event can call issue_feedback_link without
an import circle.
"""

import hashlib
import logging
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select

from ..errors import NotFoundError
from ..models import FeedbackToken
from .queries import CASES

logger = logging.getLogger(__name__)

TOKENS = FeedbackToken.__table__
LINK_DAYS = 7
FEEDBACK_PATH = "/feedback/"


def token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def issue_feedback_link(session, case_id, *, now=None):
    """Return the path of a new 回访 link for a case (/feedback/<token>); only the token's hash is stored."""
    now = now or datetime.now(UTC)
    community_id = session.execute(select(CASES.c.community_id).where(CASES.c.id == case_id)).scalar()
    if community_id is None:
        raise NotFoundError(f"没有编号为 {case_id} 的民情 (no case with id {case_id})", code="case_not_found")
    token = secrets.token_urlsafe(15)  # 20 characters
    session.execute(insert(TOKENS).values(case_id=case_id, community_id=community_id, token_hash=token_hash(token),
                                          issued_at=now, expires_at=now + timedelta(days=LINK_DAYS)))
    logger.info("feedback link issued for case %s", case_id)
    return FEEDBACK_PATH + token
