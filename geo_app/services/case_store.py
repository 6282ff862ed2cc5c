"""Reading a case and changing it safely: the row, its JSON, its history, version-checked updates, assignment.

Intake (cases.py) and the workflow (workflow.py) both build on this module and not on each other.
"""

import json
from datetime import UTC, datetime

from sqlalchemy import text

from ..errors import ConflictError, NotFoundError
from ..models import COMMUNITY_QUEUE, OPEN_STATUSES, ROLE_LABELS, UNIT_KIND_LABELS
from .access import case_actions
from .catalog import labelled
from .privacy import mask_name, mask_phone
from .transitions import describe


def append_event(session, case_id, community_id, actor, action, from_status, to_status, *, note=None, now=None,
                 data=None):
    """Append one event to a case's history."""
    session.execute(
        text("INSERT INTO case_event (case_id, community_id, at, actor, action, from_status, to_status, note, data) "
             "VALUES (:case_id, :cid, coalesce(:at, now()), :actor, :action, :from_s, :to_s, :note, CAST(:data AS jsonb))"),
        {"case_id": case_id, "cid": community_id, "at": now, "actor": actor[:100], "action": action,
         "from_s": from_status, "to_s": to_status, "note": note, "data": json.dumps(data or {}, ensure_ascii=False)},
    )


CASE_SELECT = """
    SELECT c.*, ST_Y(c.geom) AS lat, ST_X(c.geom) AS lon, cm.code AS community_code,
           u.kind AS unit_kind, u.name AS unit_name, p.name AS assignee_name, p.phone AS assignee_phone,
           d.code AS duplicate_of_code
    FROM civic_case c
    JOIN community cm ON cm.id = c.community_id
    LEFT JOIN unit u ON u.id = c.unit_id
    LEFT JOIN person p ON p.id = c.assignee_id
    LEFT JOIN civic_case d ON d.id = c.duplicate_of_id
"""


def serialize_case(row, *, include_private=False, viewer=None, now=None):
    """Shape a case row for the API; personal data only when include_private; for a viewer, what they may do next."""
    now = now or datetime.now(UTC)
    overdue = _overdue_kind(row, now)
    body = {
        "code": row.code,
        "tracking_code": row.tracking_code if include_private else None,  # the reporter's code for /track
        "community": row.community_code,
        "title": row.title,
        "description": row.description,
        "channel": labelled("channel", row.channel),
        "category": labelled("category", row.category),
        "tags": [labelled("tag", t) for t in row.tags or []],
        "urgency": labelled("urgency", row.urgency),
        "status": row.status,
        "status_label": labelled("status", row.status)["label"],
        "lat": row.lat,
        "lon": row.lon,
        "address": row.address,
        "unit": ({"id": row.unit_id, "kind": row.unit_kind, "kind_label": UNIT_KIND_LABELS[row.unit_kind],
                  "name": row.unit_name} if row.unit_id else None),
        "assignee": ({"id": row.assignee_id, "name": row.assignee_name, "role": row.assignee_role,
                      "role_label": ROLE_LABELS.get(row.assignee_role), "phone": mask_phone(row.assignee_phone)}
                     if row.assignee_id else
                     {"id": None, "name": None, "role": COMMUNITY_QUEUE, "role_label": ROLE_LABELS[COMMUNITY_QUEUE],
                      "phone": None}),
        "anonymous": row.anonymous,
        "reporter_name": None if row.anonymous else (row.reporter_name if include_private else mask_name(row.reporter_name)),
        "reporter_phone": row.reporter_phone if include_private else mask_phone(row.reporter_phone),
        "household": row.household if include_private else None,
        "satisfaction": labelled("satisfaction", row.satisfaction),
        "resolution_note": row.resolution_note,
        "duplicate_of": row.duplicate_of_code,
        "version": row.version,
        "response_due_at": iso(row.response_due_at),
        "resolve_due_at": iso(row.resolve_due_at),
        "overdue": overdue,
        "overdue_label": labelled("overdue", overdue)["label"] if overdue else None,
        "times": {stage: iso(getattr(row, f"{stage}_at")) for stage in
                  ("received", "dispatched", "accepted", "started", "resolved", "visited", "closed", "returned",
                   "confirmed")},
    }
    if viewer is not None:
        body["allowed_actions"] = [describe(action) for action in case_actions(viewer, row)]
    return body


