"""Open311 GeoReport v2 input: a POSTed service request and the GET requests query, in the spec's field names."""

import re
import unicodedata
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from ..errors import ValidationError
from ..geo.validate import parse_point
from ..models import CATEGORIES, OPEN_STATUSES, STATUSES
from ..services.clock import LOCAL_TZ, check_in_range
from .base import Query, Text, refuse_backwards
from .cases import MAX_TEXT

MAX_RESULTS = 1000
DEFAULT_SPAN = timedelta(days=90)
# The spec's two statuses, as ours: a case not open is closed (resolved, visited, closed or a duplicate).
STATUS_GROUPS = {"open": OPEN_STATUSES, "closed": tuple(s for s in STATUSES if s not in OPEN_STATUSES)}


def service_code(value, field="service_code"):
    """Return a known service code (a case category), or refuse pointing at services.json."""
    if value not in CATEGORIES:
        raise ValidationError(f"没有服务代码「{value[:40]}」，可选项见 services.json "
                              f"(unknown {field} {value[:40]!r}; see services.json for the choices)", field=field)
    return value


def parse_datetime(value, field):
    """Return an aware datetime from a W3C date or date-time; a time without offset is China time."""
    if "T" in value:
        value = value.replace(" ", "+")  # an unescaped '+08:00' arrives as ' 08:00'
    try:
        if len(value) == 10:
            return check_in_range(datetime.combine(date.fromisoformat(value), time(), LOCAL_TZ), field)
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"{field} 应为 W3C 时间，如 2024-01-31T08:00:00+08:00 "
                              f"({field} must be a W3C date-time like 2024-01-31T08:00:00+08:00, got {value[:40]!r})",
                              field=field) from None
    return check_in_range(moment if moment.tzinfo else moment.replace(tzinfo=LOCAL_TZ), field)


def _phone(value):
    digits = re.sub(r"[\s\-()]", "", value).removeprefix("+")
    if not digits.isdigit() or not 5 <= len(digits) <= 15:
        raise ValidationError(f"phone 必须是 5 到 15 位数字 (phone must be 5–15 digits, got {value[:40]!r})",
                              field="phone")
    return digits


def _media_url(value):
    """Keep an http(s) URL as given (it is stored and answered, never fetched)."""
    if not value:
        return None
    if not re.match(r"https?://[^\s/?#]+[^\s]*$", value):
        raise ValidationError(f"media_url 必须是 http:// 或 https:// 开头的网址 (media_url must be an http(s) URL, "
                              f"got {value[:60]!r})", field="media_url")
    return value


def _all_cjk(value):
    return all(unicodedata.name(ch, "").startswith(("CJK UNIFIED", "CJK COMPATIBILITY")) or ch in "·・" for ch in value)


# The commonest Chinese family names (about 85 % of people) and the compound ones: which part of a split name leads.
SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭"
    "陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐"
) | {"欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯", "令狐", "端木"}


def join_name(first, last):
    """Join the spec's first/last name: both Chinese → family name first without a space, else "First Last".

    Clients disagree on which part is the family name: FixMyStreet splits a name at its first space ("张 三" →
    first 张, last 三), a client following the spec sends the given name as first_name (first 三, last 张). So
    the part that is a family name leads (张三 either way); when neither or both are, the parts keep the order sent.
    """
    first = first if first and first != "-" else None  # FixMyStreet sends "-" for a missing last name
    last = last if last and last != "-" else None
    if first and last:
        if not (_all_cjk(first) and _all_cjk(last)):
            return f"{first} {last}"
        return f"{last}{first}" if last in SURNAMES and first not in SURNAMES else f"{first}{last}"
    return first or last


class ServiceRequestIn(Query):
    """A POSTed service request; media_url is kept as given; email, device_id, account_id and attribute[] are dropped."""

    api_key: Annotated[str, Field(max_length=200)] | None = None
    jurisdiction_id: Annotated[str, Field(max_length=64)] | None = None
    service_code: Annotated[str, Field(max_length=40), AfterValidator(service_code)]
    lat: Annotated[Text, Field(max_length=40)] | float | None = None
    long: Annotated[Text, Field(max_length=40)] | float | None = None
    address_string: Annotated[Text, Field(max_length=400)] | None = None
    description: Annotated[Text, Field(min_length=1, max_length=MAX_TEXT, description="what happened and where")]
    first_name: Annotated[Text, Field(max_length=50)] | None = None
    last_name: Annotated[Text, Field(max_length=50)] | None = None
    phone: Annotated[Text, Field(max_length=32), AfterValidator(_phone)] | None = None
    media_url: Annotated[Text, Field(max_length=2000), AfterValidator(_media_url)] | None = None
    # Our extension: the reporter consents to SMS updates (needs phone), as POST /api/v1/cases's notify.
    notify: Literal["true", "false", "1", "0"] | None = None

    @property
    def wants_updates(self):
        return self.notify in ("true", "1")

    @model_validator(mode="after")
    def _located(self):
        if self.wants_updates and not self.phone:
            raise ValidationError("接收办理进度短信（notify）需要填写联系电话（phone） (notify needs phone)",
                                  field="notify")
        if self.lat is None and self.long is None:
            if self.address_string:
                raise ValidationError("本服务不做地址解析，仅有 address_string 无法定位，请同时提供 lat 和 long（WGS-84） "
                                      "(address_string alone cannot be placed: this server does not geocode addresses; "
                                      "send lat and long (WGS-84) as well)", field="address_string")
            raise ValidationError("缺少位置：请提供 lat 和 long（WGS-84 十进制度） "
                                  "(a location is required: send lat and long (WGS-84 decimal degrees))", field="lat")
        lon, lat = parse_point(self.lat, self.long, "lat", "long")
        self.lat, self.long = lat, lon
        return self

    @property
    def reporter_name(self):
        return join_name(self.first_name, self.last_name)


