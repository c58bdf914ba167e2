"""Shared pieces of the care-management verbs (plans, team, referrals, timeline, schedule).

Input goes through a non-table pydantic model (SQLModel docs: table models do not validate),
and the first problem becomes a :class:`ValidationFailed` naming the field. Rows are loaded
"live" (not tombstoned) or :class:`NotFound` is raised. Audit events name the fields that
changed, never their values.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    StringConstraints,
    model_validator,
)
from pydantic import ValidationError as PydanticError
from sqlmodel import Session

from careDesk.care.forms.fields import MULTILINE, clean_input
from careDesk.changes import Outcome
from careDesk.errors import NotFound, ValidationFailed
from careDesk.model.base import Record
from careDesk.model.patient import Patient
from careDesk.security.roles import Permission

if TYPE_CHECKING:
    from careDesk.desk import Desk, Tx

M = TypeVar("M", bound=BaseModel)
_PHONE = re.compile(r"^[0-9+()./ x-]{3,40}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
R = TypeVar("R", bound=Record)


class Form(BaseModel):
    """Base of every input model: unknown fields refused, text trimmed, enums stored as text.

    Update forms make every field optional; ``not_null`` names those that may be left out but
    not cleared (their column is required).
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, use_enum_values=True)
    not_null: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="before")
    @classmethod
    def _clean_text(cls, data: Any) -> Any:
        # Control and invisible format characters never get in (careDesk.text); line breaks
        # only in multi-line fields (Para, Body).
        return clean_input(cls, data) if isinstance(data, Mapping) else data

    def values(self) -> dict[str, Any]:
        """The fields the caller set (for updates), refusing to clear a required one."""
        data = self.model_dump(exclude_unset=True)
        for key, value in data.items():
            if value is None and key in self.not_null:
                raise ValidationFailed(key, "must not be empty")
        return data


class ReadModel(BaseModel):
    """Base of every returned read model: plain, frozen data built from a row."""

    model_config = ConfigDict(from_attributes=True, frozen=True)


def parse(model: type[M], data: Mapping[str, Any], *, where: str = "") -> M:
    """Validate ``data`` through ``model``; the first problem names its field."""
    try:
        return model.model_validate(dict(data))
    except PydanticError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "input"
        reason = str(first["msg"]).removeprefix("Value error, ")
        if first["type"] == "extra_forbidden":
            reason = "is not a field of this form"
        raise ValidationFailed(field, reason, where=where) from None


# ----- field types ----------------------------------------------------------------------------
def _blank_to_none(value: object) -> object:
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _aware_utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("give the time with its time zone (for example 2026-03-01T09:00-05:00)")
    return value.astimezone(UTC)


def _rrule(value: str | None) -> str | None:
    if value is not None:
        check_rrule(value)
    return value


