"""Who did something, as people read it: a person's role and name, or a role, never an account name."""

import logging

from sqlalchemy import text

from ..models import ROLE_LABELS
from ..models.user import USER_ROLES

logger = logging.getLogger(__name__)

# Actors that are not accounts (services name them when no person acts).
FIXED_LABELS = {"system": "系统自动", "public": "居民", "demo": "演示数据"}
OPERATOR_LABEL = "系统管理员"  # cli:<OS user>, from the minqing command line
UNKNOWN_LABEL = "系统"

_ACCOUNTS = text("""
    SELECT u.username, u.role, p.name AS person_name,
           (SELECT r.role FROM responsibility r WHERE r.person_id = p.id AND r.until IS NULL
             ORDER BY r.since, r.id LIMIT 1) AS duty
    FROM app_user u LEFT JOIN person p ON p.id = u.person_id
    WHERE u.username = ANY(:names)
""")


def _has_chinese(value):
    return any("\u4e00" <= char <= "\u9fff" for char in value)


def _account_label(row):
    role = ROLE_LABELS.get(row.duty) or USER_ROLES.get(row.role, "")
    return f"{role} {row.person_name}".strip() if row.person_name else role or UNKNOWN_LABEL


def actor_labels(session, actors):
    """Return {actor: label} for the actors of case events (account names, fixed names, Chinese names)."""
    actors = {a for a in actors if a}
    accounts = [a for a in actors if a not in FIXED_LABELS and not _has_chinese(a) and not a.startswith("cli")]
    found = {row.username: _account_label(row)
             for row in session.execute(_ACCOUNTS, {"names": accounts})} if accounts else {}
    labels = {}
    for actor in actors:
        if actor in found:
            labels[actor] = found[actor]
        elif actor in FIXED_LABELS:
            labels[actor] = FIXED_LABELS[actor]
        elif actor.startswith("cli"):
            labels[actor] = OPERATOR_LABEL
        else:
            labels[actor] = actor if _has_chinese(actor) else UNKNOWN_LABEL
    return labels


def account_label(session, username):
    """Return what the header shows for a signed-in account: the person's role and name, or the role."""
    return actor_labels(session, [username]).get(username, UNKNOWN_LABEL)
