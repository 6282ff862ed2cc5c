"""Personal data shown only to those who need it."""


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
