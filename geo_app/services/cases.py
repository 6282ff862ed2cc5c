"""Case intake, reading and listing. Transitions live in workflow.py."""

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, text

from ..config import CASE_DEADLINES_DEFAULT, POINTS_PER_CATEGORY_DEFAULT
from ..errors import ValidationError
from ..geo.coords import to_wgs84
from ..geo.validate import parse_crs, parse_point
from ..models import OPEN_STATUSES
from .case_store import (
    CASE_ROW,
    append_event,
    dispatch_to,
    get_case,
    get_case_row,
    history,
    iso,
    serialize_case,
)
from .catalog import labelled, parse_code
from .clock import LOCAL_TZ
from .lookup import lookup
from .privacy import mask_name
from .queries import CASES, case_conditions

logger = logging.getLogger(__name__)

MAX_TITLE = 200
MAX_TEXT = 4000
MAX_SHORT = 100
MAX_TAGS = 10


@dataclass(frozen=True)
class CasePolicy:
    """Deadlines, points and duplicate rules, taken from configuration by the caller."""

    deadlines: dict = field(default_factory=lambda: CASE_DEADLINES_DEFAULT)
    points_per_category: dict = field(default_factory=lambda: POINTS_PER_CATEGORY_DEFAULT)
    duplicate_radius_m: float = 100
    duplicate_window_days: int = 30

    @classmethod
    def from_config(cls, config):
        return cls(config["CASE_DEADLINES"], config["POINTS_PER_CATEGORY"], config["DUPLICATE_RADIUS_M"],
                   config["DUPLICATE_WINDOW_DAYS"])

    def due_times(self, urgency, received_at):
        rule = self.deadlines[urgency]
        return (received_at + timedelta(hours=rule["response_hours"]),
                received_at + timedelta(hours=rule["resolve_hours"]))


def _text_field(data, name, *, required=False, limit=MAX_TEXT):
    value = data.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationError(f"{name} is required and must not be empty", field=name)
        return None
    if not isinstance(value, str):
        raise ValidationError(f"{name} must be a string", field=name)
    value = value.strip()
    if len(value) > limit:
        raise ValidationError(f"{name} is {len(value)} characters long; the limit is {limit}", field=name)
    if "\x00" in value:
        raise ValidationError(f"{name} contains a NUL character", field=name)
    return value


def _phone(data):
    phone = _text_field(data, "reporter_phone", limit=32)
    if phone is None:
        return None
    digits = phone.replace(" ", "").replace("-", "")
    if not digits.isdigit() or not 5 <= len(digits) <= 15:
        raise ValidationError("reporter_phone must be 5–15 digits", field="reporter_phone")
    return digits


def parse_intake(data):
    """Validate a new case's fields; return clean values or refuse naming the field."""
    if not isinstance(data, dict):
        raise ValidationError("the body must be a JSON object", field="body")
    crs = parse_crs(data.get("crs"))
    lon, lat = parse_point(data.get("lat"), data.get("lon"))
    lon, lat = to_wgs84(lon, lat, crs)
    tags = data.get("tags") or []
    if not isinstance(tags, list) or len(tags) > MAX_TAGS:
        raise ValidationError(f"tags must be a list of at most {MAX_TAGS} tags", field="tags")
    anonymous = data.get("anonymous", False)
    if not isinstance(anonymous, bool):
        raise ValidationError("anonymous must be true or false", field="anonymous")
    clean = {
        "title": _text_field(data, "title", required=True, limit=MAX_TITLE),
        "description": _text_field(data, "description") or "",
        "channel": parse_code("channel", data.get("channel")),
        "category": parse_code("category", data.get("category")),
        "urgency": parse_code("urgency", data.get("urgency"), required=False) or "normal",
        "tags": sorted({parse_code("tag", t, "tags") for t in tags}),
        "lon": lon,
        "lat": lat,
        "address": _text_field(data, "address", limit=400),
        "reporter_name": _text_field(data, "reporter_name", limit=MAX_SHORT),
        "reporter_phone": _phone(data),
        "household": _text_field(data, "household", limit=MAX_SHORT),
        "anonymous": anonymous,
    }
    if anonymous:
        clean["reporter_name"] = None
    return clean


def next_code(session, year):
    """Return the next tracking code of a year: MQ-2024-000123."""
    number = session.execute(
        text("INSERT INTO case_counter (year, last) VALUES (:y, 1) "
             "ON CONFLICT (year) DO UPDATE SET last = case_counter.last + 1 RETURNING last"),
        {"y": year},
    ).scalar_one()
    return f"MQ-{year}-{number:06d}"


