"""The one form layer: input forms and read models derived from each aggregate's base model.

Following the SQLModel docs, each aggregate has one base model declaring its fields once, with
their column sizes and their rules (``careDesk/model/fields.py``); the table model and the
forms derive from it:

- ``XCreate(XBase, Form)``: what a new record needs (the base's fields and defaults).
- ``XUpdate = updating(XBase, "XUpdate")``: the same fields, all optional; an update applies
  only what the caller set (``model_dump(exclude_unset=True)``, :meth:`Form.changes`), and a
  field the record cannot be without may be left out but not cleared. It is built from the
  base, so a field is never declared a second time.
- ``XRead(XBase, ReadModel)``: what a verb returns, built with :meth:`ReadModel.of` from the
  stored row *without* re-checking the rules, so a row saved under an older rule, imported or
  synced still reads.

Table models do not validate (SQLModel), so input goes through these forms: unknown fields are
refused (a typo names itself), text is trimmed and blank text means "not given". The first
problem becomes :class:`ValidationFailed` naming the field, with a plain reason from
:func:`plain_reason` — the one place pydantic's error kinds become words a coordinator reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Self, TypeVar, cast, get_args

from pydantic import BaseModel, create_model, model_validator
from pydantic import Field as PydanticField
from pydantic import ValidationError as PydanticError
from pydantic_core import ErrorDetails
from sqlmodel import SQLModel
from sqlmodel._compat import SQLModelConfig  # the type SQLModel declares model_config as
from sqlmodel.main import FieldInfoMetadata

from careDesk.errors import ValidationFailed
from careDesk.model.fields import clean_input

M = TypeVar("M", bound=BaseModel)

# Field names that do not read well with underscores turned into spaces.
LABELS = {
    "mrn": "MRN",
    "icd10": "ICD-10-CM code",
    "snomed": "SNOMED CT code",
    "loinc": "LOINC code",
    "test_code": "test code (LOINC)",
    "consent_sms": "consent to texts",
    "consent_email": "consent to e-mail",
    "consent_letter": "consent to letters",
    "consent_phone": "consent to calls",
    "consent_program": "program consent",
    "consent_program_on": "date of program consent",
    "email": "e-mail",
    "dose_amount": "dose amount",
    "times_per_day": "times a day",
    "every_hours": "every how many hours",
    "as_needed_for": "taken as needed for",
    "telehealth_url": "video visit link",
    "rrule": "repeat rule",
    "recurrence": "repeat rule",
    "timezone": "time zone",
    "abated": "date it ended",
    "onset": "date it began",
}

# pydantic's error kinds → a plain reason. Reasons never repeat the value typed.
_REASONS = {
    "missing": "is required",
    "extra_forbidden": "is not a field that can be set here",
    "string_type": "must be text",
    "string_too_short": "cannot be empty",
    "string_pattern_mismatch": "is not written the expected way",
    "bool_type": "must be yes or no",
    "bool_parsing": "must be yes or no",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "finite_number": "must be a number",
    "date_type": "must be a date (YYYY-MM-DD or MM/DD/YYYY)",
    "date_parsing": "must be a date (YYYY-MM-DD or MM/DD/YYYY)",
    "date_from_datetime_parsing": "must be a date (YYYY-MM-DD or MM/DD/YYYY)",
    "date_from_datetime_inexact": "must be a date without a time",
    "datetime_type": "must be a date and time",
    "datetime_parsing": "must be a date and time",
    "datetime_from_date_parsing": "must be a date and time",
    "datetime_object_invalid": "must be a date and time",
    "timezone_aware": "must include the time zone (for example 2026-03-01T09:00-05:00)",
    "list_type": "must be a list",
    "tuple_type": "must be a list",
    "dict_type": "must be a set of named values",
    "model_type": "must be a set of named values",
    "model_attributes_type": "must be a set of named values",
    "frozen_instance": "cannot be changed",
}
_BOUNDS = {
    "greater_than": ("gt", "more than"),
    "greater_than_equal": ("ge", "at least"),
    "less_than": ("lt", "less than"),
    "less_than_equal": ("le", "at most"),
}


def plain_name(field: str) -> str:
    """A field's name in plain words: "birth_date" → "birth date", "mrn" → "MRN"."""
    return LABELS.get(field, field.replace("_", " "))


def refuse(field: str, reason: str, *, where: str = "") -> ValidationFailed:
    """The error for ``field`` with its plain name (for rules across fields)."""
    return ValidationFailed(field, reason, where=where, label=plain_name(field))


def plain_reason(error: ErrorDetails) -> str:
    """The reason a coordinator reads for one pydantic error (never the value typed)."""
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind.endswith("_type") and error.get("input") is None:
        return "is required"
    if kind in _REASONS:
        return _REASONS[kind]
    if kind in ("value_error", "assertion_error"):
        return str(ctx.get("error", "is not valid here"))
    if kind in ("string_too_long", "too_long"):
        return f"is too long (at most {ctx.get('max_length')} characters)"
    if kind in _BOUNDS:
        key, words = _BOUNDS[kind]
        return f"must be {words} {ctx.get(key)}"
    if kind in ("enum", "literal_error"):
        return f"choose one of {ctx.get('expected', '')}".replace("'", "")
    return "is not a value this field takes"


