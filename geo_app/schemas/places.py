"""Input about places and ledgers: lookups, units, people, sites and 爱心超市 points."""

from typing import Annotated, ClassVar, Literal

from pydantic import Field, StrictInt, ValidationInfo, field_validator, model_validator

from ..errors import ValidationError
from ..models import ROLES, SITE_KINDS, UNIT_KINDS
from ..services.display import PAGE_ZOOM
from .base import BBox, CommunityCode, Crs, Offset, Query, Strict, Text
from .cases import Lat, Lon, _to_wgs84

MAX_POINTS_PER_ENTRY = 100_000
MAX_NEAREST = 100
MAX_SEARCH = 50

Household = Annotated[Text, Field(min_length=1, max_length=100, description="a household (户) code")]


class PointQuery(Query):
    """A point: after validation lat/lon are WGS-84."""

    lat: Lat
    lon: Lon
    crs: Crs | None = None

    @model_validator(mode="after")
    def _wgs84(self):
        _to_wgs84(self, self.crs)
        self.crs = "wgs84"
        return self


class NearestQuery(PointQuery):
    limit: Annotated[int, Field(ge=1, le=MAX_NEAREST)] = 5
    kind: Literal[SITE_KINDS] | None = None


class Paged(Query):
    """A page of features; the default and largest page come from the settings named in SETTINGS."""

    SETTINGS: ClassVar[dict] = {"limit": ("PAGE_LIMIT_DEFAULT", "PAGE_LIMIT_MAX")}
    # A limit over the largest page: refused (400), or served as the largest page (what OGC API – Features asks).
    CLAMP_LIMIT: ClassVar[bool] = False

    bbox: BBox | None = None
    limit: Annotated[int, Field(ge=1)] | None = None
    offset: Offset = 0
    community: CommunityCode | None = None

    @model_validator(mode="after")
    def _page_within_settings(self, info: ValidationInfo):
        default_name, max_name = self.SETTINGS["limit"]
        settings = info.context or {}
        if self.limit is None:
            self.limit = settings[default_name]
        elif self.limit > settings[max_name] and self.CLAMP_LIMIT:
            self.limit = settings[max_name]
        elif self.limit > settings[max_name]:
            raise ValidationError(f"limit 不能大于 {settings[max_name]} "
                                  f"(limit must be at most {settings[max_name]}, got {self.limit})", field="limit")
        return self


class SitesQuery(Paged):
    kind: Literal[SITE_KINDS] | None = None
    zoom: Annotated[int, Field(ge=1, le=20, description="the map zoom the geometry is simplified for")] = PAGE_ZOOM


class UnitsQuery(Paged):
    """A page of units."""

    kind: Literal[UNIT_KINDS] | None = None


class PeopleQuery(Query):
    role: Literal[ROLES] | None = None
    community: CommunityCode | None = None
    format: Literal["json", "xlsx"] = Field("json", description="xlsx: the 红色四长 roster as a workbook")


class LedgerQuery(Query):
    format: Literal["json", "xlsx"] = Field("json", description="xlsx: every household's balance and every entry")


class SearchQuery(Query):
    """A search: two Chinese characters (红宫) are enough; a case code matches in any case."""

    q: Annotated[Text, Field(min_length=1, max_length=MAX_SEARCH, description="words, a name, an address or a case code")]
    limit: Annotated[int, Field(ge=1, le=50)] = 20
    community: CommunityCode | None = None


class PointsIn(Strict):
    """Points to credit or redeem."""

    points: StrictInt = Field(ge=1, le=MAX_POINTS_PER_ENTRY)
    reason: Annotated[Text, Field(min_length=1, max_length=200)] | None = None

    @field_validator("reason", mode="after")
    @classmethod
    def _blank_is_absent(cls, value):
        return value or None


class EarnIn(PointsIn):
    """Points to credit, and what for."""

    reason: Annotated[Text, Field(min_length=1, max_length=200)]
