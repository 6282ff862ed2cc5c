"""Open311 GeoReport v2: our cases as service requests, as JSON-ready values and as XML.

Services are case categories; a service request is a case and its tracking code is both the
service_request_id and the token. What anyone may read is deliberately narrow: never a reporter's
name or phone, the assignee only as role and masked name, phone-like numbers in free text masked,
and for sensitive cases (legal, hardship and sentiment categories, 书记信箱 and 律师手记 letters)
neither the text nor the place.
"""

import hashlib
import hmac
import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from ..errors import ForbiddenError, NotFoundError, ValidationError
from ..geo.validate import parse_point
from ..models import CATEGORIES, OPEN_STATUSES, ROLE_LABELS, STATUSES, Person, Unit
from .cases import MAX_TEXT, create_case
from .clock import LOCAL_TZ
from .privacy import mask_name, mask_phone
from .queries import CASES, COMMUNITIES, case_conditions

logger = logging.getLogger(__name__)

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2024-06-01T00:00:00+08:00"
DEFAULT_SPAN = timedelta(days=90)
MAX_RESULTS = 1000
TITLE_LENGTH = 60
CLOSED_STATUSES = ("resolved", "visited", "closed", "duplicate")
SENSITIVE_CATEGORIES = ("legal", "hardship", "sentiment")
SENSITIVE_CHANNELS = ("mailbox", "lawyer")
WITHHELD = "内容不公开"
PHONE_LIKE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)|(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)")


# service_code → (description, keywords, group)
SERVICE_INFO = {
    "dispute": ("邻里、家庭、物业之间的矛盾纠纷，由社区调解", "邻里,物业,调解", "平安建设"),
    "hardship": ("生活困难、就业、养老、医疗等求助", "就业,养老,医疗,救助", "民生服务"),
    "suggestion": ("对社区工作和公共事务的意见建议", "建议,意见", "社区治理"),
    "hazard": ("消防、燃气、用电、高空坠物等安全隐患", "消防,燃气,用电,高空坠物", "平安建设"),
    "legal": ("法律问题咨询，由社区法律顾问答复", "法律,律师,合同", "法律服务"),
    "sentiment": ("居民关心的事、情绪与想法", "民意,关切", "社区治理"),
    "environment": ("垃圾、污水、绿化、占道等环境卫生问题", "垃圾,污水,绿化,卫生", "民生服务"),
    "other": ("其他诉求", "其他", "其他"),
}


@dataclass(frozen=True)
class Open311Policy:
    """Who may post: anonymous clients when allowed, and holders of the configured api keys."""

    anonymous_post: bool = True
    api_keys: tuple = ()
    key_channels: dict = field(default_factory=dict)

    @classmethod
    def from_config(cls, config):
        keys = config.get("OPEN311_API_KEYS") or ()
        if isinstance(keys, str):
            keys = keys.split(",")
        return cls(bool(config.get("OPEN311_ANONYMOUS_POST", True)), tuple(k.strip() for k in keys if k.strip()),
                   dict(config.get("OPEN311_KEY_CHANNELS") or {}))


def discovery(base_url, contact):
    """Return the service discovery document for this endpoint."""
    return {
        "changeset": CHANGESET,
        "contact": contact,
        "key_service": "可信接入方的 api_key 请向社区党委申请 (ask the community office for an api_key)",
        "endpoints": [{"specification": SPECIFICATION, "url": base_url, "changeset": CHANGESET, "type": "production",
                       "formats": ["text/xml", "application/json"]}],
    }


def services():
    """Return one service per case category."""
    return [{"service_code": code, "service_name": label, "description": SERVICE_INFO[code][0], "metadata": False,
             "type": "realtime", "keywords": SERVICE_INFO[code][1], "group": SERVICE_INFO[code][2]}
            for code, label in CATEGORIES.items()]


