"""Public tracking codes and what they show.

A tracking code is 50 random bits written as 10 Crockford base32 characters in two groups of five
(K7QM4-XD29P), drawn by the database when a case is inserted (migration 0007). It is separate from the
sequential staff case code (MQ-2026-000123), which anyone could count through: only the tracking code
answers /track. Reading one is forgiving, as for a code read aloud or typed on a phone: any case,
full-width characters, spaces or dashes anywhere; I and L read as 1, O as 0. Anything that is not a
well-formed code, a staff case code included, gets the same 404 as an unknown code.
"""

import re
import unicodedata

from sqlalchemy import text

from ..errors import NotFoundError
from ..models import RESOLVED_STATUSES
from .case_store import history, iso
from .catalog import labelled
from .photos import case_photos
from .privacy import mask_phones_in

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's: no I, L, O or U
LENGTH = 10
GROUP = 5
MAX_INPUT = 40
READ_AS = str.maketrans({"I": "1", "L": "1", "O": "0"})
SEPARATORS = re.compile(r"[\s\-_.·\u2010-\u2015\u2212\u30fb]+")


def normalize_tracking_code(raw):
    """Return a tracking code in its stored form (K7QM4-XD29P), or None when raw cannot be one."""
    if not isinstance(raw, str) or not raw or len(raw) > MAX_INPUT:
        return None
    compact = SEPARATORS.sub("", unicodedata.normalize("NFKC", raw)).upper().translate(READ_AS)
    if len(compact) != LENGTH or any(char not in ALPHABET for char in compact):
        return None
    return f"{compact[:GROUP]}-{compact[GROUP:]}"


def not_found():
    """Return the one 404 every unknown, malformed or staff code gets: it echoes nothing."""
    return NotFoundError("没有找到这个查询码对应的民情，请核对后再查 (no case has this tracking code)",
                         code="case_not_found")


def track_case(session, raw_code):
    """Return what the holder of a tracking code may see: status, category and timeline; no people, no place.

    Less than the public Open311 view of the same case (no agency, no deadline, no staff case code), since a
    code can be passed on; the timeline and, once resolved, the 办结说明 are the things added.
    """
    code = normalize_tracking_code(raw_code)
    row = code and session.execute(
        text("SELECT id, tracking_code, status, category, received_at, resolution_note FROM civic_case "
             "WHERE tracking_code = :t"),
        {"t": code}).first()
    if not row:
        raise not_found()
    return {
        "tracking_code": row.tracking_code,
        "status": row.status,
        "status_label": labelled("status", row.status)["label"],
        "category": labelled("category", row.category),
        "received_at": iso(row.received_at),
        # The 办结说明 is written for the reporter (the workbench says so): shown once resolved, phone numbers masked.
        "resolution_note": mask_phones_in(row.resolution_note) if row.status in RESOLVED_STATUSES else None,
        "history": [{"at": e["at"], "status": e["to"], "status_label": e["to_label"]}
                    for e in history(session, row.id)],
        "photos": [{key: photo[key] for key in ("id", "kind", "kind_label", "url", "thumb_url", "width", "height")}
                   for photo in case_photos(session, row.id, public_only=True)],  # only what a cadre published
    }


def case_code_for(session, raw_code):
    """Return the staff case code behind a tracking code (Open311's token → service_request_id), or 404."""
    code = normalize_tracking_code(raw_code)
    found = code and session.execute(text("SELECT code FROM civic_case WHERE tracking_code = :t"), {"t": code}).scalar()
    if not found:
        raise not_found()
    return found, code
