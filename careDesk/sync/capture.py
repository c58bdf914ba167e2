"""Change capture: every insert, update and tombstone of a replicated record, written to the
local ``sync_outbox`` in the same transaction as the edit (issue 10).

A SQLAlchemy ``before_flush`` listener on the desk's write session reads each pending object's
attribute history (old and new values), so any service that changes records through the ORM is
covered without knowing about sync. Bulk Core inserts (the demo generator) bypass the ORM; the
first sync of a workstation sends whatever rows the server lacks, and a demo loaded later queues
its rows itself (``apply.enqueue_rows``). Workstation-only columns (``tables.LOCAL_COLUMNS``)
are never captured.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Row, event, inspect, text
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import UOWTransaction

from careDesk.model.base import Record
from careDesk.model.sync import SyncOutbox
from careDesk.sync.apply import enqueue_rows
from careDesk.sync.tables import BOOKKEEPING, META, encode, local_columns, synced_names

# ``session.info`` key of the function that bulk writers (``careDesk.care.demo.rows``) call with
# (connection, table name, ids) after inserting rows with Core.
BULK_INSERTED = "sync.bulk_inserted"


def watch(session: OrmSession) -> None:
    """Capture this session's record changes into the outbox until it closes."""
    event.listen(session, "before_flush", _before_flush)
    session.info[BULK_INSERTED] = _bulk_inserted


def _bulk_inserted(conn: Connection, name: str, ids: list[str]) -> None:
    if name in synced_names():
        enqueue_rows(conn, name, ids)


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
    skip = BOOKKEEPING | local_columns(str(obj.__tablename__))
    return [c.key for c in inspect(type(obj)).column_attrs if c.key not in skip]


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
    if not fields or set(fields) <= META:
        return None
    for key in META - set(fields):
        # Unchanged in this flush (a record added and changed in one transaction keeps the
        # transaction's time and author), yet the server stamps the row with them: always sent.
        value = encode(getattr(obj, key))
        fields[key] = [value, value]
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


# ----- sending: the outbox in order, as the server's push function takes it ----------------
OUTBOX_BATCH = text(
    "SELECT seq, mutation_id, table_name, row_id, op, base_version, fields"
    " FROM sync_outbox ORDER BY seq LIMIT :n"
)


def mutations_json(batch: Sequence[Row[tuple[Any, ...]]]) -> str:
    """The batch as the JSON array push takes; ``fields`` is JSON already and goes in as is."""
    dump = json.dumps
    return (
        "["
        + ",".join(
            f'{{"id":{dump(mid)},"table":{dump(tbl)},"row_id":{dump(rid)},"op":{dump(op)},'
            f'"base_version":{dump(base)},"fields":{fields}}}'
            for _, mid, tbl, rid, op, base, fields in (tuple(r) for r in batch)
        )
        + "]"
    )
