"""Who may see and do what: admin (every community), cadre (their community), chief (their community's
units and people, their own cases), public.

`scope_for` is the one place that decides which community a staff request reads. Every staff endpoint
(API, Open311, pages) asks it, and every query applies the Scope it returns: as case filters
(`case_filters`, which services.queries.case_conditions turns into Core conditions over any table with case
columns) or as a Core condition on any community-scoped table (`where`), which is how a new reader — vector
tiles, OGC feature collections — plugs in.
"""

from dataclasses import dataclass

from sqlalchemy import select, true

from ..errors import ForbiddenError, NotFoundError, UnauthorizedError
from ..models import ACTIONS, USER_ROLES, Community
from .transitions import POINTS_ACTION, next_actions

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


@dataclass(frozen=True)
class Scope:
    """What a staff request may read: one community (None: every one, for an admin) and, for a chief, which cases."""

    community_id: int | None = None
    person_id: int | None = None

    def where(self, table):
        """Return the condition limiting rows of a community-scoped table (units, people, sites, …) to the scope."""
        if self.community_id is None:
            return true()
        return table.c.community_id == self.community_id

    def case_filters(self):
        """Return the scope as case filters (services.queries.case_conditions), to merge over a request's."""
        filters = {}
        if self.community_id is not None:
            filters["community_id"] = self.community_id
        if self.person_id is not None:
            filters["assignee"] = self.person_id
        return filters

    def allows_community(self, community_id):
        return self.community_id is None or community_id == self.community_id

    def allows_case(self, row):
        """Tell whether a case row (with community_id and assignee_id) is inside the scope."""
        if not self.allows_community(row.community_id):
            return False
        return self.person_id is None or row.assignee_id == self.person_id


def require_staff(viewer):
    if not viewer.is_staff:
        raise UnauthorizedError("请先登录 (log in, or send an API token)")


def require_role(viewer, *roles):
    require_staff(viewer)
    if viewer.role not in roles:
        names = "、".join(USER_ROLES[role] for role in roles)
        raise ForbiddenError(f"此操作仅限{names} (this needs the role {' or '.join(roles)}; you are {viewer.role})")


def _own_scope(viewer):
    if viewer.role == "admin":
        return Scope()
    if viewer.community_id is None:
        raise ForbiddenError("你的账号不属于任何社区 (your account belongs to no community)")
    if viewer.role != "chief":
        return Scope(viewer.community_id)
    if viewer.person_id is None:
        raise ForbiddenError("你的账号没有关联责任人 (your chief account acts for no person)")
    return Scope(viewer.community_id, viewer.person_id)


def scope_for(session, viewer, community=None, *, roles=STAFF_ROLES):
    """Return the Scope of a staff request, refusing (403, naming it) a community that is not the viewer's.

    community is the code a request asks for (`?community=`, `jurisdiction_id`, a path part), or None:
    staff then read their own community, an admin every community.
    """
    require_role(viewer, *roles)
    scope = _own_scope(viewer)
    if not community:
        return scope
    row = session.execute(select(Community.id).where(Community.code == community)).first()
    if viewer.role == "admin":
        if row is None:
            raise NotFoundError(f"没有编号为 {community!r} 的社区 (no community with code {community!r})",
                                code="unknown_community", field="community")
        return Scope(row.id)
    if row is None or row.id != scope.community_id:
        raise community_refused(session, viewer, community)
    return scope


def community_refused(session, viewer, community):
    """Return the 403 for staff asking for a community that is not theirs; it names both communities."""
    own = session.execute(select(Community.code).where(Community.id == viewer.community_id)).scalar()
    community = str(community)[:64]
    return ForbiddenError(f"社区 {community} 不在你的管辖范围内，你只能查看本社区（{own}）的数据 "
                          f"(community {community!r} is not yours; you are staff of {own!r})",
                          field="community", code="community_forbidden")


def check_point_community(session, viewer, scope, community):
    """Refuse (403, naming it) a point or row of a community outside the scope; community is {id, code}."""
    if not scope.allows_community(community["id"]):
        raise community_refused(session, viewer, community["code"])


def may_see_case(viewer, row):
    """Tell whether the viewer may see a case: an admin any, a cadre their community's, a chief their own there."""
    if not viewer.is_staff:
        return False
    try:
        scope = _own_scope(viewer)
    except ForbiddenError:
        return False
    return scope.allows_case(row)


def check_case_visible(viewer, row):
    require_staff(viewer)
    if not _own_scope(viewer).allows_case(row):
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
    if not row.household:  # 确认上报 credits a household: without one it does not apply
        allowed = allowed - {POINTS_ACTION}
    return [a for a in next_actions(row.status, row.confirmed_at is not None) if a in allowed]
