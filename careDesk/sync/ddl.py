"""The server's replicated tables, generated from the app's SQLModel tables (one definition).

Each local table becomes ``sync.<name>`` with the same columns (types mapped to PostgreSQL,
timestamps as ``timestamptz``) plus ``clinic_id``; its primary key is the record id. Foreign keys
and unique constraints stay local: the server orders writes and records conflicts, it does not
reject a workstation's edit. Row-level security limits every table to the caller's clinic, and a
trigger writes each insert and update to ``sync.change_log``.
"""

from __future__ import annotations

import json

from sqlalchemy import Boolean, Column, Date, DateTime, Float, Integer, Table, TypeDecorator
from sqlalchemy.dialects import postgresql

from careDesk.sync.tables import CLINIC_UNIQUE, CLINICAL, DERIVED, synced_tables

_DIALECT = postgresql.dialect()  # type: ignore[no-untyped-call]


def column_type(column: Column[object]) -> str:
    """The PostgreSQL type of a local column."""
    if isinstance(column.type, DateTime):
        return "timestamptz"
    return str(column.type.compile(dialect=_DIALECT))


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def column_list(table: Table) -> str:
    """The quoted server column list, in the server table's order."""
    return ", ".join(_q(c) for c in ["clinic_id", *(c.name for c in table.columns)])


def snapshot_function(table: Table) -> str:
    """The name of the function that streams one table's rows for a first sync."""
    return f"snapshot_rows_{table.name}"


def _stored(column: Column[object]) -> tuple[str, str]:
    """(server expression, result type) giving a column exactly as the vault stores it, so a
    first sync writes server values without converting each one in Python: timestamps as
    SQLAlchemy's SQLite text form (UTC, microseconds), dates as ISO text, booleans as 0/1."""
    x = f"x.{_q(column.name)}"
    kind = column.type
    if isinstance(kind, TypeDecorator):  # sqlmodel's UTCDateTime wraps DateTime
        kind = kind.impl_instance
    if isinstance(kind, DateTime):
        return f"to_char({x} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')", "text"
    if isinstance(kind, Date):
        return f"to_char({x}, 'YYYY-MM-DD')", "text"
    if isinstance(kind, Boolean):
        return f"{x}::int", "integer"
    if isinstance(kind, Integer):
        return x, "bigint"
    if isinstance(kind, Float):
        return x, "double precision"
    return f"{x}::text", "text"


def cursor_function(table: Table) -> str:
    """The name of the function that opens a first sync's cursor over one table."""
    return f"snapshot_cursor_{table.name}"


def cursor_name(table: Table) -> str:
    """The name of the cursor :func:`cursor_statement`'s function opens."""
    return f"snapshot_{table.name}"


def cursor_statement(table: Table) -> str:
    """``sync.snapshot_cursor_<table>()``: opens, in the caller's REPEATABLE READ transaction,
    a cursor (:func:`cursor_name`) over the caller's clinic's rows as :func:`snapshot_statement`
    gives them, and returns its name; the workstation FETCHes from it.

    A set-returning function gathers all its rows before it returns the first (a SECURITY
    DEFINER function is never inlined): 8.7-11.7 s of the 50,000-patient clinic's snapshot went
    by before first rows, summed over the tables, the observations spilling to the server's
    disk. A cursor streams (0.3 s before first rows in all). Its query is planned here, so the
    owner's privileges and the clinic's row-level security apply and the login role needs none
    on the tables. Timestamps are converted AT TIME ZONE 'UTC', so the session's time zone,
    back in force when the rows are fetched, changes nothing.
    """
    select = ", ".join(expr for expr, _ in (_stored(c) for c in table.columns))
    return (
        f"CREATE OR REPLACE FUNCTION sync.{_q(cursor_function(table))}() RETURNS refcursor"
        " LANGUAGE plpgsql SECURITY DEFINER SET search_path = sync, pg_temp AS $fn$"
        f" DECLARE c refcursor := '{cursor_name(table)}';"
        f" BEGIN OPEN c NO SCROLL FOR SELECT {select} FROM sync.{_q(table.name)} x"
        " ORDER BY x.id; RETURN c; END $fn$"
    )


