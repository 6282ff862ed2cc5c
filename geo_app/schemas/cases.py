"""Case input: a new case, a workflow action, and the case filters of lists, heat and KPIs."""

from datetime import date, datetime, time, timedelta
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StrictBool, StrictInt, field_validator, model_validator

from ..errors import ValidationError
from ..geo.bounds import CHINA
from ..geo.coords import to_wgs84
from ..geo.validate import parse_point
from ..models import ACTIONS, MAX_COMMENT, RETURN_REASONS
from ..services.clock import LOCAL_TZ, check_in_range
from ..services.kpis import (
    ASSIGNEE_PAGE_DEFAULT,
    ASSIGNEE_PAGE_MAX,
    ASSIGNEE_SORT_DEFAULT,
    ASSIGNEE_SORTS,
    GROUPINGS,
)
from ..services.transitions import REQUIRED_FIELD
from .base import (
    BBox,
    CommunityCode,
    Crs,
    Id,
    Offset,
    Query,
    Strict,
    Text,
    code_help,
    code_of,
    codes_of,
    refuse_backwards,
)

MAX_TITLE = 200
MAX_TEXT = 4000
MAX_SHORT = 100
MAX_TAGS = 10
CASES_PAGE_MAX = 1000
CASES_PAGE_DEFAULT = 100
MAX_ZOOM = 20

# Ranges, "inside China" and swapped axes are checked by geo.validate.parse_point.
# The bounds are documented (from the one China box) and checked by parse_point, which names a swap of lat and lon.
Lat = Annotated[float, Field(allow_inf_nan=False, description="latitude in degrees (inside China)",
                             json_schema_extra={"minimum": CHINA.min_lat, "maximum": CHINA.max_lat})]
Lon = Annotated[float, Field(allow_inf_nan=False, description="longitude in degrees (inside China)",
                             json_schema_extra={"minimum": CHINA.min_lon, "maximum": CHINA.max_lon})]
ShortText = Annotated[Text, Field(max_length=MAX_SHORT)]
CaseCode = Annotated[Text, Field(min_length=1, max_length=40, description="a case's tracking code")]


def _phone(value):
    """Keep a phone's digits: 5 to 15 of them."""
    if value is None:
        return None
    digits = value.replace(" ", "").replace("-", "")
    if not digits.isdigit() or not 5 <= len(digits) <= 15:
        raise ValidationError(f"reporter_phone 必须是 5 到 15 位数字 (reporter_phone must be 5–15 digits, got {value[:40]!r})",
                              field="reporter_phone")
    return digits


def _to_wgs84(model, crs):
    """Check a model's lat/lon and store them as WGS-84."""
    lon, lat = parse_point(model.lat, model.lon)
    model.lon, model.lat = to_wgs84(lon, lat, crs or "wgs84")


class CaseIn(Strict):
    """A new 民情 case; after validation lat/lon are WGS-84 and every vocabulary field holds a code."""

    title: Annotated[Text, Field(min_length=1, max_length=MAX_TITLE)]
    description: Annotated[Text, Field(max_length=MAX_TEXT)] = ""
    channel: Annotated[str, Field(max_length=40, description=code_help("channel")), code_of("channel")]
    category: Annotated[str, Field(max_length=40, description=code_help("category")), code_of("category")]
    lat: Lat
    lon: Lon
    crs: Crs | None = Field(None, description="the coordinate system of lat/lon (default wgs84)")
    address: Annotated[Text, Field(max_length=400)] | None = None
    urgency: Annotated[str, Field(max_length=20, description=code_help("urgency")), code_of("urgency")] = "normal"
    tags: Annotated[list[Annotated[str, Field(max_length=40), code_of("tag", "tags")]],
                    Field(max_length=MAX_TAGS), AfterValidator(lambda tags: sorted(set(tags)))] = []
    reporter_name: ShortText | None = None
    reporter_phone: Annotated[str, Field(max_length=32), AfterValidator(_phone)] | None = None
    household: ShortText | None = None
    anonymous: StrictBool = False
    notify: StrictBool = Field(False, description="the reporter consents to SMS updates on this case (needs "
                                                  "reporter_phone; PIPL art. 14: asked separately, off by default)")

    @field_validator("description", mode="before")
    @classmethod
    def _no_description_is_empty(cls, value):
        return "" if value is None else value

    @field_validator("address", "reporter_name", "reporter_phone", "household", mode="after")
    @classmethod
    def _blank_is_absent(cls, value):
        return value or None

    @model_validator(mode="after")
    def _place_and_privacy(self):
        _to_wgs84(self, self.crs)
        self.crs = "wgs84"
        if self.anonymous:
            self.reporter_name = None
        if self.notify and not self.reporter_phone:
            raise ValidationError("接收办理进度短信（notify）需要填写联系电话（reporter_phone） "
                                  "(notify needs reporter_phone)", field="notify")
        return self


