"""The reporter's own 回访: a single-use link valid 7 days to a page that shows the 办结说明 and takes an answer.

A link (feedback_links.py) holds 256 random bits; only their SHA-256 is stored, so a copy of the database
opens no page. Unguessable and kept only as a hash, the token needs no signature. Single use is the database's
rule (resident_feedback.token_id is unique; the answer claims the token with a conditional UPDATE first).
不满意 reopens the case through the workflow's `reopen` action (back in progress, same assignee), so whatever
listens to workflow events (the notifications of issue 11) hears it as any other transition; the event's data
names the answer (source "resident_feedback", feedback_id).

满意率 (services/kpis.py): a case's satisfaction is its reporter's latest answer when there is one, else the
cadre's 回访 (civic_case.satisfaction): residents' own answers take precedence for their cases.
"""

import logging
from datetime import UTC, datetime

from sqlalchemy import insert, select, update

from ..errors import AppError, ConflictError, NotFoundError
from ..models import RESOLVED_STATUSES, ResidentFeedback
from ..schemas.cases import TransitionIn
from .case_store import get_case_row, iso
from .catalog import labelled
from .feedback_links import TOKENS, issue_feedback_link, token_hash
from .privacy import mask_phones_in
from .queries import CASES
from .transitions import TRANSITIONS
from .workflow import transition

logger = logging.getLogger(__name__)

ANSWERS = ResidentFeedback.__table__
REOPEN_ACTOR = "群众回访"
TOKEN_MAX = 100


class LinkGone(AppError):
    """A 回访 link that was used already or has expired."""

    status = 410
    code = "feedback_link_gone"


def feedback_link_for(session, code, *, now=None):
    """Return a new 回访 link for a resolved case by its code (for a cadre to pass on by hand), or refuse (409)."""
    row = get_case_row(session, code)
    if row.status not in RESOLVED_STATUSES:
        raise ConflictError("民情办结后才能发送回访链接 (a feedback link is for a resolved case)",
                            code="case_not_resolved")
    return issue_feedback_link(session, row.id, now=now)


def not_found():
    return NotFoundError("回访链接无效，请核对短信中的链接 (no such feedback link)", code="feedback_link_unknown")


def _token_row(session, token):
    if not isinstance(token, str) or not 20 <= len(token) <= TOKEN_MAX:
        raise not_found()
    row = session.execute(select(TOKENS).where(TOKENS.c.token_hash == token_hash(token))).first()
    if row is None:
        raise not_found()
    return row


def _refuse_spent(row, now):
    if row.used_at is not None:
        raise LinkGone("此回访链接已使用过，感谢您的评价 (this feedback link was used already)")
    if now >= row.expires_at:
        raise LinkGone("此回访链接已过期（有效期 7 天） (this feedback link has expired)")


def read_feedback(session, token, *, now=None):
    """Return what a 回访 page shows: the case's title, status and 办结说明; 404 or 410 for a bad link."""
    now = now or datetime.now(UTC)
    row = _token_row(session, token)
    _refuse_spent(row, now)
    case = session.execute(select(CASES.c.code, CASES.c.title, CASES.c.status, CASES.c.resolution_note,
                                  CASES.c.resolved_at, CASES.c.tracking_code).where(CASES.c.id == row.case_id)).one()
    return {"title": case.title, "status": case.status, "status_label": labelled("status", case.status)["label"],
            "resolution_note": mask_phones_in(case.resolution_note), "resolved_at": iso(case.resolved_at),
            "tracking_code": case.tracking_code, "expires_at": iso(row.expires_at),
            "answerable": case.status in RESOLVED_STATUSES}


def answer_feedback(session, token, answer, *, policy=None, now=None):
    """Record a reporter's answer (a validated schemas.FeedbackIn) once; 不满意 reopens the case. Return the result."""
    now = now or datetime.now(UTC)
    row = _token_row(session, token)
    _refuse_spent(row, now)
    case = get_case_row(session, session.execute(select(CASES.c.code).where(CASES.c.id == row.case_id)).scalar())
    if case.status not in RESOLVED_STATUSES:
        raise ConflictError("该民情正在办理中，办结后再评价 (the case is not resolved now)", code="case_not_resolved")
    claimed = session.execute(update(TOKENS).where(TOKENS.c.id == row.id, TOKENS.c.used_at.is_(None))
                              .values(used_at=now).returning(TOKENS.c.id)).scalar()
    if claimed is None:  # another answer with the same link got there first
        raise LinkGone("此回访链接已使用过，感谢您的评价 (this feedback link was used already)")
    feedback_id = session.execute(insert(ANSWERS).values(
        case_id=case.id, community_id=case.community_id, token_id=row.id, satisfaction=answer.satisfaction,
        comment=answer.comment, at=now).returning(ANSWERS.c.id)).scalar()
    reopened = False
    if answer.satisfaction == "dissatisfied" and case.status in TRANSITIONS["reopen"][0]:
        note = "群众回访不满意" + (f"：{answer.comment}" if answer.comment else "")
        transition(session, case.code, TransitionIn(action="reopen", version=case.version, note=note[:4000]),
                   actor=REOPEN_ACTOR, policy=policy, now=now,
                   event_data={"source": "resident_feedback", "feedback_id": feedback_id})
        reopened = True
    logger.info("case %s: resident feedback %s%s", case.code, answer.satisfaction, ", reopened" if reopened else "")
    return {"satisfaction": labelled("satisfaction", answer.satisfaction), "reopened": reopened,
            "tracking_code": case.tracking_code}
