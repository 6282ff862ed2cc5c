"""Case intake, reading and listing. Transitions live in workflow.py."""

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from ..config import CASE_DEADLINES_DEFAULT, POINTS_PER_CATEGORY_DEFAULT
from ..models import CATEGORIES, OPEN_STATUSES
from .case_store import (
    append_event,
    dispatch_to,
    get_case,
)
from .clock import LOCAL_TZ
from .idempotency import check_same_body
from .lookup import lookup
from .privacy import mask_name

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CasePolicy:
    """Deadlines, points and duplicate rules, taken from configuration by the caller."""

    deadlines: dict = field(default_factory=lambda: CASE_DEADLINES_DEFAULT)
    points_per_category: dict = field(default_factory=lambda: POINTS_PER_CATEGORY_DEFAULT)
    duplicate_radius_m: float = 100
    duplicate_window_days: int = 30
    # Categories whose cases are resolved only with a 处置后 photo (photos.check_resolve_photo); the setting
    # RESOLVE_REQUIRES_PHOTO (default: 安全隐患, 环境卫生) fills it; a policy built in code has no such rule.
    resolve_requires_photo: frozenset = frozenset()

    @classmethod
    def from_config(cls, config):
        """Return the policy of an app's configuration, refusing a category RESOLVE_REQUIRES_PHOTO does not know."""
        unknown = sorted(set(config["RESOLVE_REQUIRES_PHOTO"]) - set(CATEGORIES))
        if unknown:  # a typo would silently drop the rule
            raise ValueError(f"RESOLVE_REQUIRES_PHOTO names unknown categories {unknown}; known: {', '.join(CATEGORIES)}")
        return cls(config["CASE_DEADLINES"], config["POINTS_PER_CATEGORY"], config["DUPLICATE_RADIUS_M"],
                   config["DUPLICATE_WINDOW_DAYS"], frozenset(config["RESOLVE_REQUIRES_PHOTO"]))

    def due_times(self, urgency, received_at):
        rule = self.deadlines[urgency]
        return (received_at + timedelta(hours=rule["response_hours"]),
                received_at + timedelta(hours=rule["resolve_hours"]))


def next_code(session, year):
    """Return the next tracking code of a year: MQ-2024-000123."""
    number = session.execute(
        text("INSERT INTO case_counter (year, last) VALUES (:y, 1) "
             "ON CONFLICT (year) DO UPDATE SET last = case_counter.last + 1 RETURNING last"),
        {"y": year},
    ).scalar_one()
    return f"MQ-{year}-{number:06d}"


# tracking_code comes from its column default (migration 0007); ON CONFLICT covers the rare code already taken.
INSERT_CASE = text(
    """
    INSERT INTO civic_case (community_id, code, channel, category, tags, title, description, geom, address,
        urgency, reporter_name, reporter_phone, anonymous, household, notify, status, unit_id, response_due_at,
        resolve_due_at, received_at, idempotency_key, request_hash, version, created_at, updated_at)
    VALUES (:community_id, :code, :channel, :category, :tags, :title, :description,
        ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), :address, :urgency, :reporter_name, :reporter_phone,
        :anonymous, :household, :notify, 'received', :unit_id, :response_due, :resolve_due, :now, :idem, :request_hash, 1,
        :now, :now)
    ON CONFLICT (tracking_code) DO NOTHING
    RETURNING id
    """
)
TRACKING_CODE_DRAWS = 5


def create_case(session, data, *, actor="system", policy=None, now=None, idempotency_key=None, request_hash=None,
                auto_dispatch=True):
    """Take in a case (a validated schemas.CaseIn), place it, dispatch it to whoever answers for its point; return it.

    idempotency_key (already scoped to the client) and request_hash (of the body) make a retry return the
    first case, and refuse the same key with another body (idempotency.py).
    """
    policy = policy or CasePolicy()
    if idempotency_key:
        # Two posts with the same key wait for each other here, so the second finds the first's case.
        session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"), {"k": idempotency_key})
        existing = session.execute(text("SELECT code, request_hash FROM civic_case WHERE idempotency_key = :k"),
                                   {"k": idempotency_key}).first()
        if existing is not None:
            check_same_body(existing.request_hash, request_hash)
            return get_case(session, existing.code, include_private=True), False
    code, _, _ = receive_case(session, data, actor=actor, policy=policy, now=now, idempotency_key=idempotency_key,
                              request_hash=request_hash, auto_dispatch=auto_dispatch)
    return get_case(session, code, include_private=True), True


def receive_case(session, data, *, actor="system", policy=None, now=None, idempotency_key=None, request_hash=None,
                 auto_dispatch=True):
    """Insert a case and dispatch it (create_case without the idempotency check and without reading it back).

    Return (code, version, assignee): lookup's assignee for the point (person None: the community queue).
    """
    policy = policy or CasePolicy()
    clean = data.model_dump()
    found = lookup(session, clean["lon"], clean["lat"])
    now = now or datetime.now(UTC)
    response_due, resolve_due = policy.due_times(clean["urgency"], now)
    unit_id = found["chain"][0]["id"] if found["chain"] else None
    assignee = found["assignee"]
    code = next_code(session, now.astimezone(LOCAL_TZ).year)
    params = {**clean, "community_id": found["community"]["id"], "code": code, "unit_id": unit_id,
              "response_due": response_due, "resolve_due": resolve_due, "now": now, "idem": idempotency_key,
              "request_hash": request_hash if idempotency_key else None}
    case_id = None
    for _ in range(TRACKING_CODE_DRAWS):  # the database draws the tracking code; a taken one is drawn again
        case_id = session.execute(INSERT_CASE, params).scalar()
        if case_id is not None:
            break
    if case_id is None:
        raise RuntimeError(f"no free tracking code in {TRACKING_CODE_DRAWS} draws")
    append_event(session, case_id, found["community"]["id"], actor, "receive", None, "received", now=now,
                 data={"channel": clean["channel"]})
    version = 1
    if auto_dispatch and assignee["person"] is not None:
        # the row was inserted just above: received, at version 1
        version = dispatch_to(session, case_id, assignee["person"]["id"], assignee["role"], status="received",
                              version=version, actor="system", note="按地图责任人自动派单", now=now).version
    logger.info("case %s received at %.6f,%.6f (%s)", code, clean["lat"], clean["lon"], clean["channel"])
    return code, version, assignee


def public_receipt(case):
    """Return what an anonymous reporter gets back: the tracking code and who will handle it, no personal data.

    tracking_code is what the reporter follows the case with (/track); code is the staff case number.
    """
    assignee = case["assignee"]
    return {
        "code": case["code"], "tracking_code": case["tracking_code"],
        "status": case["status"], "status_label": case["status_label"],
        "category": case["category"], "channel": case["channel"],
        "unit": case["unit"] and {"kind": case["unit"]["kind"], "kind_label": case["unit"]["kind_label"],
                                  "name": case["unit"]["name"]},
        "assignee": {"role": assignee["role"], "role_label": assignee["role_label"],
                     "name": mask_name(assignee["name"])},
        "track_url": f"/track/{case['tracking_code']}",
    }


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