class TransitionIn(Strict):
    """One workflow action on a case, with the field that action cannot go without."""

    action: Literal[tuple(ACTIONS)]
    version: StrictInt = Field(ge=1, le=2_000_000_000, description="the case version you are changing")
    note: Annotated[Text, Field(max_length=MAX_TEXT)] | None = None
    assignee_id: Annotated[StrictInt, Field(ge=1, le=2_000_000_000)] | None = None
    lat: Lat | None = None
    lon: Lon | None = None
    crs: Crs | None = None
    satisfaction: Annotated[str, Field(max_length=40, description=code_help("satisfaction")),
                            code_of("satisfaction")] | None = None
    duplicate_of: CaseCode | None = None
    reason: Annotated[str, Field(max_length=40, description=code_help("return_reason") + " (退回 only)"),
                      code_of("return_reason", "reason")] | None = None

    @field_validator("note", mode="after")
    @classmethod
    def _blank_note_is_none(cls, value):
        return value or None

    @model_validator(mode="after")
    def _required_field(self):
        if self.lat is not None or self.lon is not None:
            _to_wgs84(self, self.crs)
            self.crs = "wgs84"
        if self.reason is not None and self.action != "return":
            raise ValidationError(f"退回原因（reason）只用于「退回」 (reason goes with return only, not {self.action})",
                                  field="reason")
        if self.action == "return" and self.note is None and self.reason is not None:
            self.note = RETURN_REASONS[self.reason]  # the reason alone is a note enough
        if self.action not in REQUIRED_FIELD:
            return self
        field, label = REQUIRED_FIELD[self.action]
        present = getattr(self, field) is not None or (field == "assignee_id" and self.lat is not None)
        if not present:
            hint = "，或地图上一点的 lat 和 lon" if field == "assignee_id" else ""
            raise ValidationError(f"「{ACTIONS[self.action]}」需要填写{label}（{field}）{hint} "
                                  f"({self.action} needs {field}{' or lat and lon' if hint else ''})", field=field)
        return self

    @property
    def point(self):
        """The WGS-84 (lon, lat) the action names, or None."""
        return (self.lon, self.lat) if self.lat is not None else None


class FeedbackIn(Strict):
    """A reporter's answer on the 回访 page."""

    satisfaction: Annotated[str, Field(max_length=40, description=code_help("satisfaction")), code_of("satisfaction")]
    comment: Annotated[Text, Field(max_length=MAX_COMMENT)] = ""

    @field_validator("comment", mode="before")
    @classmethod
    def _no_comment_is_empty(cls, value):
        return "" if value is None else value


def parse_day(value, field, *, end=False):
    """Return the start of a YYYY-MM-DD day (or of the next day when end) in China time, or a full timestamp.

    Days outside clock.EARLIEST_DAY … LATEST_DAY are refused before any arithmetic on them.
    """
    try:
        if len(value) == 10:
            day = check_in_range(datetime.combine(date.fromisoformat(value), time(), LOCAL_TZ), field)
            return day + timedelta(days=1) if end else day
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"{field} 应为日期（如 2024-01-31）或 ISO 时间 "
                              f"({field} must be a date like 2024-01-31 or an ISO timestamp, got {value[:40]!r})",
                              field=field) from None
    return check_in_range(moment if moment.tzinfo else moment.replace(tzinfo=LOCAL_TZ), field)