def service_definition(code):
    """Return a service's definition (no extra attributes), or 404."""
    if code not in CATEGORIES:
        raise NotFoundError(f"no service with service_code {str(code)[:40]!r}", code="unknown_service")
    return {"service_code": code, "attributes": []}


def _service_code(value, field_name="service_code"):
    if value is None or not str(value).strip():
        raise ValidationError(f"{field_name} is required (one of {', '.join(CATEGORIES)})", field=field_name)
    value = str(value).strip()
    if value not in CATEGORIES:
        raise ValidationError(f"unknown {field_name} {value[:40]!r}; see services.json for the choices",
                              field=field_name)
    return value


def parse_datetime(value, field_name):
    """Return an aware datetime from a W3C date or date-time; a time without offset is China time."""
    if value is None or not str(value).strip():
        return None
    value = str(value).strip()
    if "T" in value:
        value = value.replace(" ", "+")  # an unescaped '+08:00' arrives as ' 08:00'
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time(), LOCAL_TZ)
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"{field_name} must be a W3C date-time like 2024-01-31T08:00:00+08:00, "
                              f"got {value[:40]!r}", field=field_name) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=LOCAL_TZ)


def parse_request_query(args, now=None):
    """Return case filters from GET requests arguments, with the spec's default window of 90 days."""
    now = now or datetime.now(UTC)
    community = (args.get("jurisdiction_id") or "").strip() or None
    ids = args.get("service_request_id")
    if ids and ids.strip():
        codes = [c.strip() for c in ids.split(",") if c.strip()]
        if len(codes) > MAX_RESULTS:
            raise ValidationError(f"at most {MAX_RESULTS} service_request_id values", field="service_request_id")
        return {"codes": codes, "community": community}  # the spec: ids override every other argument
    filters = {"community": community}
    if args.get("service_code"):
        filters["category"] = [_service_code(c) for c in args["service_code"].split(",") if c.strip()]
    if args.get("status"):
        statuses = []
        for value in (v.strip() for v in args["status"].split(",") if v.strip()):
            if value not in ("open", "closed"):
                raise ValidationError(f"status must be open or closed, got {value[:40]!r}", field="status")
            statuses += OPEN_STATUSES if value == "open" else CLOSED_STATUSES
        filters["status"] = statuses
    start = parse_datetime(args.get("start_date"), "start_date")
    end = parse_datetime(args.get("end_date"), "end_date")
    if start and end and start >= end:
        raise ValidationError("start_date must be before end_date", field="start_date")
    if start is None:
        start = (end or now) - DEFAULT_SPAN
    filters["from"], filters["to"] = start, end
    return filters


UNITS, PEOPLE = Unit.__table__, Person.__table__
DUPLICATES = CASES.alias("d")
# What a service request is made of: never the reporter, the assignee only for agency_responsible.
REQUEST_ROW = (
    select(CASES.c.id, CASES.c.code, CASES.c.status, CASES.c.channel, CASES.c.category, CASES.c.title,
           CASES.c.description, CASES.c.resolution_note, CASES.c.address,
           func.ST_Y(CASES.c.geom).label("lat"), func.ST_X(CASES.c.geom).label("lon"), CASES.c.received_at,
           CASES.c.updated_at, CASES.c.resolve_due_at, CASES.c.assignee_id, CASES.c.assignee_role,
           PEOPLE.c.name.label("assignee_name"), UNITS.c.code.label("unit_code"), UNITS.c.name.label("unit_name"),
           DUPLICATES.c.code.label("duplicate_of_code"))
    .select_from(CASES.outerjoin(PEOPLE, PEOPLE.c.id == CASES.c.assignee_id)
                 .outerjoin(UNITS, UNITS.c.id == CASES.c.unit_id)
                 .outerjoin(DUPLICATES, DUPLICATES.c.id == CASES.c.duplicate_of_id))
)


