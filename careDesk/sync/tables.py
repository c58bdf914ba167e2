"""Which tables replicate, and how their values travel as JSON.

Every ``Record`` table replicates except the ones that belong to one workstation: sign-in
accounts (each vault has its own key slots) and the message outbox (sent by the workstation
that queued it, so a message is never sent twice). Derived tables (risk scores) and the audit
trail are not ``Record`` tables and are rebuilt or kept locally.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import Table, TypeDecorator

import careDesk.model  # noqa: F401  (registers every table)
from careDesk.model.base import Record

LOCAL_ONLY = frozenset({"user_account", "outbox_message", "inbound_message"})

# Tables whose conflicting fields need a clinician's eye: the server keeps its value and the app
# raises a review task ("clinical fields in conflict keep the server value", issue 10).
CLINICAL = frozenset(
    {
        "condition",
        "medication",
        "allergy",
        "encounter",
        "observation",
        "screener_result",
        "alert",
        "care_plan",
        "problem",
        "goal",
        "activity",
        "transition",
    }
)

# Unique within a clinic, but two workstations apart can both fill them alike: the vault does not
# enforce them (the registry checks as you type), the server reports a duplicate for review.
CLINIC_UNIQUE: dict[str, tuple[str, ...]] = {"patient": ("mrn",)}

# Columns computed from another column of the same row: never a conflict of their own (they
# follow their source: applied with it, or kept with the server's value when it conflicts).
DERIVED: dict[str, tuple[str, ...]] = {
    "patient": ("phone_digits",),
    # A linked goal's target rule is read from its target text (careDesk/care/measures/links.py).
    "goal": ("target_rule", "target_value", "target_value2", "target_unit"),
}

# Columns that describe one workstation, not the patient: never sent, never overwritten by a
# pull. A due follow-up is announced once on each workstation (``notified_at``).
LOCAL_COLUMNS: dict[str, frozenset[str]] = {"follow_up": frozenset({"notified_at"})}


def local_columns(name: str) -> frozenset[str]:
    """The workstation-only columns of table ``name``."""
    return LOCAL_COLUMNS.get(name, frozenset())


# Written by the server on every change; never compared field by field.
BOOKKEEPING = frozenset({"id", "version"})
META = frozenset({"updated_at", "changed_by"})


def _record_tables() -> list[Table]:
    """Every Record table in parent-before-child order."""
    names = {
        str(getattr(cls, "__tablename__", ""))
        for cls in _subclasses(Record)
        if getattr(cls, "__table__", None) is not None
    }
    from sqlmodel import SQLModel

    return [t for t in SQLModel.metadata.sorted_tables if t.name in names]


def _subclasses(cls: type) -> list[type]:
    found: list[type] = []
    sub: type
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_subclasses(sub))
    return found


@cache
def synced_tables() -> tuple[Table, ...]:
    """The replicated tables, parents before children (foreign keys hold on every insert)."""
    return tuple(t for t in _record_tables() if t.name not in LOCAL_ONLY)


@cache
def synced_names() -> frozenset[str]:
    """Names of the replicated tables."""
    return frozenset(t.name for t in synced_tables())


def table(name: str) -> Table:
    """The replicated table called ``name``."""
    for t in synced_tables():
        if t.name == name:
            return t
    raise KeyError(name)


def encode(value: Any) -> Any:
    """A Python column value as JSON (timestamps and dates in ISO 8601)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "value") and not isinstance(value, bool | int | float | str):
        return value.value  # enums store their value
    return value


@cache
def _decoders(name: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column in table(name).columns:
        sql_type = column.type
        if isinstance(sql_type, TypeDecorator):
            sql_type = sql_type.impl_instance
        kind = sql_type.python_type
        if kind is datetime:
            out[column.name] = datetime.fromisoformat
        elif kind is date:
            out[column.name] = date.fromisoformat
        elif kind in (float, bool, int):
            out[column.name] = kind
    return out


def decode_row(name: str, data: dict[str, Any]) -> dict[str, Any]:
    """A server row (JSON) as Python values for the local table, columns it lacks set to None."""
    decoders = _decoders(name)
    row: dict[str, Any] = {}
    for column in table(name).columns:
        value = data.get(column.name)
        if value is not None and column.name in decoders:
            value = decoders[column.name](value)
        row[column.name] = value
    return row


def patient_of(name: str, data: dict[str, Any]) -> str | None:
    """The patient a row belongs to (the row itself for the patient table)."""
    if name == "patient":
        return str(data["id"])
    value = data.get("patient_id")
    return str(value) if value else None
