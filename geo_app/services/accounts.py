"""Accounts: create, change password, enable or disable, issue API tokens; every change is written to the admin log.

Logging in is services/login.py; the sessions it starts are services/sessions.py.
"""

import hashlib
import logging
import re
import secrets

from sqlalchemy import bindparam, select, text

from ..errors import ConflictError, NotFoundError, ValidationError
from ..models import USER_ROLES, User
from .importing import community_id
from .passwords import check_password_policy, hash_password
from .sessions import end_user_sessions
from .token_cache import TokenAccount, cached, forget_all, keep

logger = logging.getLogger(__name__)
USERNAME = re.compile(r"^[A-Za-z0-9_.\-\u4e00-\u9fff]{2,64}$")


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
        raise ValidationError("用户名须为 2 到 64 个字母、数字、汉字或 . _ - (username must be 2–64 letters, digits, "
                              "Chinese characters, '.', '_' or '-')",
                              field="username")
    if role not in USER_ROLES:
        raise ValidationError(f"角色只能是 {'、'.join(USER_ROLES.values())} (role must be one of {', '.join(USER_ROLES)}, "
                              f"got {role!r})", field="role")
    check_password_policy(password, username)
    cid = community_id(session, community_code) if community_code else None
    if role != "admin" and cid is None:
        raise ValidationError(f"{USER_ROLES[role]}账号须指定社区 (a {role} account needs --community)", field="community")
    if role == "chief":
        if person_id is None:
            raise ValidationError("四长账号须指定所代表的责任人 (a chief account needs --person, the person id it acts for)",
                                  field="person")
        found = session.execute(text("SELECT community_id FROM person WHERE id = :id"), {"id": person_id}).scalar()
        if found is None or found != cid:
            raise ValidationError(f"社区 {community_code} 没有编号为 {person_id} 的责任人 "
                                  f"(no person {person_id} in community {community_code})", field="person")
    if session.scalars(select(User).where(User.username == username)).first():
        raise ConflictError(f"用户名 {username} 已被使用 (username {username!r} is taken)", code="username_taken")
    user = User(username=username, role=role, password_hash=hash_password(password), community_id=cid,
                person_id=person_id if role == "chief" else None)
    session.add(user)
    session.flush()
    log_admin_action(session, actor, "user.add", username=username, role=role, community=community_code,
                     person_id=person_id)
    return user


def set_password(session, username, password, actor="cli"):
    """Give a user a new password that meets the policy; every session of theirs ends (their token stays)."""
    user = _user(session, username)
    check_password_policy(password, username)
    user.password_hash = hash_password(password)
    user.failed_logins, user.locked_until = 0, None
    session.flush()
    ended = end_user_sessions(session, user.id)
    log_admin_action(session, actor, "user.password", username=username, sessions_ended=ended)
    return user


def _user(session, username):
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        raise NotFoundError(f"没有用户 {username!r} (no user {username!r})")
    return user


def issue_token(session, username, actor="cli"):
    """Create (or replace) a user's API token and return it; only its hash is stored."""
    user = _user(session, username)
    token = secrets.token_urlsafe(32)
    user.token_hash = hash_token(token)
    session.flush()
    forget_all()
    log_admin_action(session, actor, "user.token", username=username)
    return token


ACCOUNT_FOR_TOKEN = (select(User.id, User.username, User.role, User.community_id, User.person_id)
                     .where(User.token_hash == bindparam("token_hash"), User.active))


def user_for_token(session, token, cache_seconds=0):
    """Return the TokenAccount of the active user holding an API token, or None; kept cache_seconds (token_cache)."""
    if not token:
        return None
    digest = hash_token(token)
    account = cached(digest)
    if account is None:
        row = session.execute(ACCOUNT_FOR_TOKEN, {"token_hash": digest}).first()
        if row is None:
            return None
        account = TokenAccount(*row)
        keep(digest, account, cache_seconds)
    return account


def set_active(session, username, active, actor="cli"):
    """Enable or disable an account; disabling ends every session of it (and its token stops working)."""
    user = _user(session, username)
    user.active = active
    session.flush()
    forget_all()
    ended = 0 if active else end_user_sessions(session, user.id)
    log_admin_action(session, actor, "user.enable" if active else "user.disable", username=username,
                     sessions_ended=ended)
    return user


def list_users(session):
    return session.execute(text(
        "SELECT u.username, u.role, c.code AS community, p.name AS person, u.active, u.token_hash IS NOT NULL AS has_token "
        "FROM app_user u LEFT JOIN community c ON c.id = u.community_id LEFT JOIN person p ON p.id = u.person_id "
        "ORDER BY u.username")).mappings().all()
