"""Periodic notices: deadlines near or passed (once per case, level and deadline), and each cadre's daily digest."""

import logging
from datetime import timedelta

from sqlalchemy import text

from ...models import NOTIFY_KINDS, OPEN_STATUSES, OVERDUE
from ..clock import LOCAL_TZ
from . import outbox
from .recipients import base_params, cadres, case_facts, china_time, person, robot_ref
from .rules import to_group, to_person

logger = logging.getLogger(__name__)

LEVELS = {"response": "签收", "resolution": "办结"}
DUE = text("""
    SELECT id, CASE WHEN accepted_at IS NULL AND response_due_at < :horizon THEN response_due_at END AS response_due,
           CASE WHEN resolved_at IS NULL AND resolve_due_at < :horizon THEN resolve_due_at END AS resolution_due
      FROM civic_case
     WHERE status = ANY(:open) AND ((accepted_at IS NULL AND response_due_at < :horizon)
                                    OR (resolved_at IS NULL AND resolve_due_at < :horizon))
     ORDER BY id
""")


def sweep_deadlines(session, now, due_soon_minutes):
    """Remind assignees of deadlines within due_soon_minutes; tell assignee and cadres of passed ones (督办).

    Each (case, level, deadline) notice is written once (its rows carry it as params.notice). A 企业微信 group gets
    one summary per sweep, @-mentioning the assignees, not one message per case (a robot takes 20 a minute).
    Returns the number of notifications written.
    """
    horizon = now + timedelta(minutes=due_soon_minutes)
    written, summaries = 0, {}
    for due in session.execute(DUE, {"horizon": horizon, "open": list(OPEN_STATUSES)}).all():
        case = None
        for level, deadline in (("response", due.response_due), ("resolution", due.resolution_due)):
            if deadline is None:
                continue
            kind = "due_soon" if deadline > now else "overdue"
            notice = f"{kind}:{due.id}:{level}:{deadline.isoformat()}"
            if session.execute(NOTICE_WRITTEN, {"case_id": due.id, "kind": kind, "notice": notice}).first():
                continue
            case = case or case_facts(session, due.id)
            params = {**base_params(case), "level": LEVELS[level], "deadline": china_time(deadline), "notice": notice}
            assignee = person(session, case.assignee_id)
            ids = to_person(session, case, kind, params, assignee, dedup=notice) if assignee else []
            if kind == "overdue":
                for cadre in cadres(session, case.community_id):
                    ids += to_person(session, case, kind, params, cadre, dedup=notice)
            if not ids:  # nobody to tell but the group: its own message marks the notice as written
                ids.append(to_group(session, case, kind, params, dedup=notice))
            else:
                entry = summaries.setdefault(robot_ref(case), {"community_id": case.community_id, "lines": [],
                                                               "mention": []})
                entry["lines"].append(f"· {NOTIFY_KINDS[kind]} {case.code} {case.title}：{params['level']}时限 "
                                      f"{params['deadline']}（{params['assignee']}）")
                if assignee and assignee.phone and assignee.phone not in entry["mention"]:
                    entry["mention"].append(assignee.phone)
            written += len([i for i in ids if i is not None])
    for ref, entry in summaries.items():
        outbox.add(session, community_id=entry["community_id"], kind="sweep", channel="wecom", robot_ref=ref,
                   params={"count": len(entry["lines"]), "lines": entry["lines"], "mention": entry["mention"],
                           "path": "/map"})
        written += 1
    if written:
        logger.info("deadline sweep: %d notification(s)", written)
    return written


NOTICE_WRITTEN = text("SELECT 1 FROM notification WHERE case_id = :case_id AND kind = :kind "
                      "AND params->>'notice' = :notice LIMIT 1")


OVERDUE_CASES = text("""
    SELECT code, title, CASE WHEN accepted_at IS NULL AND response_due_at < :now THEN 'response'
                             ELSE 'resolution' END AS overdue
      FROM civic_case
     WHERE community_id = :cid AND status = ANY(:open)
       AND ((accepted_at IS NULL AND response_due_at < :now) OR (resolved_at IS NULL AND resolve_due_at < :now))
     ORDER BY least(response_due_at, resolve_due_at)
""")
COMMUNITIES_WITH_CADRES = text("""
    SELECT DISTINCT c.id, c.code, c.name FROM community c JOIN app_user u ON u.community_id = c.id
     WHERE u.role = 'cadre' AND u.active ORDER BY c.id
""")
DIGEST_LIST_MAX = 10


def daily_digest(session, now):
    """Send each cadre the day's digest: new cases in the last 24 hours and the open cases past a deadline."""
    day = now.astimezone(LOCAL_TZ).date().isoformat()
    written = 0
    for community in session.execute(COMMUNITIES_WITH_CADRES).all():
        new = session.execute(text("SELECT count(*) FROM civic_case WHERE community_id = :cid AND received_at >= :since"),
                              {"cid": community.id, "since": now - timedelta(days=1)}).scalar()
        overdue = session.execute(OVERDUE_CASES, {"cid": community.id, "now": now, "open": list(OPEN_STATUSES)}).all()
        params = {"community": community.name, "day": day, "new": new, "overdue": len(overdue), "path": "/map",
                  "overdue_cases": [{"code": c.code, "title": c.title, "overdue_label": OVERDUE[c.overdue]}
                                    for c in overdue[:DIGEST_LIST_MAX]]}
        for cadre in cadres(session, community.id):
            written += len(_digest_to(session, community.id, params, cadre, f"digest:{day}:{community.id}"))
    logger.info("daily digest %s: %d notification(s)", day, written)
    return written


def _digest_to(session, community_id, params, cadre, dedup):
    ids = [outbox.add(session, community_id=community_id, kind="digest", channel="inbox", user_id=user_id,
                      person_id=cadre.person_id, params=params, dedup_key=f"{dedup}:inbox:{user_id}")
           for user_id in cadre.user_ids]
    if cadre.email:
        ids.append(outbox.add(session, community_id=community_id, kind="digest", channel="email",
                              address=cadre.email, person_id=cadre.person_id, params=params,
                              dedup_key=f"{dedup}:email:{cadre.person_id}"))
    return [i for i in ids if i is not None]
