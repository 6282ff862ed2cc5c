"""The 12345-style case workflow: 受理 → 派单 → 签收 → 办理中 → 办结 → 回访 → 关闭, plus 退回 and 重复.

Every change checks the caller's version (optimistic locking), bumps it in the same UPDATE that
checks it (so two concurrent changes cannot both pass), and appends an event.
"""

import logging
from datetime import UTC, datetime

from sqlalchemy import text

from ..errors import ConflictError, NotFoundError, ValidationError
from ..models import ACTIONS, STATUSES
from .case_store import (
    bump_and_record,
    dispatch_to,
    get_case,
    get_case_row,
    require_version,
)
from .cases import CasePolicy
from .clock import china_today
from .lookup import lookup
from .photos import check_resolve_photo
from .transitions import TRANSITIONS, next_actions

logger = logging.getLogger(__name__)

STAGE_COLUMN = {"dispatched": "dispatched_at", "accepted": "accepted_at", "in_progress": "started_at",
                "resolved": "resolved_at", "visited": "visited_at", "closed": "closed_at", "returned": "returned_at"}


def _resolve_dispatch_target(session, row, change):
    """Return (person_id, role) from an explicit assignee_id or a clicked point."""
    if change.assignee_id is not None:
        found = session.execute(
            text("""SELECT r.role FROM person p LEFT JOIN responsibility r ON r.person_id = p.id
                      AND (r.until IS NULL OR r.until > :today)
                    WHERE p.id = :id AND p.community_id = :cid ORDER BY r.id LIMIT 1"""),
            {"id": change.assignee_id, "cid": row.community_id, "today": china_today()},
        ).first()
        if found is None:
            raise ValidationError(f"本社区没有编号为 {change.assignee_id} 的人员 "
                                  f"(no person {change.assignee_id} in this case's community)", field="assignee_id")
        return change.assignee_id, found.role or "grid_worker"
    answer = lookup(session, *change.point)
    if answer["community"]["id"] != row.community_id:
        raise ValidationError("该位置属于另一个社区，民情只能在本社区内派单 "
                              "(that point lies in another community; a case is dispatched within its own)", field="lat")
    if answer["assignee"]["person"] is None:
        raise ValidationError("此处无责任人，请直接选择人员 (nobody answers for that point; pick a person instead)",
                              field="lat")
    return answer["assignee"]["person"]["id"], answer["assignee"]["role"]


def transition(session, code, change, *, actor, policy=None, now=None, event_data=None):
    """Apply one workflow action (a validated schemas.TransitionIn) to a case; return the case after it.

    event_data is added to the event's data (e.g. which resident answer reopened a case).
    """
    apply_transition(session, code, change, actor=actor, policy=policy, now=now, event_data=event_data)
    return get_case(session, code, include_private=True)


def apply_transition(session, code, change, *, actor, policy=None, now=None, event_data=None):
    """Apply one workflow action to a case without reading it back; return the case's new version."""
    return _apply(session, code, get_case_row(session, code), change, actor=actor, policy=policy or CasePolicy(),
                  now=now, event_data=event_data).version


def apply_transitions(session, code, steps, *, actor, policy=None):
    """Apply a run of actions, ``[(change, now), …]``, to one case as apply_transition applies each; return the version.

    The case is read once: each action's statement returns the row the next action is checked against.
    """
    policy = policy or CasePolicy()
    row = get_case_row(session, code)
    for change, now in steps:
        row = _apply(session, code, row, change, actor=actor, policy=policy, now=now)
    return row.version


