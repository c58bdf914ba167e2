"""Writing the server's rows into the local vault, and queueing a vault's rows for its first push.

Rows are written with SQLAlchemy Core upserts (the ORM would be far too slow for a first sync of
a whole clinic); the table's own bind processors convert values exactly as the ORM does. A row
with edits still waiting in the outbox is never overwritten: the local edit goes to the server
first, and the merged row comes back.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import groupby
from typing import Any

from sqlalchemy import Connection, Table, func, literal, select, text, update
from sqlalchemy.dialects.sqlite import insert
from sqlmodel import Session, col

from careDesk.changes import Changes
from careDesk.model.sync import SyncOutbox
from careDesk.sync.tables import (
    BOOKKEEPING,
    decode_row,
    local_columns,
    patient_of,
    synced_tables,
    table,
)


def pending_rows(session: Session, ids: Iterable[str] | None = None) -> set[tuple[str, str]]:
    """(table, row id) of the rows with edits not yet on the server: all of them, or those among
    ``ids`` (an acknowledgement during a first upload must not read the whole outbox)."""
    query = select(col(SyncOutbox.table_name), col(SyncOutbox.row_id)).distinct()
    if ids is None:
        return {(str(t), str(r)) for t, r in session.execute(query)}
    wanted, found = sorted(set(ids)), set[tuple[str, str]]()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        rows = session.execute(query.where(col(SyncOutbox.row_id).in_(chunk)))
        found.update((str(t), str(r)) for t, r in rows)
    return found


def write_rows(
    session: Session,
    rows: Iterable[tuple[str, dict[str, Any]]],
    *,
    force: bool,
    pending: set[tuple[str, str]],
    changes: Changes | None = None,
) -> int:
    """Upsert server rows (in order); ``force`` overwrites even a higher local version.

    Returns how many rows were taken. A row the vault already has exactly as the server does
    (the server's copy of an edit just pushed from here) is neither written nor announced: it
    changes nothing, so no screen reloads and no risk score is computed again for it."""
    taken = 0
    for name, group in groupby(rows, key=lambda item: item[0]):
        batch = [
            decode_row(name, data) for _, data in group if (name, str(data["id"])) not in pending
        ]
        taken += len(batch)
        t = table(name)
        mine = local_columns(name) | {"id"}
        copied = [c.name for c in t.columns if c.name not in mine]
        batch = _differing(session, t, batch, copied)
        if not batch:
            continue
        stmt = insert(t)
        keep = {c: stmt.excluded[c] for c in copied}
        where = None if force else stmt.excluded.version > t.c.version
        upsert = stmt.on_conflict_do_update(index_elements=["id"], set_=keep, where=where)
        session.execute(upsert, batch)
        if changes is not None:
            for row in batch:
                changes.add(name, row["id"], patient_of(name, row))
    return taken


def _differing(
    session: Session, t: Table, batch: list[dict[str, Any]], copied: list[str]
) -> list[dict[str, Any]]:
    """The rows of ``batch`` that are new here or differ in a column the server sends. Values
    are compared as the table reads them back; a value that merely looks different (a naive
    and an aware time) counts as different, which only costs a write."""
    ids = [row["id"] for row in batch]
    here: dict[str, Any] = {}
    for start in range(0, len(ids), 500):
        query = select(*(t.c[c] for c in ["id", *copied])).where(
            t.c.id.in_(ids[start : start + 500])
        )
        here.update((r["id"], r) for r in session.execute(query).mappings())
    return [
        row
        for row in batch
        if (old := here.get(row["id"])) is None or any(old[c] != row.get(c) for c in copied)
    ]


def row_count(session: Session) -> int:
    """Rows in the replicated tables (what a first upload has to consider)."""
    return sum(
        int(session.execute(text(f'SELECT count(*) FROM "{t.name}"')).scalar_one())
        for t in synced_tables()
    )


def enqueue_rows(conn: Connection, name: str, ids: list[str]) -> int:
    """Queue rows written in bulk, bypassing the ORM (a demo loaded into a syncing vault)."""
    t = table(name)
    return sum(_enqueue(conn, t, ids[start : start + 500]) for start in range(0, len(ids), 500))


def _enqueue(conn: Connection, t: Table, ids: list[str] | None) -> int:
    """Queue rows of ``t`` (all, or those with ``ids``) as inserts, built in SQL."""
    skip = BOOKKEEPING | local_columns(t.name)
    fields = [
        x
        for c in t.columns
        if c.name not in skip
        for x in (literal(c.name), func.json_array(None, t.c[c.name]))
    ]
    rows = select(
        func.lower(func.hex(func.randomblob(16))),
        literal(t.name),
        t.c.id,
        literal("insert"),
        func.json_object(*fields),
        func.strftime("%Y-%m-%d %H:%M:%f", "now"),
    )
    if ids is not None:
        rows = rows.where(t.c.id.in_(ids))
    result = conn.execute(
        SyncOutbox.__table__.insert().from_select(  # type: ignore[attr-defined]
            ["mutation_id", "table_name", "row_id", "op", "fields", "created_at"], rows
        )
    )
    return result.rowcount or 0


def tombstone_missing(session: Session, name: str, seen: set[str], now: Any) -> int:
    """Tombstone live local rows the server no longer has (purged there after a delete)."""
    t = table(name)
    pending = {r for tname, r in pending_rows(session) if tname == name}
    live = session.execute(select(t.c.id).where(t.c.deleted_at.is_(None))).scalars()
    gone = [i for i in live if i not in seen and i not in pending]
    for start in range(0, len(gone), 500):
        chunk = gone[start : start + 500]
        session.execute(update(t).where(t.c.id.in_(chunk)).values(deleted_at=now))
    return len(gone)


def outbox_count(session: Session) -> int:
    """Edits waiting to be sent."""
    return int(session.execute(text("SELECT count(*) FROM sync_outbox")).scalar_one())
