"""All models, imported so the metadata is complete."""

from .case import (
                   ACTIONS,
                   CATEGORIES,
                   CHANNELS,
                   EVENT_ACTIONS,
                   OPEN_STATUSES,
                   OVERDUE,
                   RESOLVED_STATUSES,
                   RETURN_REASONS,
                   SATISFACTION,
                   STATUSES,
                   TAGS,
                   URGENCIES,
                   Case,
                   CaseCounter,
                   CaseEvent,
)
from .community import Community
from .feedback import MAX_COMMENT, FeedbackToken, PhoneReveal, ResidentFeedback
from .kpi import CaseKpiAssignee, CaseKpiMonth, CaseKpiMonthTotal, CaseKpiPerson
from .notification import NOTIFY_CHANNELS, NOTIFY_KINDS, NOTIFY_STATES, Notification
from .person import COMMUNITY_QUEUE, ROLE_FOR_KIND, ROLE_LABELS, ROLES, Person, Responsibility
from .photo import PHOTO_KINDS, CasePhoto, PhotoBlob
from .points import ENTRY_KINDS, PointsAccount, PointsEntry
from .site import SITE_KIND_LABELS, SITE_KINDS, Site, SiteActivity
from .unit import UNIT_KIND_LABELS, UNIT_KIND_RANK, UNIT_KINDS, Unit
from .user import USER_ROLES, AdminLog, User, UserSession

__all__ = [
    "AdminLog", "User", "UserSession", "USER_ROLES",
    "Case", "CaseCounter", "CaseEvent", "CaseKpiAssignee", "CaseKpiMonth", "CaseKpiMonthTotal", "CaseKpiPerson", "PointsAccount", "PointsEntry", "ENTRY_KINDS",
    "ACTIONS", "EVENT_ACTIONS", "OVERDUE", "COMMUNITY_QUEUE", "RETURN_REASONS",
    "FeedbackToken", "ResidentFeedback", "PhoneReveal", "MAX_COMMENT",
    "CATEGORIES", "CHANNELS", "OPEN_STATUSES", "RESOLVED_STATUSES", "SATISFACTION", "STATUSES", "TAGS", "URGENCIES",
    "CasePhoto", "PhotoBlob", "PHOTO_KINDS",
    "Notification", "NOTIFY_CHANNELS", "NOTIFY_KINDS", "NOTIFY_STATES",
    "Community", "Person", "Responsibility", "Site", "SiteActivity", "Unit",
    "ROLES", "ROLE_LABELS", "ROLE_FOR_KIND", "SITE_KINDS", "SITE_KIND_LABELS",
    "UNIT_KINDS", "UNIT_KIND_LABELS", "UNIT_KIND_RANK",
]