def _apply(session, code, row, change, *, actor, policy, now=None, event_data=None):
    """Check one action against the case's current row (CASE_ROW) and apply it; return the row after it."""
    action = change.action
    require_version(row, change.version)
    sources, target = TRANSITIONS[action]
    if row.status not in sources or (action == "confirm" and row.confirmed_at is not None):
        allowed = next_actions(row.status, row.confirmed_at is not None)
        raise ConflictError(
            f"案件当前状态为「{STATUSES[row.status]}」，不能「{ACTIONS[action]}」，可以：{'、'.join(ACTIONS[a] for a in allowed) or '无'} "
            f"(a {row.status} case cannot {action}; allowed next actions: {', '.join(allowed) or 'none'})",
            code="illegal_transition", details={"status": row.status, "allowed_actions": allowed},
        )
    now = now or datetime.now(UTC)
    note, version = change.note, change.version

    if action == "dispatch":
        person_id, role = _resolve_dispatch_target(session, row, change)
        # A re-dispatch (the case had an assignee, or was returned) gives the new assignee their own deadlines,
        # counted from now: they cannot answer for the time the case spent with someone else.
        redispatch = row.dispatched_at is not None or row.status == "returned"
        after = dispatch_to(session, row.id, person_id, role, status=row.status, version=version, actor=actor,
                            note=note, now=now, deadlines=policy.due_times(row.urgency, now) if redispatch else None)
    elif action == "confirm":
        after = _confirm(session, row, version, actor, note, now, policy)
    else:
        values, data = {"status": target}, {}
        if target in STAGE_COLUMN:
            values[STAGE_COLUMN[target]] = now
        if action == "resolve":
            check_resolve_photo(session, row, policy.resolve_requires_photo)
            values["resolution_note"] = note
        elif action == "visit":
            values["satisfaction"] = data["satisfaction"] = change.satisfaction
        elif action == "return":
            # The next assignee's response is measured afresh; the first acceptance stays in the history.
            values |= {"assignee_id": None, "assignee_role": None, "accepted_at": None, "started_at": None}
            data["previous_assignee_id"] = row.assignee_id
            if change.reason:
                data["reason"] = change.reason
        elif action == "reopen":
            values, data = _reopen_values(row, now, policy)
        elif action == "mark_duplicate":
            original = change.duplicate_of
            if original == code:
                raise ValidationError("民情不能与自身重复 (a case cannot duplicate itself)", field="duplicate_of")
            try:
                original_row = get_case_row(session, original)
            except NotFoundError:
                raise ValidationError(f"没有编号为 {original} 的民情 (no case with code {original!r})",
                                      field="duplicate_of") from None
            if original_row.community_id != row.community_id:
                raise ValidationError(f"民情 {original} 属于另一个社区 (case {original} belongs to another community)",
                                      field="duplicate_of")
            values["duplicate_of_id"] = original_row.id
            data["duplicate_of"] = original
        after = bump_and_record(session, row.id, version, values, actor=actor, action=action, from_status=row.status,
                                to_status=target, note=note, now=now, data=data | (event_data or {}))
    logger.info("case %s: %s by %s", code, action, actor)
    return after


def _reopen_values(row, now, policy):
    """Return the columns and event data of 重新办理: back in progress with the same assignee and a new deadline.

    The first resolution (time and 办结说明) stays in the history; the resolution rate and the on-time rate count
    the case again when it is resolved anew, against a resolution deadline counted from the reopening.
    """
    values = {"status": "in_progress", "resolved_at": None, "visited_at": None, "resolution_note": None,
              "resolve_due_at": policy.due_times(row.urgency, now)[1]}
    return values, {"previous_resolution_note": row.resolution_note, "assignee_id": row.assignee_id}


def _confirm(session, row, version, actor, note, now, policy):
    """A cadre confirms a resident's report: the reporter's household earns points; return the case's row after it."""
    from .points import earn

    if not row.household:
        raise ValidationError("该民情没有户号，无法积分 (the case names no household to credit; it cannot earn points)",
                              field="household")
    points = policy.points_per_category.get(row.category, 0)
    after = bump_and_record(session, row.id, version, {"confirmed_at": now}, actor=actor, action="confirm",
                            from_status=row.status, to_status=row.status, note=note, now=now, data={"points": points})
    if points > 0:
        earn(session, row.community_id, row.household, points, f"上报确认 {row.code}", case_id=row.id, now=now)
    return after
