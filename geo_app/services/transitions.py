"""The workflow as data: from which statuses each action leads where, and what it must carry.

workflow.py applies it; access.py narrows it to what a viewer may do; the case JSON and the pages read it.
"""

from ..models import ACTIONS, STATUSES

# action → (statuses it may start from, status it leads to; None keeps the status)
TRANSITIONS = {
    "dispatch": (("received", "returned", "dispatched"), "dispatched"),
    "accept": (("dispatched",), "accepted"),
    "start": (("accepted",), "in_progress"),
    "resolve": (("accepted", "in_progress"), "resolved"),
    "visit": (("resolved",), "visited"),
    "close": (("visited",), "closed"),
    "return": (("dispatched", "accepted"), "returned"),
    "mark_duplicate": (("received", "dispatched", "returned"), "duplicate"),
    "confirm": (tuple(s for s in STATUSES if s != "duplicate"), None),
    # 重新办理: a resolved case back to its assignee, in progress again (a reporter's 不满意, or a cadre).
    "reopen": (("resolved", "visited"), "in_progress"),
}
# The action that awards the reporter's household 爱心超市 points (pages explain it beside its button).
POINTS_ACTION = "confirm"

# action → the field it cannot go without and what a person calls it (dispatch: assignee_id, or a point).
REQUIRED_FIELD = {
    "dispatch": ("assignee_id", "责任人"),
    "resolve": ("note", "办理结果"),
    "return": ("note", "退回原因"),
    "visit": ("satisfaction", "满意度"),
    "mark_duplicate": ("duplicate_of", "原民情编号"),
    "reopen": ("note", "重办原因"),
}

# action → the vocabulary its note may be picked from (the workbench offers 退回 reasons as a list).
NOTE_CHOICES = {"return": "return_reason"}


def next_actions(status, confirmed=False):
    """Return the actions that may follow a status (a confirmed report is not confirmed twice)."""
    return [a for a, (sources, _) in TRANSITIONS.items()
            if status in sources and not (a == "confirm" and confirmed)]


def describe(action):
    """Return an action as the browser needs it: code, label, the field it requires (or None) and its choices."""
    field = REQUIRED_FIELD.get(action)
    return {"code": action, "label": ACTIONS[action],
            "requires": {"field": field[0], "label": field[1]} if field else None,
            "choices": NOTE_CHOICES.get(action)}
