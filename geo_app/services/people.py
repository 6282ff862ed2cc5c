"""People and their responsibilities, loaded from CSV and listed for the API."""

import csv
import logging
from datetime import date

from sqlalchemy import or_, select, text

from ..errors import ImportRefused
from ..models import ROLE_FOR_KIND, ROLE_LABELS, ROLES, UNIT_KINDS, Person, Responsibility, Unit
from .clock import china_today
from .importing import community_id
from .privacy import mask_phone
from .queries import COMMUNITIES

logger = logging.getLogger(__name__)

REQUIRED_COLUMNS = ("name", "role")
TRUE_WORDS = {"true", "1", "yes", "y", "是", "党员"}
FALSE_WORDS = {"false", "0", "no", "n", "否", "", "群众"}
KIND_FOR_ROLE = {role: kind for kind, role in ROLE_FOR_KIND.items()}
PEOPLE, RESPONSIBILITIES, UNITS = Person.__table__, Responsibility.__table__, Unit.__table__


def _parse_date(value, field, where):
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ImportRefused(f"{where}: {field} must be a date like 2023-01-31, got {value!r}") from None


def _parse_bool(value, where):
    word = (value or "").strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImportRefused(f"{where}: party_member must be true or false, got {value!r}")


def read_people_csv(session, path, cid):
    """Read and check every row of a people CSV; return rows ready to write, or refuse naming the row."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            columns = reader.fieldnames or []
            records = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ImportRefused(f"{path}: cannot read the CSV ({exc})") from None
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if "unit_code" not in columns and "unit_name" not in columns:
        missing.append("unit_code or unit_name")
    if missing:
        raise ImportRefused(f"{path}: missing column(s) {', '.join(missing)}; columns are {', '.join(columns)}")
    units = {}
    for uid, kind, key, code, name in session.execute(
        text("SELECT id, kind, natural_key, code, name FROM unit WHERE community_id = :cid"), {"cid": cid}
    ):
        for label in {key, code, name} - {None}:
            units.setdefault((kind, label), uid)
    rows = []
    for line, record in enumerate(records, start=2):
        where = f"{path}: line {line}"
        name = (record.get("name") or "").strip()
        if not name:
            raise ImportRefused(f"{where}: name is empty")
        role = (record.get("role") or "").strip()
        if role not in ROLES:
            raise ImportRefused(f"{where}: role must be one of {', '.join(ROLES)}, got {role!r}")
        kind = (record.get("unit_kind") or "").strip() or KIND_FOR_ROLE[role]
        if kind not in UNIT_KINDS:
            raise ImportRefused(f"{where}: unit_kind must be one of {', '.join(UNIT_KINDS)}, got {kind!r}")
        unit_ref = (record.get("unit_code") or "").strip() or (record.get("unit_name") or "").strip()
        if not unit_ref:
            raise ImportRefused(f"{where}: unit_code or unit_name is required")
        unit_id = units.get((kind, unit_ref))
        if unit_id is None:
            raise ImportRefused(f"{where}: no {kind} with code or name {unit_ref!r} in this community")
        since = _parse_date(record.get("since"), "since", where) or date(2000, 1, 1)
        until = _parse_date(record.get("until"), "until", where)
        if until and until <= since:
            raise ImportRefused(f"{where}: until ({until}) must be after since ({since})")
        phone = (record.get("phone") or "").strip() or None
        if phone and not phone.replace("-", "").replace(" ", "").isdigit():
            raise ImportRefused(f"{where}: phone must contain digits only, got {phone!r}")
        email = (record.get("email") or "").strip() or None
        if email and (len(email) > 254 or email.count("@") != 1 or any(c.isspace() for c in email)
                      or not all(email.split("@"))):
            raise ImportRefused(f"{where}: email 须为电子邮件地址 (email must look like name@example.cn), got {email!r}")
        rows.append({
            "name": name[:100], "phone": phone, "email": email, "party_member": _parse_bool(record.get("party_member"), where),
            "organisation": (record.get("organisation") or "").strip() or None,
            "role": role, "unit_id": unit_id, "since": since, "until": until,
        })
    if not rows:
        raise ImportRefused(f"{path}: no rows")
    return rows


def import_people(session, path, community_code):
    """Load people and their responsibilities from a CSV, all or nothing; return counts."""
    cid = community_id(session, community_code)
    rows = read_people_csv(session, path, cid)
    people = responsibilities = 0
    for row in rows:
        person_id, inserted = session.execute(
            text(
                """
                INSERT INTO person (community_id, name, phone, email, party_member, organisation)
                VALUES (:cid, :name, :phone, :email, :party_member, :organisation)
                ON CONFLICT (community_id, name, coalesce(phone, '')) DO UPDATE
                SET party_member = EXCLUDED.party_member, organisation = EXCLUDED.organisation,
                    email = coalesce(EXCLUDED.email, person.email), updated_at = now()
                WHERE (person.party_member, person.organisation, person.email)
                      IS DISTINCT FROM (EXCLUDED.party_member, EXCLUDED.organisation, coalesce(EXCLUDED.email, person.email))
                RETURNING id, (xmax = 0)
                """
            ),
            {"cid": cid, **row},
        ).one_or_none() or (_person_id(session, cid, row), False)
        people += int(bool(inserted))
        changed = session.execute(
            text(
                """
                INSERT INTO responsibility (community_id, unit_id, person_id, role, since, until)
                VALUES (:cid, :unit_id, :person_id, :role, :since, :until)
                ON CONFLICT (unit_id, person_id, role, since) DO UPDATE SET until = EXCLUDED.until, updated_at = now()
                WHERE responsibility.until IS DISTINCT FROM EXCLUDED.until
                RETURNING id
                """
            ),
            {"cid": cid, "person_id": person_id, **row},
        ).first()
        responsibilities += int(changed is not None)
    logger.info("people imported from %s: %d rows", path, len(rows))
    return {"rows": len(rows), "people_added": people, "responsibilities_changed": responsibilities}


def _person_id(session, cid, row):
    return session.execute(
        text("SELECT id FROM person WHERE community_id = :cid AND name = :name AND coalesce(phone, '') = coalesce(:phone, '')"),
        {"cid": cid, "name": row["name"], "phone": row["phone"]},
    ).scalar_one()


def current_responsibilities(today, community_id=None, role=None):
    """Return the select() of the people responsible for units today, with their role, unit and community."""
    query = (select(PEOPLE.c.id, PEOPLE.c.name, PEOPLE.c.phone, PEOPLE.c.organisation, PEOPLE.c.party_member,
                    RESPONSIBILITIES.c.role, UNITS.c.id.label("unit_id"), UNITS.c.kind,
                    UNITS.c.code.label("unit_code"), UNITS.c.name.label("unit_name"),
                    COMMUNITIES.c.code.label("community"))
             .select_from(RESPONSIBILITIES.join(PEOPLE, PEOPLE.c.id == RESPONSIBILITIES.c.person_id)
                          .join(UNITS, UNITS.c.id == RESPONSIBILITIES.c.unit_id)
                          .join(COMMUNITIES, COMMUNITIES.c.id == RESPONSIBILITIES.c.community_id))
             .where(RESPONSIBILITIES.c.since <= today,
                    or_(RESPONSIBILITIES.c.until.is_(None), RESPONSIBILITIES.c.until > today)))
    if community_id is not None:
        query = query.where(RESPONSIBILITIES.c.community_id == community_id)
    if role:
        query = query.where(RESPONSIBILITIES.c.role == role)
    return query


def list_people(session, community_id=None, role=None, today=None):
    """Return the people currently responsible for units, with their role and unit, phones masked."""
    query = current_responsibilities(today or china_today(), community_id, role).order_by(
        RESPONSIBILITIES.c.role, UNITS.c.kind, UNITS.c.natural_key, RESPONSIBILITIES.c.id)
    return [
        {
            "id": row.id, "name": row.name, "phone": mask_phone(row.phone), "organisation": row.organisation,
            "party_member": row.party_member, "role": row.role, "role_label": ROLE_LABELS[row.role],
            "unit": {"id": row.unit_id, "kind": row.kind, "code": row.unit_code, "name": row.unit_name},
            "community": row.community,
        }
        for row in session.execute(query)
    ]
