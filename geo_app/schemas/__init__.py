"""Input schemas (pydantic): the one validation at the edge (API, Open311, CLI, demo loader).

A validated model is typed input the services trust: codes instead of labels, WGS-84 points, limits applied.
The OpenAPI document is generated from the same models.
"""

from .base import validate, validate_value
from .cases import (
    CASES_PAGE_MAX,
    CaseFilterQuery,
    CaseIn,
    CasesQuery,
    FeedbackIn,
    HeatQuery,
    PublicHeatQuery,
    StatsQuery,
    TransitionIn,
)
from .features import FeaturesQuery
from .notifications import InboxQuery, MarkReadIn
from .open311 import ServiceRequestIn, ServiceRequestsQuery, UpdateIn, UpdatesQuery
from .places import (
    EarnIn,
    Household,
    LedgerQuery,
    NearestQuery,
    PeopleQuery,
    PointQuery,
    PointsIn,
    SearchQuery,
    SitesQuery,
    UnitsQuery,
)

__all__ = [
    "validate", "validate_value", "CASES_PAGE_MAX", "CaseFilterQuery", "CaseIn", "CasesQuery", "FeedbackIn", "HeatQuery", "PublicHeatQuery",
    "StatsQuery", "TransitionIn", "ServiceRequestIn", "ServiceRequestsQuery", "UpdateIn", "UpdatesQuery",
    "EarnIn", "Household", "LedgerQuery", "NearestQuery",
    "PeopleQuery", "PointQuery", "PointsIn", "SearchQuery", "SitesQuery", "UnitsQuery", "InboxQuery", "MarkReadIn", "FeaturesQuery",
]
