"""A workstation's first sync (or a re-bootstrap): the whole clinic, streamed table by table.

The server hands every value over already in the form the vault stores it, through a cursor that
``sync.snapshot_json_<table>()`` opens (generated in :mod:`careDesk.sync.ddl`): each row as its
id and one JSON array of its values. A step of rows goes to SQLite as one text, which it parses
in C (``INSERT … SELECT … FROM jsonb_each(?)``), so no value becomes a Python object on the
way. One thread reads from the server while the calling thread writes to the vault, so the two
overlap: it joins each :data:`STEP_ROWS` rows into the text SQLite parses and runs ahead by at
most :data:`AHEAD_CHARS` characters. Writes commit in short chunks (sized by time,
``careDesk/ops/chunks.py``, at most :data:`COMMIT_ROWS` rows) through the vault's write lane, so
a save made on this workstation meanwhile waits for part of one chunk, not for the copy: a chunk
looks at the lane every :data:`STEP_ROWS` rows and commits what it has as soon as a save waits
(or once a loaded machine has stretched it past :data:`HOLD_LIMIT`).
A table empty on this workstation takes plain inserts, with its secondary indexes built once it
is in and each chunk's rows added to its search index in one statement
(:mod:`careDesk.sync.bulkload`); a table with rows takes upserts that leave alone the rows it
already has as the server does. A stopped or interrupted first sync keeps the chunks it
committed, with its indexes, and starts again from the top next time (every write is an
upsert). A row with edits still waiting in the outbox is never overwritten: the local edit
reaches the server first.

The tables a risk score is read from come first (:func:`copy_order`): once they are in, the
scores are computed while the rest is copied (``careDesk/care/risk/alongside.py``), and each
write declares the tables it wrote (``Tx.tables``) so those scores stand.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

import psycopg
from psycopg import sql
from sqlalchemy import Table

from careDesk.care.risk.engine import READS
from careDesk.ops import ChunkSizer, Progress
from careDesk.ops.chunks import TOO_LONG
from careDesk.sync import apply
from careDesk.sync.bulkload import (
    SearchBatch,
    build_index,
    drop_deferred,
    missing,
    to_build,
    written_by,
)
from careDesk.sync.connection import SyncUpgradeRequired
from careDesk.sync.ddl import rows_function
from careDesk.sync.readahead import Ahead
from careDesk.sync.reports import COPYING, INDEXING
from careDesk.sync.tables import local_columns, synced_tables, table

if TYPE_CHECKING:
    from careDesk.desk import Desk, Tx

FETCH = 5_000  # rows per round trip
# Rows per local write transaction: the first, then sized by time (careDesk/ops/chunks.py)
# between MIN_ROWS (below it the commit's own cost dominates) and COMMIT_ROWS.
FIRST_ROWS, MIN_ROWS, COMMIT_ROWS = 500, 200, 50_000
# Rows a chunk writes between two looks at the lane and the clock: a chunk stretched by a
# loaded machine (seen at 235-440 ms where it aims at 50) ends early, for a save after at most
# this many rows, and by itself once it has held the lane for HOLD_LIMIT seconds.
STEP_ROWS = 250
HOLD_LIMIT = TOO_LONG
# How far the reading thread may run ahead of the writing one, in characters of JSON (some
# 60,000 rows; a 50,000-patient clinic's 2.9 million rows come to about 830 million). A page
# is held as the texts the writer hands to SQLite, joined on the reading thread: no Python
# object per row. Reading far ahead would have the server serve the clinic while the second
# core idles (it does until the tables a score reads are in): with 256 MiB, first syncs took
# 24.8-26.2 s against 26.1-26.6 s and the scores' tail after the copy 1.5 s against 2.8-3.1 s,
# but the process held 703-760 MiB at its peak against 336-370, over the app's 400 MB.
AHEAD_CHARS = 16 * 1024 * 1024
# The interpreter's switch interval while a first sync runs (Python's default is 5 ms).
LOCK_TURN = 0.0005


class Piece(NamedTuple):
    """Up to :data:`STEP_ROWS` rows of one table as one JSON array of rows (each an array of
    its values in column order): one statement's parameter (``_values``)."""

    rows: int
    text: str
    ids: list[str] | None  # the rows' ids, for a re-bootstrap (which tombstones the rest)


