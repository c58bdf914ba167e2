"""Before anything moves: may this workstation sync with this server, for this clinic?

Each sync, and the settings' Test connection, first asks the server ``sync.ready(schema)``
(``server_schema.sql``), which writes nothing. Its answer refuses a workstation too old for the
server, a login of no clinic, and a server lacking a replicated table or column of this
version (a push there would drop that field's value unseen). It also names the login's
clinic: the vault remembers the clinic of its first sync and refuses a login of any other, so
no vault mixes two clinics' records (a desk given another clinic's login pulled that clinic's
patients in beside its own, and sent its edits where no one had the rows).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import psycopg

from careDesk.model.security import Setting
from careDesk.model.sync import SyncState
from careDesk.sync.connection import SyncRefused, SyncUpgradeRequired, refused_error
from careDesk.sync.tables import synced_tables

if TYPE_CHECKING:
    from careDesk.desk import Desk

# The clinic this vault's records are from, as the server named it at its first sync (kept
# with the settings, but not one anyone sets: careDesk/settings.py does not declare it).
CLINIC_KEY = "sync.clinic"


def check(desk: Desk, conn: psycopg.Connection[Any], schema: int, *, plainly: bool = False) -> None:
    """Ask the server whether ``desk`` may sync there; raises SyncUpgradeRequired (this
    workstation too old) or SyncRefused (a login of no clinic or of another clinic than the
    vault's; a server older than this version's tables). A sync's first answer names the
    vault's clinic.

    ``plainly`` (Test connection): the question is asked as it is, so a server without
    ``sync.ready`` is named as needing its upgrade, and nothing is remembered. A sync asks in a
    savepoint, so a server set up by an older careDesk syncs as before."""
    with desk.reading() as session:
        state = session.get(SyncState, 1)
        held = session.get(Setting, CLINIC_KEY)
    question = ("SELECT sync.ready(%s, %s)", (schema, state.client_id if state else ""))
    if plainly:
        row = conn.execute(*question).fetchone()
    else:
        try:
            with conn.transaction():
                row = conn.execute(*question).fetchone()
        except psycopg.errors.UndefinedFunction:
            # A server set up by an older careDesk: its tables, from the catalog any login
            # reads, still tell whether it lacks a column of ours.
            if lacking(_catalog_columns(conn)):
                raise refused_error(psycopg.errors.UndefinedColumn()) from None
            return
    answer: dict[str, Any] = dict(row[0]) if row else {}
    if answer.get("status") == "upgrade":
        raise SyncUpgradeRequired(int(answer["min_schema"]))
    if answer.get("status") != "ok":
        raise refused_error(psycopg.errors.InsufficientPrivilege())
    if lacking(answer.get("tables") or {}):
        raise refused_error(psycopg.errors.UndefinedColumn())
    clinic = str(answer["clinic"])
    if held is None and state is not None and state.bootstrapped and not answer.get("known"):
        # A vault that joined a clinic before careDesk remembered which: the clinic it joined
        # knows its workstation id (sync.client), this login's does not.
        held = Setting(key=CLINIC_KEY, value="the clinic it joined")
    if held is None:
        if not plainly:
            with desk.writing(None) as tx:
                tx.session.add(Setting(key=CLINIC_KEY, value=clinic))
        return
    if held.value != clinic:
        raise SyncRefused(
            f"this login belongs to another clinic ({clinic}) than the one whose records "
            f"this workstation holds ({held.value}). Use a login of that clinic, or join "
            "the other clinic from a new vault",
            "refused-clinic",
        )


def _catalog_columns(conn: psycopg.Connection[Any]) -> dict[str, list[str] | None]:
    """The columns of each table in schema ``sync``, as PostgreSQL's catalog lists them."""
    rows = conn.execute(
        "SELECT c.relname, array_agg(a.attname::text) FROM pg_attribute a"
        " JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = 'sync' AND c.relkind IN ('r', 'p') AND a.attnum > 0"
        " AND NOT a.attisdropped GROUP BY c.relname"
    ).fetchall()
    conn.commit()
    return {str(name): list(columns) for name, columns in rows}


def lacking(server: dict[str, list[str] | None]) -> list[str]:
    """The replicated tables and columns of this version a server lacks ("table.column";
    ``server``: its columns per table, as ``sync.ready`` gives them)."""
    out = []
    for t in synced_tables():
        have = set(server.get(t.name) or ())
        out += [f"{t.name}.{c.name}" for c in t.columns if c.name not in have]
    return out
