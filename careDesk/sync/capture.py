"""Change capture: every insert, update and tombstone of a replicated record, written to the
local ``sync_outbox`` in the same transaction as the edit (issue 10).

A SQLAlchemy ``before_flush`` listener on the desk's write session reads each pending object's
attribute history (old and new values), so any service that changes records through the ORM is
covered without knowing about sync. Bulk Core inserts (the demo generator) bypass the ORM; the
first sync of a workstation sends whatever rows the server lacks, so they are covered there.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import UOWTransaction

from careDesk.model.base import Record
from careDesk.model.sync import SyncOutbox
from careDesk.sync.tables import BOOKKEEPING, encode, synced_names


def watch(session: OrmSession) -> None:
    """Capture this session's record changes into the outbox until it closes."""
    event.listen(session, "before_flush", _before_flush)


def _before_flush(session: OrmSession, _flush: UOWTransaction, _instances: Any) -> None:
    names = synced_names()
    entries: list[SyncOutbox] = []
    for obj in session.new:
        if isinstance(obj, Record) and obj.__tablename__ in names:
            entries.append(_inserted(obj))
    for obj in session.dirty:
        if isinstance(obj, Record) and obj.__tablename__ in names:
            entry = _updated(obj)
            if entry is not None:
                entries.append(entry)
    session.add_all(entries)


def _columns(obj: Record) -> list[str]:
    return [c.key for c in inspect(type(obj)).column_attrs if c.key not in BOOKKEEPING]


def _inserted(obj: Record) -> SyncOutbox:
    fields = {key: [None, encode(getattr(obj, key))] for key in _columns(obj)}
    return SyncOutbox(
        table_name=str(obj.__tablename__),
        row_id=obj.id,
        op="insert",
        base_version=None,
        fields=json.dumps(fields),
    )


def _updated(obj: Record) -> SyncOutbox | None:
    state = inspect(obj)
    fields: dict[str, list[Any]] = {}
    for key in _columns(obj):
        history = state.attrs[key].history
        if not history.added:
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0]
        if encode(old) != encode(new):
            fields[key] = [encode(old), encode(new)]
    if not fields or set(fields) <= {"updated_at", "changed_by"}:
        return None
    version = state.attrs["version"].history
    base = version.deleted[0] if version.deleted else obj.version
    tombstoned = "deleted_at" in fields and fields["deleted_at"][0] is None
    return SyncOutbox(
        table_name=str(obj.__tablename__),
        row_id=obj.id,
        op="delete" if tombstoned else "update",
        base_version=base,
        fields=json.dumps(fields),
    )