Page = tuple[str, list[Piece] | None]  # (table, pieces); None: the table ended


class Alongside(Protocol):
    """The risk scores computed alongside the copy (``careDesk/care/risk/alongside.py``)."""

    def expect(self, patients: int) -> None: ...

    def start(self) -> None: ...


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
    scores: Alongside | None = None,
) -> Snapshot:
    """Copy the clinic's rows into the vault from one consistent server snapshot.

    ``again``: a re-bootstrap over existing rows; local rows the server no longer has (purged
    after a delete) are tombstoned. ``scores`` hears how many patients the clinic has as the
    copy begins, and is started once the tables a risk score is read from are in with their
    indexes, while the others are still to come.
    """
    conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    try:
        # Doubles as text in shortest round-trip form (PostgreSQL's default, unless a server's
        # configuration asks for fewer digits): every bit arrives (careDesk/sync/ddl.py).
        conn.execute("SET LOCAL extra_float_digits = 1")
        row = conn.execute(
            "SELECT sync.snapshot_start(%s, %s)", (client_id, schema_version)
        ).fetchone()
        start: dict[str, Any] = row[0] if row else {}
        if start.get("status") == "upgrade":
            raise SyncUpgradeRequired(int(start["min_schema"]))
        total = sum(int(n) for n in start["counts"].values())
        progress.update(0, total, COPYING)
        pages: Ahead[Page] = Ahead(AHEAD_CHARS)
        stop = threading.Event()
        order = copy_order(READS)
        reader = threading.Thread(
            target=_read,
            args=(conn, order, pages, stop, again),
            name="sync-snapshot",
            daemon=True,
        )
        reader.start()
        try:
            writer = _Writer(desk, total, progress, again=again)
            if scores is not None:
                scores.expect(int(start["counts"].get("patient", 0)))
                writer.when_in(needed(READS), scores.start)
            written = _write(writer, pages.items())
        finally:
            stop.set()
            reader.join()
        conn.commit()
    finally:
        conn.rollback()
        conn.isolation_level = None
    return Snapshot(int(start["txid"]), written)


@contextmanager
def short_lock_turns() -> Iterator[None]:
    """Hand the interpreter lock round every :data:`LOCK_TURN` seconds inside the block.

    The writing thread lets go of the lock for each row while SQLite inserts it, then waits to
    get it back from the reading thread (psycopg building rows) or the scores' thread, which
    keep it up to the switch interval before they must hand it over. Over 2.9 million rows those
    waits add up. A 50,000-patient first sync, six pairs run side by side: 56.6-67.4 s with
    0.5 ms turns against 62.3-70.9 s with Python's 5 ms, faster in every pair (2.5-5.7 s);
    0.1 ms turns took 60.7 and 61.7 s beside 0.5 ms's 58.0 and 56.6 s. Alone with a thread
    that never stops running Python, 300,000 observations took 595 s to insert with 5 ms turns
    and 59 s with 0.5 ms, a tenth; if the first sync's waits shrink by the same tenth, the 3-6 s
    they cost at 5 ms leave well under a second at 0.5 ms (an estimate, not measured).
    """
    before = sys.getswitchinterval()
    sys.setswitchinterval(LOCK_TURN)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def restore_indexes(desk: Desk) -> int:
    """Build the indexes a first sync dropped and could not build again (the app was killed
    mid-table); returns how many. One query when there are none."""
    with desk.reading() as session:
        raw = session.connection().connection.driver_connection
        statements = [(s, name) for name in missing(raw) for s in to_build(raw, name)]
    for statement, name in statements:
        build_index(desk, statement, written_by(name))
    return len(statements)


def needed(first: frozenset[str]) -> frozenset[str]:
    """The replicated tables named in ``first`` and every table they refer to."""
    wanted = {t.name for t in synced_tables() if t.name in first}
    for t in reversed(synced_tables()):  # children come later: their parents join them here
        if t.name in wanted:
            wanted |= {fk.column.table.name for fk in t.foreign_keys}
    return frozenset(wanted)


