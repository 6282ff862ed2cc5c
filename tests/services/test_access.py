"""services.access.scope_for and its Scope: the one decision every staff reader (API, pages, later tiles) applies."""

import pytest
from sqlalchemy import and_, func, select

from geo_app.errors import ForbiddenError, NotFoundError, UnauthorizedError
from geo_app.models import Person, Unit
from geo_app.services.access import PUBLIC, Viewer, scope_for
from geo_app.services.queries import CASES, case_conditions

UNITS, PEOPLE = Unit.__table__, Person.__table__


@pytest.fixture
def b(app, community_b):
    return community_b


def case_where(scope):
    return and_(*case_conditions(scope.case_filters(), CASES))


def count(session, table, condition):
    return session.execute(select(func.count()).select_from(table).where(condition)).scalar()


def test_a_scope_limits_any_community_scoped_table(b, session):
    cadre = scope_for(session, Viewer("cadre", "qd_cadre", b.id))
    assert count(session, UNITS, cadre.where(UNITS)) == 3
    assert count(session, PEOPLE, cadre.where(PEOPLE)) == 3
    assert set(session.scalars(select(CASES.c.code).where(case_where(cadre)))) == set(b.case_codes)
    chief = scope_for(session, Viewer("chief", "qd_chief", b.id, b.chief_person_id))
    assert count(session, UNITS, chief.where(UNITS)) == 3  # a chief reads the community's units and people …
    assert set(session.scalars(select(CASES.c.code).where(case_where(chief)))) == set(b.case_codes[:2])
    admin = scope_for(session, Viewer("admin", "admin"))  # … an admin every community's
    assert count(session, UNITS, admin.where(UNITS)) == session.execute(select(func.count()).select_from(UNITS)).scalar()
    assert count(session, UNITS, scope_for(session, Viewer("admin", "admin"), b.code).where(UNITS)) == 3


def test_case_filters_carry_the_same_scope(b, session):
    assert scope_for(session, Viewer("cadre", "qd_cadre", b.id)).case_filters() == {"community_id": b.id}
    chief = scope_for(session, Viewer("chief", "qd_chief", b.id, b.chief_person_id))
    assert chief.case_filters() == {"community_id": b.id, "assignee": b.chief_person_id}
    assert scope_for(session, Viewer("admin", "admin")).case_filters() == {}


@pytest.mark.parametrize("role", ["cadre", "chief"])
def test_another_community_is_refused_naming_it(b, session, role):
    viewer = Viewer(role, "qd", b.id, b.chief_person_id)
    assert scope_for(session, viewer, b.code).community_id == b.id
    for asked in ("mingzhu", "no-such-community"):
        with pytest.raises(ForbiddenError) as refused:
            scope_for(session, viewer, asked)
        assert asked in refused.value.message and b.code in refused.value.message
        assert refused.value.field == "community"


def test_who_gets_no_scope(b, session):
    with pytest.raises(UnauthorizedError):
        scope_for(session, PUBLIC)
    with pytest.raises(ForbiddenError):
        scope_for(session, Viewer("chief", "qd_chief", b.id), roles=("admin", "cadre"))
    with pytest.raises(ForbiddenError):  # a chief account whose person was removed reads nothing
        scope_for(session, Viewer("chief", "qd_chief", b.id, None))
    with pytest.raises(NotFoundError):
        scope_for(session, Viewer("admin", "admin"), "no-such-community")
