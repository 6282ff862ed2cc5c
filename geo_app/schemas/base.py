"""What every input schema shares: strictness, reusable field types, and turning a refusal into a ValidationError.

Validators raise the app's own ValidationError (naming the field, in Chinese) where pydantic's words would not
do; pydantic lets such exceptions through unchanged. Pydantic's own refusals are translated here.
"""

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter, model_validator
from pydantic import ValidationError as PydanticError
from pydantic_core import core_schema

from ..errors import ValidationError
from ..geo.validate import CRS_CHOICES, parse_bbox
from ..services.catalog import VOCABULARIES, parse_code

MAX_ID = 2_000_000_000
MAX_OFFSET = 10_000_000

# pydantic error type → Chinese sentence (formatted with the field and the error's context)
MESSAGES = {
    "missing": "缺少 {field}",
    "extra_forbidden": "不认识的字段 {field}",
    "string_type": "{field} 必须是文字",
    "string_too_short": "{field} 不能为空",
    "string_too_long": "{field} 最多 {max_length} 个字符",
    "too_long": "{field} 最多 {max_length} 项",
    "list_type": "{field} 必须是列表",
    "int_type": "{field} 必须是整数",
    "int_parsing": "{field} 必须是整数",
    "int_from_float": "{field} 必须是整数",
    "float_type": "{field} 必须是数字",
    "float_parsing": "{field} 必须是数字",
    "finite_number": "{field} 必须是有限的数字",
    "bool_type": "{field} 必须是 true 或 false",
    "bool_parsing": "{field} 必须是 true 或 false",
    "greater_than_equal": "{field} 不能小于 {ge}",
    "less_than_equal": "{field} 不能大于 {le}",
    "greater_than": "{field} 必须大于 {gt}",
    "less_than": "{field} 必须小于 {lt}",
    "literal_error": "{field} 只能是 {expected}",
    "model_type": "{field} 必须是 JSON 对象",
    "dict_type": "{field} 必须是 JSON 对象",
}


class Strict(BaseModel):
    """A request body: unknown fields are refused, text is stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Query(BaseModel):
    """Query-string arguments: unknown ones are ignored, text is stripped."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, populate_by_name=True)

    @model_validator(mode="before")
    @classmethod
    def _blank_is_absent(cls, data):
        if isinstance(data, dict):
            return {key: value for key, value in data.items() if not (isinstance(value, str) and not value.strip())}
        return data


def refuse(error):
    """Return the ValidationError for pydantic's first complaint: the field, a Chinese sentence, pydantic's words."""
    first = error.errors(include_url=False)[0]
    field = ".".join(str(part) for part in first["loc"]) or "body"
    field = "from" if field == "from_" else field
    context = {key: str(value).replace(" or ", ", ") for key, value in (first.get("ctx") or {}).items()}
    template = MESSAGES.get(first["type"], "{field} 不符合要求")
    try:
        sentence = template.format(field=field, **context)
    except (KeyError, IndexError):
        sentence = MESSAGES["missing"].format(field=field) if first["type"] == "missing" else f"{field} 不符合要求"
    return ValidationError(f"{sentence} ({field}: {first['msg']})", field=field.split(".")[0])


def validate(model, data, context=None):
    """Return data validated as model (with settings in context), or raise ValidationError naming the field."""
    if not isinstance(data, dict):
        raise ValidationError("请求体必须是 JSON 对象 (the body must be a JSON object)", field="body")
    try:
        return model.model_validate(data, context=context)
    except PydanticError as exc:
        raise refuse(exc) from None


def validate_value(annotation, value, field):
    """Return one value validated as a type, or raise ValidationError naming field."""
    try:
        return TypeAdapter(annotation).validate_python(value)
    except PydanticError as exc:
        error = refuse(exc)
        raise ValidationError(error.message.replace("body", field, 1), field=field) from None


def refuse_backwards(start, end, first, second):
    """Refuse a window whose start is not before its end, naming the first field."""
    if start and end and start >= end:
        raise ValidationError(f"{first} 必须早于 {second} ({first} must be before {second})", field=first)


def no_nul(value):
    """Refuse text with a NUL character (PostgreSQL cannot store it)."""
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("contains a NUL character")
    return value


class _Codes:
    """A vocabulary field: validated into codes, documented with the vocabulary's codes and labels."""

    def __init__(self, vocabulary, field, many):
        self.vocabulary, self.field, self.many = vocabulary, field or vocabulary, many

    def parse(self, value):
        if self.many:
            return [parse_code(self.vocabulary, v, self.field) for v in value.split(",") if v.strip()]
        return parse_code(self.vocabulary, value, self.field)

    def __get_pydantic_core_schema__(self, source, handler):
        return core_schema.no_info_after_validator_function(self.parse, handler(source))

    def __get_pydantic_json_schema__(self, schema, handler):
        json_schema = handler(schema)
        words = [word for code, label in VOCABULARIES[self.vocabulary].items() for word in (code, label)]
        if self.many:  # codes or labels, comma-separated (blank parts skipped)
            one = "|".join(re.escape(word) for word in words)
            json_schema["pattern"] = rf"^\s*({one})?\s*(,\s*({one})?\s*)*$"
        else:
            json_schema["enum"] = words
        return json_schema


def code_of(vocabulary, field=None):
    """Return a validator turning a code or a Chinese label of a vocabulary into its code."""
    return _Codes(vocabulary, field, many=False)


def codes_of(vocabulary, field=None):
    """Return a validator turning 'code,label,…' into a list of codes."""
    return _Codes(vocabulary, field, many=True)


def code_help(vocabulary):
    """Describe a code-or-label field for the OpenAPI document."""
    first_code, first_label = next(iter(VOCABULARIES[vocabulary].items()))
    return f"a {vocabulary} code ({first_code}) or its Chinese label ({first_label}); see /vocabularies"


Text = Annotated[str, AfterValidator(no_nul)]
Crs = Literal[CRS_CHOICES]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Offset = Annotated[int, Field(ge=0, le=MAX_OFFSET)]
NUMBER = r"\s*-?\d{1,3}(\.\d{1,12})?\s*"  # documented plainly; parse_bbox also takes other float forms
BBox = Annotated[str, Field(max_length=200, description="minlon,minlat,maxlon,maxlat (WGS-84; min < max, lon within "
                            "-180..180, lat within -90..90)",
                            json_schema_extra={"pattern": f"^{NUMBER},{NUMBER},{NUMBER},{NUMBER}$"}),
                 AfterValidator(parse_bbox)]
CommunityCode = Annotated[str, Field(max_length=64, description="a community code, e.g. mingzhu")]