def _overdue_kind(row, now):
    if row.status not in OPEN_STATUSES:
        return None
    if row.accepted_at is None and row.response_due_at and now > row.response_due_at:
        return "response"
    if row.resolved_at is None and row.resolve_due_at and now > row.resolve_due_at:
        return "resolution"
    return None


def iso(value):
    return value.isoformat() if value else None


def history(session, case_id):
    """Return a case's events, oldest first."""
    rows = session.execute(
        text("SELECT at, actor, action, from_status, to_status, note, data FROM case_event "
             "WHERE case_id = :id ORDER BY at, id"),
        {"id": case_id},
    )
    return [
        {"at": iso(r.at), "actor": r.actor, "action": r.action, "action_label": labelled("event", r.action)["label"],
         "from": r.from_status, "from_label": r.from_status and labelled("status", r.from_status)["label"],
         "to": r.to_status, "to_label": labelled("status", r.to_status)["label"], "note": r.note, "data": r.data}
        for r in rows
    ]


def get_case_row(session, code, *, for_update=False):
    """Return the raw row of a case by tracking code, or raise NotFoundError."""
    sql = CASE_SELECT + " WHERE c.code = :code"
    if for_update:
        sql = "SELECT * FROM civic_case WHERE code = :code FOR UPDATE"
    row = session.execute(text(sql), {"code": code}).first()
    if row is None:
        raise NotFoundError(f"没有编号为 {code} 的民情 (no case with code {code!r})", code="case_not_found")
    return row


def get_case(session, code, *, include_private=False, viewer=None, with_history=True):
    """Return a case with its history (and, for a viewer, the actions they may take)."""
    row = get_case_row(session, code)
    body = serialize_case(row, include_private=include_private, viewer=viewer)
    if with_history:
        body["history"] = history(session, row.id)
    return body


def require_version(row, version):
    """Refuse a change made against a stale version of the case."""
    if version != row.version:
        raise version_conflict(version, row.version)


def version_conflict(sent, current):
    """Return the 409 for a change made against a version the case has moved past."""
    return ConflictError(
        f"案件已被他人修改，请刷新后重试 (version mismatch: you sent {sent}, the case is at {current}; reload and retry)",
        code="version_mismatch", details={"current_version": current},
    )


def bump_version(session, case_id, version, sets, params):
    """Apply an update only if the version still matches; raise 409 otherwise."""
    assignments = ", ".join([*sets, "version = version + 1", "updated_at = now()"])
    updated = session.execute(
        text(f"UPDATE civic_case SET {assignments} WHERE id = :case_id AND version = :version RETURNING version"),
        {**params, "case_id": case_id, "version": version},
    ).scalar()
    if updated is None:
        current = session.execute(text("SELECT version FROM civic_case WHERE id = :id"), {"id": case_id}).scalar()
        raise version_conflict(version, current)
    return updated


def dispatch_to(session, case_id, person_id, role, *, actor, note=None, now=None, version=None):
    """Assign a case to a person (used by intake's automatic dispatch and by the dispatch action)."""
    row = session.execute(text("SELECT id, status, version, community_id FROM civic_case WHERE id = :id"),
                          {"id": case_id}).one()
    now = now or datetime.now(UTC)
    bump_version(session, case_id, row.version if version is None else version,
          ["status = 'dispatched'", "assignee_id = :person", "assignee_role = :role", "dispatched_at = :now"],
          {"person": person_id, "role": role, "now": now})
    append_event(session, case_id, row.community_id, actor, "dispatch", row.status, "dispatched", note=note, now=now,
                 data={"assignee_id": person_id, "role": role})
