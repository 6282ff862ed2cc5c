"""Accounts: create, authenticate, issue API tokens; every change is written to the admin log."""

import hashlib
import logging
import re
import secrets

from sqlalchemy import select, text
from werkzeug.security import check_password_hash, generate_password_hash

from ..errors import ConflictError, NotFoundError, ValidationError
from ..models import USER_ROLES, User
from .importing import community_id

logger = logging.getLogger(__name__)
USERNAME = re.compile(r"^[A-Za-z0-9_.\-\u4e00-\u9fff]{2,64}$")
MIN_PASSWORD = 8


def hash_token(token):
    """Return the stored form of an API token."""
    return hashlib.sha256(token.encode()).hexdigest()


def log_admin_action(session, actor, action, **detail):
    """Append one line to the admin log."""
    import json

    session.execute(text("INSERT INTO admin_log (actor, action, detail) VALUES (:a, :act, CAST(:d AS jsonb))"),
                    {"a": actor[:100], "act": action, "d": json.dumps(detail, ensure_ascii=False, default=str)})


def add_user(session, username, role, password, *, community_code=None, person_id=None, actor="cli"):
    """Create an account; refuse bad names, weak passwords, unknown roles and scopes."""
    if not USERNAME.match(username or ""):
        raise ValidationError("username must be 2–64 letters, digits, Chinese characters, '.', '_' or '-'",
                              field="username")
    if role not in USER_ROLES:
        raise ValidationError(f"role must be one of {', '.join(USER_ROLES)}, got {role!r}", field="role")
    if not password or len(password) < MIN_PASSWORD:
        raise ValidationError(f"password must be at least {MIN_PASSWORD} characters", field="password")
    cid = community_id(session, community_code) if community_code else None
    if role != "admin" and cid is None:
        raise ValidationError(f"a {role} account needs --community", field="community")
    if role == "chief":
        if person_id is None:
            raise ValidationError("a chief account needs --person (the person id it acts for)", field="person")
        found = session.execute(text("SELECT community_id FROM person WHERE id = :id"), {"id": person_id}).scalar()
        if found is None or found != cid:
            raise ValidationError(f"no person {person_id} in community {community_code}", field="person")
    if session.scalars(select(User).where(User.username == username)).first():
        raise ConflictError(f"username {username!r} is taken", code="username_taken")
    user = User(username=username, role=role, password_hash=generate_password_hash(password), community_id=cid,
                person_id=person_id if role == "chief" else None)
    session.add(user)
    session.flush()
    log_admin_action(session, actor, "user.add", username=username, role=role, community=community_code,
                     person_id=person_id)
    return user


def authenticate(session, username, password):
    """Return the active user with these credentials, or None."""
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None or not user.active or not check_password_hash(user.password_hash, password or ""):
        return None
    return user


def issue_token(session, username, actor="cli"):
    """Create (or replace) a user's API token and return it; only its hash is stored."""
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        raise NotFoundError(f"no user {username!r}")
    token = secrets.token_urlsafe(32)
    user.token_hash = hash_token(token)
    session.flush()
    log_admin_action(session, actor, "user.token", username=username)
    return token


def user_for_token(session, token):
    """Return the active user holding an API token, or None."""
    if not token:
        return None
    user = session.scalars(select(User).where(User.token_hash == hash_token(token))).first()
    return user if user is not None and user.active else None


def set_active(session, username, active, actor="cli"):
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        raise NotFoundError(f"no user {username!r}")
    user.active = active
    session.flush()
    log_admin_action(session, actor, "user.enable" if active else "user.disable", username=username)
    return user


def list_users(session):
    return session.execute(text(
        "SELECT u.username, u.role, c.code AS community, p.name AS person, u.active, u.token_hash IS NOT NULL AS has_token "
        "FROM app_user u LEFT JOIN community c ON c.id = u.community_id LEFT JOIN person p ON p.id = u.person_id "
        "ORDER BY u.username")).mappings().all()
