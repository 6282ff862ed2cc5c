"""Strict JSON for request bodies: no NaN, no Infinity, no numbers that overflow to infinity, bounded nesting."""

import json
import math

from flask.json.provider import DefaultJSONProvider

MAX_DEPTH = 32


class StrictJSONError(ValueError):
    pass


def _refuse_constant(name):
    raise StrictJSONError(f"{name} is not allowed in JSON")


def _finite_float(text):
    value = float(text)
    if not math.isfinite(value):
        raise StrictJSONError(f"the number {text[:40]} is too large")
    return value


def check_depth(value, limit=MAX_DEPTH):
    """Refuse structures nested deeper than limit."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            raise StrictJSONError(f"JSON nested deeper than {limit} levels")
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)


class StrictJSONProvider(DefaultJSONProvider):
    ensure_ascii = False

    def loads(self, s, **kwargs):
        try:
            value = json.loads(s, parse_constant=_refuse_constant, parse_float=_finite_float, **kwargs)
        except RecursionError:
            raise StrictJSONError(f"JSON nested deeper than {MAX_DEPTH} levels") from None
        check_depth(value)
        return value
