"""Schema objects the SQLModel tables do not describe: triggers, full-text index, sorted index.

Alembic cannot autogenerate these on SQLite, so each is written by hand in the migration that
introduces it, and every migration's SQL stays as it was released (a migration is history:
``tests/careDesk/store/test_schema.py`` pins the released scripts). This module only *names*
them: what a vault at the current schema must hold, so checks can find one missing and the
comparison with the models can tell an expected extra from drift.

History (issue 18): until schema 3 the statements lived in a list here that the initial
migration ran, and the list grew after vaults existed (the patient search index, then the
reminders-order index), so a vault created before a statement joined the list never got it.
Migration 0005 (re)creates every one of them in every vault; a new extra now comes with its
own migration and its entry below.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection


@dataclass(frozen=True)
class Extra:
    """One hand-written schema object: its ``sqlite_master`` type and name, and its table."""

    kind: str  # "trigger", "index" or "table" (an FTS5 virtual table)
    name: str
    table: str
    why: str


EXTRAS: tuple[Extra, ...] = (
    Extra(
        "trigger",
        "audit_event_no_update",
        "audit_event",
        "the audit trail is append-only (docs/architecture.md#the-audit-trail)",
    ),
    Extra("trigger", "audit_event_no_delete", "audit_event", "the audit trail is append-only"),
    Extra(
        "table",
        "patient_search",
        "patient",
        "FTS5 over names, MRN and phone digits, diacritics removed (careDesk/care/search.py)",
    ),
    Extra("trigger", "patient_search_ai", "patient", "keeps patient_search in step on insert"),
    Extra("trigger", "patient_search_ad", "patient", "keeps patient_search in step on delete"),
    Extra("trigger", "patient_search_au", "patient", "keeps patient_search in step on update"),
    Extra(
        "index",
        "ix_follow_up_open_urgent_due",
        "follow_up",
        "the reminders order (status, urgent DESC, due_at) straight from an index",
    ),
)

# SQLite's own tables behind the FTS5 index (created and dropped with it).
FTS_SHADOW_SUFFIXES = ("_data", "_idx", "_content", "_docsize", "_config")


def is_extra(name: str) -> bool:
    """Whether ``name`` is one of the extras, or a shadow table of the full-text index."""
    names = {extra.name for extra in EXTRAS}
    fts = [extra.name for extra in EXTRAS if extra.kind == "table"]
    return name in names or any(name == f + s for f in fts for s in FTS_SHADOW_SUFFIXES)


def missing_extras(connection: Connection | Any) -> list[Extra]:
    """The extras a vault lacks (none once it is migrated to the current schema)."""
    rows = connection.exec_driver_sql("SELECT type, name FROM sqlite_master").fetchall()
    present = {(str(kind), str(name)) for kind, name in rows}
    return [extra for extra in EXTRAS if (extra.kind, extra.name) not in present]
