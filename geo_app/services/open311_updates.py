"""Open311 service request updates (the GeoReport v2 extension FixMyStreet polls and posts): case events.

Each event in a case's history after its intake is one update: update_id is the event's id, status the
case's status after it in the words FixMyStreet's map_state understands, description the event's note for a
trusted client (phone-like numbers masked) and the action's label otherwise, and never the text of a
sensitive case. A trusted client's POST adds a 补充说明 (comment) event, or reopens a resolved case
(status REOPEN) through the workflow.
"""

import logging
from datetime import UTC, datetime

from sqlalchemy import and_, case, func, select

from ..errors import ConflictError, NotFoundError
from ..models import EVENT_ACTIONS, STATUSES, CaseEvent, CasePhoto
from ..schemas import TransitionIn
from ..schemas.open311 import MAX_RESULTS
from .case_store import append_event, get_case_row
from .open311 import SENSITIVE_CATEGORIES, SENSITIVE_CHANNELS, check_jurisdiction, mask_free_text, w3c
from .photos import PHOTO_URL
from .queries import CASES, case_conditions
from .workflow import apply_transition

logger = logging.getLogger(__name__)

EVENTS, PHOTOS = CaseEvent.__table__, CasePhoto.__table__
# Our status → the status word FixMyStreet maps to its own states (open → confirmed, fixed → fixed - council …).
UPDATE_STATUS = {"received": "open", "dispatched": "action_scheduled", "accepted": "investigating",
                 "in_progress": "in_progress", "resolved": "fixed", "visited": "fixed", "closed": "closed",
                 "returned": "open", "duplicate": "duplicate"}
assert set(UPDATE_STATUS) == set(STATUSES), "every status needs its Open311 update word"
# The photo an event brings: a resolution its first published 处置后 photo.
EVENT_PHOTO_KIND = {"resolve": "after"}


def _event_photo():
    """Return the id of the published photo an event brings (a resolution: the first 处置后 photo), or NULL."""
    kind = case(*((EVENTS.c.action == action, kind) for action, kind in EVENT_PHOTO_KIND.items()), else_=None)
    return (select(func.min(PHOTOS.c.id)).where(PHOTOS.c.case_id == EVENTS.c.case_id, PHOTOS.c.public,
                                                PHOTOS.c.kind == kind).scalar_subquery())


UPDATE_ROW = (
    select(EVENTS.c.id, EVENTS.c.at, EVENTS.c.action, EVENTS.c.to_status, EVENTS.c.note, EVENTS.c.data,
           CASES.c.code, CASES.c.category, CASES.c.channel, _event_photo().label("photo_id"))
    .select_from(EVENTS.join(CASES, CASES.c.id == EVENTS.c.case_id))
    .where(EVENTS.c.action != "receive")
)


def find_updates(session, start, end, filters, *, trusted=False, limit=MAX_RESULTS):
    """Return the updates made from start to end (both inclusive), oldest first, of the cases filters allow."""
    check_jurisdiction(session, filters.get("community"))
    conditions = [EVENTS.c.at >= start, *case_conditions(filters)]
    if end is not None:
        conditions.append(EVENTS.c.at <= end)
    rows = session.execute(UPDATE_ROW.where(and_(*conditions)).order_by(EVENTS.c.at, EVENTS.c.id).limit(limit))
    return [to_update(row, trusted) for row in rows]


def to_update(row, trusted=False):
    """Shape a case event as a service request update; the note only for trusted clients, never a sensitive one's."""
    sensitive = not trusted or row.category in SENSITIVE_CATEGORIES or row.channel in SENSITIVE_CHANNELS
    label = f"{EVENT_ACTIONS.get(row.action, row.action)}（当前状态：{STATUSES[row.to_status]}）"
    given = None if sensitive else (row.data or {}).get("media_url")  # a client's URL, as it gave it
    return {"update_id": str(row.id), "service_request_id": row.code, "status": UPDATE_STATUS[row.to_status],
            "description": label if sensitive or not row.note else mask_free_text(row.note),
            "updated_datetime": w3c(row.at),
            "media_url": given or (PHOTO_URL.format(id=row.photo_id, variant="display") if row.photo_id else None)}


def post_update(session, update, *, client, community=None, policy=None, now=None):
    """Record a trusted client's update (schemas.UpdateIn) on a case; return the spec's response list.

    REOPEN reopens a resolved case through the workflow (重新办理, its note the description); any other
    status adds a comment event, the client's status word and update_id kept in its data.
    """
    try:
        row = get_case_row(session, update.service_request_id)
    except NotFoundError:
        raise NotFoundError(f"没有编号为「{update.service_request_id[:40]}」的服务请求 "
                            f"(no service request with id {update.service_request_id[:40]!r})",
                            code="unknown_request") from None
    if community and community != row.community_code:
        raise NotFoundError(f"本辖区没有编号为「{update.service_request_id[:40]}」的服务请求 "
                            f"(no service request {update.service_request_id[:40]!r} in this jurisdiction_id)",
                            code="unknown_request")
    actor = f"open311:{client}"
    now = now or datetime.now(UTC)
    data = {"open311_status": update.status, "client_update_id": update.update_id, "media_url": update.media_url,
            "client_updated_datetime": update.updated_datetime}
    if update.status == "reopen":
        if row.status not in ("resolved", "visited"):
            raise ConflictError(f"服务请求当前状态为「{STATUSES[row.status]}」，无需重新办理 "
                                f"(a {row.status} request cannot be reopened)", code="illegal_transition")
        change = TransitionIn.model_construct(action="reopen", version=row.version, assignee_id=None, point=None,
                                              note=update.description or "外部平台反映问题仍未解决", reason=None)
        apply_transition(session, row.code, change, actor=actor, policy=policy, now=now,
                         event_data={k: v for k, v in data.items() if v})
    else:
        append_event(session, row.id, row.community_id, actor, "comment", row.status, row.status,
                     note=update.description, now=now, data={k: v for k, v in data.items() if v})
    event_id = session.execute(select(func.max(EVENTS.c.id)).where(EVENTS.c.case_id == row.id)).scalar()
    logger.info("open311 update %s on %s by %s", event_id, row.code, actor)
    return [{"update_id": str(event_id)}]
