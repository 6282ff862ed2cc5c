"""Every vocabulary by name (codes and Chinese labels, defined once in the models); a code or a label is accepted."""

from ..errors import ValidationError
from ..models import (
    ACTIONS,
    CATEGORIES,
    CHANNELS,
    EVENT_ACTIONS,
    OVERDUE,
    RETURN_REASONS,
    ROLE_LABELS,
    ROLES,
    SATISFACTION,
    SITE_KIND_LABELS,
    STATUSES,
    TAGS,
    UNIT_KIND_LABELS,
    URGENCIES,
    USER_ROLES,
)

VOCABULARIES = {
    "channel": CHANNELS,
    "category": CATEGORIES,
    "tag": TAGS,
    "urgency": URGENCIES,
    "status": STATUSES,
    "satisfaction": SATISFACTION,
    "action": ACTIONS,
    "event": EVENT_ACTIONS,
    "overdue": OVERDUE,
    "return_reason": RETURN_REASONS,
    "unit_kind": UNIT_KIND_LABELS,
    "role": {role: ROLE_LABELS[role] for role in ROLES},
    "assignee_role": ROLE_LABELS,
    "site_kind": SITE_KIND_LABELS,
    "user_role": USER_ROLES,
}


def parse_code(vocabulary, value, field=None, *, required=True):
    """Return the code for a code or Chinese label, or refuse naming the field and the choices."""
    field = field or vocabulary
    labels = VOCABULARIES[vocabulary]
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationError(f"缺少 {field}，可选：{choices_text(labels)} ({field} is required)", field=field)
        return None
    if not isinstance(value, str):
        raise ValidationError(f"{field} 必须是文字 ({field} must be a string)", field=field)
    value = value.strip()
    if value in labels:
        return value
    for code, label in labels.items():
        if value == label:
            return code
    raise ValidationError(f"{field} 不认识「{value[:40]}」，可选：{choices_text(labels)} "
                          f"(unknown {field} {value[:40]!r}; choose one of {', '.join(labels)})", field=field)


def choices_text(labels):
    """Return 'code（label）、…' for a vocabulary, for a message."""
    return "、".join(f"{code}（{label}）" for code, label in labels.items())


def labelled(vocabulary, code):
    """Return {"code", "label"} for a code, or None."""
    if code is None:
        return None
    return {"code": code, "label": VOCABULARIES[vocabulary][code]}


def vocabulary_list(vocabulary):
    """Return every code with its label."""
    return [{"code": code, "label": label} for code, label in VOCABULARIES[vocabulary].items()]


def all_vocabularies():
    """Return every vocabulary as {name: [{"code", "label"}, …]}: what the browser and API clients read."""
    return {name: vocabulary_list(name) for name in VOCABULARIES}
