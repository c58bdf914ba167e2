"""Create or upgrade the clinic server: schema, functions, roles (``caredesk sync --setup-server``).

Run with an administrator's connection. Everything in schema ``sync`` is owned by
``caredesk_sync_owner`` (no login, not a superuser, so row-level security applies to the
functions too). Users log in with their own role, member of ``caredesk_sync_user``, which may
only call the sync functions: no table privileges at all. Passwords are sent as SCRAM-SHA-256
verifiers computed on this machine, never as plain text.
"""

from __future__ import annotations

import re
from importlib.resources import files
from typing import Any

from psycopg import Connection, sql

from careDesk.errors import CareDeskError
from careDesk.store.migrate import SCHEMA_VERSION
from careDesk.sync.ddl import all_statements, cursor_function, rows_function, snapshot_function
from careDesk.sync.tables import synced_tables

# A login role's name: what careDesk makes and accepts (PostgreSQL allows more, quoted).
ROLE_NAME = re.compile(r"[A-Za-z0-9_.\-]{1,63}")
OWNER = "caredesk_sync_owner"
USERS = "caredesk_sync_user"
CALLABLE = (
    "push(text, integer, jsonb)",
    "pull(text, integer, xid8, bigint, integer)",
    "snapshot_start(text, integer)",
    "audit_anchor_get(text)",
    "audit_anchor_put(text, jsonb, bigint, text)",
    "upload_marks(text, integer)",
    "upload_open(text, text[])",
    "upload_apply(text, integer, text)",
    "upload_finish(text, integer)",
    "snapshot_ours(text, integer, xid8, jsonb)",
    "ready(integer, text)",
)
SCRIPTS = ("server_schema.sql", "anchor_schema.sql", "upload_schema.sql")


def _role_exists(conn: Connection[Any], role: str) -> bool:
    row = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
    return row is not None


def install(conn: Connection[Any], *, min_client_schema: int = 1) -> None:
    """Create or upgrade the ``sync`` schema in one transaction."""
    with conn.transaction():
        for role in (OWNER, USERS):
            if not _role_exists(conn, role):
                conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(role)))
        conn.execute(
            sql.SQL("CREATE SCHEMA IF NOT EXISTS sync AUTHORIZATION {}").format(
                sql.Identifier(OWNER)
            )
        )
        conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(OWNER)))
        for name in SCRIPTS:
            conn.execute(files("careDesk.sync").joinpath(name).read_text().encode())
        conn.execute(
            "INSERT INTO sync.meta (schema_version, min_client_schema) VALUES (%s, %s)"
            " ON CONFLICT (id) DO UPDATE SET schema_version = excluded.schema_version,"
            " min_client_schema = excluded.min_client_schema",
            (SCHEMA_VERSION, min_client_schema),
        )
        for statement, params in all_statements():
            conn.execute(statement.encode() if not params else statement, params or None)
        conn.execute("DROP FUNCTION IF EXISTS sync.log_change()")  # per-row, replaced
        conn.execute("REVOKE ALL ON ALL FUNCTIONS IN SCHEMA sync FROM PUBLIC")
        conn.execute("RESET ROLE")
        conn.execute(sql.SQL("GRANT USAGE ON SCHEMA sync TO {}").format(sql.Identifier(USERS)))
        opening = (snapshot_function, cursor_function, rows_function)
        streams = [f"{f(t)}()" for t in synced_tables() for f in opening]
        for signature in (*CALLABLE, *streams):
            conn.execute(
                sql.SQL("GRANT EXECUTE ON FUNCTION sync.{} TO {}").format(
                    sql.SQL(signature), sql.Identifier(USERS)
                )
            )


def add_login(conn: Connection[Any], role: str, password: str, clinic_id: str) -> str:
    """Create one user's login role for ``clinic_id``, or give a login of that clinic a new
    password; returns "added" or "password changed".

    Refused (:class:`~careDesk.errors.CareDeskError`, nothing changed): a name a login role of
    ours cannot have; a role that exists and is not a careDesk sync login, or has powers no
    sync login has (an administrator's, a superuser's: re-keying it would lock its owner out
    and make it a sync login); a sync login of another clinic (a login syncs for one clinic,
    and the vaults that joined with it hold that clinic's records)."""
    if not ROLE_NAME.fullmatch(role):
        raise CareDeskError(
            f"{role!r} cannot be a login name: use letters, digits, '_', '-' or '.' (63 at most)"
        )
    if not clinic_id.strip():
        raise CareDeskError("Name the clinic the login syncs for (--clinic).")
    verifier = conn.pgconn.encrypt_password(password.encode(), role.encode(), b"scram-sha-256")
    with conn.transaction():
        found = conn.execute(
            "SELECT r.rolsuper OR r.rolcreaterole OR r.rolcreatedb OR r.rolbypassrls"
            " OR r.rolreplication, EXISTS (SELECT 1 FROM pg_auth_members m"
            " JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid AND g.rolname = %s)"
            " FROM pg_roles r WHERE r.rolname = %s",
            (USERS, role),
        ).fetchone()
        if found is not None and (found[0] or not found[1]):
            raise CareDeskError(
                f"A role named {role} already exists on this server and is not a careDesk sync"
                " login: choose another name."
            )
        held = conn.execute(
            "SELECT clinic_id FROM sync.login WHERE role_name = %s", (role,)
        ).fetchone()
        if held is not None and held[0] != clinic_id:
            raise CareDeskError(
                f"The login {role} already syncs for clinic {held[0]}: a login syncs for one "
                "clinic only, so choose another name."
            )
        verb = "ALTER" if found is not None else "CREATE"
        conn.execute(
            sql.SQL(verb + " ROLE {} LOGIN PASSWORD {}").format(
                sql.Identifier(role), sql.Literal(verifier.decode())
            )
        )
        conn.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(USERS), sql.Identifier(role)))
        conn.execute(
            "INSERT INTO sync.login (role_name, clinic_id) VALUES (%s, %s)"
            " ON CONFLICT (role_name) DO NOTHING",
            (role, clinic_id),
        )
    return "added" if held is None else "password changed"