def rows_function(table: Table) -> str:
    """The name of the function that opens a first sync's cursor over one table's rows as
    JSON text (:func:`rows_statement`); the cursor has the same name."""
    return f"snapshot_json_{table.name}"


# PostgreSQL's json_build_array takes at most FUNC_MAX_ARGS (100) arguments.
_MOST_COLUMNS = 100


def _json_value(column: Column[object]) -> str:
    """A column as :func:`_stored` gives it, as a JSON value that SQLite's JSON functions read
    back as the very value the vault stores: a double in shortest round-trip form (the reading
    session asks for it: ``extra_float_digits``), infinities as numbers out of range (SQLite
    reads them as infinities), not-a-number as null (SQLite stores a bound NaN as NULL too)."""
    expr, _ = _stored(column)
    kind = column.type
    if isinstance(kind, Float):
        return (
            f"CASE WHEN {expr} = 'Infinity' THEN '9e999'::json"
            f" WHEN {expr} = '-Infinity' THEN '-9e999'::json"
            f" ELSE to_json(NULLIF({expr}, 'NaN')) END"
        )
    return expr


def rows_statement(table: Table) -> str:
    """``sync.snapshot_json_<table>()``: as :func:`cursor_statement`, but each row comes as its
    id and one JSON array of its values in the table's column order.

    A first sync hands each page of those arrays to SQLite in one statement (``jsonb_each``),
    which parses them in C: no Python object per value, neither in psycopg reading the rows nor
    in the sqlite3 module binding them. Measured on the 941,573 observations of the
    50,000-patient clinic, SQLite inserting them took 3.0 s of CPU from JSON against 3.8 s
    from bound tuples, before psycopg's own saving. (An array of text, ``array_to_json``, cost
    the server a sixth less, but first syncs were no faster: 32.7 and 32.9 s against 31.9 and
    32.8 s run between them.)
    """
    if len(table.columns) > _MOST_COLUMNS:
        raise AssertionError(f"{table.name}: more columns than json_build_array takes")
    values = ", ".join(_json_value(c) for c in table.columns)
    name = rows_function(table)
    return (
        f"CREATE OR REPLACE FUNCTION sync.{_q(name)}() RETURNS refcursor"
        " LANGUAGE plpgsql SECURITY DEFINER SET search_path = sync, pg_temp AS $fn$"
        f" DECLARE c refcursor := '{name}';"
        f" BEGIN OPEN c NO SCROLL FOR SELECT x.id::text, json_build_array({values})::text"
        f" FROM sync.{_q(table.name)} x ORDER BY x.id; RETURN c; END $fn$"
    )


def snapshot_statement(table: Table) -> str:
    """``sync.snapshot_rows_<table>()``: the caller's clinic's rows (tombstones included), one
    stream per table read through a cursor in the snapshot's REPEATABLE READ transaction.
    Workstations of earlier versions read it; this one opens :func:`cursor_statement`'s cursor.

    In id order (the primary key's): ids are UUIDv7, so each row goes at the end of the
    vault's id index. In the heap's order, which an edited row leaves, the index takes them at
    random places: 941,000 observations loaded shuffled took 27.5 s of CPU, in id order 6.5 s.
    """
    stored = [_stored(c) for c in table.columns]
    result = ", ".join(
        f"{_q(c.name)} {kind}" for c, (_, kind) in zip(table.columns, stored, strict=True)
    )
    select = ", ".join(expr for expr, _ in stored)
    return (
        f"CREATE OR REPLACE FUNCTION sync.{_q(snapshot_function(table))}()"
        f" RETURNS TABLE ({result})"
        " LANGUAGE sql STABLE SECURITY DEFINER SET search_path = sync, pg_temp"
        " SET timezone = 'UTC' AS $fn$"
        f" SELECT {select} FROM sync.{_q(table.name)} x ORDER BY x.id $fn$"
    )


def _rekey(table: Table) -> str:
    """Upgrade a server made before clinic-scoped keys: primary key (id) → (clinic_id, id)."""
    return (
        "DO $do$ BEGIN"
        " IF (SELECT count(*) FROM pg_constraint c JOIN pg_attribute a"
        " ON a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey)"
        f" WHERE c.conrelid = 'sync.{_q(table.name)}'::regclass AND c.contype = 'p') = 1 THEN"
        f" ALTER TABLE sync.{_q(table.name)} DROP CONSTRAINT {_q(table.name + '_pkey')},"
        f' ADD PRIMARY KEY (clinic_id, "id");'
        " END IF; END $do$"
    )


