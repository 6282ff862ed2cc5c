"""Open311 GeoReport v2: our cases as service requests, as JSON-ready values and as XML.

Services are case categories; a service request is a case. Its service_request_id is the staff case
code (MQ-2026-000123), which public lists show anyway; its token is the case's public tracking code, the
reporter's private handle that also opens /track, so only the client that posted it can turn a token
into the request (GET tokens/{token}). What anyone may read is deliberately narrow: never a reporter's
name or phone, the assignee only as role and masked name, phone-like numbers in free text masked,
and for sensitive cases (legal, hardship and sentiment categories, 书记信箱 and 律师手记 letters)
neither the text nor the place.
"""

import hashlib
import hmac
import logging
import re
from dataclasses import dataclass, field
from ipaddress import ip_address, ip_network

from sqlalchemy import func, select, update

from ..errors import ForbiddenError, NotFoundError, ValidationError
from ..models import CATEGORIES, COMMUNITY_QUEUE, ROLE_LABELS, STATUSES, CaseEvent, CasePhoto, Person, Unit
from ..schemas import CaseIn
from ..schemas.open311 import MAX_RESULTS, STATUS_GROUPS
from .cases import create_case
from .clock import LOCAL_TZ
from .photos import PHOTO_URL
from .privacy import mask_name, mask_phone
from .queries import CASES, COMMUNITIES, case_conditions
from .tracking import case_code_for

logger = logging.getLogger(__name__)

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2024-06-01T00:00:00+08:00"
TITLE_LENGTH = 60
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
    trusted_networks: tuple = ()

    @classmethod
    def from_config(cls, config):
        return cls(bool(config.get("OPEN311_ANONYMOUS_POST", True)), _words(config.get("OPEN311_API_KEYS")),
                   dict(config.get("OPEN311_KEY_CHANNELS") or {}),
                   tuple(ip_network(n, strict=False) for n in _words(config.get("OPEN311_TRUSTED_NETWORKS"))))


def _words(value):
    if isinstance(value, str):
        value = value.split(",")
    return tuple(w.strip() for w in value or () if w.strip())


def trusted_network(policy, address):
    """Return a name for a client whose address lies in a configured trusted network, or None."""
    try:
        client = ip_address(address or "")
    except ValueError:
        return None
    for network in policy.trusted_networks:
        if client.version == network.version and client in network:
            return f"net:{network}"
    return None


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
        raise NotFoundError(f"没有服务代码「{str(code)[:40]}」 (no service with service_code {str(code)[:40]!r})",
                            code="unknown_service")
    return {"service_code": code, "attributes": []}


UNITS, PEOPLE, PHOTOS, EVENTS = Unit.__table__, Person.__table__, CasePhoto.__table__, CaseEvent.__table__
DUPLICATES = CASES.alias("d")
# What a service request is made of: never the reporter, the assignee only for agency_responsible.
REQUEST_ROW = (
    select(CASES.c.id, CASES.c.code, CASES.c.status, CASES.c.channel, CASES.c.category, CASES.c.title,
           CASES.c.description, CASES.c.resolution_note, CASES.c.address,
           func.ST_Y(CASES.c.geom).label("lat"), func.ST_X(CASES.c.geom).label("lon"), CASES.c.received_at,
           CASES.c.updated_at, CASES.c.resolve_due_at, CASES.c.assignee_id, CASES.c.assignee_role,
           PEOPLE.c.name.label("assignee_name"), UNITS.c.code.label("unit_code"), UNITS.c.name.label("unit_name"),
           DUPLICATES.c.code.label("duplicate_of_code"), CASES.c.media_url,
           select(func.min(PHOTOS.c.id)).where(PHOTOS.c.case_id == CASES.c.id, PHOTOS.c.public)
           .scalar_subquery().label("public_photo_id"),
           # The case's own last change: its latest event (updated_at also moves when a row is rewritten).
           func.coalesce(select(func.max(EVENTS.c.at)).where(EVENTS.c.case_id == CASES.c.id).scalar_subquery(),
                         CASES.c.updated_at).label("last_change"))
    .select_from(CASES.outerjoin(PEOPLE, PEOPLE.c.id == CASES.c.assignee_id)
                 .outerjoin(UNITS, UNITS.c.id == CASES.c.unit_id)
                 .outerjoin(DUPLICATES, DUPLICATES.c.id == CASES.c.duplicate_of_id))
)


