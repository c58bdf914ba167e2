"""A workstation's first sync (or a re-bootstrap): the whole clinic, streamed table by table.

The server hands every value over already in the form the vault stores it
(``sync.snapshot_rows_<table>()``, generated in :mod:`careDesk.sync.ddl`), so rows go from
psycopg straight into SQLite's ``executemany`` with no per-value work in Python. One thread reads
from the server while the calling thread writes to the vault, so the two overlap. Writes commit
in short chunks (sized by time, ``careDesk/ops/chunks.py``, at most :data:`COMMIT_ROWS` rows), so
a save made on this workstation meanwhile waits for one chunk, not for the copy. A stopped or
interrupted first sync keeps the chunks it committed and starts again from the top next time
(every write is an upsert). A row with edits still waiting in the outbox is never overwritten:
the local edit reaches the server first.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg import sql

from careDesk.ops import ChunkSizer, Progress
from careDesk.sync import apply
from careDesk.sync.connection import SyncUpgradeRequired
from careDesk.sync.ddl import snapshot_function
from careDesk.sync.reports import COPYING
from careDesk.sync.tables import local_columns, synced_tables, table

if TYPE_CHECKING:
    from careDesk.desk import Desk

FETCH = 5_000  # rows per round trip
# Rows per local write transaction: the first, then sized by time (careDesk/ops/chunks.py)
# between MIN_ROWS (below it the commit's own cost dominates) and COMMIT_ROWS.
FIRST_ROWS, MIN_ROWS, COMMIT_ROWS = 500, 200, 50_000
_QUEUED = 8  # pages held between the reading and the writing thread

Page = tuple[str, list[tuple[Any, ...]] | None]  # (table, rows); None rows: the table ended


@dataclass(frozen=True)
class Snapshot:
    """Where the change stream continues after the snapshot, and how many rows came."""

    txid: int
    rows: int


def take(
    desk: Desk,
    conn: psycopg.Connection[Any],
    client_id: str,
    schema_version: int,
    progress: Progress,
    *,
    again: bool,
) -> Snapshot:
    """Copy the clinic's rows into the vault from one consistent server snapshot.

    ``again``: a re-bootstrap over existing rows; local rows the server no longer has (purged
    after a delete) are tombstoned.
    """
    conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    try:
        row = conn.execute(
            "SELECT sync.snapshot_start(%s, %s)", (client_id, schema_version)
        ).fetchone()
        start: dict[str, Any] = row[0] if row else {}
        if start.get("status") == "upgrade":
            raise SyncUpgradeRequired(int(start["min_schema"]))
        total = sum(int(n) for n in start["counts"].values())
        progress.update(0, total, COPYING)
        pages: queue.Queue[Page | BaseException | None] = queue.Queue(maxsize=_QUEUED)
        stop = threading.Event()
        reader = threading.Thread(
            target=_read, args=(conn, pages, stop), name="sync-snapshot", daemon=True
        )
        reader.start()
        try:
            written = _write(desk, _pages(pages), total, progress, again=again)
        finally:
            stop.set()
            reader.join()
        conn.commit()
    finally:
        conn.rollback()
        conn.isolation_level = None
    return Snapshot(int(start["txid"]), written)


def _read(
    conn: psycopg.Connection[Any],
    pages: queue.Queue[Page | BaseException | None],
    stop: threading.Event,
) -> None:
    """The reading thread: every replicated table, parents before children."""

    def put(item: Page | BaseException | None) -> bool:
        while not stop.is_set():
            try:
                pages.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    try:
        for t in synced_tables():
            query = sql.SQL("SELECT * FROM sync.{}()").format(sql.Identifier(snapshot_function(t)))
            with conn.cursor(name=f"snapshot_{t.name}", binary=True) as cursor:
                cursor.execute(query)
                while rows := cursor.fetchmany(FETCH):
                    if not put((t.name, rows)):
                        return
            if not put((t.name, None)):
                return
        put(None)
    except BaseException as exc:  # handed to the writing thread, which raises it
        put(exc)


def _pages(pages: queue.Queue[Page | BaseException | None]) -> Iterator[Page]:
    while (item := pages.get()) is not None:
        if isinstance(item, BaseException):
            raise item
        yield item


def _write(
    desk: Desk, pages: Iterator[Page], total: int, progress: Progress, *, again: bool
) -> int:
    """Write the pages in short transactions; returns how many rows."""
    written = 0
    seen: set[str] = set()
    empty: dict[str, bool] = {}
    sizer = ChunkSizer(FIRST_ROWS, low=min(MIN_ROWS, COMMIT_ROWS), high=COMMIT_ROWS)
    for name, rows in pages:
        if name not in empty:  # a new table: its rows may be wider, start small again
            sizer.size = min(sizer.size, FIRST_ROWS)
        if rows is None:  # the table is complete
            if again:
                with desk.writing(None) as tx:
                    apply.tombstone_missing(tx.session, name, seen, tx.now)
                seen = set()
            continue
        start = 0
        while start < len(rows):
            part = rows[start : start + sizer.size]
            began = time.perf_counter()
            with desk.writing(None) as tx:
                raw = tx.session.connection().connection.driver_connection
                assert raw is not None
                if name not in empty:  # first rows of this table: a new workstation has none
                    empty[name] = raw.execute(f'SELECT 1 FROM "{name}" LIMIT 1').fetchone() is None
                raw.executemany(_insert(name) if empty[name] else _upsert(name), part)
            sizer.took(time.perf_counter() - began, len(part))
            if again:
                seen.update(str(r[0]) for r in part)
            start += len(part)
            written += len(part)
            progress.update(written, total)  # a stop ends the copy here, chunks kept
    return written


@cache
def _insert(name: str) -> str:
    """Insert one row (into a table that was empty when the snapshot began: a plain insert is
    a sixth faster than the upsert)."""
    q = [f'"{c.name}"' for c in table(name).columns]
    return f'INSERT INTO "{name}" ({", ".join(q)}) VALUES ({", ".join("?" * len(q))})'


@cache
def _upsert(name: str) -> str:
    """Insert or overwrite one row by id, unless it has edits waiting to be sent."""
    columns = [c.name for c in table(name).columns]
    if columns[0] != "id":
        raise AssertionError(f"{name}: the id must come first")
    q = [f'"{c}"' for c in columns]
    mine = local_columns(name)
    keep = ", ".join(f'"{c}" = excluded."{c}"' for c in columns[1:] if c not in mine)
    return (
        f'INSERT INTO "{name}" ({", ".join(q)}) VALUES ({", ".join("?" * len(q))})'
        f' ON CONFLICT ("id") DO UPDATE SET {keep}'
        " WHERE NOT EXISTS (SELECT 1 FROM sync_outbox o"
        f" WHERE o.row_id = excluded.id AND o.table_name = '{name}')"
    )
