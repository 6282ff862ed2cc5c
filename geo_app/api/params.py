"""Query-string parsing shared by the API views."""

from datetime import date, datetime, time, timedelta

from flask import current_app, request

from ..errors import ValidationError
from ..geo.validate import parse_bbox, parse_int
from ..services.catalog import parse_code
from ..services.clock import LOCAL_TZ, check_in_range


def parse_day(value, field, *, end=False):
    """Return the start of a YYYY-MM-DD day (or of the next day when end) in China time, or a full timestamp.

    Days outside clock.EARLIEST_DAY … LATEST_DAY are refused before any arithmetic on them.
    """
    if not value:
        return None
    try:
        if len(value) == 10:
            day = check_in_range(datetime.combine(date.fromisoformat(value), time(), LOCAL_TZ), field)
            return day + timedelta(days=1) if end else day
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"{field} must be a date like 2024-01-31 or an ISO timestamp, got {value[:40]!r}",
                              field=field) from None
    return check_in_range(moment if moment.tzinfo else moment.replace(tzinfo=LOCAL_TZ), field)


def json_body():
    """Return the request's JSON object, or refuse with a message naming the problem."""
    if not request.is_json:
        raise ValidationError("send a JSON body with Content-Type: application/json", field="body")
    from ..jsonio import StrictJSONError

    try:
        data = current_app.json.loads(request.get_data(cache=True))
    except StrictJSONError as exc:
        raise ValidationError(f"the body is refused: {exc}", field="body") from None
    except (ValueError, UnicodeDecodeError):
        raise ValidationError("the body is not valid JSON", field="body") from None
    if not isinstance(data, dict):
        raise ValidationError("the body must be a JSON object", field="body")
    return data


def case_filters(args):
    """Return case filters from query arguments: codes or Chinese labels, comma-separated lists."""
    filters = {}
    for name in ("status", "channel", "category"):
        if args.get(name):
            filters[name] = [parse_code(name, v, name) for v in args[name].split(",") if v.strip()]
    if args.get("assignee"):
        filters["assignee"] = parse_int(args["assignee"], "assignee", default=None, minimum=1)
    if args.get("bbox"):
        filters["bbox"] = parse_bbox(args["bbox"])
    filters["from"] = parse_day(args.get("from"), "from")
    filters["to"] = parse_day(args.get("to"), "to", end=True)
    if filters["from"] and filters["to"] and filters["from"] >= filters["to"]:
        raise ValidationError("from must be before to", field="from")
    if args.get("community"):
        filters["community"] = args["community"]
    return filters
