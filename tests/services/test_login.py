"""Logging in: one path and one answer for every refusal, and a lockout that backs off up to a cap."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from geo_app.models import User
from geo_app.services.accounts import set_active
from geo_app.services.login import LoginPolicy, authenticate
from geo_app.services.passwords import dummy_hash, verify_password

PASSWORD = "mingzhu-shequganbu"  # the demo cadre's
T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
POLICY = LoginPolicy(lock_after=3, lock_seconds=30, lock_max_seconds=120)


class RecordingVerify:
    """The real password check, remembering which hash each call verified against."""

    def __init__(self):
        self.hashes = []

    def __call__(self, stored_hash, password):
        self.hashes.append(stored_hash)
        return verify_password(stored_hash, password)


def _cadre(session):
    return session.query(User).filter_by(username="cadre").one()


def _attempt(session, password, at, username="cadre"):
    verify = RecordingVerify()
    user = authenticate(session, username, password, policy=POLICY, now=at, verify=verify)
    return user, verify.hashes


def test_an_unknown_user_takes_the_same_path_as_a_wrong_password(session):
    """The break: 150 ms for a real name, 12 ms for an unknown one. Now one hash check of the same kind each."""
    cadre = _cadre(session)
    user, hashes = _attempt(session, "whatever-it-is", T0, username="nobody-here")
    assert user is None and hashes == [dummy_hash()]
    user, hashes = _attempt(session, "whatever-it-is", T0)
    assert user is None and hashes == [cadre.password_hash]
    # the dummy hash costs what a real one does: same method and parameters
    assert dummy_hash().split("$")[0] == cadre.password_hash.split("$")[0]
    assert dummy_hash().startswith("scrypt:")


def test_disabled_and_locked_accounts_are_refused_the_same_way(session):
    cadre = _cadre(session)
    for _ in range(POLICY.lock_after):
        _attempt(session, "wrong-password", T0)
    user, hashes = _attempt(session, PASSWORD, T0 + timedelta(seconds=1))
    assert user is None and hashes == [cadre.password_hash]  # locked: still one hash check, still None
    set_active(session, "cadre", False, actor="test")
    user, hashes = _attempt(session, PASSWORD, T0 + timedelta(hours=1))
    assert user is None and hashes == [cadre.password_hash]
    reasons = [r[0] for r in session.execute(text(
        "SELECT detail->>'reason' FROM admin_log WHERE action = 'login.failed' ORDER BY id"))]
    assert reasons == ["wrong_password"] * 3 + ["locked", "disabled"]


def test_lockout_backs_off_to_a_cap_and_a_success_resets_it(session):
    cadre = _cadre(session)
    for _ in range(2):
        assert _attempt(session, "wrong-password", T0)[0] is None
    assert cadre.locked_until is None
    _attempt(session, "wrong-password", T0)  # the third failure: wait 30 s
    assert cadre.failed_logins == 3 and cadre.locked_until == T0 + timedelta(seconds=30)
    # the right password during the wait is refused and does not count
    assert _attempt(session, PASSWORD, T0 + timedelta(seconds=29))[0] is None
    assert cadre.failed_logins == 3 and cadre.locked_until == T0 + timedelta(seconds=30)
    # each failure after a wait doubles the next one, up to the cap
    moment, waits = T0 + timedelta(seconds=30), []
    for _ in range(4):
        _attempt(session, "wrong-password", moment)
        waits.append((cadre.locked_until - moment).total_seconds())
        moment = cadre.locked_until
    assert waits == [60, 120, 120, 120]
    # once the wait is over the real user gets in, and the count starts again
    user, _ = _attempt(session, PASSWORD, moment)
    assert user is cadre and cadre.failed_logins == 0 and cadre.locked_until is None
    assert _attempt(session, "wrong-password", moment)[0] is None and cadre.locked_until is None
    locks = session.execute(text("SELECT detail FROM admin_log WHERE action = 'login.locked' ORDER BY id")).scalars().all()
    assert [lock["failures"] for lock in locks] == [3, 4, 5, 6, 7]


def test_the_default_policy_and_its_settings(app):
    policy = LoginPolicy.from_config(app.config)
    assert (policy.lock_after, policy.lock_seconds, policy.lock_max_seconds) == (5, 30, 900)
    assert policy.wait_after(4) is None and policy.wait_after(5) == timedelta(seconds=30)
    assert policy.wait_after(10_000) == timedelta(seconds=900)


def _login_error(client, username, password):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    return response.status_code, re.search(r'<p class="error" role="alert">([^<]*)</p>', response.get_data(as_text=True))[1]


def test_the_login_page_answers_every_refusal_alike(app):
    from geo_app.extensions import db

    client = app.test_client()
    answers = {"unknown": _login_error(client, "nobody-here", PASSWORD),
               "wrong": _login_error(client, "cadre", "wrong-password")}
    for _ in range(5):
        _login_error(client, "chief", "wrong-password")
    answers["locked"] = _login_error(client, "chief", "mingzhu-loudongzhang")
    with app.app_context():
        set_active(db.session, "admin", False, actor="test")
        db.session.commit()
    answers["disabled"] = _login_error(client, "admin", "mingzhu-guanliyuan")
    assert len(set(answers.values())) == 1, answers
    status, message = answers["unknown"]
    assert status == 401 and "用户名或密码错误" in message


@pytest.mark.parametrize("password", [None, ""])
def test_a_missing_password_is_simply_wrong(session, password):
    assert authenticate(session, "cadre", password, policy=POLICY, now=T0) is None
