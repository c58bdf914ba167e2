"""Input forms: non-table SQLModel models that validate, and turn errors into ValidationFailed.

Following the SQLModel docs pattern, ``XCreate`` carries the fields a new record needs and
``XUpdate`` the same fields all optional; an update applies only what the caller set
(``model_dump(exclude_unset=True)``). Unknown fields are refused, so a typo names itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self

from pydantic import ValidationError as PydanticError
from pydantic import model_validator
from pydantic_core import ErrorDetails
from sqlmodel import SQLModel
from sqlmodel._compat import SQLModelConfig  # the type SQLModel declares model_config as

from careDesk.care.forms.fields import clean_input
from careDesk.errors import ValidationFailed

_REASONS = {
    "missing": "is required",
    "extra_forbidden": "is not a field that can be set here",
    "string_too_short": "cannot be empty",
    "string_type": "must be text",
    "bool_type": "must be yes or no",
    "bool_parsing": "must be yes or no",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "finite_number": "must be a number",
    "date_type": "must be a date (YYYY-MM-DD)",
    "date_parsing": "must be a date (YYYY-MM-DD)",
    "date_from_datetime_parsing": "must be a date (YYYY-MM-DD)",
    "date_from_datetime_inexact": "must be a date without a time",
    "datetime_type": "must be a date and time",
    "datetime_parsing": "must be a date and time",
    "datetime_from_date_parsing": "must be a date and time",
    "timezone_aware": "must include a time zone",
}


def _reason(error: ErrorDetails) -> str:
    kind = error["type"]
    if kind.endswith("_type") and error.get("input") is None:
        return "is required"
    if kind in _REASONS:
        return _REASONS[kind]
    ctx = error.get("ctx") or {}
    if kind == "string_too_long":
        return f"is too long (at most {ctx.get('max_length')} characters)"
    if kind in {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}:
        bound = next(iter(ctx.values()), "")
        words = {"greater_than": "more than", "greater_than_equal": "at least"}
        words |= {"less_than": "less than", "less_than_equal": "at most"}
        return f"must be {words[kind]} {bound}"
    if kind == "enum" or kind == "literal_error":
        return f"choose one of {ctx.get('expected', '')}".replace("'", "")
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    # pydantic's own messages describe the rule, never the value, so they are safe to show.
    return error["msg"][0].lower() + error["msg"][1:]


def _field(error: ErrorDetails) -> str:
    names = [str(part) for part in error["loc"] if not isinstance(part, int)]
    return names[0] if names else "input"


class Form(SQLModel):
    """Base of every input form: strict about unknown fields, trims text, blank means unset."""

    model_config = SQLModelConfig(extra="forbid", str_strip_whitespace=True, use_enum_values=True)

    @model_validator(mode="before")
    @classmethod
    def _blank_is_none(cls, data: Any) -> Any:
        # Control and invisible format characters never get in (careDesk.text); a cleared
        # text box arrives as "": store nothing rather than an empty string.
        if isinstance(data, Mapping):
            cleaned = clean_input(cls, data)
            return {
                k: None if isinstance(v, str) and not v.strip() else v for k, v in cleaned.items()
            }
        return data

    @classmethod
    def parse(cls, data: Self | Mapping[str, Any] | None = None, **fields: Any) -> Self:
        """Validate ``data`` (a form, a mapping) and/or keyword fields into this form.

        Raises :class:`ValidationFailed` naming the first field at fault.
        """
        if isinstance(data, cls) and not fields:
            return data
        values: dict[str, Any] = {}
        if isinstance(data, Form):
            values.update(data.model_dump(exclude_unset=True))
        elif data is not None:
            values.update(data)
        values.update(fields)
        try:
            return cls.model_validate(values)
        except PydanticError as exc:
            first = exc.errors(include_url=False)[0]
            raise ValidationFailed(_field(first), _reason(first)) from None

    def changes(self) -> dict[str, Any]:
        """Only the fields the caller set (for updates)."""
        return self.model_dump(exclude_unset=True)


def refuse_empty(values: Mapping[str, Any], required: set[str]) -> None:
    """An update may not clear a field the record needs."""
    for name in sorted(required & values.keys()):
        if values[name] is None:
            raise ValidationFailed(name, "cannot be empty")
