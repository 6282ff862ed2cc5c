"""爱心超市 points: earn and redeem per household; a balance never goes negative."""

import logging
from datetime import UTC, datetime

from sqlalchemy import text

from ..errors import ConflictError, NotFoundError
from .importing import community_id as community_id_for

logger = logging.getLogger(__name__)


def earn(session, community_id, household, points, reason, *, case_id=None, now=None):
    """Credit a household (points and reason validated at the edge: schemas.PointsIn); return its new balance."""
    balance, account_id = session.execute(
        text(
            """
            INSERT INTO points_account (community_id, household, balance) VALUES (:cid, :household, :points)
            ON CONFLICT (community_id, household) DO UPDATE
            SET balance = points_account.balance + EXCLUDED.balance, updated_at = now()
            RETURNING balance, id
            """
        ),
        {"cid": community_id, "household": household, "points": points},
    ).one()
    _entry(session, community_id, account_id, "earn", points, balance, reason, case_id, now)
    return balance


def redeem(session, community_id, household, points, reason, *, now=None):
    """Debit a household at the 爱心超市; refuse a redemption beyond the balance."""
    row = session.execute(
        text("SELECT id, balance FROM points_account WHERE community_id = :cid AND household = :h FOR UPDATE"),
        {"cid": community_id, "h": household},
    ).first()
    if row is None:
        raise NotFoundError(f"户 {household} 没有积分账户 (household {household!r} has no points account)",
                            code="no_account")
    if row.balance < points:
        raise ConflictError(f"积分不足：户 {household} 只有 {row.balance} 分，不能兑换 {points} 分 "
                            f"(household {household!r} has {row.balance} points, cannot redeem {points})",
                            code="insufficient_points", details={"balance": row.balance})
    balance = session.execute(
        text("UPDATE points_account SET balance = balance - :p, updated_at = now() WHERE id = :id RETURNING balance"),
        {"p": points, "id": row.id},
    ).scalar_one()
    _entry(session, community_id, row.id, "redeem", points, balance, reason, None, now)
    return balance


def _entry(session, community_id, account_id, kind, points, balance, reason, case_id, now):
    session.execute(
        text("INSERT INTO points_entry (community_id, account_id, kind, points, balance_after, reason, case_id, at) "
             "VALUES (:cid, :aid, :kind, :points, :balance, :reason, :case_id, :at)"),
        {"cid": community_id, "aid": account_id, "kind": kind, "points": points, "balance": balance,
         "reason": reason, "case_id": case_id, "at": now or datetime.now(UTC)},
    )


def account(session, community_code, household):
    """Return a household's balance and ledger, newest first."""
    cid = community_id_for(session, community_code)
    row = session.execute(
        text("SELECT id, household, balance FROM points_account WHERE community_id = :cid AND household = :h"),
        {"cid": cid, "h": household},
    ).first()
    if row is None:
        raise NotFoundError(f"户 {household} 没有积分账户 (household {household!r} has no points account)",
                            code="no_account")
    entries = session.execute(
        text("SELECT e.at, e.kind, e.points, e.balance_after, e.reason, c.code AS case_code FROM points_entry e "
             "LEFT JOIN civic_case c ON c.id = e.case_id WHERE e.account_id = :id ORDER BY e.at DESC, e.id DESC"),
        {"id": row.id},
    )
    return {"household": row.household, "balance": row.balance, "entries": [
        {"at": e.at.isoformat(), "kind": e.kind, "points": e.points, "balance_after": e.balance_after,
         "reason": e.reason, "case": e.case_code} for e in entries]}


def summary(session, community_code):
    """Return households, points earned, redeemed and outstanding for a community."""
    cid = community_id_for(session, community_code)
    row = session.execute(
        text(
            """
            SELECT (SELECT count(*) FROM points_account WHERE community_id = :cid) AS households,
                   coalesce(sum(points) FILTER (WHERE kind = 'earn'), 0) AS earned,
                   coalesce(sum(points) FILTER (WHERE kind = 'redeem'), 0) AS redeemed,
                   (SELECT coalesce(sum(balance), 0) FROM points_account WHERE community_id = :cid) AS balance
            FROM points_entry WHERE community_id = :cid
            """
        ),
        {"cid": cid},
    ).one()
    return {"households": row.households, "earned": int(row.earned), "redeemed": int(row.redeemed),
            "balance": int(row.balance)}


def ledger(session, community_code):
    """Return a community's whole ledger: every household's balance, and every entry, oldest first."""
    cid = community_id_for(session, community_code)
    accounts = session.execute(
        text("SELECT household, balance FROM points_account WHERE community_id = :cid ORDER BY household"), {"cid": cid})
    entries = session.execute(
        text("SELECT e.at, a.household, e.kind, e.points, e.balance_after, e.reason, c.code AS case_code "
             "FROM points_entry e JOIN points_account a ON a.id = e.account_id "
             "LEFT JOIN civic_case c ON c.id = e.case_id WHERE e.community_id = :cid ORDER BY e.at, e.id"),
        {"cid": cid})
    return {"accounts": [{"household": a.household, "balance": a.balance} for a in accounts],
            "entries": [{"at": e.at, "household": e.household, "kind": e.kind, "points": e.points,
                         "balance_after": e.balance_after, "reason": e.reason, "case": e.case_code} for e in entries]}
