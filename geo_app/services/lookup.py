"""Turn a point into the chain of units covering it and the person who answers for it."""

import logging

from sqlalchemy import text

from ..errors import NotFoundError
from ..models import COMMUNITY_QUEUE, ROLE_FOR_KIND, ROLE_LABELS, UNIT_KIND_LABELS, UNIT_KIND_RANK
from .clock import china_today
from .privacy import mask_phone

logger = logging.getLogger(__name__)

PEOPLE_FOR_UNITS = text(
    """
    SELECT r.unit_id, p.id, p.name, p.phone, p.organisation, p.party_member, r.role
    FROM responsibility r JOIN person p ON p.id = r.person_id
    WHERE r.unit_id = ANY(:unit_ids)
      AND r.since <= :today AND (r.until IS NULL OR r.until > :today)
    ORDER BY r.unit_id, r.id
    """
)


def _person(person_id, name, phone, organisation, party_member, role):
    """Shape one responsible person for an answer: the phone masked."""
    return {"id": person_id, "name": name, "role": role, "role_label": ROLE_LABELS[role], "phone": mask_phone(phone),
            "organisation": organisation, "party_member": party_member}


def people_for_units(session, unit_ids, today=None):
    """Return {unit_id: [person dict, …]} of the people currently responsible for each unit."""
    if not unit_ids:
        return {}
    rows = session.execute(PEOPLE_FOR_UNITS, {"unit_ids": list(unit_ids), "today": today or china_today()})
    people = {}
    for unit_id, *person in rows:
        people.setdefault(unit_id, []).append(_person(*person))
    return people


# Hand-written on purpose: the whole lookup in one round trip (the community, one covering unit per kind,
# and its people), shaped for the GiST indexes; `make bench` measures it against an equivalent raw statement
# under pgbench (bench/lookup_bench.py). A unit's rank is the order a chain is walked, most specific first: the
# ranks are models.UNIT_KIND_RANK, bound as :rank_kinds/:ranks (KIND_RANKS), so the SQL names no kind of its own.
# On an edge shared by two units of a kind, the smaller (then the lower id) wins, so the answer is deterministic.
LOOKUP = text(
    """
    WITH community_hit AS (
        SELECT id, code, name FROM community
        WHERE ST_Covers(boundary, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))
        ORDER BY ST_Area(boundary), id LIMIT 1
    ), covering AS (
        SELECT DISTINCT ON (k.rank) u.id, u.kind, u.code, u.name, u.address, k.rank
        FROM unit u JOIN community_hit ch ON u.community_id = ch.id
        LEFT JOIN unnest(CAST(:rank_kinds AS text[]), CAST(:ranks AS integer[])) AS k(kind, rank) ON k.kind = u.kind
        WHERE ST_Covers(u.geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))
        ORDER BY k.rank, ST_Area(u.geom), u.id
    )
    SELECT ch.id AS community_id, ch.code AS community_code, ch.name AS community_name,
           cv.id AS unit_id, cv.kind, cv.code, cv.name, cv.address, cv.rank,
           p.id AS person_id, p.name AS person_name, p.phone, p.organisation, p.party_member, r.role, r.id AS rid
    FROM community_hit ch
    LEFT JOIN covering cv ON true
    LEFT JOIN responsibility r ON r.unit_id = cv.id AND r.since <= :today AND (r.until IS NULL OR r.until > :today)
    LEFT JOIN person p ON p.id = r.person_id
    ORDER BY cv.rank, r.id
    """
)
KIND_RANKS = {"rank_kinds": list(UNIT_KIND_RANK), "ranks": list(UNIT_KIND_RANK.values())}


def lookup(session, lon, lat, today=None):
    """Return the community, the unit chain (most specific first) and the assignee for a WGS-84 point."""
    rows = session.execute(LOOKUP, {"lon": lon, "lat": lat, "today": today or china_today(), **KIND_RANKS}).all()
    if not rows:
        raise NotFoundError(
            f"该位置不在任何社区范围内 (the point lat={lat}, lon={lon} is outside every community)",
            code="outside_community",
        )
    chain, by_unit = [], {}
    for row in rows:
        if row.unit_id is None:
            continue
        if row.unit_id not in by_unit:
            by_unit[row.unit_id] = {
                "id": row.unit_id, "kind": row.kind, "kind_label": UNIT_KIND_LABELS[row.kind], "code": row.code,
                "name": row.name, "address": row.address, "people": [],
            }
            chain.append(by_unit[row.unit_id])
        if row.person_id is not None:
            by_unit[row.unit_id]["people"].append(_person(row.person_id, row.person_name, row.phone, row.organisation,
                                                           row.party_member, row.role))
    assignee = None
    for unit in chain:
        if unit["people"]:
            preferred_role = ROLE_FOR_KIND[unit["kind"]]
            person = next((p for p in unit["people"] if p["role"] == preferred_role), unit["people"][0])
            assignee = {"person": person, "unit_id": unit["id"], "role": person["role"],
                        "role_label": ROLE_LABELS[person["role"]]}
            break
    fallback = assignee is None
    if fallback:
        assignee = {"person": None, "unit_id": None, "role": COMMUNITY_QUEUE, "role_label": ROLE_LABELS[COMMUNITY_QUEUE]}
    first = rows[0]
    return {
        "point": {"lat": lat, "lon": lon},
        "community": {"id": first.community_id, "code": first.community_code, "name": first.community_name},
        "chain": chain,
        "assignee": assignee,
        "fallback": fallback,
    }


def place_names(session, lon, lat):
    """Return what a point is called — its community and the names of the units covering it — and nobody's name."""
    found = lookup(session, lon, lat)
    return {"community": {"code": found["community"]["code"], "name": found["community"]["name"]},
            "chain": [{"kind": unit["kind"], "kind_label": unit["kind_label"], "name": unit["name"]}
                      for unit in found["chain"]]}
