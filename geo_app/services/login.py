"""Logging in: one path for every refusal, and a per-account lockout that backs off but always ends.

Whatever goes wrong — no such user, a wrong password, a disabled or a locked account — one password
hash is verified (a dummy one when there is no user) and the caller gets the same None, so neither the
answer nor its time tells which. After LOGIN_LOCK_AFTER failures in a row the next attempt is refused
until a wait that starts at LOGIN_LOCK_SECONDS and doubles with each further failure up to
LOGIN_LOCK_MAX_SECONDS; attempts during the wait are refused without counting, so the wait never grows
past the cap and the real user gets in once it is over. A success resets the count. Counts live in
app_user (several app nodes share them); every failure and lock is written to the admin log.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from ..models import User
from .accounts import log_admin_action
from .passwords import dummy_hash, verify_password

logger = logging.getLogger(__name__)
MAX_DOUBLINGS = 30  # beyond this the cap has long been reached; keeps 2**n small


@dataclass(frozen=True)
class LoginPolicy:
    """When failed logins lock an account, and for how long."""

    lock_after: int = 5
    lock_seconds: int = 30
    lock_max_seconds: int = 900

    @classmethod
    def from_config(cls, config):
        return cls(config["LOGIN_LOCK_AFTER"], config["LOGIN_LOCK_SECONDS"], config["LOGIN_LOCK_MAX_SECONDS"])

    def wait_after(self, failures):
        """Return how long the next attempt must wait after this many failures in a row, or None."""
        if failures < self.lock_after:
            return None
        doublings = min(failures - self.lock_after, MAX_DOUBLINGS)
        return timedelta(seconds=min(self.lock_seconds * 2 ** doublings, self.lock_max_seconds))


def authenticate(session, username, password, *, policy=None, now=None, address=None, verify=verify_password):
    """Return the user these credentials log in, or None the same way whatever went wrong.

    `verify` checks a password against a stored hash; `now` is the clock (both injectable for tests).
    """
    policy, now = policy or LoginPolicy(), now or datetime.now(UTC)
    password = password if isinstance(password, str) else ""
    user = (session.scalars(select(User).where(User.username == username).with_for_update()).first()
            if username else None)
    if user is None:
        verify(dummy_hash(), password)
        return _refuse(session, username, "unknown_user", address)
    matches = verify(user.password_hash, password)
    if not user.active:
        return _refuse(session, username, "disabled", address)
    if user.locked_until is not None and now < user.locked_until:
        return _refuse(session, username, "locked", address, until=user.locked_until)
    if not matches:
        user.failed_logins += 1
        wait = policy.wait_after(user.failed_logins)
        user.locked_until = now + wait if wait else None
        session.flush()
        if wait:
            logger.warning("account %s locked for %s after %d failed logins", username, wait, user.failed_logins)
            log_admin_action(session, username, "login.locked", failures=user.failed_logins,
                             until=user.locked_until.isoformat(), address=address)
        return _refuse(session, username, "wrong_password", address, failures=user.failed_logins)
    user.failed_logins, user.locked_until = 0, None
    session.flush()
    log_admin_action(session, user.username, "login", address=address)
    return user


def _refuse(session, username, reason, address, **detail):
    log_admin_action(session, (username or "?")[:100], "login.failed", reason=reason, address=address, **detail)
    return None
