"""Personal data shown only to those who need it."""

import re

PHONE_LIKE = re.compile(r"(?<!\d)\d{7,15}(?!\d)")


def mask_phone(phone):
    """Return a phone number with its middle digits hidden: 138****5678."""
    if not phone:
        return None
    digits = str(phone).strip()
    if len(digits) >= 7:
        return f"{digits[:3]}****{digits[-4:]}"
    return "*" * len(digits)


def mask_name(name):
    """Return a name with all but its first character hidden: 张** ."""
    if not name:
        return None
    return name[0] + "*" * max(1, len(name) - 1)


def mask_phones_in(text):
    """Return free text with every run of 7 to 15 digits (a phone number) masked: 138****5678."""
    if not text:
        return text
    return PHONE_LIKE.sub(lambda m: mask_phone(m.group()), text)
