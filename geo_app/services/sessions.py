"""Server-side login sessions in PostgreSQL: the cookie carries a random token, the database its hash.

A session ends when its user logs out, is disabled or changes password, after SESSION_IDLE_MINUTES
without a request and SESSION_MAX_HOURS after login. Any app node can check one; none keeps state.
"""

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text

from ..models import User, UserSession

logger = logging.getLogger(__name__)
TOUCH_AT_MOST_EVERY = timedelta(seconds=60)  # last_seen_at is written at most this often per session


@dataclass(frozen=True)
class SessionPolicy:
    """How long a session lives: idle (since its last request) and absolute (since login)."""

    idle: timedelta = timedelta(minutes=60)
    absolute: timedelta = timedelta(hours=12)

    @classmethod
    def from_config(cls, config):
        return cls(timedelta(minutes=config["SESSION_IDLE_MINUTES"]), timedelta(hours=config["SESSION_MAX_HOURS"]))

    @property
    def touch_every(self):
        return min(TOUCH_AT_MOST_EVERY, self.idle / 10)

    def alive(self, row, now):
        """Tell whether a session row is still within both lifetimes."""
        return now - row.last_seen_at < self.idle and now - row.created_at < self.absolute


def token_hash(token):
    """Return the stored form of a session token."""
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session, user, *, policy=None, now=None, address=None):
    """Record a new session for a user and return its token (the only copy is the caller's)."""
    policy, now = policy or SessionPolicy(), now or datetime.now(UTC)
    sweep_expired(session, policy, now)
    token = secrets.token_urlsafe(32)
    session.add(UserSession(token_hash=token_hash(token), user_id=user.id, created_at=now, last_seen_at=now,
                            address=(address or "")[:64] or None))
    session.flush()
    return token


def resume_session(session, token, *, policy=None, now=None):
    """Return (user, needs_touch) for a live session of an active user, or (None, False)."""
    policy, now = policy or SessionPolicy(), now or datetime.now(UTC)
    if not token or len(token) > 100:
        return None, False
    found = session.execute(select(UserSession, User).join(User, User.id == UserSession.user_id)
                            .where(UserSession.token_hash == token_hash(token))).first()
    if found is None:
        return None, False
    row, user = found
    if not user.active or not policy.alive(row, now):
        return None, False
    return user, now - row.last_seen_at >= policy.touch_every


def touch_session(connection, token, *, now=None):
    """Record that a session was used now (on its own connection, so a request's rollback keeps it)."""
    connection.execute(text("UPDATE user_session SET last_seen_at = :now WHERE token_hash = :h AND last_seen_at < :now"),
                       {"now": now or datetime.now(UTC), "h": token_hash(token)})


def end_session(session, token):
    """End one session (logout); return whether it existed."""
    return session.execute(text("DELETE FROM user_session WHERE token_hash = :h"), {"h": token_hash(token)}).rowcount > 0


def end_user_sessions(session, user_id):
    """End every session of a user (disabled, or a new password); return how many ended."""
    ended = session.execute(text("DELETE FROM user_session WHERE user_id = :u"), {"u": user_id}).rowcount
    logger.info("ended %d session(s) of user %s", ended, user_id)
    return ended


def sweep_expired(session, policy, now):
    """Delete every session past either lifetime."""
    session.execute(text("DELETE FROM user_session WHERE last_seen_at <= :idle OR created_at <= :absolute"),
                    {"idle": now - policy.idle, "absolute": now - policy.absolute})