# Documented as the usual ISO forms within clock's 2000–2100 (parse_day also takes what fromisoformat takes).
DAY_PATTERN = (r"^(20\d{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])"
               r"([T ]([01]\d|2[0-3])(:[0-5]\d(:[0-5]\d(\.\d{1,6})?)?)?(Z|[+-]([01]\d|2[0-3]):?[0-5]\d)?)?$")
DayText = Annotated[str, Field(max_length=40, description="YYYY-MM-DD (China time) or an ISO timestamp",
                               json_schema_extra={"pattern": DAY_PATTERN})]


class CaseFilterQuery(Query):
    """The filters lists, heat and KPIs share; codes or labels, comma-separated."""

    status: Annotated[str, Field(max_length=400, description=code_help("status") + ", comma-separated"),
                      codes_of("status")] | None = None
    channel: Annotated[str, Field(max_length=400, description=code_help("channel") + ", comma-separated"),
                       codes_of("channel")] | None = None
    category: Annotated[str, Field(max_length=400, description=code_help("category") + ", comma-separated"),
                        codes_of("category")] | None = None
    assignee: Id | None = None
    bbox: BBox | None = None
    from_: DayText | None = Field(None, alias="from")
    to: DayText | None = None
    community: CommunityCode | None = None

    @model_validator(mode="after")
    def _window(self):
        refuse_backwards(self.start, self.end, "from", "to")
        return self

    @property
    def start(self):
        return parse_day(self.from_, "from") if self.from_ else None

    @property
    def end(self):
        return parse_day(self.to, "to", end=True) if self.to else None

    def filters(self):
        """Return the filters as the case services read them."""
        found = {name: getattr(self, name) for name in ("status", "channel", "category", "assignee", "bbox",
                                                        "community") if getattr(self, name)}
        return found | {"from": self.start, "to": self.end}


class CasesQuery(CaseFilterQuery):
    limit: Annotated[int, Field(ge=1, le=CASES_PAGE_MAX)] = CASES_PAGE_DEFAULT
    offset: Offset = 0
    cursor: Annotated[str, Field(max_length=200, description="next_cursor of the page before (keyset pagination)")] \
        | None = None
    overdue: Literal["0", "1", "true", "false"] | None = None
    format: Literal["json", "xlsx"] = Field("json", description="xlsx: the 民情台账 workbook of every matching case "
                                            "(without limit/offset) in Chinese")
    fields: Annotated[Literal["full", "marker"], Field(
        description="marker: only code, title, status, category, overdue and the point (a map's markers)")] = "full"

    def filters(self):
        return super().filters() | ({"overdue": True} if self.overdue in ("1", "true") else {})


class HeatQuery(CaseFilterQuery):
    zoom: Annotated[int, Field(ge=1, le=MAX_ZOOM)] = 16


class PublicHeatQuery(Query):
    """What the public may ask of the heatmap: a view (bbox, zoom) and, optionally, one month."""

    bbox: BBox
    zoom: Annotated[int, Field(ge=1, le=MAX_ZOOM)] | None = None
    month: Annotated[str, Field(max_length=20, description="YYYY-MM; without it, the last 12 whole months")] | None = None


class StatsQuery(CaseFilterQuery):
    by: Literal[tuple(GROUPINGS)] = "channel"
    # by=assignee is a page, worst first by sort
    sort: Literal[ASSIGNEE_SORTS] = ASSIGNEE_SORT_DEFAULT
    limit: Annotated[int, Field(ge=1, le=ASSIGNEE_PAGE_MAX)] = ASSIGNEE_PAGE_DEFAULT
    offset: Offset = 0
    format: Literal["json", "csv", "xlsx"] = "json"
