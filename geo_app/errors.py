"""Errors that carry their HTTP status and a message a user can act on."""


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
        body = {"error": self.code, "message": self.message}
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
