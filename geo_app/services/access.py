"""Who may see and do what: admin, cadre (their communities), chief (their own cases), public."""

from dataclasses import dataclass

from ..errors import ForbiddenError, UnauthorizedError

CHIEF_ACTIONS = {"accept", "start", "resolve", "return"}


@dataclass(frozen=True)
class Viewer:
    """The caller, reduced to what access decisions need."""

    role: str = "public"
    username: str | None = None
    community_id: int | None = None
    person_id: int | None = None

    @property
    def is_staff(self):
        return self.role in ("admin", "cadre", "chief")

    @property
    def sees_private(self):
        """Admins and cadres may see a reporter's full details on a case page."""
        return self.role in ("admin", "cadre")

    @property
    def actor(self):
        return self.username or "public"


PUBLIC = Viewer()


def require_staff(viewer):
    if not viewer.is_staff:
        raise UnauthorizedError("请先登录 (log in, or send an API token)")


def require_role(viewer, *roles):
    require_staff(viewer)
    if viewer.role not in roles:
        raise ForbiddenError(f"this needs the role {' or '.join(roles)}; you are {viewer.role}")


def case_scope(viewer):
    """Return the filters that limit a case query to what the viewer may see."""
    require_staff(viewer)
    if viewer.role == "admin":
        return {}
    if viewer.role == "cadre":
        return {"community_id": viewer.community_id}
    return {"assignee": viewer.person_id}


def check_case_visible(viewer, row):
    require_staff(viewer)
    if viewer.role == "admin":
        return
    if viewer.role == "cadre" and row.community_id == viewer.community_id:
        return
    if viewer.role == "chief" and row.assignee_id == viewer.person_id and row.assignee_id is not None:
        return
    raise ForbiddenError("这件民情不归你管 (this case is not yours to see)")


def check_case_action(viewer, row, action):
    check_case_visible(viewer, row)
    if viewer.role == "chief" and action not in CHIEF_ACTIONS:
        raise ForbiddenError(f"a chief may {', '.join(sorted(CHIEF_ACTIONS))} their cases, not {action}")


def check_community(viewer, community_id):
    require_role(viewer, "admin", "cadre")
    if viewer.role == "cadre" and viewer.community_id != community_id:
        raise ForbiddenError("that community is not yours")