def _zone(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("use an IANA time zone name such as America/Chicago") from None
    return value


def _phone(value: str | None) -> str | None:
    if value is not None and not _PHONE.match(value):
        raise ValueError("use 3–40 digits, spaces, '+', '-', '(', ')' or 'x' for an extension")
    return value


def _email(value: str | None) -> str | None:
    if value is not None and (len(value) > 200 or not _EMAIL.match(value)):
        raise ValueError("enter an e-mail address such as name@example.org")
    return value


def _minutes(value: int) -> int:
    if not 1 <= value <= 600:
        raise ValueError("give between 1 and 600 minutes")
    return value


Short = Annotated[str, StringConstraints(min_length=1, max_length=100)]
Line = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Long = Annotated[str, StringConstraints(min_length=1, max_length=300)]
Para = Annotated[str, StringConstraints(min_length=1, max_length=500), MULTILINE]
Body = Annotated[str, StringConstraints(min_length=1, max_length=20_000), MULTILINE]
OptShort = Annotated[Short | None, BeforeValidator(_blank_to_none)]
OptLine = Annotated[Line | None, BeforeValidator(_blank_to_none)]
OptLong = Annotated[Long | None, BeforeValidator(_blank_to_none)]
OptPara = Annotated[Para | None, BeforeValidator(_blank_to_none)]
OptBody = Annotated[Body | None, BeforeValidator(_blank_to_none)]
OptId = Annotated[
    Annotated[str, StringConstraints(min_length=1, max_length=36)] | None,
    BeforeValidator(_blank_to_none),
]
Phone = Annotated[str | None, BeforeValidator(_blank_to_none), AfterValidator(_phone)]
Email = Annotated[str | None, BeforeValidator(_blank_to_none), AfterValidator(_email)]
UtcTime = Annotated[datetime, AfterValidator(_aware_utc)]
Rrule = Annotated[str | None, BeforeValidator(_blank_to_none), AfterValidator(_rrule)]
Zone = Annotated[str | None, BeforeValidator(_blank_to_none), AfterValidator(_zone)]
Minutes = Annotated[int, AfterValidator(_minutes)]


def check_rrule(text: str) -> None:
    """Raise ``ValueError`` unless ``text`` is an RFC 5545 recurrence rule (``dateutil``)."""
    from dateutil.rrule import rrulestr

    try:
        rrulestr(text, dtstart=datetime(2000, 1, 1))
    except (ValueError, TypeError, KeyError, IndexError):
        raise ValueError("not a valid RFC 5545 RRULE (for example FREQ=WEEKLY;BYDAY=MO)") from None


def looks_like_rrule(text: str) -> bool:
    """Whether a schedule is meant as an RRULE rather than plain words."""
    upper = text.strip().upper()
    return upper.startswith(("RRULE:", "FREQ=", "DTSTART")) or ";FREQ=" in upper


# ----- rows -----------------------------------------------------------------------------------
def live(session: Session, table: type[R], record_id: str, what: str) -> R:
    """The row with ``record_id`` unless it is missing or tombstoned (then :class:`NotFound`)."""
    row = session.get(table, record_id)
    if row is None or row.deleted_at is not None:
        raise NotFound(what, record_id)
    return row


def require_patient(session: Session, patient_id: str) -> Patient:
    """The live patient, or :class:`NotFound`."""
    return live(session, Patient, patient_id, "patient")


def apply(record: Record, values: Mapping[str, Any]) -> list[str]:
    """Set the values that differ on ``record``; the sorted names of the fields changed."""
    changed = sorted(key for key, value in values.items() if getattr(record, key) != value)
    for key in changed:
        setattr(record, key, values[key])
    return changed


def record_change(
    tx: Tx,
    action: str,
    record: Record,
    *,
    kind: str,
    patient_id: str | None,
    fields: Iterable[str] = (),
    touch: bool = True,
) -> None:
    """Stamp ``record`` changed (unless new) and audit ``action`` with the changed field names."""
    if touch:
        tx.touch(record, kind=kind, patient_id=patient_id)
    tx.audit(
        action,
        entity=kind,
        entity_id=record.id,
        patient_id=patient_id,
        detail={"fields": sorted(fields)},
    )


def add_audited(
    tx: Tx,
    action: str,
    record: R,
    *,
    kind: str,
    patient_id: str | None,
    fields: Iterable[str],
) -> R:
    """Insert the new ``record`` and audit ``action`` naming the fields the caller gave."""
    tx.add(record, kind=kind, patient_id=patient_id)
    record_change(tx, action, record, kind=kind, patient_id=patient_id, fields=fields, touch=False)
    return record


def update_audited(
    tx: Tx,
    action: str,
    record: Record,
    values: Mapping[str, Any],
    *,
    kind: str,
    patient_id: str | None,
) -> list[str]:
    """Apply ``values``; if any field changed, stamp ``record`` and audit ``action``.

    Returns the sorted names of the fields changed (empty: nothing was written).
    """
    changed = apply(record, values)
    if changed:
        record_change(tx, action, record, kind=kind, patient_id=patient_id, fields=changed)
    return changed


def tombstone_audited(tx: Tx, action: str, record: Record, *, kind: str) -> str | None:
    """Tombstone ``record`` and audit ``action``; the patient it belonged to, if any."""
    patient_id: str | None = getattr(record, "patient_id", None)
    tx.tombstone(record, kind=kind, patient_id=patient_id)
    record_change(tx, action, record, kind=kind, patient_id=patient_id, touch=False)
    return patient_id


def remove_live(
    desk: Desk, table: type[Record], record_id: str, *, what: str, kind: str, action: str
) -> Outcome[None]:
    """The usual "remove (entered in error)" verb: tombstone one live row, audited."""
    with desk.writing(Permission.EDIT) as tx:
        tombstone_audited(tx, action, live(tx.session, table, record_id, what), kind=kind)
        return Outcome(None, tx.changes)


def local_today(tx_now: datetime) -> date:
    """The workstation's calendar date at ``tx_now`` (time entries count by local month)."""
    return tx_now.astimezone().date()
