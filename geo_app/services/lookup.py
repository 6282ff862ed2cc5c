"""Turn a point into the chain of units covering it and the person who answers for it."""

import logging
from datetime import date

from sqlalchemy import text

from ..errors import NotFoundError
from ..models import ROLE_FOR_KIND, ROLE_LABELS, UNIT_KIND_LABELS
from .privacy import mask_phone

logger = logging.getLogger(__name__)

KIND_RANK_SQL = "CASE u.kind WHEN 'building' THEN 0 WHEN 'shop' THEN 1 WHEN 'lane' THEN 2 WHEN 'street' THEN 3 ELSE 4 END"

COMMUNITY_AT_POINT = text(
    """
    SELECT id, code, name FROM community
    WHERE ST_Covers(boundary, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))
    ORDER BY ST_Area(boundary), id
    LIMIT 1
    """
)

# One unit per kind, most specific kind first; on a shared edge the smaller unit (then the
# lower id) wins, so the answer is deterministic.
UNITS_AT_POINT = text(
    f"""
    SELECT id, kind, code, name, address FROM (
        SELECT DISTINCT ON ({KIND_RANK_SQL}) u.id, u.kind, u.code, u.name, u.address,
               {KIND_RANK_SQL} AS rank
        FROM unit u
        WHERE u.community_id = :community_id
          AND ST_Covers(u.geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))
        ORDER BY {KIND_RANK_SQL}, ST_Area(u.geom), u.id
    ) AS covering
    ORDER BY rank
    """
)

PEOPLE_FOR_UNITS = text(
    """
    SELECT r.unit_id, p.id, p.name, p.phone, p.organisation, p.party_member, r.role
    FROM responsibility r JOIN person p ON p.id = r.person_id
    WHERE r.unit_id = ANY(:unit_ids)
      AND r.since <= :today AND (r.until IS NULL OR r.until > :today)
    ORDER BY r.unit_id, r.id
    """
)


def community_at(session, lon, lat):
    """Return the community covering a WGS-84 point, or raise NotFoundError."""
    row = session.execute(COMMUNITY_AT_POINT, {"lon": lon, "lat": lat}).mappings().first()
    if row is None:
        raise NotFoundError(
            f"该位置不在任何社区范围内 (the point lat={lat}, lon={lon} is outside every community)",
            code="outside_community",
        )
    return dict(row)


def people_for_units(session, unit_ids, today=None):
    """Return {unit_id: [person dict, …]} of the people currently responsible for each unit."""
    if not unit_ids:
        return {}
    rows = session.execute(PEOPLE_FOR_UNITS, {"unit_ids": list(unit_ids), "today": today or date.today()})
    people = {}
    for unit_id, person_id, name, phone, organisation, party_member, role in rows:
        people.setdefault(unit_id, []).append(
            {
                "id": person_id,
                "name": name,
                "role": role,
                "role_label": ROLE_LABELS[role],
                "phone": mask_phone(phone),
                "organisation": organisation,
                "party_member": party_member,
            }
        )
    return people


def lookup(session, lon, lat, today=None):
    """Return the community, the unit chain (most specific first) and the assignee for a WGS-84 point."""
    community = community_at(session, lon, lat)
    units = session.execute(UNITS_AT_POINT, {"community_id": community["id"], "lon": lon, "lat": lat}).mappings().all()
    people = people_for_units(session, [u["id"] for u in units], today)
    chain = []
    assignee = None
    for unit in units:
        unit_people = people.get(unit["id"], [])
        chain.append(
            {
                "id": unit["id"],
                "kind": unit["kind"],
                "kind_label": UNIT_KIND_LABELS[unit["kind"]],
                "code": unit["code"],
                "name": unit["name"],
                "address": unit["address"],
                "people": unit_people,
            }
        )
        preferred_role = ROLE_FOR_KIND[unit["kind"]]
        if assignee is None and unit_people:
            person = next((p for p in unit_people if p["role"] == preferred_role), unit_people[0])
            assignee = {"person": person, "unit_id": unit["id"], "role": person["role"],
                        "role_label": ROLE_LABELS[person["role"]]}
    fallback = assignee is None
    if fallback:
        assignee = {"person": None, "unit_id": None, "role": "community_queue",
                    "role_label": ROLE_LABELS["community_queue"]}
    return {
        "point": {"lat": lat, "lon": lon},
        "community": {"id": community["id"], "code": community["code"], "name": community["name"]},
        "chain": chain,
        "assignee": assignee,
        "fallback": fallback,
    }