def check_jurisdiction(session, community):
    """Refuse a jurisdiction_id naming no community."""
    if community and session.execute(select(COMMUNITIES.c.id).where(COMMUNITIES.c.code == community)).first() is None:
        raise ValidationError(f"unknown jurisdiction_id {community[:40]!r}", field="jurisdiction_id")


def request_select(filters):
    """Return the select() of the service requests matching parsed filters (codes override the rest), newest first."""
    query = REQUEST_ROW.where(*case_conditions(filters))
    if "codes" in filters:
        query = query.where(CASES.c.code.in_(filters["codes"]))
    return query.order_by(CASES.c.received_at.desc(), CASES.c.id.desc())


def find_requests(session, filters, *, limit=MAX_RESULTS, trusted=False):
    """Return service requests matching parsed filters, newest first, at most limit of them."""
    check_jurisdiction(session, filters.get("community"))
    return [to_request(row, trusted) for row in session.execute(request_select(filters).limit(limit))]


def get_request(session, code, trusted=False):
    """Return one service request by its id (our tracking code), or 404."""
    row = session.execute(REQUEST_ROW.where(CASES.c.code == code)).first()
    if row is None:
        raise NotFoundError(f"no service request with id {str(code)[:40]!r}", code="unknown_request")
    return to_request(row, trusted)


def get_token(session, token):
    """Return the request behind a token; our ids are issued at once, so a token is the id."""
    return [{"service_request_id": get_request(session, token)["service_request_id"], "token": token}]


def agency_responsible(row):
    """Return who answers for a case: role label and masked name, or the community queue."""
    if row.assignee_id is None:
        return ROLE_LABELS["community_queue"]
    return f"{ROLE_LABELS.get(row.assignee_role, ROLE_LABELS['grid_worker'])} {mask_name(row.assignee_name)}"


def _mask_free_text(value):
    return PHONE_LIKE.sub(lambda m: mask_phone(m.group(0).replace("-", "")), value) if value else value


def _w3c(moment):
    return moment.astimezone(LOCAL_TZ).isoformat(timespec="seconds") if moment else None


def to_request(row, trusted=False):
    """Shape a case row as a GeoReport v2 service request, with nothing personal in it.

    The public sees no individual case's text or place (only the aggregated heatmap shows where);
    trusted clients see both, except for the sensitive categories and channels.
    """
    sensitive = not trusted or row.category in SENSITIVE_CATEGORIES or row.channel in SENSITIVE_CHANNELS
    if row.status == "duplicate" and row.duplicate_of_code:
        notes = f"{STATUSES['duplicate']}：与 {row.duplicate_of_code} 为同一诉求"
    elif row.resolution_note and not sensitive:
        notes = _mask_free_text(row.resolution_note)
    else:
        notes = STATUSES[row.status]
    agency = agency_responsible(row)
    return {
        "service_request_id": row.code,
        "status": "closed" if row.status in CLOSED_STATUSES else "open",
        "status_notes": notes,
        "service_name": CATEGORIES[row.category],
        "service_code": row.category,
        "description": WITHHELD if sensitive else _mask_free_text(row.description or row.title),
        "agency_responsible": agency,
        "service_notice": service_notice(agency, row.resolve_due_at),
        "requested_datetime": _w3c(row.received_at),
        "updated_datetime": _w3c(row.updated_at),
        "expected_datetime": _w3c(row.resolve_due_at),
        "address": None if sensitive else (row.address or row.unit_name),
        "address_id": None if sensitive else row.unit_code,
        "zipcode": None,
        "lat": None if sensitive else round(row.lat, 7),
        "long": None if sensitive else round(row.lon, 7),
        "media_url": None,
    }


def service_notice(agency, resolve_due):
    """Return what the resident can expect: who handles the case and by when."""
    due = resolve_due.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M") if resolve_due else "—"
    return f"由{agency}办理，按期办结时限 {due}（北京时间）"


