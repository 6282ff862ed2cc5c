"""The 12345-style case workflow: 受理 → 派单 → 签收 → 办理中 → 办结 → 回访 → 关闭, plus 退回 and 重复.

Every change checks the caller's version (optimistic locking), bumps it in the same UPDATE that
checks it (so two concurrent changes cannot both pass), and appends an event.
"""

import logging
from datetime import UTC, datetime

from sqlalchemy import text

from ..errors import ConflictError, NotFoundError, ValidationError
from ..geo.coords import to_wgs84
from ..geo.validate import parse_crs, parse_point
from ..models import STATUSES
from .case_store import append_event, bump_version, dispatch_to, get_case, get_case_row, require_version
from .cases import CasePolicy
from .catalog import parse_code
from .clock import china_today
from .lookup import lookup

logger = logging.getLogger(__name__)

# action → (statuses it may start from, status it leads to; None keeps the status)
TRANSITIONS = {
    "dispatch": (("received", "returned", "dispatched"), "dispatched"),
    "accept": (("dispatched",), "accepted"),
    "start": (("accepted",), "in_progress"),
    "resolve": (("accepted", "in_progress"), "resolved"),
    "visit": (("resolved",), "visited"),
    "close": (("visited",), "closed"),
    "return": (("dispatched", "accepted"), "returned"),
    "mark_duplicate": (("received", "dispatched", "returned"), "duplicate"),
    "confirm": (("received", "dispatched", "accepted", "in_progress", "resolved", "visited", "closed", "returned"),
                None),
}
ACTION_LABELS = {
    "dispatch": "派单", "accept": "签收", "start": "开始办理", "resolve": "办结", "visit": "回访", "close": "关闭",
    "return": "退回", "mark_duplicate": "标记重复", "confirm": "确认上报",
}
STAGE_COLUMN = {"dispatched": "dispatched_at", "accepted": "accepted_at", "in_progress": "started_at",
                "resolved": "resolved_at", "visited": "visited_at", "closed": "closed_at", "returned": "returned_at"}


def allowed_actions(status, confirmed=False):
    """Return the actions that may follow a status."""
    return [a for a, (sources, _) in TRANSITIONS.items()
            if status in sources and not (a == "confirm" and confirmed)]


def _resolve_dispatch_target(session, row, payload):
    """Return (person_id, role) from an explicit assignee_id or a clicked point."""
    if payload.get("assignee_id") is not None:
        person_id = payload["assignee_id"]
        if isinstance(person_id, bool) or not isinstance(person_id, int):
            raise ValidationError("assignee_id must be an integer", field="assignee_id")
        found = session.execute(
            text("""SELECT r.role FROM person p LEFT JOIN responsibility r ON r.person_id = p.id
                      AND (r.until IS NULL OR r.until > :today)
                    WHERE p.id = :id AND p.community_id = :cid ORDER BY r.id LIMIT 1"""),
            {"id": person_id, "cid": row.community_id, "today": china_today()},
        ).first()
        if found is None:
            raise ValidationError(f"no person {person_id} in this case's community", field="assignee_id")
        return person_id, found.role or "grid_worker"
    if payload.get("lat") is not None or payload.get("lon") is not None:
        crs = parse_crs(payload.get("crs"))
        lon, lat = to_wgs84(*parse_point(payload.get("lat"), payload.get("lon")), crs)
        answer = lookup(session, lon, lat)
        if answer["community"]["id"] != row.community_id:
            raise ValidationError("that point lies in another community; a case is dispatched within its own",
                                  field="lat")
        if answer["assignee"]["person"] is None:
            raise ValidationError("nobody answers for that point; pick a person instead", field="lat")
        return answer["assignee"]["person"]["id"], answer["assignee"]["role"]
    raise ValidationError("dispatch needs assignee_id, or lat and lon of a point on the map", field="assignee_id")


