"""Inputs of the in-app inbox."""

from typing import Annotated

from pydantic import Field, StrictBool, StrictInt, model_validator

from ..errors import ValidationError
from .base import Query, Strict

Id = Annotated[StrictInt, Field(ge=1, le=9_000_000_000_000_000)]


class InboxQuery(Query):
    """How many notifications of the inbox to list."""

    limit: int = Field(default=50, ge=1, le=200, description="at most this many, unread first")


class MarkReadIn(Strict):
    """Which notifications the caller has read: some ids, or all of them."""

    ids: Annotated[list[Id], Field(max_length=500)] = []
    all: StrictBool = False

    @model_validator(mode="after")
    def _names_something(self):
        if not self.ids and not self.all:
            raise ValidationError("请给出要标为已读的通知编号 ids，或 all: true (name ids, or send all: true)", field="ids")
        return self
