"""Validation schemas for /api/v1 (pydantic). The same models generate the OpenAPI document.

They check shape and types at the edge; the services then check meaning (inside China, a known
channel, a legal transition) and name the field when they refuse.
"""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt
from pydantic import ValidationError as PydanticError

from ..errors import ValidationError

# Ranges and "inside China" are checked by geo.validate, whose messages also spot swapped axes.
Lat = Annotated[float, Field(allow_inf_nan=False, description="latitude in degrees (-90…90, inside China)")]
Lon = Annotated[float, Field(allow_inf_nan=False, description="longitude in degrees (-180…180, inside China)")]
Crs = Literal["wgs84", "gcj02", "bd09"]
ShortText = Annotated[str, Field(max_length=100)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Query(BaseModel):
    model_config = ConfigDict(extra="ignore")


class CaseIn(Strict):
    """A new 民情 case."""

    title: Annotated[str, Field(min_length=1, max_length=200)]
    description: Annotated[str, Field(max_length=4000)] | None = None
    channel: Annotated[str, Field(max_length=40, description="code (night_talk) or label (夜谈悦好)")]
    category: Annotated[str, Field(max_length=40, description="code (hazard) or label (安全隐患)")]
    lat: Lat
    lon: Lon
    crs: Crs | None = None
    address: Annotated[str, Field(max_length=400)] | None = None
    urgency: Annotated[str, Field(max_length=20)] | None = None
    tags: Annotated[list[Annotated[str, Field(max_length=40)]], Field(max_length=10)] | None = None
    reporter_name: ShortText | None = None
    reporter_phone: Annotated[str, Field(max_length=32)] | None = None
    household: ShortText | None = None
    anonymous: StrictBool = False


class TransitionIn(Strict):
    """One workflow action on a case."""

    action: Literal["dispatch", "accept", "start", "resolve", "visit", "close", "return", "mark_duplicate", "confirm"]
    version: StrictInt = Field(ge=1, le=2_000_000_000, description="the case version you are changing")
    note: Annotated[str, Field(max_length=4000)] | None = None
    assignee_id: Annotated[StrictInt, Field(ge=1, le=2_000_000_000)] | None = None
    lat: Lat | None = None
    lon: Lon | None = None
    crs: Crs | None = None
    satisfaction: Annotated[str, Field(max_length=40)] | None = None
    duplicate_of: Annotated[str, Field(max_length=40)] | None = None


class PointsIn(Strict):
    """Points to credit or redeem."""

    points: StrictInt = Field(ge=1, le=100_000)
    reason: Annotated[str, Field(min_length=1, max_length=200)] | None = None


class PointQuery(Query):
    lat: Lat
    lon: Lon
    crs: Crs | None = None


class NearestQuery(PointQuery):
    limit: Annotated[int, Field(ge=1, le=100)] = 5
    kind: str | None = None


class UnitsQuery(Query):
    kind: Literal["street", "lane", "shop", "building", "grid"] | None = None
    bbox: str | None = Field(None, description="minlon,minlat,maxlon,maxlat")
    limit: Annotated[int, Field(ge=1, le=5000)] = 1000
    offset: Annotated[int, Field(ge=0, le=10_000_000)] = 0
    community: str | None = None


class PeopleQuery(Query):
    role: Literal["street_chief", "lane_chief", "shop_chief", "building_chief", "grid_worker"] | None = None
    community: str | None = None


class CaseFilterQuery(Query):
    status: str | None = Field(None, description="codes or labels, comma-separated")
    channel: str | None = None
    category: str | None = None
    assignee: Annotated[int, Field(ge=1, le=2_000_000_000)] | None = None
    bbox: str | None = None
    from_: str | None = Field(None, alias="from", description="YYYY-MM-DD (China time) or ISO timestamp")
    to: str | None = None


class CasesQuery(CaseFilterQuery):
    limit: Annotated[int, Field(ge=1, le=1000)] = 100
    offset: Annotated[int, Field(ge=0, le=10_000_000)] = 0
    overdue: Literal["0", "1", "true", "false"] | None = None


class HeatQuery(CaseFilterQuery):
    zoom: Annotated[int, Field(ge=1, le=20)] = 16


class StatsQuery(CaseFilterQuery):
    by: Literal["channel", "category", "assignee", "unit_kind", "month", "community"] = "channel"
    format: Literal["json", "csv"] = "json"


def validate(model, data):
    """Validate data against a model, or raise ValidationError naming the first bad field."""
    try:
        return model.model_validate(data)
    except PydanticError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "body"
        field = "from" if field == "from_" else field
        raise ValidationError(f"{field}: {first['msg']}", field=field.split(".")[0]) from None