def copy_order(first: frozenset[str]) -> tuple[Table, ...]:
    """The replicated tables, parents before children, with :func:`needed` ``(first)`` ahead
    of the rest."""
    ahead = needed(first)
    return (
        *(t for t in synced_tables() if t.name in ahead),
        *(t for t in synced_tables() if t.name not in ahead),
    )


def _read(
    conn: psycopg.Connection[Any],
    order: tuple[Table, ...],
    pages: Ahead[Page],
    stop: threading.Event,
    again: bool,
) -> None:
    """The reading thread: every replicated table in ``order``, each page of rows as the
    pieces the writer hands to SQLite (:class:`Piece`)."""
    try:
        for t in order:
            # The server opens the cursor (its rows stream: careDesk/sync/ddl.py); we fetch.
            # Each row: its id, and its values as one JSON array.
            name = sql.Identifier(rows_function(t))
            conn.execute(sql.SQL("SELECT sync.{}()").format(name))
            fetch = sql.SQL("FETCH {} FROM {}").format(sql.Literal(FETCH), name)
            with conn.cursor(binary=True) as cursor:
                while rows := cursor.execute(fetch, binary=True).fetchall():
                    pieces = [
                        _piece(rows[i : i + STEP_ROWS], again)
                        for i in range(0, len(rows), STEP_ROWS)
                    ]
                    if not pages.put((t.name, pieces), sum(len(p.text) for p in pieces), stop):
                        return
            conn.execute(sql.SQL("CLOSE {}").format(name))
            if not pages.put((t.name, None), 0, stop):
                return
        pages.put(None, 0, stop)
    except BaseException as exc:  # handed to the writing thread, which raises it
        pages.put(exc, 0, stop)


def _piece(rows: list[tuple[Any, ...]], again: bool) -> Piece:
    text = "[" + ",".join([r[1] for r in rows]) + "]"
    return Piece(len(rows), text, [str(r[0]) for r in rows] if again else None)


def _write(writer: _Writer, pages: Iterator[Page]) -> int:
    """Write the pages in short transactions; returns how many rows."""
    try:
        for name, rows in pages:
            if rows is None:
                writer.table_done(name)
            else:
                writer.page(name, rows)
    except BaseException:
        writer.build_all(quietly=True)  # what committed stays, with its indexes
        raise
    writer.build_all(quietly=False)
    return writer.written


