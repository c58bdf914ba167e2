"""A vault's first upload: every row it has, table by table, at COPY speed (issue 21).

When a workstation first syncs, the rows already in its vault go to the clinic server before
its outbox (``sync/upload_schema.sql``). Each table goes in id order, in chunks of
:data:`CHUNK` rows: SQLite writes each row as one line of PostgreSQL's CSV COPY format (no
per-value work in Python; a thread reads the next chunk while the server applies this one),
the chunk is COPYed into a staging table private to this session
and applied set-based by ``sync.upload_apply`` in the same server transaction, with the rules
of a push (a duplicate MRN reported, a row the server already has merged as an insert). The
server keeps each table's highest id applied for this workstation in that transaction, so a
chunk sent twice (an acknowledgement lost) is applied once and a cut upload carries on from
where it stopped: nothing is recorded locally until the server has committed. Once every table
is in, the server notes the upload as done; a first sync stopped later does not send again the
rows its snapshot copied here.

Rows created after this vault started syncing have an insert in the outbox and go from there,
in order with their later edits. Rows go with the version this vault has, so the server's copy
and this one agree without the server sending them back.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg import sql
from sqlalchemy import Boolean, Float, Integer, Table

from careDesk.ops import Progress
from careDesk.sync import apply
from careDesk.sync.conflicts import record as record_conflict
from careDesk.sync.connection import SyncUpgradeRequired
from careDesk.sync.readahead import offer
from careDesk.sync.reports import SENDING
from careDesk.sync.tables import local_columns, synced_tables

if TYPE_CHECKING:
    from careDesk.desk import Desk

CHUNK = 20_000  # rows per server transaction
# The server's mark once every table went: a first sync stopped later (during the snapshot or
# the risk scores) must not send back the clinic's rows it has copied meanwhile.
DONE = "*"
_QUEUED = 2  # chunks read ahead

Chunk = tuple[Table, list[str]]  # a table and its rows as CSV lines


@dataclass(frozen=True)
class Uploaded:
    """What the first upload sent: rows the server took, conflicts it reported."""

    rows: int
    conflicts: int


def run(
    desk: Desk,
    conn: psycopg.Connection[Any],
    client_id: str,
    schema_version: int,
    progress: Progress,
) -> Uploaded:
    """Send every row of this vault the server does not have from this workstation yet.

    A thread reads the next chunk from the vault while this one waits for the server."""
    marks = _marks(conn, client_id, schema_version)
    if marks.get(DONE):  # all sent before: the rows here now came from the clinic's snapshot
        return Uploaded(0, 0)
    total = _count(desk, marks)
    done = sent = conflicts = 0
    progress.update(0, total, SENDING)
    chunks: queue.Queue[Chunk | BaseException | None] = queue.Queue(maxsize=_QUEUED)
    stop = threading.Event()
    reader = threading.Thread(
        target=_read, args=(desk, marks, chunks, stop), name="sync-upload", daemon=True
    )
    reader.start()
    try:
        while (item := chunks.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            t, lines = item
            result = _send(conn, t, lines, client_id, schema_version)
            _take(desk, result)
            done += len(lines)
            sent += int(result["applied"])
            conflicts += len(result["conflicts"])
            progress.update(min(done, total), total)
    finally:
        stop.set()
        reader.join()
    conn.execute("SELECT sync.upload_finish(%s, %s)", (client_id, schema_version))
    conn.commit()
    progress.update(total, total)
    return Uploaded(sent, conflicts)


def _read(
    desk: Desk,
    marks: dict[str, str],
    chunks: queue.Queue[Chunk | BaseException | None],
    stop: threading.Event,
) -> None:
    """The reading thread: each table's chunks in id order, parents before children."""

    def put(item: Chunk | BaseException | None) -> bool:
        return offer(chunks, item, stop)

    try:
        for t in synced_tables():
            last = marks.get(t.name, "")
            while lines := _chunk(desk, t, last):
                if not put((t, [line for _, line in lines])):
                    return
                last = lines[-1][0]
        put(None)
    except BaseException as exc:  # handed to the sending thread, which raises it
        put(exc)


