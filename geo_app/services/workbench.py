"""我的待办: the open cases of the person a staff account acts for, the nearest deadline first, and the
reporter's phone revealed to the current assignee only, each reveal logged.
"""

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from sqlalchemy import case, func, insert, select

from ..errors import ConflictError, ForbiddenError, NotFoundError
from ..models import OPEN_STATUSES, PhoneReveal
from .access import check_case_visible, require_staff
from .case_store import CASE_ROW, UNITS, get_case_row, iso, serialize_case
from .photos import photos_of_cases
from .queries import CASES

logger = logging.getLogger(__name__)

REVEALS = PhoneReveal.__table__
# The deadline a case is working to: its response until it is accepted, then its resolution.
DUE_AT = case((CASES.c.accepted_at.is_(None), CASES.c.response_due_at), else_=CASES.c.resolve_due_at)
DUE_MARKS = {"overdue": "超时", "due_soon": "即将超时"}
# The case's unit as WGS-84 GeoJSON, simplified to about a metre, for the small map.
UNIT_OUTLINE = func.ST_AsGeoJSON(func.ST_SimplifyPreserveTopology(UNITS.c.geom, 0.00001), 6)


@dataclass(frozen=True)
class WorkbenchPolicy:
    """When a deadline counts as near (即将超时), from the WORKBENCH_DUE_SOON_HOURS setting."""

    due_soon_hours: int = 4

    @classmethod
    def from_config(cls, config):
        return cls(config["WORKBENCH_DUE_SOON_HOURS"])


def _own_person(viewer):
    require_staff(viewer)
    if viewer.person_id is None:
        raise ForbiddenError("你的账号没有关联责任人，没有待办 (your account acts for no person: no workbench)",
                             code="no_person")
    return viewer.person_id


def _my_open(person_id):
    return (CASES.c.assignee_id == person_id, CASES.c.status.in_(OPEN_STATUSES))


def open_count(session, person_id):
    """Return how many open cases are dispatched to a person (the header's badge)."""
    return session.execute(select(func.count()).select_from(CASES).where(*_my_open(person_id))).scalar()


def due_mark(due_at, now, policy):
    """Return "overdue", "due_soon" or None for a deadline."""
    if due_at is None:
        return None
    if now > due_at:
        return "overdue"
    if due_at - now <= timedelta(hours=policy.due_soon_hours):
        return "due_soon"
    return None


def navigation_links(lat, lon, name):
    """Return links that hand a WGS-84 point to a navigation app: the geo: URI, 高德 and 百度 (links, nothing loaded)."""
    label = quote(name or "民情位置", safe="")
    return [
        {"app": "geo", "label": "手机地图", "url": f"geo:{lat:.6f},{lon:.6f}?q={lat:.6f},{lon:.6f}({label})"},
        {"app": "amap", "label": "高德地图",
         "url": f"https://uri.amap.com/marker?position={lon:.6f},{lat:.6f}&name={label}&coordinate=wgs84&callnative=1"},
        {"app": "baidu", "label": "百度地图",
         "url": f"baidumap://map/marker?location={lat:.6f},{lon:.6f}&title={label}&coord_type=wgs84&src=minqing"},
    ]


def _work_item(row, photos, viewer, now, policy):
    body = serialize_case(row, viewer=viewer, now=now)
    mark = due_mark(row.due_at, now, policy)
    place = " ".join(p for p in (row.unit_name, row.address) if p) or row.title
    return body | {
        "due_at": iso(row.due_at),
        "due_kind": "response" if row.accepted_at is None else "resolution",
        "due_mark": mark,
        "due_mark_label": DUE_MARKS.get(mark),
        "has_reporter_phone": bool(row.reporter_phone),
        "navigation": navigation_links(row.lat, row.lon, place),
        "unit_outline": json.loads(row.unit_outline) if row.unit_outline else None,
        "photos": photos,  # the assignee adds 处置前/处置后 photos here
        "may_publish_photos": False,
    }


def my_cases(session, viewer, *, policy=None, now=None):
    """Return {"count", "cases"}: the viewer's open cases, the nearest deadline first, each with its mark and links."""
    person_id = _own_person(viewer)
    policy = policy or WorkbenchPolicy()
    now = now or datetime.now(UTC)
    rows = session.execute(CASE_ROW.add_columns(DUE_AT.label("due_at"), UNIT_OUTLINE.label("unit_outline"))
                           .where(*_my_open(person_id)).order_by(DUE_AT, CASES.c.id)).all()
    photos = photos_of_cases(session, [r.id for r in rows])  # one query for the whole list
    return {"count": len(rows), "due_soon_hours": policy.due_soon_hours,
            "cases": [_work_item(r, photos.get(r.id, []), viewer, now, policy) for r in rows]}


def reveal_reporter_phone(session, viewer, code, *, now=None):
    """Return a case's full reporter phone to its current assignee, logging the reveal (who, when, which case)."""
    row = get_case_row(session, code)
    check_case_visible(viewer, row)
    if viewer.person_id is None or row.assignee_id != viewer.person_id:
        raise ForbiddenError("只有当前责任人可以查看反映人的完整电话 (only the case's current assignee may see the "
                             "reporter's full phone number)", code="not_assignee")
    if row.status not in OPEN_STATUSES:
        raise ConflictError("民情已办结，不再提供反映人电话 (the case is no longer open)", code="case_closed")
    if not row.reporter_phone:
        raise NotFoundError("反映人没有留下联系电话 (the reporter left no phone number)", code="no_phone")
    session.execute(insert(REVEALS).values(case_id=row.id, community_id=row.community_id, actor=viewer.actor[:100],
                                           person_id=viewer.person_id, at=now or datetime.now(UTC)))
    logger.info("case %s: reporter phone revealed to %s", code, viewer.actor)
    return {"code": row.code, "phone": row.reporter_phone}
