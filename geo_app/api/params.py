"""Reading a request's JSON body and arguments into the input schemas."""

from typing import get_origin

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


def is_multipart():
    """Tell whether the request body is multipart/form-data (a form with files)."""
    return request.mimetype == "multipart/form-data"


def form_field(name):
    """Return one text field of a multipart form, stripped, or None."""
    value = request.form.get(name)
    return value.strip() if value and value.strip() else None


def form_body(model):
    """Return a multipart form's text fields as the JSON object a schema reads (lists and booleans by its types)."""
    data = {}
    for key in request.form:
        values = request.form.getlist(key)
        field = model.model_fields.get(key)
        if field is not None and get_origin(field.annotation) is list:
            data[key] = [part for value in values for part in value.split(",") if part.strip()]
        elif field is not None and field.annotation is bool:
            data[key] = values[-1].strip().lower() in ("true", "1", "on", "yes")
        else:
            data[key] = values[-1]
    return data


def uploaded_files(name, *, required=False):
    """Return the files of a multipart field as [(file name, bytes)], skipping empty file inputs."""
    files = [(upload.filename or name, upload.read()) for upload in request.files.getlist(name)
             if upload.filename or upload.content_length]
    if required and not files:
        raise ValidationError(f"缺少照片：请以 multipart/form-data 上传文件字段 {name} (send files in the field {name!r})",
                              field=name)
    return files