def trusted_client(session, policy, api_key):
    """Return a name for the trusted client holding a configured api_key, or None.

    Staff authenticate with `Authorization: Bearer`, never with a token in a URL (URLs end up in logs).
    """
    api_key = str(api_key).strip() if api_key is not None else ""
    if not api_key:
        return None
    for known in policy.api_keys:
        if hmac.compare_digest(known.encode(), api_key.encode()):
            return f"key:{hashlib.sha256(known.encode()).hexdigest()[:8]}"
    return None


def authorize_post(session, policy, api_key):
    """Return the trusted client's name, None for an allowed anonymous post, or refuse with 403."""
    if api_key is not None and str(api_key).strip():
        client = trusted_client(session, policy, api_key)
        if client is None:
            raise ForbiddenError("invalid api_key; the request was not created", field="api_key")
        return client
    if policy.anonymous_post:
        return None
    raise ForbiddenError("an api_key is required to create service requests on this server", field="api_key")


def _text(fields, name, limit, *, required=False, hint=""):
    value = fields.get(name)
    value = value.strip() if isinstance(value, str) else value
    if not value:
        if required:
            raise ValidationError(f"{name} is required{hint}", field=name)
        return None
    if not isinstance(value, str):
        raise ValidationError(f"{name} must be text", field=name)
    if len(value) > limit:
        raise ValidationError(f"{name} is {len(value)} characters long; the limit is {limit}", field=name)
    return value


def _location(fields):
    lat, lon = (fields.get(name) for name in ("lat", "long"))
    if lat in (None, "") and lon in (None, ""):
        if _text(fields, "address_string", 400):
            raise ValidationError("address_string alone cannot be placed: this server does not geocode addresses; "
                                  "send lat and long (WGS-84) as well", field="address_string")
        raise ValidationError("a location is required: send lat and long (WGS-84 decimal degrees)", field="lat")
    return parse_point(lat, lon, "lat", "long")


def _phone(fields):
    phone = _text(fields, "phone", 32)
    if phone is None:
        return None
    digits = re.sub(r"[\s\-()]", "", phone).removeprefix("+")
    if not digits.isdigit() or not 5 <= len(digits) <= 15:
        raise ValidationError("phone must be 5–15 digits", field="phone")
    return digits


def _reporter_name(fields):
    first, last = _text(fields, "first_name", 50), _text(fields, "last_name", 50)
    if first and last:
        return f"{first} {last}" if (first + last).isascii() else f"{last}{first}"
    return first or last


def _channel_for(policy, api_key):
    return policy.key_channels.get(str(api_key).strip(), "other")


def create_request(session, fields, *, policy, case_policy=None, now=None):
    """Create a case from a GeoReport v2 POST; return the spec's response list.

    email, media_url, device_id, account_id and attribute[] are accepted and not stored.
    """
    trusted = authorize_post(session, policy, fields.get("api_key"))
    category = _service_code(fields.get("service_code"))
    lon, lat = _location(fields)
    description = _text(fields, "description", MAX_TEXT, required=True, hint=": say what happened and where")
    name, phone = _reporter_name(fields), _phone(fields)
    data = {
        "title": " ".join(description.split())[:TITLE_LENGTH],
        "description": description,
        "channel": _channel_for(policy, fields.get("api_key")) if trusted else "other",
        "category": category,
        "lat": lat,
        "lon": lon,
        "address": _text(fields, "address_string", 400),
        "reporter_name": name,
        "reporter_phone": phone,
        "anonymous": not (name or phone),
    }
    actor = f"open311:{trusted}" if trusted else "open311"
    try:
        case, _ = create_case(session, data, actor=actor, policy=case_policy, now=now)
    except NotFoundError as error:
        raise ValidationError(error.message, field="lat") from None
    request = get_request(session, case["code"])
    logger.info("open311 request %s created by %s", case["code"], actor)
    return [{"service_request_id": request["service_request_id"], "service_notice": request["service_notice"],
             "account_id": None}]