def _failure(error: ErrorDetails, where: str) -> ValidationFailed:
    names = [str(part) for part in error["loc"] if not isinstance(part, int)]
    field = names[0] if names else "input"
    return ValidationFailed(field, plain_reason(error), where=where, label=plain_name(field))


def parse(model: type[M], data: Mapping[str, Any], *, where: str = "") -> M:
    """Validate ``data`` through ``model``; the first problem names its field."""
    try:
        return model.model_validate(dict(data))
    except PydanticError as exc:
        raise _failure(exc.errors(include_url=False)[0], where) from None


class Form(SQLModel):
    """Base of every input form: strict about unknown fields, trims text, blank means unset.

    ``set_by_core`` (declared on a base model) names fields the core fills in itself, such as
    a patient's phone digits for search: a form refuses them. ``required`` (set on update
    forms by :func:`updating`) names fields that may be left out but not cleared.
    """

    model_config = SQLModelConfig(extra="forbid", str_strip_whitespace=True, use_enum_values=True)
    set_by_core: ClassVar[frozenset[str]] = frozenset()
    required: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="before")
    @classmethod
    def _blank_is_none(cls, data: Any) -> Any:
        # Control and invisible format characters never get in (careDesk.text); a cleared
        # text box arrives as "": store nothing rather than an empty string.
        if not isinstance(data, Mapping):
            return data
        for name in sorted(cls.set_by_core & data.keys()):
            raise refuse(name, _REASONS["extra_forbidden"])
        cleaned = clean_input(cls, data)
        return {k: None if isinstance(v, str) and not v.strip() else v for k, v in cleaned.items()}

    @classmethod
    def parse(cls, data: BaseModel | Mapping[str, Any] | None = None, **fields: Any) -> Self:
        """Validate ``data`` (a form, a mapping) and/or keyword fields into this form.

        Raises :class:`ValidationFailed` naming the first field at fault.
        """
        if isinstance(data, cls) and not fields:
            return data
        values: dict[str, Any] = {}
        if isinstance(data, BaseModel):
            values.update(data.model_dump(exclude_unset=True))
        elif data is not None:
            values.update(data)
        values.update(fields)
        return parse(cls, values)

    def to_record(self) -> dict[str, Any]:
        """The values a new record takes from this form (defaults included), without the
        fields the core sets itself."""
        return self.model_dump(exclude=set(self.set_by_core))

    def changes(self) -> dict[str, Any]:
        """Only the fields the caller set (for updates), refusing to clear a required one."""
        values = self.model_dump(exclude_unset=True)
        for name in sorted(self.required & values.keys()):
            if values[name] is None:
                raise refuse(name, "cannot be empty")
        return values


def _accepts_none(annotation: Any) -> bool:
    return annotation is None or type(None) in get_args(annotation)


def updating(
    base: type[SQLModel],
    name: str,
    *,
    only: frozenset[str] | None = None,
    exclude: frozenset[str] = frozenset(),
    doc: str = "",
) -> type[Form]:
    """The update form of ``base``: its fields (``only`` some, or all but ``exclude`` and the
    fields set by the core), each optional with the same rules and sizes.

    Fields the record cannot be without (not ``None``-able in the base) become
    :attr:`Form.required`: they may be left out of an update but not cleared.
    """
    skip = exclude | getattr(base, "set_by_core", frozenset())
    fields: dict[str, Any] = {}
    for key, info in base.model_fields.items():
        if key in skip or (only is not None and key not in only):
            continue
        rules = [m for m in info.metadata if not isinstance(m, FieldInfoMetadata)]
        kind = Annotated[(info.annotation, *rules)] if rules else info.annotation
        fields[key] = (cast(Any, kind) | None, PydanticField(default=None))
    form = create_model(name, __base__=Form, __module__=base.__module__, __doc__=doc, **fields)
    form.required = frozenset(
        key for key in fields if not _accepts_none(base.model_fields[key].annotation)
    )
    return form


class ReadModel(SQLModel):
    """Base of every returned read model: plain, frozen data built from a row."""

    model_config = SQLModelConfig(from_attributes=True, frozen=True)

    @classmethod
    def of(cls, row: object, **extra: Any) -> Self:
        """This read model of the stored ``row`` (plus ``extra`` values), without re-checking
        the input rules: what is stored is shown as it is."""
        values = {key: getattr(row, key) for key in cls.model_fields if key not in extra}
        # model_construct is typed as returning the class it is declared on, not ``cls``.
        return cast(Self, cls.model_construct(**values, **extra))
