"""What sends what: case events and deadlines become outbox rows for the people who must hear of them.

Called in the transaction of the cause (append_event, the sweeps); writes rows and defers their delivery,
flushes nothing else, commits nothing. Whether a channel is configured is decided at delivery, by the worker:
a row for an unconfigured channel ends `cancelled`, with the reason.
"""

import logging
from contextlib import contextmanager

from ..feedback_links import issue_feedback_link
from . import outbox
from .recipients import URGENT, base_params, cadres, case_facts, china_time, person, robot_ref

logger = logging.getLogger(__name__)

MUTE_KEY = "notify_muted"


@contextmanager
def muted(session):
    """Write no notifications for what happens inside (loading demo history, imports)."""
    before = session.info.get(MUTE_KEY, False)
    session.info[MUTE_KEY] = True
    try:
        yield
    finally:
        session.info[MUTE_KEY] = before


def to_person(session, case, kind, params, recipient, *, dedup=None):
    """Write a notification to one person on each channel they can be reached by; return the ids written."""
    ids = []
    common = {"community_id": case.community_id, "case_id": case.id, "kind": kind, "params": params,
              "person_id": recipient.person_id, "urgent": case.urgency in URGENT}
    for user_id in recipient.user_ids:
        ids.append(outbox.add(session, channel="inbox", user_id=user_id, **common,
                              dedup_key=dedup and f"{dedup}:inbox:{user_id}"))
    if recipient.phone:
        ids.append(outbox.add(session, channel="sms", address=recipient.phone, **common,
                              dedup_key=dedup and f"{dedup}:sms:{recipient.person_id}"))
    if recipient.email:
        ids.append(outbox.add(session, channel="email", address=recipient.email, **common,
                              dedup_key=dedup and f"{dedup}:email:{recipient.person_id}"))
    return [i for i in ids if i is not None]


def to_group(session, case, kind, params, *, mention=None, dedup=None):
    """Write one robot message to the case's 企业微信 group, @-mentioning a mobile when given."""
    return outbox.add(session, community_id=case.community_id, case_id=case.id, kind=kind, channel="wecom",
                      robot_ref=robot_ref(case), urgent=case.urgency in URGENT,
                      params={**params, "mention": [mention] if mention else []},
                      dedup_key=dedup and f"{dedup}:wecom")


# case event action → (notification kind, who hears: the assignee and/or the community's cadres). The group robot
# hears of each too, @-mentioning the assignee's mobile when the assignee is told.
EVENT_RULES = {
    "dispatch": ("dispatched", {"assignee"}),
    "return": ("returned", {"cadres"}),
    "reopen": ("reopened", {"assignee", "cadres"}),  # 不满意 sends a case back (the workbench branch's transition)
}


def on_case_event(session, case_id, action, *, note=None):
    """Notify whoever must hear of an event just appended to a case's history; return the notification ids."""
    if session.info.get(MUTE_KEY) or (action not in EVENT_RULES and action not in REPORTER_EVENTS):
        return []
    case = case_facts(session, case_id)
    ids = _tell_the_reporter(session, case, action)
    if action not in EVENT_RULES:
        return ids
    kind, audience = EVENT_RULES[action]
    params = {**base_params(case), "deadline": china_time(case.response_due_at), "reason": note or "未注明"}
    assignee = person(session, case.assignee_id) if "assignee" in audience else None
    if audience == {"assignee"} and assignee is None:
        return []
    ids += to_person(session, case, kind, params, assignee) if assignee else []
    if "cadres" in audience:
        for cadre in cadres(session, case.community_id):
            ids += to_person(session, case, kind, params, cadre)
    ids.append(to_group(session, case, kind, params, mention=assignee.phone if assignee else None))
    logger.info("case %s: %s → %d notification(s)", case.code, action, len(ids))
    return ids


# The reporter who consented (civic_case.notify, PIPL art. 14) hears of the first dispatch and of each resolution;
# a resolution's SMS carries a new single-use 回访 link.
REPORTER_EVENTS = {"dispatch", "resolve"}


def _tell_the_reporter(session, case, action):
    if action not in REPORTER_EVENTS or not case.notify or not case.reporter_phone:
        return []
    if action == "dispatch":
        sent = notify_reporter(session, case.id, "reporter_dispatched", {}, dedup=f"reporter:{case.id}:dispatched")
    else:
        path = issue_feedback_link(session, case.id)
        sent = notify_reporter(session, case.id, "resolved", {"token": path.rsplit("/", 1)[1], "path": path})
    return [sent] if sent is not None else []


def notify_reporter(session, case_id, kind, params, *, dedup=None):
    """Text the case's reporter (kind: an SMS_TEMPLATES kind, e.g. resolved); the caller has checked their consent.

    Returns the notification id, or None when the case has no reporter phone.
    """
    case = case_facts(session, case_id)
    if not case.reporter_phone:
        return None
    return outbox.add(session, community_id=case.community_id, case_id=case.id, kind=kind, channel="sms",
                      address=case.reporter_phone, urgent=case.urgency in URGENT,
                      params={**base_params(case), "note": case.resolution_note, **params}, dedup_key=dedup)
