"""Reading a case and changing it safely: the row, its JSON, its history, version-checked updates, assignment.

Intake (cases.py) and the workflow (workflow.py) both build on this module and not on each other.
"""

import functools
from datetime import UTC, datetime

from sqlalchemy import bindparam, func, insert, select, text, update

from ..errors import ConflictError, NotFoundError
from ..models import COMMUNITY_QUEUE, OPEN_STATUSES, ROLE_LABELS, UNIT_KIND_LABELS, CaseEvent, Person, Unit
from .access import case_actions
from .actors import actor_labels
from .catalog import labelled
from .notify import on_case_event
from .photos import case_photos
from .privacy import mask_name, mask_phone
from .queries import CASES, COMMUNITIES
from .transitions import describe

EVENT_FIELDS = ("at", "actor", "action", "from_status", "to_status", "note", "data")  # a case_event but its case


def _event_fields(actor, action, from_status, to_status, note, data):
    """An event's own fields, its case and time aside, as case_event keeps them."""
    return {"actor": actor[:100], "action": action, "from_status": from_status, "to_status": to_status,
            "note": note, "data": data or {}}


def append_event(session, case_id, community_id, actor, action, from_status, to_status, *, note=None, now=None,
                 data=None):
    """Append one event to a case's history, and write the notifications it causes in the same transaction."""
    session.execute(insert(EVENTS).values(
        case_id=case_id, community_id=community_id, at=func.now() if now is None else now,
        **_event_fields(actor, action, from_status, to_status, note, data)))
    on_case_event(session, case_id, action, note=note)


UNITS = Unit.__table__
EVENTS = CaseEvent.__table__
PEOPLE = Person.__table__
DUPLICATES = CASES.alias("d")


def case_row_over(cases):
    """The CASE_ROW select over ``cases``: the civic_case table, or what a statement on it returned (a CTE)."""
    return (
        select(*(cases.c[column.name] for column in CASES.c if column.name != "geom"),
               func.ST_Y(cases.c.geom).label("lat"), func.ST_X(cases.c.geom).label("lon"),
               COMMUNITIES.c.code.label("community_code"), UNITS.c.kind.label("unit_kind"),
               UNITS.c.name.label("unit_name"), PEOPLE.c.name.label("assignee_name"),
               PEOPLE.c.phone.label("assignee_phone"), DUPLICATES.c.code.label("duplicate_of_code"))
        .select_from(cases.join(COMMUNITIES, COMMUNITIES.c.id == cases.c.community_id)
                     .outerjoin(UNITS, UNITS.c.id == cases.c.unit_id)
                     .outerjoin(PEOPLE, PEOPLE.c.id == cases.c.assignee_id)
                     .outerjoin(DUPLICATES, DUPLICATES.c.id == cases.c.duplicate_of_id))
    )


# One case row, one shape, wherever a case is read or changed: its columns (the point as lat/lon), its community's
# code, its unit, its assignee and the case it duplicates. Listings extend it with filters and a page.
CASE_ROW = case_row_over(CASES)


def serialize_case(row, *, include_private=False, viewer=None, now=None):
    """Shape a case row for the API; personal data only when include_private; for a viewer, what they may do next."""
    now = now or datetime.now(UTC)
    overdue = overdue_kind(row, now)
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


def overdue_kind(row, now):
    """Return "response" or "resolution" when an open case is past that deadline, else None."""
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
    ).all()
    labels = actor_labels(session, {r.actor for r in rows})
    return [
        {"at": iso(r.at), "actor": r.actor, "actor_label": labels.get(r.actor, ""), "action": r.action, "action_label": labelled("event", r.action)["label"],
         "from": r.from_status, "from_label": r.from_status and labelled("status", r.from_status)["label"],
         "to": r.to_status, "to_label": labelled("status", r.to_status)["label"], "note": r.note, "data": r.data}
        for r in rows
    ]


def get_case_row(session, code):
    """Return a case's row (the CASE_ROW shape) by tracking code, or raise NotFoundError."""
    row = session.execute(CASE_ROW.where(CASES.c.code == code)).first()
    if row is None:
        raise NotFoundError(f"没有编号为 {code} 的民情 (no case with code {code!r})", code="case_not_found")
    return row


def get_case(session, code, *, include_private=False, viewer=None, with_history=True):
    """Return a case with its history (and, for a viewer, the actions they may take)."""
    row = get_case_row(session, code)
    body = serialize_case(row, include_private=include_private, viewer=viewer)
    body["photos"] = case_photos(session, row.id, with_original=include_private)
    body["may_publish_photos"] = include_private  # admins and cadres publish and hide photos
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


def _conflict(session, case_id, version):
    current = session.execute(select(CASES.c.version).where(CASES.c.id == case_id)).scalar()
    return version_conflict(version, current)


@functools.lru_cache(maxsize=32)
def _bump_and_record(columns):
    """The statement of bump_and_record for a set of columns (built once: a case has only a few kinds of change).

    The version-checked UPDATE … RETURNING, an INSERT of the event from what it returned (so that nothing is
    written when the version has moved on), and the case's row (CASE_ROW) over what it returned.
    """
    bumped = (update(CASES).where(CASES.c.id == bindparam("case_id"), CASES.c.version == bindparam("expected"))
              .values({name: bindparam(f"new_{name}", type_=CASES.c[name].type) for name in columns}
                      | {"version": CASES.c.version + 1, "updated_at": func.now()})
              .returning(*CASES.c).cte("bumped"))
    event = [bindparam(name, type_=EVENTS.c[name].type) for name in EVENT_FIELDS]
    event[0] = func.coalesce(event[0], func.now())  # at: the time given, else the database's clock
    recorded = insert(EVENTS).from_select(["case_id", "community_id", *EVENT_FIELDS],
                                          select(bumped.c.id, bumped.c.community_id, *event)).cte("recorded")
    return case_row_over(bumped).add_cte(recorded)


def bump_and_record(session, case_id, version, values, *, actor, action, from_status, to_status, note=None, now=None,
                    data=None):
    """Set column values only if the version still matches, bumping it, and append the event, in one statement.

    Raise 409 (and write nothing) when the version has moved on; else return the case's row (CASE_ROW) after the
    change. The event's notifications are written as append_event writes them.
    """
    params = {f"new_{name}": value for name, value in values.items()}
    params |= {"case_id": case_id, "expected": version, "at": now,
               **_event_fields(actor, action, from_status, to_status, note, data)}
    after = session.execute(_bump_and_record(frozenset(values)), params).first()
    if after is None:
        raise _conflict(session, case_id, version)
    on_case_event(session, case_id, action, note=note)
    return after


def dispatch_to(session, case_id, person_id, role, *, status, version, actor, note=None, now=None, deadlines=None):
    """Assign a case to a person (used by intake's automatic dispatch and by the dispatch action); return its row.

    status, version: the case's as the caller read (or wrote) them in this transaction; the update checks the version.
    deadlines: (response_due_at, resolve_due_at) that start afresh for this assignee (a re-dispatch), or None.
    """
    now = now or datetime.now(UTC)
    values = {"status": "dispatched", "assignee_id": person_id, "assignee_role": role, "dispatched_at": now,
              "accepted_at": None, "started_at": None}
    if deadlines is not None:
        values |= {"response_due_at": deadlines[0], "resolve_due_at": deadlines[1]}
    return bump_and_record(session, case_id, version, values, actor=actor, action="dispatch", from_status=status,
                           to_status="dispatched", note=note, now=now,
                           data={"assignee_id": person_id, "role": role})