def create_case(session, data, *, actor="system", policy=None, now=None, idempotency_key=None, auto_dispatch=True):
    """Take in a case: validate, place it, dispatch it to whoever answers for its point; return it."""
    policy = policy or CasePolicy()
    if idempotency_key:
        # Two posts with the same key wait for each other here, so the second finds the first's case.
        session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"), {"k": idempotency_key})
        existing = find_by_idempotency_key(session, idempotency_key)
        if existing is not None:
            return existing, False
    clean = parse_intake(data)
    found = lookup(session, clean["lon"], clean["lat"])
    now = now or datetime.now(UTC)
    response_due, resolve_due = policy.due_times(clean["urgency"], now)
    unit_id = found["chain"][0]["id"] if found["chain"] else None
    assignee = found["assignee"]
    code = next_code(session, now.astimezone(LOCAL_TZ).year)
    case_id = session.execute(
        text(
            """
            INSERT INTO civic_case (community_id, code, channel, category, tags, title, description, geom, address,
                urgency, reporter_name, reporter_phone, anonymous, household, status, unit_id, response_due_at,
                resolve_due_at, received_at, idempotency_key, version, created_at, updated_at)
            VALUES (:community_id, :code, :channel, :category, :tags, :title, :description,
                ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), :address, :urgency, :reporter_name, :reporter_phone,
                :anonymous, :household, 'received', :unit_id, :response_due, :resolve_due, :now, :idem, 1, :now, :now)
            RETURNING id
            """
        ),
        {**clean, "community_id": found["community"]["id"], "code": code, "unit_id": unit_id,
         "response_due": response_due, "resolve_due": resolve_due, "now": now, "idem": idempotency_key},
    ).scalar_one()
    append_event(session, case_id, found["community"]["id"], actor, "receive", None, "received", now=now,
                 data={"channel": clean["channel"]})
    if auto_dispatch and assignee["person"] is not None:
        dispatch_to(session, case_id, assignee["person"]["id"], assignee["role"], actor="system",
                    note="按地图责任人自动派单", now=now)
    logger.info("case %s received at %.6f,%.6f (%s)", code, clean["lat"], clean["lon"], clean["channel"])
    return get_case(session, code, include_private=True), True


def public_receipt(case):
    """Return what an anonymous reporter gets back: the tracking code and who will handle it, no personal data."""
    assignee = case["assignee"]
    return {
        "code": case["code"], "status": case["status"], "status_label": case["status_label"],
        "category": case["category"], "channel": case["channel"],
        "unit": case["unit"] and {"kind": case["unit"]["kind"], "kind_label": case["unit"]["kind_label"],
                                  "name": case["unit"]["name"]},
        "assignee": {"role": assignee["role"], "role_label": assignee["role_label"],
                     "name": mask_name(assignee["name"])},
        "track_url": f"/track/{case['code']}",
    }


def find_by_idempotency_key(session, key):
    code = session.execute(text("SELECT code FROM civic_case WHERE idempotency_key = :k"), {"k": key}).scalar()
    return get_case(session, code, include_private=True) if code else None


def track_case(session, code):
    """Return what anyone holding a tracking code may see: status and timeline, no people, no place."""
    row = get_case_row(session, code)
    events = history(session, row.id)
    return {
        "code": row.code,
        "status": row.status,
        "status_label": labelled("status", row.status)["label"],
        "category": labelled("category", row.category),
        "received_at": iso(row.received_at),
        "history": [{"at": e["at"], "status": e["to"], "status_label": e["to_label"]} for e in events],
    }


def case_page(filters):
    """Return the select() of the cases matching filters, newest first, each with the total count as `total`."""
    return (CASE_ROW.add_columns(func.count().over().label("total")).where(*case_conditions(filters))
            .order_by(CASES.c.received_at.desc(), CASES.c.id.desc()))


def list_cases(session, filters, *, limit=100, offset=0, include_private=False):
    """Return a page of cases matching filters (status, channel, category, assignee, bbox, from, to, overdue…)."""
    rows = session.execute(case_page(filters).limit(limit).offset(offset)).all()
    return {"total": rows[0].total if rows else 0, "limit": limit, "offset": offset,
            "cases": [serialize_case(r, include_private=include_private) for r in rows]}


def possible_duplicates(session, code, policy=None):
    """Return open cases of the same category within the radius and window of this one."""
    policy = policy or CasePolicy()
    rows = session.execute(
        text(
            """
            SELECT o.code, o.title, o.status, ST_Distance(o.geom::geography, c.geom::geography) AS distance_m
            FROM civic_case c JOIN civic_case o
              ON o.id <> c.id AND o.category = c.category AND o.community_id = c.community_id
             AND o.status = ANY(:open) AND o.received_at >= c.received_at - make_interval(days => :days)
             AND o.received_at <= c.received_at
             AND ST_DWithin(o.geom::geography, c.geom::geography, :radius)
            WHERE c.code = :code
            ORDER BY distance_m, o.received_at DESC LIMIT 5
            """
        ),
        {"code": code, "open": list(OPEN_STATUSES), "days": policy.duplicate_window_days,
         "radius": policy.duplicate_radius_m},
    )
    return [{"code": r.code, "title": r.title, "status": r.status, "distance_m": round(r.distance_m, 1)} for r in rows]