def _marks(conn: psycopg.Connection[Any], client_id: str, schema_version: int) -> dict[str, str]:
    row = conn.execute("SELECT sync.upload_marks(%s, %s)", (client_id, schema_version)).fetchone()
    conn.commit()
    result: dict[str, Any] = row[0] if row else {}
    if result.get("status") == "upgrade":
        raise SyncUpgradeRequired(int(result["min_schema"]))
    return {str(k): str(v) for k, v in result["marks"].items()}


def _count(desk: Desk, marks: dict[str, str]) -> int:
    """Rows still to send (for the progress bar; rows that go by the outbox included)."""
    with desk.reading() as session:
        raw: Any = session.connection().connection.driver_connection
        total = 0
        for t in synced_tables():
            query = f'SELECT count(*) FROM "{t.name}" WHERE id > ?'
            total += int(raw.execute(query, (marks.get(t.name, ""),)).fetchone()[0])
        return total


def _chunk(desk: Desk, t: Table, after: str) -> list[tuple[str, str]]:
    """The next rows after id ``after`` as (id, CSV line), leaving those the outbox sends."""
    with desk.reading() as session:
        raw: Any = session.connection().connection.driver_connection
        return list(raw.execute(_select(t.name), (after, CHUNK)).fetchall())


def _send(
    conn: psycopg.Connection[Any],
    t: Table,
    lines: list[str],
    client_id: str,
    schema_version: int,
) -> dict[str, Any]:
    """Stage and apply one chunk in one server transaction; returns the server's answer."""
    columns = sent_columns(t.name)
    conn.execute("SELECT sync.upload_open(%s, %s)", (t.name, list(columns)))
    listed = sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    copy = sql.SQL("COPY pg_temp.upload_rows ({}) FROM STDIN (FORMAT csv)").format(listed)
    with conn.cursor().copy(copy) as cp:
        cp.write("\n".join(lines) + "\n")
    row = conn.execute(
        "SELECT sync.upload_apply(%s, %s, %s)", (client_id, schema_version, t.name)
    ).fetchone()
    conn.commit()
    result: dict[str, Any] = row[0] if row else {}
    if result.get("status") == "upgrade":
        raise SyncUpgradeRequired(int(result["min_schema"]))
    return result


def _take(desk: Desk, result: dict[str, Any]) -> None:
    """Keep the conflicts the server reported and take its rows where it kept its own."""
    rows = [(name, data) for name, data in result["rows"] if data is not None]
    if not rows and not result["conflicts"]:
        return
    with desk.writing(None) as tx:
        for c in result["conflicts"]:
            record_conflict(tx, c)
        apply.write_rows(
            tx.session,
            rows,
            force=True,
            pending=apply.pending_rows(tx.session, (str(d["id"]) for _, d in rows)),
            changes=tx.changes,
        )


@cache
def sent_columns(name: str) -> tuple[str, ...]:
    """The columns of table ``name`` that travel (not the workstation's own), id first."""
    mine = local_columns(name)
    return tuple(c.name for c in _table(name).columns if c.name not in mine)


def _table(name: str) -> Table:
    return next(t for t in synced_tables() if t.name == name)


@cache
def _select(name: str) -> str:
    """SQLite builds each row's line of PostgreSQL's CSV COPY format: text always quoted (a
    quote doubled inside; tabs, newlines and backslashes are plain text in CSV), NULL as an
    unquoted empty field, numbers as SQLite prints them (the shortest form that reads back to
    the same value)."""
    fields = []
    for c in _table(name).columns:
        if c.name not in sent_columns(name):
            continue
        value = f'"{c.name}"'
        if not isinstance(c.type, Integer | Float | Boolean):
            value = f"""'"' || replace({value}, '"', '""') || '"'"""
        fields.append(f"coalesce({value}, '')")
    line = " || ',' || ".join(fields)
    return (
        f'SELECT "id", {line} FROM "{name}" WHERE "id" > ?'
        " AND NOT EXISTS (SELECT 1 FROM sync_outbox o"
        f" WHERE o.row_id = \"{name}\".id AND o.table_name = '{name}' AND o.op = 'insert')"
        ' ORDER BY "id" LIMIT ?'
    )