class W3CWindowQuery(Query):
    """A GET with the spec's start_date/end_date window (W3C datetimes; by default the last 90 days)."""

    start_date: Annotated[str, Field(max_length=40)] | None = None
    end_date: Annotated[str, Field(max_length=40)] | None = None

    @model_validator(mode="after")
    def _window(self):
        refuse_backwards(self.start, self.end, "start_date", "end_date")
        return self

    @property
    def start(self):
        return parse_datetime(self.start_date, "start_date") if self.start_date else None

    @property
    def end(self):
        return parse_datetime(self.end_date, "end_date") if self.end_date else None

    def window(self, now=None):
        """Return (start, end) asked for, both inclusive as FixMyStreet checks them; start defaults to 90 days back."""
        end = self.end
        return self.start or (end or now or datetime.now(UTC)) - DEFAULT_SPAN, end


class ServiceRequestsQuery(W3CWindowQuery):
    """GET requests: ids override every other argument; otherwise the spec's default window of 90 days."""

    service_request_id: Annotated[str, Field(max_length=50_000)] | None = None
    service_code: Annotated[str, Field(max_length=400)] | None = None
    status: Annotated[str, Field(max_length=40)] | None = None
    jurisdiction_id: Annotated[str, Field(max_length=64)] | None = None

    @field_validator("service_request_id")
    @classmethod
    def _not_too_many(cls, value):
        if len([c for c in value.split(",") if c.strip()]) > MAX_RESULTS:
            raise ValidationError(f"service_request_id 最多 {MAX_RESULTS} 个 "
                                  f"(at most {MAX_RESULTS} service_request_id values)", field="service_request_id")
        return value

    @field_validator("service_code")
    @classmethod
    def _known_services(cls, value):
        return ",".join(service_code(c.strip()) for c in value.split(",") if c.strip())

    @field_validator("status")
    @classmethod
    def _open_or_closed(cls, value):
        for word in (v.strip() for v in value.split(",") if v.strip()):
            if word not in STATUS_GROUPS:
                raise ValidationError(f"status 只能是 open 或 closed (status must be open or closed, got {word[:40]!r})",
                                      field="status")
        return value

    def filters(self, now=None):
        """Return case filters (and the community code) for the service."""
        community = self.jurisdiction_id
        if self.service_request_id:
            return {"codes": [c.strip() for c in self.service_request_id.split(",") if c.strip()],
                    "community": community}
        filters = {"community": community}
        if self.service_code:
            filters["category"] = self.service_code.split(",")
        if self.status:
            filters["status"] = [s for word in dict.fromkeys(w.strip() for w in self.status.split(",") if w.strip())
                                 for s in STATUS_GROUPS[word]]
        filters["from"], filters["to"] = self.window(now)
        return filters


# The GeoReport v2 update statuses FixMyStreet sends (its extended set included), matched without case.
UPDATE_STATUSES = ("open", "closed", "reopen", "fixed", "in_progress", "action_scheduled", "investigating",
                   "duplicate", "not_councils_responsibility", "no_further_action", "internal_referral", "for_triage",
                   "cancelled")


class UpdatesQuery(W3CWindowQuery):
    """GET servicerequestupdates: the updates made between start_date and end_date (default: the last 90 days)."""

    jurisdiction_id: Annotated[str, Field(max_length=64)] | None = None


class UpdateIn(Query):
    """A POSTed service request update, as FixMyStreet sends one; its name, email and phone are not kept."""

    api_key: Annotated[str, Field(max_length=200)] | None = None
    jurisdiction_id: Annotated[str, Field(max_length=64)] | None = None
    service_request_id: Annotated[str, Field(min_length=1, max_length=40)]
    status: Annotated[str, Field(max_length=40)]
    description: Annotated[Text, Field(max_length=MAX_TEXT)] | None = None
    updated_datetime: Annotated[str, Field(max_length=40)] | None = None
    update_id: Annotated[str, Field(max_length=100, description="the client's own id of the update")] | None = None
    media_url: Annotated[Text, Field(max_length=2000), AfterValidator(_media_url)] | None = None

    @field_validator("status")
    @classmethod
    def _known_status(cls, value):
        word = value.strip().lower()
        if word not in UPDATE_STATUSES:
            raise ValidationError(f"status 不是可识别的状态 (status must be one of {', '.join(UPDATE_STATUSES)}, "
                                  f"got {value[:40]!r})", field="status")
        return word

    @model_validator(mode="after")
    def _said_something(self):
        if self.updated_datetime:
            parse_datetime(self.updated_datetime, "updated_datetime")
        if not self.description and self.status != "reopen":
            raise ValidationError("缺少 description（更新内容） (description is required)", field="description")
        return self
