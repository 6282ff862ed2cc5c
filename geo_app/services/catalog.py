"""Stable codes and Chinese labels for channels, categories, tags, statuses; either is accepted on input."""

from ..errors import ValidationError
from ..models import CATEGORIES, CHANNELS, SATISFACTION, STATUSES, TAGS, URGENCIES

VOCABULARIES = {
    "channel": CHANNELS,
    "category": CATEGORIES,
    "tag": TAGS,
    "urgency": URGENCIES,
    "status": STATUSES,
    "satisfaction": SATISFACTION,
}


def parse_code(vocabulary, value, field=None, *, required=True):
    """Return the code for a code or Chinese label, or refuse naming the field and the choices."""
    field = field or vocabulary
    labels = VOCABULARIES[vocabulary]
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationError(f"{field} is required (one of {', '.join(labels)})", field=field)
        return None
    if not isinstance(value, str):
        raise ValidationError(f"{field} must be a string", field=field)
    value = value.strip()
    if value in labels:
        return value
    for code, label in labels.items():
        if value == label:
            return code
    choices = ", ".join(f"{code} ({label})" for code, label in labels.items())
    raise ValidationError(f"unknown {field} {value[:40]!r}; choose one of {choices}", field=field)


def labelled(vocabulary, code):
    """Return {"code", "label"} for a code, or None."""
    if code is None:
        return None
    return {"code": code, "label": VOCABULARIES[vocabulary][code]}


def vocabulary_list(vocabulary):
    """Return every code with its label."""
    return [{"code": code, "label": label} for code, label in VOCABULARIES[vocabulary].items()]
