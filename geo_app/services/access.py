"""Who may see and do what: admin, cadre (their communities), chief (their own cases), public."""

from dataclasses import dataclass

from ..errors import ForbiddenError, UnauthorizedError
from ..models import ACTIONS, USER_ROLES
from .transitions import next_actions

STAFF_ROLES = tuple(USER_ROLES)
# The actions each role may take on a case it may see; the public takes none.
ROLE_ACTIONS = {
    "admin": frozenset(ACTIONS),
    "cadre": frozenset(ACTIONS),
    "chief": frozenset({"accept", "start", "resolve", "return"}),
}


@dataclass(frozen=True)
class Viewer:
    """The caller, reduced to what access decisions need."""

    role: str = "public"
    username: str | None = None
    community_id: int | None = None
    person_id: int | None = None

    @property
    def is_staff(self):
        return self.role in STAFF_ROLES

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
        names = "、".join(USER_ROLES[role] for role in roles)
        raise ForbiddenError(f"此操作仅限{names} (this needs the role {' or '.join(roles)}; you are {viewer.role})")


def case_scope(viewer):
    """Return the filters that limit a case query to what the viewer may see."""
    require_staff(viewer)
    if viewer.role == "admin":
        return {}
    if viewer.role == "cadre":
        return {"community_id": viewer.community_id}
    return {"assignee": viewer.person_id}


def may_see_case(viewer, row):
    """Tell whether the viewer may see a case: an admin any, a cadre their community's, a chief their own."""
    if viewer.role == "admin":
        return True
    if viewer.role == "cadre":
        return row.community_id == viewer.community_id
    if viewer.role == "chief":
        return row.assignee_id is not None and row.assignee_id == viewer.person_id
    return False


def check_case_visible(viewer, row):
    require_staff(viewer)
    if not may_see_case(viewer, row):
        raise ForbiddenError("这件民情不归你管 (this case is not yours to see)")


def check_case_action(viewer, row, action):
    check_case_visible(viewer, row)
    if action not in ROLE_ACTIONS[viewer.role]:
        allowed = "、".join(ACTIONS[a] for a in ACTIONS if a in ROLE_ACTIONS[viewer.role])
        raise ForbiddenError(f"{USER_ROLES[viewer.role]}只能{allowed}，不能{ACTIONS.get(action, action)} "
                             f"(a {viewer.role} may not {action})")


def case_actions(viewer, row):
    """Return the actions the viewer may take on a case now ([] when none)."""
    if not may_see_case(viewer, row):
        return []
    allowed = ROLE_ACTIONS[viewer.role]
    return [a for a in next_actions(row.status, row.confirmed_at is not None) if a in allowed]


def check_community(viewer, community_id):
    require_role(viewer, "admin", "cadre")
    if viewer.role == "cadre" and viewer.community_id != community_id:
        raise ForbiddenError("不是你的社区 (that community is not yours)")
