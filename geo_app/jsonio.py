"""JSON in and out: strict for request bodies (no NaN, no Infinity, no numbers that overflow to infinity, bounded
nesting); answers encoded by orjson: the same JSON values Flask's own encoder would send (keys sorted, dates as
HTTP dates, Decimal as text), only several times faster.
"""

import json
import math

import orjson
from flask.json.provider import DefaultJSONProvider, _default

# Datetimes pass through to Flask's default (an HTTP date, as before), non-str keys become strings as json does.
ORJSON_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME

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

    def _encode(self, obj):
        """Return obj as UTF-8 JSON bytes (compact), or None where orjson cannot say it as json would."""
        try:
            return orjson.dumps(obj, default=_default, option=ORJSON_OPTIONS)
        except (orjson.JSONEncodeError, TypeError):  # e.g. an integer beyond 64 bits: json's way below
            return None

    def dumps(self, obj, **kwargs):
        if not kwargs:
            encoded = self._encode(obj)
            if encoded is not None:
                return encoded.decode()
        return super().dumps(obj, **kwargs)

    def response(self, *args, **kwargs):
        if self._app.debug:  # pretty-printed, as Flask does when debugging
            return super().response(*args, **kwargs)
        encoded = self._encode(self._prepare_response_obj(args, kwargs))
        if encoded is None:
            return super().response(*args, **kwargs)
        return self._app.response_class(encoded + b"\n", mimetype=self.mimetype)

    def loads(self, s, **kwargs):
        try:
            value = json.loads(s, parse_constant=_refuse_constant, parse_float=_finite_float, **kwargs)
        except RecursionError:
            raise StrictJSONError(f"JSON nested deeper than {MAX_DEPTH} levels") from None
        check_depth(value)
        return value
