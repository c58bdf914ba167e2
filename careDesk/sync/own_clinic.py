"""The clinic's first workstation: whether its first sync need copy the clinic back at all.

A vault that joins uploads its rows and pushes its outbox; then a first sync copies the whole
clinic (:mod:`careDesk.sync.snapshot`). For the clinic's first workstation the server then holds
exactly what it just sent, and copying it back took 27 s of a 50,000-patient clinic's first
sync and changed no row. :func:`ours` asks the server (``sync.snapshot_ours`` in
``upload_schema.sql``) whether that is so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import psycopg
from psycopg.types.json import Jsonb

from careDesk.sync.connection import SyncUpgradeRequired
from careDesk.sync.tables import synced_tables

if TYPE_CHECKING:
    from careDesk.desk import Desk


def horizon(conn: psycopg.Connection[Any]) -> int:
    """A txid no server transaction begun so far reaches, and every later one does (for
    :func:`ours`: entries below it came before this sync)."""
    row = conn.execute("SELECT pg_snapshot_xmax(pg_current_snapshot())::text").fetchone()
    conn.commit()
    assert row is not None
    return int(row[0])


def ours(
    desk: Desk, conn: psycopg.Connection[Any], client_id: str, schema_version: int, since: int
) -> int | None:
    """The cursor to pull from when the clinic's rows are exactly this vault's, all sent since
    ``since`` (:func:`horizon`, read before its upload), so there is nothing to copy; else None.
    The server checks its change log, and each table's rows and sum of versions against this
    vault's; a server older than this check answers None, and the clinic is copied as before.
    """
    with desk.reading() as session:
        raw: Any = session.connection().connection.driver_connection
        counts = {
            t.name: [
                int(v)
                for v in raw.execute(
                    f'SELECT count(*), coalesce(sum(version), 0) FROM "{t.name}"'
                ).fetchone()
            ]
            for t in synced_tables()
        }
    conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    try:
        row = conn.execute(
            "SELECT sync.snapshot_ours(%s, %s, %s::text::xid8, %s)",
            (client_id, schema_version, str(since), Jsonb(counts)),
        ).fetchone()
        conn.commit()
    except psycopg.errors.UndefinedFunction:
        return None
    finally:
        conn.rollback()
        conn.isolation_level = None
    result: dict[str, Any] = row[0] if row else {}
    if result.get("status") == "upgrade":
        raise SyncUpgradeRequired(int(result["min_schema"]))
    return int(result["txid"]) if result.get("ours") else None