def table_statements(table: Table) -> list[str]:
    """Create (or extend, on an upgrade) one replicated table with its trigger and policy."""
    name = _q(table.name)
    cols = ["clinic_id text NOT NULL"]
    for c in table.columns:
        null = "" if c.nullable or c.primary_key else " NOT NULL"
        cols.append(f"{_q(c.name)} {column_type(c)}{null}")
    # Keyed by clinic too: a name-based id (model.base.stable_id, e.g. a template version) is
    # the same in two clinics, and each clinic must be able to have its own row.
    cols.append('PRIMARY KEY (clinic_id, "id")')
    add = [
        f"ALTER TABLE sync.{name} ADD COLUMN IF NOT EXISTS {_q(c.name)} {column_type(c)}"
        for c in table.columns
    ]
    return [
        f"CREATE TABLE IF NOT EXISTS sync.{name} ({', '.join(cols)})",
        *add,
        _rekey(table),
        f"ALTER TABLE sync.{name} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE sync.{name} FORCE ROW LEVEL SECURITY",
        f"DROP POLICY IF EXISTS by_clinic ON sync.{name}",
        # (SELECT ...) runs once per query, not once per row.
        f"CREATE POLICY by_clinic ON sync.{name} USING (clinic_id = (SELECT sync.my_clinic()))"
        " WITH CHECK (clinic_id = (SELECT sync.my_clinic()))",
        f"DROP TRIGGER IF EXISTS log_change ON sync.{name}",  # the per-row trigger of old
        *(
            stmt
            for event in ("insert", "update")
            for stmt in (
                f"DROP TRIGGER IF EXISTS log_{event} ON sync.{name}",
                f"CREATE TRIGGER log_{event} AFTER {event.upper()} ON sync.{name}"
                " REFERENCING NEW TABLE AS changed FOR EACH STATEMENT"
                " EXECUTE FUNCTION sync.log_changes()",
            )
        ),
        # For the duplicate check. The value leads: an index led by clinic_id would tie with the
        # primary key for a lookup by id before the server has statistics, and could be chosen.
        *(
            stmt
            for c in CLINIC_UNIQUE.get(table.name, ())
            for stmt in (
                f"DROP INDEX IF EXISTS sync.{_q(table.name + '_' + c)}",
                f"CREATE INDEX IF NOT EXISTS {_q(table.name + '_' + c + '_clinic')}"
                f" ON sync.{name} ({_q(c)}, clinic_id)",
            )
        ),
        # Dropped first: an upgrade that adds a column changes the function's result type.
        f"DROP FUNCTION IF EXISTS sync.{_q(snapshot_function(table))}()",
        snapshot_statement(table),
        cursor_statement(table),
        rows_statement(table),
    ]


def referenced_by(table: Table) -> list[list[str]]:
    """[child table, column] for every replicated foreign key that points at ``table``."""
    return [
        [child.name, fk.parent.name]
        for child in synced_tables()
        for fk in child.foreign_keys
        if fk.column.table.name == table.name
    ]


def all_statements() -> list[tuple[str, tuple[object, ...]]]:
    """Every replicated table's statements, and its row in ``sync.synced_table``."""
    out: list[tuple[str, tuple[object, ...]]] = []
    for position, table in enumerate(synced_tables()):
        out.extend((s, ()) for s in table_statements(table))
        out.append(
            (
                "INSERT INTO sync.synced_table"
                " (name, columns, clinical, position, referenced_by, unique_columns, derived)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (name) DO UPDATE SET columns = excluded.columns,"
                " clinical = excluded.clinical, position = excluded.position,"
                " referenced_by = excluded.referenced_by, unique_columns = excluded.unique_columns,"
                " derived = excluded.derived",
                (
                    table.name,
                    column_list(table),
                    table.name in CLINICAL,
                    position,
                    json.dumps(referenced_by(table)),
                    list(CLINIC_UNIQUE.get(table.name, ())),
                    list(DERIVED.get(table.name, ())),
                ),
            )
        )
    return out
