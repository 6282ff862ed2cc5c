"""Reading a request's JSON body and arguments into the input schemas."""

from flask import current_app, request

from ..errors import ValidationError
from ..schemas import validate


def json_body():
    """Return the request's JSON object, or refuse with a message naming the problem."""
    if not request.is_json:
        raise ValidationError("请以 JSON 发送请求体 (send a JSON body with Content-Type: application/json)", field="body")
    from ..jsonio import StrictJSONError

    try:
        data = current_app.json.loads(request.get_data(cache=True))
    except StrictJSONError as exc:
        raise ValidationError(f"请求体含有不允许的内容 (the body is refused: {exc})", field="body") from None
    except (ValueError, UnicodeDecodeError):
        raise ValidationError("请求体不是有效的 JSON (the body is not valid JSON)", field="body") from None
    if not isinstance(data, dict):
        raise ValidationError("请求体必须是 JSON 对象 (the body must be a JSON object)", field="body")
    return data


def body_as(model):
    """Return the JSON body validated as an input schema."""
    return validate(model, json_body(), current_app.config)


def args_as(model):
    """Return the query arguments validated as an input schema (limits from the settings)."""
    return validate(model, request.args.to_dict(), current_app.config)
