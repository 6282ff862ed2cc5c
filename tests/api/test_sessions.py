"""Server-side sessions: logout, disabling and a new password end them; idle and absolute lifetimes hold."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from geo_app.extensions import db
from tests.conftest import client_as

PASSWORD = "mingzhu-shequganbu"  # the demo cadre's (geo_app.services.demo.DEMO_ACCOUNTS)


def csrf_token(client):
    page = client.get("/login").get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def logged_in(app, username="cadre", password=PASSWORD):
    """Return a test client logged in through the form."""
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": csrf_token(client)})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert client.get("/api/v1/cases?limit=1").status_code == 200
    return client


def replay(app, cookie):
    """Return a fresh client carrying a captured session cookie."""
    client = app.test_client()
    client.set_cookie("session", cookie)
    return client


def sessions_of(app, username):
    with app.app_context():
        return db.session.execute(text("SELECT count(*) FROM user_session s JOIN app_user u ON u.id = s.user_id "
                                       "WHERE u.username = :u"), {"u": username}).scalar()


def test_a_cookie_captured_before_logout_is_refused_after_it(app):
    browser = logged_in(app)
    captured = browser.get_cookie("session").value
    assert replay(app, captured).get("/api/v1/cases?limit=1").status_code == 200
    response = browser.post("/logout", data={"csrf_token": csrf_token(browser)})
    assert response.status_code == 302 and sessions_of(app, "cadre") == 0
    thief = replay(app, captured)
    assert thief.get("/api/v1/cases?limit=1").status_code == 401
    assert "/login" in thief.get("/map").headers["Location"]
    with app.app_context():
        actions = [r[0] for r in db.session.execute(text("SELECT action FROM admin_log WHERE actor = 'cadre'"))]
    assert "login" in actions and "logout" in actions


def test_the_cookie_holds_a_random_session_token_not_the_user_id(app):
    browser = logged_in(app)
    with app.app_context():
        stored = db.session.execute(text("SELECT token_hash FROM user_session")).scalars().all()
    assert len(stored) == 1 and len(stored[0]) == 64
    # the signed cookie's payload names no user id the server would trust by itself
    from flask.sessions import SecureCookieSessionInterface

    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    payload = serializer.loads(browser.get_cookie("session").value)
    assert len(payload["_user_id"]) >= 40 and not payload["_user_id"].isdigit()


def test_logout_ends_only_that_session(app):
    phone, desk = logged_in(app), logged_in(app)
    phone.post("/logout", data={"csrf_token": csrf_token(phone)})
    assert phone.get("/api/v1/cases?limit=1").status_code == 401
    assert desk.get("/api/v1/cases?limit=1").status_code == 200


def test_disabling_a_user_ends_every_session_of_theirs(app, cli_runner):
    phone, desk = logged_in(app), logged_in(app)
    admin = logged_in(app, "admin", "mingzhu-guanliyuan")
    assert cli_runner(app, ["users", "disable", "cadre"]).exit_code == 0
    assert sessions_of(app, "cadre") == 0
    assert [c.get("/api/v1/cases?limit=1").status_code for c in (phone, desk, admin)] == [401, 401, 200]
    from geo_app.services.accounts import set_active

    with app.app_context():
        set_active(db.session, "cadre", True, actor="test")
        db.session.commit()
    assert phone.get("/api/v1/cases?limit=1").status_code == 401  # enabling again revives no old session


def test_a_new_password_ends_every_session_but_keeps_the_token(app, cli_runner):
    token_client = client_as(app, "cadre")
    browser = logged_in(app)
    result = cli_runner(app, ["users", "password", "cadre", "--password", "hongchang-ganbu-2026"])
    assert result.exit_code == 0, result.output
    assert browser.get("/api/v1/cases?limit=1").status_code == 401
    assert token_client.get("/api/v1/cases?limit=1").status_code == 200
    logged_in(app, password="hongchang-ganbu-2026")
    with app.app_context():
        detail = db.session.execute(text("SELECT detail FROM admin_log WHERE action = 'user.password'")).scalar_one()
    assert detail == {"username": "cadre", "sessions_ended": 1}


def test_a_token_keeps_working_after_its_users_logout(app):
    token_client = client_as(app, "cadre")
    browser = logged_in(app)
    browser.post("/logout", data={"csrf_token": csrf_token(browser)})
    assert token_client.get("/api/v1/cases?limit=1").status_code == 200


@pytest.mark.parametrize("column,age", [("last_seen_at", timedelta(minutes=61)), ("created_at", timedelta(hours=13))])
def test_a_session_ends_after_its_idle_or_absolute_lifetime(app, column, age):
    """SESSION_IDLE_MINUTES (60) since the last request, SESSION_MAX_HOURS (12) since login."""
    browser = logged_in(app)
    with app.app_context():
        db.session.execute(text(f"UPDATE user_session SET {column} = now() - make_interval(secs => :s)"),
                           {"s": age.total_seconds()})
        db.session.commit()
    assert browser.get("/api/v1/cases?limit=1").status_code == 401


def test_lifetimes_with_an_injected_clock(session):
    """Requests keep a session alive for at most the absolute lifetime; a pause ends it after the idle one."""
    from geo_app.models import User
    from geo_app.services.sessions import SessionPolicy, resume_session, start_session, touch_session

    policy = SessionPolicy(idle=timedelta(minutes=60), absolute=timedelta(hours=12))
    user = session.query(User).filter_by(username="cadre").one()
    t0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    token = start_session(session, user, policy=policy, now=t0)
    assert resume_session(session, token, policy=policy, now=t0 + timedelta(minutes=59))[0] is user
    assert resume_session(session, token, policy=policy, now=t0 + timedelta(minutes=60))[0] is None
    moment = t0
    while moment < t0 + timedelta(hours=11, minutes=30):  # busy all day: a request every half hour
        moment += timedelta(minutes=30)
        found, needs_touch = resume_session(session, token, policy=policy, now=moment)
        assert found is user and needs_touch
        touch_session(session, token, now=moment)
    assert resume_session(session, token, policy=policy, now=t0 + timedelta(hours=12))[0] is None
    # a new login sweeps the expired session away
    start_session(session, user, policy=policy, now=t0 + timedelta(hours=12))
    assert session.execute(text("SELECT count(*) FROM user_session WHERE created_at = :t"), {"t": t0}).scalar() == 0
