"""Output schemas: what /api/v1 answers, for the OpenAPI document (and so for schemathesis' response checks).

Vocabularies come from the models (Literal of their codes), never re-typed. The models name the fields a client
may rely on; objects may carry more (additional properties are allowed, as the services add hints over time).
"""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..models import ACTIONS, CATEGORIES, CHANNELS, EVENT_ACTIONS, SATISFACTION, STATUSES, URGENCIES

Status = Literal[tuple(STATUSES)]


class Out(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


class Error(Out):
    """Every 4xx/5xx of /api/v1: a machine code, and a Chinese message naming the field and the problem."""

    error: str = Field(description="a machine-readable code")
    message: str = Field(description="Chinese, naming the field and the problem")
    user_message: str | None = Field(None, description="the Chinese sentence alone, field names as labels: show this")
    field: str | None = None


class Labelled(Out):
    code: str
    label: str


class ChannelLabel(Out):
    code: Literal[tuple(CHANNELS)]
    label: str


class CategoryLabel(Out):
    code: Literal[tuple(CATEGORIES)]
    label: str


class UrgencyLabel(Out):
    code: Literal[tuple(URGENCIES)]
    label: str


class SatisfactionLabel(Out):
    code: Literal[tuple(SATISFACTION)]
    label: str


class Point(Out):
    lat: Annotated[float, Field(ge=-90, le=90)]
    lon: Annotated[float, Field(ge=-180, le=180)]


class AllowedAction(Out):
    code: Literal[tuple(ACTIONS)]
    label: str
    requires: dict | None = None
    choices: str | None = Field(None, description="the vocabulary (/vocabularies) the note may be picked from")


class HistoryEvent(Out):
    at: str
    actor: str
    actor_label: str
    action: Literal[tuple(EVENT_ACTIONS)]
    action_label: str
    from_: Status | None = Field(None, alias="from")
    from_label: str | None = None
    to: Status
    to_label: str
    note: str | None = None
    data: dict


class Case(Out):
    """A case as staff see it (personal data masked unless the viewer may see it)."""

    code: str
    community: str
    title: str
    description: str
    channel: ChannelLabel
    category: CategoryLabel
    tags: list[Labelled]
    urgency: UrgencyLabel
    status: Status
    status_label: str
    lat: float
    lon: float
    address: str | None
    unit: dict | None
    assignee: dict | None
    version: int
    times: dict
    allowed_actions: list[AllowedAction]
    history: list[HistoryEvent] | None = None
    photos: list[dict] | None = None


class CaseWithDuplicates(Case):
    possible_duplicates: list[dict] | None = None


class CaseReceipt(Out):
    """What the public gets back for a report: codes, status, unit and a masked assignee."""

    code: str
    tracking_code: str
    track_url: str
    status: Status
    status_label: str
    category: CategoryLabel
    channel: ChannelLabel
    unit: dict | None
    assignee: dict | None


# The answer to POST /cases: the whole case for staff who may see it, else the public receipt.
CreatedCase = (CaseWithDuplicates, CaseReceipt)


class CaseMarker(Out):
    """A case as a map marker (fields=marker): the rest is fetched per case on demand."""

    code: str
    title: str
    status: Status
    category: str
    overdue: str | None
    lat: float
    lon: float


class CasePage(Out):
    cases: list[Case] | list[CaseMarker]
    total: int
    count_is_estimate: bool = Field(False, description="true when total is the planner's estimate (beyond 1,000)")
    limit: int
    offset: int
    next_cursor: str | None = Field(None, description="pass as cursor for the next page (keyset pagination)")
    next: str | None = Field(None, description="the next page's URL")


class PlacePart(Out):
    kind: str
    kind_label: str
    name: str | None


class Place(Out):
    """What a point is called: its community and the units covering it, nobody's name."""

    community: dict
    chain: list[PlacePart]


class Lookup(Out):
    point: Point
    community: dict | None
    chain: list[dict]
    assignee: dict
    fallback: bool


class Link(Out):
    href: str
    rel: str
    type: str | None = None
    title: str | None = None


class Feature(Out):
    type: Literal["Feature"]
    id: int | str
    geometry: dict | None
    properties: dict


class FeaturePage(Out):
    """A GeoJSON FeatureCollection page with OGC-style paging."""

    type: Literal["FeatureCollection"]
    features: list[Feature]
    numberMatched: int  # noqa: N815 — OGC API – Features' name
    numberReturned: int  # noqa: N815
    links: list[Link]


class People(Out):
    count: int
    people: list[dict]


class NearestSite(Out):
    code: str
    name: str
    kind: str
    distance_m: float


class Nearest(Out):
    point: Point
    sites: list[NearestSite]


class StaffHeat(Out):
    cell_m: float
    cells: list[list[float]]


class PublicHeat(StaffHeat):
    zoom: int
    min_count: int
    slice: dict


# Staff get cells of their scope; the public a fixed slice (zoom, min_count and slice added).
Heat = (StaffHeat, PublicHeat)


class StatsRow(Out):
    key: str | None
    label: str
    received: int
    resolved: int
    in_progress: int
    response_rate: float | None
    resolution_rate: float | None
    on_time_rate: float | None
    satisfaction_rate: float | None


class Stats(Out):
    by: str
    rows: list[StatsRow]
    source: Literal["rollup", "cases"] | None = Field(None, description="rollup: the KPI rollups; cases: a plain count")
    total: int | None = Field(None, description="by=assignee: how many assignees the pages hold")


class SearchResult(Out):
    kind: Literal["unit", "site", "person", "case", "case_address"]
    kind_label: str
    id: int | str
    name: str | None
    detail: str | None
    match: Literal["exact", "prefix", "substring"]
    lat: float | None
    lon: float | None


class SearchResults(Out):
    query: str
    count: int
    results: list[SearchResult]


class Tracked(Out):
    tracking_code: str
    status: Status
    status_label: str
    category: CategoryLabel
    received_at: str
    resolution_note: str | None
    history: list[dict]
    photos: list[dict]


class PointsSummary(Out):
    households: int
    earned: int
    redeemed: int
    balance: int


class PointsEntry(Out):
    at: str
    kind: str
    points: int
    balance_after: int
    reason: str | None
    case: str | None


class PointsAccount(Out):
    household: str
    balance: int
    entries: list[PointsEntry]


class PointsBalance(Out):
    household: str
    balance: int


class Workbench(Out):
    count: int
    due_soon_hours: int
    cases: list[dict]


class ReporterPhone(Out):
    code: str
    phone: str | None


class FeedbackLink(Out):
    path: str
    url: str


class FeedbackView(Out):
    title: str
    status: Status
    status_label: str
    resolution_note: str | None
    resolved_at: str | None
    tracking_code: str
    expires_at: str | None
    answerable: bool


class FeedbackAnswer(Out):
    satisfaction: SatisfactionLabel
    reopened: bool
    tracking_code: str


class Inbox(Out):
    items: list[dict]
    unread: int


class MarkedRead(Inbox):
    marked: int


class Vocabularies(Out):
    model_config = ConfigDict(json_schema_extra={"additionalProperties": {"type": "array", "items": {
        "type": "object", "required": ["code", "label"],
        "properties": {"code": {"type": "string"}, "label": {"type": "string"}}}}})

    status: list[Labelled]
    channel: list[Labelled]
    category: list[Labelled]


def schema_of(model: Any):
    """Return a model's JSON schema, its nested models referenced under #/components/schemas."""
    return model.model_json_schema(ref_template="#/components/schemas/{model}", mode="serialization",
                                   by_alias=True)
