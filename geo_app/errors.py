"""Errors that carry their HTTP status and a message a user can act on."""

import re

# Field names as a user reads them, for the user-facing text of an error that names a field.
FIELD_LABELS = {
    "title": "标题", "description": "情况描述", "category": "类别", "channel": "渠道", "urgency": "紧急程度",
    "reporter_name": "联系人", "reporter_phone": "联系电话", "phone": "联系电话", "note": "说明",
    "lat": "纬度", "lon": "经度", "version": "版本", "code": "编号", "community": "社区", "status": "状态",
    "assignee": "责任人", "person_id": "责任人", "action": "操作", "satisfaction": "满意度", "body": "提交的内容",
    "month": "月份", "bbox": "范围", "zoom": "缩放级别", "from": "开始日期", "to": "结束日期", "limit": "条数",
    "offset": "起始位置", "photo": "照片", "photos": "照片", "kind": "类型", "notify": "通知方式",
    "address": "地址", "url": "地址",
}
# " (English for developers…)" after the Chinese sentence: everything from there to the end.
_DEVELOPER_TAIL = re.compile(r"\s\((?=[A-Za-z'\"]).*$", re.S)
_IDENTIFIER = re.compile(r"(?<![A-Za-z0-9_])[a-z][a-z0-9_]*(?![A-Za-z0-9_])")


def user_text(message):
    """Return the part of an error message a user reads: Chinese only, field names as labels."""
    message = str(message or "")
    if not re.search(r"[\u4e00-\u9fff]", message):
        return ""
    chinese = _DEVELOPER_TAIL.sub("", message).strip()
    return _IDENTIFIER.sub(lambda m: FIELD_LABELS.get(m.group(0), m.group(0)), chinese)


class AppError(Exception):
    """Base error: an HTTP status, a machine code and a human message."""

    status = 400
    code = "bad_request"

    def __init__(self, message, *, field=None, status=None, code=None, details=None):
        super().__init__(message)
        self.message = message
        self.field = field
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code
        self.details = details or {}

    def to_dict(self):
        """Return the JSON body of this error."""
        body = {"error": self.code, "message": self.message, "user_message": user_text(self.message)}
        if self.field:
            body["field"] = self.field
        body.update(self.details)
        return body


class ValidationError(AppError):
    status = 400
    code = "invalid"


class UnprocessableError(AppError):
    status = 422
    code = "unprocessable"


class NotFoundError(AppError):
    status = 404
    code = "not_found"


class ConflictError(AppError):
    status = 409
    code = "conflict"


class ForbiddenError(AppError):
    status = 403
    code = "forbidden"


class UnauthorizedError(AppError):
    status = 401
    code = "unauthorized"


class ImportRefused(AppError):
    """A layer or people file cannot be imported; nothing was written."""

    status = 422
    code = "import_refused"
