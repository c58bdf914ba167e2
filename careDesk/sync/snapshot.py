"""A workstation's first sync (or a re-bootstrap): the whole clinic, streamed table by table.

The server hands every value over already in the form the vault stores it
(``sync.snapshot_rows_<table>()``, generated in :mod:`careDesk.sync.ddl`), so rows go from
psycopg's binary cursor straight into SQLite's ``executemany`` (one prepared statement) with no
per-value work in Python. One thread reads from the server while the calling thread writes to
the vault, so the two overlap. Writes commit every :data:`COMMIT_ROWS` rows, so a person's
save waits about a second at most. A table empty on this workstation takes plain inserts, with
its secondary indexes built once it is in and its search index filled once per transaction
(:mod:`careDesk.sync.bulkload`); a table with rows takes upserts that leave alone the rows it
already has as the server does. An interrupted first sync keeps what it committed and starts
again from the top next time (every write is an upsert). A row with edits still waiting in the
outbox is never overwritten: the local edit reaches the server first.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg import sql

from careDesk.sync import apply
from careDesk.sync.bulkload import SearchBatch, drop_deferred, missing, to_build
from careDesk.sync.connection import SyncUpgradeRequired
from careDesk.sync.ddl import snapshot_function
from careDesk.sync.tables import local_columns, synced_tables, table

if TYPE_CHECKING:
    from careDesk.desk import Desk, Tx

FETCH = 5_000  # rows per round trip
COMMIT_ROWS = 100_000  # rows per local write transaction (about a second)
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
    progress: Callable[[str, int, int], None],
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
        progress("snapshot", 0, total)
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


def restore_indexes(desk: Desk) -> int:
    """Build the indexes a first sync dropped and could not build again (the app was killed
    mid-table); returns how many. One query when there are none."""
    with desk.reading() as session:
        raw = session.connection().connection.driver_connection
        statements = [s for name in missing(raw) for s in to_build(raw, name)]
    for statement in statements:
        with desk.writing(None) as tx:
            tx.session.connection().exec_driver_sql(statement)
    return len(statements)


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
    desk: Desk,
    pages: Iterator[Page],
    total: int,
    progress: Callable[[str, int, int], None],
    *,
    again: bool,
) -> int:
    writer = _Writer(desk, total, progress, again=again)
    try:
        with writer.stack:  # an error or a Stop rolls back the open transaction
            for name, rows in pages:
                if rows is None:
                    writer.table_done(name)
                else:
                    writer.page(name, rows)
            writer.commit()
    except BaseException:
        writer.build_all(quietly=True)  # what committed stays, with its indexes
        raise
    writer.build_all(quietly=False)
    return writer.written


class _Writer:
    """Writes the snapshot's pages in transactions of about :data:`COMMIT_ROWS` rows.

    A table empty when its first page comes (a new workstation) takes plain inserts, its
    secondary indexes are built once it is in, and its search index is filled once per
    transaction (:mod:`careDesk.sync.bulkload`); other tables take upserts that write only rows
    that differ. Every commit leaves the vault consistent and searchable.
    """

    def __init__(
        self, desk: Desk, total: int, progress: Callable[[str, int, int], None], *, again: bool
    ) -> None:
        self.desk, self.total, self.progress, self.again = desk, total, progress, again
        self.stack = ExitStack()
        self.raw: Any = None
        self.tx: Tx | None = None
        self.written = self.in_tx = 0
        self.fresh: dict[str, bool] = {}
        self.search: SearchBatch | None = None
        self.deferred: list[str] = []  # tables whose indexes wait to be built
        self.seen: set[str] = set()

    def _open(self) -> Any:
        if self.tx is None:
            self.tx = self.stack.enter_context(self.desk.writing(None))
            raw = self.tx.session.connection().connection.driver_connection
            assert raw is not None
            self.raw = raw
            if self.search is not None:
                self.search.begin()
        return self.raw

    def page(self, name: str, rows: list[tuple[Any, ...]]) -> None:
        raw = self._open()
        if name not in self.fresh:  # the table's first page
            self.fresh[name] = raw.execute(f'SELECT 1 FROM "{name}" LIMIT 1').fetchone() is None
            if self.fresh[name]:
                if drop_deferred(raw, name):
                    self.deferred.append(name)
                self.search = SearchBatch(raw, name)
                self.search.begin()
        raw.executemany(_insert(name) if self.fresh[name] else _upsert(name), rows)
        if self.again:
            self.seen.update(str(r[0]) for r in rows)
        self.written += len(rows)
        self.in_tx += len(rows)
        self.progress("snapshot", self.written, self.total)
        if self.in_tx >= COMMIT_ROWS:
            self.commit()

    def table_done(self, name: str) -> None:
        if self.again:
            tx = self.tx or self.stack.enter_context(self.desk.writing(None))
            self.tx = tx
            apply.tombstone_missing(tx.session, name, self.seen, tx.now)
            self.seen = set()
        self.commit()
        self.search = None
        if name in self.deferred:
            self._build(name)

    def commit(self) -> None:
        if self.tx is not None and self.search is not None:
            self.search.finish()
        self.stack.close()
        self.tx, self.in_tx = None, 0

    def _build(self, name: str) -> None:
        """The table's dropped indexes, one write transaction each."""
        with self.desk.reading() as session:
            raw = session.connection().connection.driver_connection
            statements = to_build(raw, name)
        for statement in statements:
            with self.desk.writing(None) as tx:
                tx.session.connection().exec_driver_sql(statement)
        self.deferred.remove(name)

    def build_all(self, *, quietly: bool) -> None:
        """Build every index still dropped. ``quietly``: on the way out of an error, a failure
        here is left to the next sync (``bulkload.missing``), not raised over the error."""
        for name in list(self.deferred):
            try:
                self._build(name)
            except Exception:
                if not quietly:
                    raise
                return


@cache
def _insert(name: str) -> str:
    """Insert one row (into a table that was empty when the snapshot began: a plain insert is
    a sixth faster than the upsert)."""
    q = [f'"{c.name}"' for c in table(name).columns]
    return f'INSERT INTO "{name}" ({", ".join(q)}) VALUES ({", ".join("?" * len(q))})'


@cache
def _upsert(name: str) -> str:
    """Insert or overwrite one row by id, unless it has edits waiting to be sent or is the same."""
    columns = [c.name for c in table(name).columns]
    if columns[0] != "id":
        raise AssertionError(f"{name}: the id must come first")
    q = [f'"{c}"' for c in columns]
    mine = local_columns(name)
    copied = [c for c in columns[1:] if c not in mine]
    keep = ", ".join(f'"{c}" = excluded."{c}"' for c in copied)
    # A row this vault already has as the server does (its own rows, just sent by a first
    # upload) is left alone: no write, no index or search-index churn.
    differs = " OR ".join(f'"{name}"."{c}" IS NOT excluded."{c}"' for c in copied)
    return (
        f'INSERT INTO "{name}" ({", ".join(q)}) VALUES ({", ".join("?" * len(q))})'
        f' ON CONFLICT ("id") DO UPDATE SET {keep}'
        " WHERE NOT EXISTS (SELECT 1 FROM sync_outbox o"
        f" WHERE o.row_id = excluded.id AND o.table_name = '{name}')"
        f" AND ({differs})"
    )