def transition(session, code, payload, *, actor, policy=None, now=None):
    """Apply one workflow action to a case; return the case after it."""
    policy = policy or CasePolicy()
    if not isinstance(payload, dict):
        raise ValidationError("the body must be a JSON object", field="body")
    action = payload.get("action")
    if action not in TRANSITIONS:
        raise ValidationError(f"action must be one of {', '.join(TRANSITIONS)}, got {str(action)[:40]!r}",
                              field="action")
    row = get_case_row(session, code)
    require_version(row, payload.get("version"))
    sources, target = TRANSITIONS[action]
    if row.status not in sources or (action == "confirm" and row.confirmed_at is not None):
        allowed = allowed_actions(row.status, row.confirmed_at is not None)
        raise ConflictError(
            f"案件当前状态为「{STATUSES[row.status]}」，不能「{ACTION_LABELS[action]}」 (a {row.status} case cannot {action}); "
            f"allowed next actions: {', '.join(allowed) or 'none'}",
            code="illegal_transition", details={"status": row.status, "allowed_actions": allowed},
        )
    now = now or datetime.now(UTC)
    note = payload.get("note")
    if note is not None and (not isinstance(note, str) or len(note) > 4000):
        raise ValidationError("note must be a string of at most 4000 characters", field="note")
    note = note.strip() if note else None
    version = payload["version"]

    if action == "dispatch":
        person_id, role = _resolve_dispatch_target(session, row, payload)
        dispatch_to(session, row.id, person_id, role, actor=actor, note=note, now=now, version=version)
    elif action == "confirm":
        _confirm(session, row, version, actor, note, now, policy)
    else:
        values, data = {"status": target}, {}
        if target in STAGE_COLUMN:
            values[STAGE_COLUMN[target]] = now
        if action == "resolve":
            if not note:
                raise ValidationError("resolve needs a note saying how the case was resolved", field="note")
            values["resolution_note"] = note
        elif action == "visit":
            satisfaction = parse_code("satisfaction", payload.get("satisfaction"))
            values["satisfaction"] = satisfaction
            data["satisfaction"] = satisfaction
        elif action == "return":
            if not note:
                raise ValidationError("return needs a reason (wrong place, not mine, …)", field="note")
            # The next assignee's response is measured afresh; the first acceptance stays in the history.
            values |= {"assignee_id": None, "assignee_role": None, "accepted_at": None, "started_at": None}
            data["previous_assignee_id"] = row.assignee_id
        elif action == "mark_duplicate":
            original = payload.get("duplicate_of")
            if not isinstance(original, str) or not original:
                raise ValidationError("mark_duplicate needs duplicate_of, the original case's code",
                                      field="duplicate_of")
            if original == code:
                raise ValidationError("a case cannot duplicate itself", field="duplicate_of")
            try:
                original_row = get_case_row(session, original)
            except NotFoundError:
                raise ValidationError(f"no case with code {original!r}", field="duplicate_of") from None
            if original_row.community_id != row.community_id:
                raise ValidationError(f"case {original} belongs to another community", field="duplicate_of")
            values["duplicate_of_id"] = original_row.id
            data["duplicate_of"] = original
        bump_version(session, row.id, version, values)
        append_event(session, row.id, row.community_id, actor, action, row.status, target, note=note, now=now,
                     data=data)
    logger.info("case %s: %s by %s", code, action, actor)
    return get_case(session, code, include_private=True)


def _confirm(session, row, version, actor, note, now, policy):
    """A cadre confirms a resident's report: the reporter's household earns points."""
    from .points import earn

    if not row.household:
        raise ValidationError("the case names no household to credit; it cannot earn points", field="household")
    points = policy.points_per_category.get(row.category, 0)
    bump_version(session, row.id, version, {"confirmed_at": now})
    append_event(session, row.id, row.community_id, actor, "confirm", row.status, row.status, note=note, now=now,
                 data={"points": points})
    if points > 0:
        earn(session, row.community_id, row.household, points, f"上报确认 {row.code}", case_id=row.id, now=now)