def check_jurisdiction(session, community):
    """Refuse a jurisdiction_id naming no community."""
    if community and session.execute(select(COMMUNITIES.c.id).where(COMMUNITIES.c.code == community)).first() is None:
        raise ValidationError(f"没有编号为「{community[:40]}」的社区 (unknown jurisdiction_id {community[:40]!r})",
                              field="jurisdiction_id")


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
        raise NotFoundError(f"没有编号为「{str(code)[:40]}」的服务请求 (no service request with id {str(code)[:40]!r})",
                            code="unknown_request")
    return to_request(row, trusted)


def get_token(session, token):
    """Return the request behind a token (a tracking code), or 404 as for any unknown code."""
    try:
        code, tracking_code = case_code_for(session, token)
    except NotFoundError:
        raise NotFoundError("没有这个 token 对应的服务请求 (no service request has this token)",
                            code="unknown_token") from None
    return [{"service_request_id": code, "token": tracking_code}]


def agency_responsible(row):
    """Return who answers for a case: role label and masked name, or the community queue."""
    if row.assignee_id is None:
        return ROLE_LABELS[COMMUNITY_QUEUE]
    return f"{ROLE_LABELS.get(row.assignee_role, ROLE_LABELS['grid_worker'])} {mask_name(row.assignee_name)}"


def mask_free_text(value):
    return PHONE_LIKE.sub(lambda m: mask_phone(m.group(0).replace("-", "")), value) if value else value


def w3c(moment):
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
        notes = mask_free_text(row.resolution_note)
    else:
        notes = STATUSES[row.status]
    agency = agency_responsible(row)
    return {
        "service_request_id": row.code,
        "status": "closed" if row.status in STATUS_GROUPS["closed"] else "open",
        "status_notes": notes,
        "service_name": CATEGORIES[row.category],
        "service_code": row.category,
        "description": WITHHELD if sensitive else mask_free_text(row.description or row.title),
        "agency_responsible": agency,
        "service_notice": service_notice(agency, row.resolve_due_at),
        "requested_datetime": w3c(row.received_at),
        "updated_datetime": w3c(row.last_change),
        "expected_datetime": w3c(row.resolve_due_at),
        "address": None if sensitive else (row.address or row.unit_name),
        "address_id": None if sensitive else row.unit_code,
        "zipcode": None,
        "lat": None if sensitive else round(row.lat, 7),
        "long": None if sensitive else round(row.lon, 7),
        # As the client gave it (never fetched by us), else the first photo a cadre published.
        "media_url": row.media_url or (PHOTO_URL.format(id=row.public_photo_id, variant="display")
                                       if row.public_photo_id else None),
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
            raise ForbiddenError("api_key 无效，未创建请求 (invalid api_key; the request was not created)", field="api_key")
        return client
    if policy.anonymous_post:
        return None
    raise ForbiddenError("本服务器创建请求需要 api_key (an api_key is required to create service requests on this server)",
                         field="api_key")


def _channel_for(policy, api_key):
    return policy.key_channels.get(str(api_key).strip(), "other")


def create_request(session, request, *, trusted, policy, case_policy=None, now=None):
    """Create a case from a validated GeoReport v2 POST (schemas.ServiceRequestIn); return the spec's response list.

    trusted is the client authorize_post named (None for an anonymous post).
    """
    name, phone = request.reporter_name, request.phone
    case_in = CaseIn.model_construct(  # every value comes from a validated request: nothing to check again
        title=" ".join(request.description.split())[:TITLE_LENGTH], description=request.description,
        channel=_channel_for(policy, request.api_key) if trusted else "other", category=request.service_code,
        lat=request.lat, lon=request.long, crs="wgs84", address=request.address_string, urgency="normal", tags=[],
        reporter_name=name, reporter_phone=phone, household=None, anonymous=not (name or phone),
        notify=request.wants_updates)
    actor = f"open311:{trusted}" if trusted else "open311"
    check_jurisdiction(session, request.jurisdiction_id)  # as on GET: ours or absent
    try:
        case, _ = create_case(session, case_in, actor=actor, policy=case_policy, now=now)
    except NotFoundError as error:
        raise ValidationError(error.message, field="lat") from None
    if request.jurisdiction_id and case["community"] != request.jurisdiction_id:
        raise ValidationError(f"该位置不在社区「{request.jurisdiction_id[:40]}」内 (the point lies outside "
                              f"jurisdiction_id {request.jurisdiction_id[:40]!r})", field="jurisdiction_id")
    if request.media_url:
        session.execute(update(CASES).where(CASES.c.code == case["code"]).values(media_url=request.media_url))
    created = get_request(session, case["code"])
    logger.info("open311 request %s created by %s", case["code"], actor)
    return [{"service_request_id": created["service_request_id"], "token": case["tracking_code"],
             "service_notice": created["service_notice"], "account_id": None}]