class _Writer:
    """Writes the snapshot's pages in chunks sized by time, one write transaction each.

    A table empty when its first rows come (a new workstation) takes plain inserts, its
    secondary indexes are built once it is in, and each chunk's rows go into its search index
    in one statement before that chunk commits (:mod:`careDesk.sync.bulkload`); other tables
    take upserts that write only rows that differ. Every commit leaves the vault consistent and
    searchable.
    """

    def __init__(self, desk: Desk, total: int, progress: Progress, *, again: bool) -> None:
        self.desk, self.total, self.progress, self.again = desk, total, progress, again
        self.sizer = ChunkSizer(FIRST_ROWS, low=min(MIN_ROWS, COMMIT_ROWS), high=COMMIT_ROWS)
        self.written = 0
        self.fresh: dict[str, bool] = {}
        self.deferred: list[str] = []  # tables whose indexes wait to be built
        self.seen: set[str] = set()
        self.waiting: set[str] = set()  # tables whose end (indexes built) calls self.then
        self.then: Callable[[], None] | None = None

    def when_in(self, tables: frozenset[str], then: Callable[[], None]) -> None:
        """Call ``then`` once ``tables`` are all in, their indexes built."""
        self.waiting, self.then = set(tables), then

    def page(self, name: str, pieces: list[Piece]) -> None:
        if name not in self.fresh:  # a new table: its rows may be wider, start small again
            self.sizer.size = min(self.sizer.size, FIRST_ROWS)
        start = 0
        while start < len(pieces):
            part: list[Piece] = []  # pieces up to the chunk's size in rows, at least one
            rows = 0
            for piece in pieces[start:]:
                if part and rows + piece.rows > self.sizer.size:
                    break
                part.append(piece)
                rows += piece.rows
            began = time.perf_counter()
            with self.desk.writing(None) as tx:
                done = self._chunk(tx, name, part)
            written = sum(p.rows for p in part[:done])
            self.sizer.took(time.perf_counter() - began, written)
            if self.again:
                self.seen.update(i for p in part[:done] for i in p.ids or ())
            start += done
            self.written += written
            self.progress.update(self.written, self.total, COPYING)  # a stop ends it here

    def save_waits(self) -> bool:
        """Whether a save (an interactive transaction) waits for the lane now."""
        return self.desk.write_lane.interactive_waiting

    def _chunk(self, tx: Tx, name: str, part: list[Piece]) -> int:
        """One chunk's pieces, in the caller's write transaction, one statement each: when a
        save waits, or the chunk has held the lane for :data:`HOLD_LIMIT`, the pieces written
        so far are the chunk. Returns how many pieces."""
        began = time.perf_counter()
        tx.tables = written_by(name)  # a score read from none of them still stands
        raw = tx.session.connection().connection.driver_connection
        assert raw is not None
        if name not in self.fresh:  # first rows of this table: a new workstation has none
            self.fresh[name] = raw.execute(f'SELECT 1 FROM "{name}" LIMIT 1').fetchone() is None
            if self.fresh[name] and drop_deferred(raw, name):
                self.deferred.append(name)
        if not self.fresh[name]:
            return self._steps(raw, _upsert(name), part, began)
        search = SearchBatch(raw, name)
        search.begin()
        done = self._steps(raw, _insert(name), part, began)
        search.finish()
        return done

    def _steps(self, raw: Any, statement: str, part: list[Piece], began: float) -> int:
        done = 0
        for piece in part:
            raw.execute(statement, (piece.text,))
            done += 1
            if self.save_waits() or time.perf_counter() - began > HOLD_LIMIT:
                break
        return done

    def table_done(self, name: str) -> None:
        if self.again:
            with self.desk.writing(None) as tx:
                apply.tombstone_missing(tx.session, name, self.seen, tx.now)
            self.seen = set()
        if name in self.deferred:
            self._build(name)
        if self.then is not None and name in self.waiting:
            self.waiting.discard(name)
            if not self.waiting:
                then, self.then = self.then, None
                then()

    def _build(self, name: str) -> None:
        """The table's dropped indexes, one write transaction each, each stepping aside for a
        save (:func:`~careDesk.sync.bulkload.build_index`)."""
        with self.desk.reading() as session:
            raw = session.connection().connection.driver_connection
            statements = to_build(raw, name)
        # Seconds for a large table: the bar says why it waits. Not on the way out of a stop
        # (an update would raise it again instead of building what the table needs).
        if statements and not self.progress.cancelled:
            self.progress.update(self.written, self.total, INDEXING)
        for statement in statements:
            build_index(self.desk, statement, written_by(name))
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


def _values(name: str) -> str:
    """Each row of the statement's one parameter, a JSON array of rows (each an array of the
    table's values in column order), as the table's columns: SQLite parses the JSON once
    (``jsonb_each``) and reads each value from its binary form."""
    n = len(table(name).columns)
    return ", ".join(f"value ->> {i}" for i in range(n)) + " FROM jsonb_each(?)"


@cache
def _insert(name: str) -> str:
    """Insert the rows (into a table that was empty when the snapshot began: a plain insert is
    a sixth faster than the upsert)."""
    q = [f'"{c.name}"' for c in table(name).columns]
    return f'INSERT INTO "{name}" ({", ".join(q)}) SELECT {_values(name)}'


@cache
def _upsert(name: str) -> str:
    """Insert or overwrite each row by id, unless it has edits waiting to be sent or is the same."""
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
    # "WHERE true": SQLite's rule for an upsert whose rows come from a SELECT.
    return (
        f'INSERT INTO "{name}" ({", ".join(q)}) SELECT {_values(name)} WHERE true'
        f' ON CONFLICT ("id") DO UPDATE SET {keep}'
        " WHERE NOT EXISTS (SELECT 1 FROM sync_outbox o"
        f" WHERE o.row_id = excluded.id AND o.table_name = '{name}')"
        f" AND ({differs})"
    )
