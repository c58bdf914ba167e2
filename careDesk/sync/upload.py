"""A vault's first upload: every row it has, table by table, at COPY speed (issue 21).

When a workstation first syncs, the rows already in its vault go to the clinic server before
its outbox (``sync/upload_schema.sql``). Each table goes in id order, in chunks of
:data:`CHUNK` rows: SQLite writes each row as one line of PostgreSQL's COPY text format (no
per-value work in Python), the chunk is COPYed into a staging table private to this session
and applied set-based by ``sync.upload_apply`` in the same server transaction, with the rules
of a push (a duplicate MRN reported, a row the server already has merged as an insert). The
server keeps each table's highest id applied for this workstation in that transaction, so a
chunk sent twice (an acknowledgement lost) is applied once and a cut upload carries on from
where it stopped: nothing is recorded locally until the server has committed.

Rows created after this vault started syncing have an insert in the outbox and go from there,
in order with their later edits. Rows go with the version this vault has, so the server's copy
and this one agree without the server sending them back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg import sql
from sqlalchemy import Boolean, Float, Integer, Table

from careDesk.sync import apply
from careDesk.sync.conflicts import record as record_conflict
from careDesk.sync.connection import SyncUpgradeRequired
from careDesk.sync.tables import local_columns, synced_tables

if TYPE_CHECKING:
    from careDesk.desk import Desk

CHUNK = 20_000  # rows per server transaction


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
    progress: Callable[[str, int, int], None],
) -> Uploaded:
    """Send every row of this vault the server does not have from this workstation yet."""
    marks = _marks(conn, client_id, schema_version)
    total = _count(desk, marks)
    done = sent = conflicts = 0
    progress("send", 0, total)
    for t in synced_tables():
        last = marks.get(t.name, "")
        while lines := _chunk(desk, t, last):
            result = _send(conn, t, lines, client_id, schema_version)
            _take(desk, result)
            last = str(result["last_id"])
            done += len(lines)
            sent += int(result["applied"])
            conflicts += len(result["conflicts"])
            progress("send", min(done, total), total)
    progress("send", total, total)
    return Uploaded(sent, conflicts)


def _marks(conn: psycopg.Connection[Any], client_id: str, schema_version: int) -> dict[str, str]:
    row = conn.execute(
        "SELECT sync.upload_marks(%s, %s)", (client_id, schema_version)
    ).fetchone()
    conn.commit()
    result: dict[str, Any] = row[0] if row else {}
    if result.get("status") == "upgrade":
        raise SyncUpgradeRequired(int(result["min_schema"]))
    return {str(k): str(v) for k, v in result["marks"].items()}


def _count(desk: Desk, marks: dict[str, str]) -> int:
    """Rows still to send (for the progress bar; rows that go by the outbox included)."""
    with desk.reading() as session:
        raw = session.connection().connection.driver_connection
        return sum(
            int(raw.execute(f'SELECT count(*) FROM "{t.name}" WHERE id > ?', (m,)).fetchone()[0])
            for t in synced_tables()
            for m in [marks.get(t.name, "")]
        )


def _chunk(desk: Desk, t: Table, after: str) -> list[tuple[str, str]]:
    """The next rows after id ``after`` as (id, COPY line), leaving those the outbox sends."""
    with desk.reading() as session:
        raw = session.connection().connection.driver_connection
        return list(raw.execute(_select(t.name), (after, CHUNK)).fetchall())


def _send(
    conn: psycopg.Connection[Any],
    t: Table,
    lines: list[tuple[str, str]],
    client_id: str,
    schema_version: int,
) -> dict[str, Any]:
    """Stage and apply one chunk in one server transaction; returns the server's answer."""
    columns = sent_columns(t.name)
    conn.execute("SELECT sync.upload_open(%s, %s)", (t.name, list(columns)))
    listed = sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    with conn.cursor().copy(sql.SQL("COPY pg_temp.upload_rows ({}) FROM STDIN").format(listed)) as cp:
        cp.write("\n".join(line for _, line in lines) + "\n")
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
    """SQLite builds each row's COPY line: NULL as ``\\N``; in text, backslash, tab, newline
    and carriage return escaped (PostgreSQL COPY text format); numbers as SQLite prints them
    (shortest form that reads back to the same value)."""
    t = _table(name)
    fields = []
    for c in t.columns:
        if c.name not in sent_columns(name):
            continue
        value = f'"{c.name}"'
        if not isinstance(c.type, Integer | Float | Boolean):
            value = (
                f"replace(replace(replace(replace({value}, '\\', '\\\\'),"
                " char(13), '\\r'), char(10), '\\n'), char(9), '\\t')"
            )
        fields.append(f"coalesce(CAST({value} AS TEXT), '\\N')")
    line = " || char(9) || ".join(fields)
    return (
        f'SELECT "id", {line} FROM "{name}" WHERE "id" > ?'
        " AND NOT EXISTS (SELECT 1 FROM sync_outbox o"
        f" WHERE o.row_id = \"{name}\".id AND o.table_name = '{name}' AND o.op = 'insert')"
        ' ORDER BY "id" LIMIT ?'
    )
