"""Loading a whole table into an empty vault table quickly, without ever leaving it wrong.

A first sync writes millions of rows. Keeping every secondary index up to date row by row costs
more than building each index once the table is in, and the patient search index (FTS5, kept in
step by triggers) costs twice as much row by row as in one pass (measured: 50,000 patients,
2.9 s of CPU against 1.4 s). So, for a table that was empty when its load began:

* its non-unique secondary indexes are dropped and built again as soon as the table is in
  (:func:`to_build`; also on any error or a Stop, and at the start of the next sync after a
  crash: :func:`missing`). Only indexes this code can rebuild exactly (the model's, stored
  as the model would create them) are ever dropped; unique indexes, primary keys and the
  hand-written extras stay, so no constraint and no ``ON CONFLICT`` target is ever missing. A
  missing secondary index only makes some reads slower, never wrong. Building one is a single
  statement that cannot be cut in chunks (about 2 s for the 941,000 observations of a
  50,000-patient clinic), so it steps aside for a save (:func:`build_index`);
* search triggers are dropped inside each write transaction, and before it commits the rows
  it added go into the search index in one statement and the triggers are created again
  (:class:`SearchBatch`): every committed state is searchable.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import OperationalError
from sqlalchemy.schema import CreateIndex

from careDesk.store.schema_extras import EXTRAS
from careDesk.sync.tables import synced_tables

if TYPE_CHECKING:
    from careDesk.desk import Desk

# An index build steps aside for a save at most this many times, then runs through (a save
# made then waits for it once): a stream of saves cannot keep a table without its indexes.
STEP_ASIDE = 5
# SQLite virtual-machine steps between two looks at the lane while an index builds: a look is
# a Python call (about 0.1 µs of work for some 20 µs of building), and a save waits at most
# some tens of milliseconds for the build to notice it.
_STEPS = 1_000


@cache
def deferrable() -> dict[str, dict[str, str]]:
    """{table: {index name: CREATE INDEX statement}}: the non-unique secondary indexes of the
    replicated tables that may be dropped during a first load, each with the exact statement
    that made it (the model's; a hand-written index, ``schema_extras``, is left in place)."""
    out: dict[str, dict[str, str]] = {t.name: {} for t in synced_tables()}
    dialect = sqlite.dialect()
    for t in synced_tables():
        for ix in t.indexes:
            if not ix.unique and ix.name:
                out[t.name][str(ix.name)] = str(CreateIndex(ix).compile(dialect=dialect))
    return out


def _present(raw: Any, kind: str, tbl: str) -> dict[str, str]:
    rows = raw.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = ? AND tbl_name = ? AND sql IS NOT NULL",
        (kind, tbl),
    ).fetchall()
    return {str(name): str(sql) for name, sql in rows}


def drop_deferred(raw: Any, name: str) -> list[str]:
    """Drop ``name``'s deferrable indexes (inside the caller's write transaction) whose stored
    statement is exactly the one :func:`deferrable` would rebuild; returns their names."""
    present = _present(raw, "index", name)
    dropped = []
    for index, statement in deferrable().get(name, {}).items():
        if _same(present.get(index), statement):
            raw.execute(f'DROP INDEX "{index}"')
            dropped.append(index)
    return dropped


def to_build(raw: Any, name: str) -> list[str]:
    """The statements that create ``name``'s deferrable indexes now missing (run each in a
    write transaction of its own: a person's save waits for one index at most)."""
    present = _present(raw, "index", name)
    return [s for index, s in deferrable().get(name, {}).items() if index not in present]


def build_index(desk: Desk, statement: str, tables: frozenset[str] | None = None) -> int:
    """Run one ``CREATE INDEX`` in a write transaction of its own that steps aside for a save.

    While it runs, SQLite asks every :data:`_STEPS` steps whether an interactive transaction
    waits for the write lane; if one does, the statement is interrupted and SQLite rolls the
    transaction back (nothing half-built is left), the save goes first, and the build starts
    again. After :data:`STEP_ASIDE` tries it runs through. ``tables``: the tables it writes, as
    its transaction declares them (:func:`written_by`). Returns how often it stepped aside.

    An index of that name already there (built since the caller looked) is left as it is: an
    SQLite index always holds every row of its table. Once, under a loaded machine, a first
    sync failed here on "index ... already exists"; how it came to be there is not known.
    """
    statement = statement.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1)
    lane = desk.write_lane
    stepped = 0
    while True:
        try:
            with desk.writing(None) as tx:
                tx.tables = tables
                connection = tx.session.connection()
                raw = connection.connection.driver_connection
                assert raw is not None
                if stepped < STEP_ASIDE:
                    raw.set_progress_handler(lambda: lane.interactive_waiting, _STEPS)
                try:
                    connection.exec_driver_sql(statement)
                finally:
                    raw.set_progress_handler(None, 0)
            return stepped
        except OperationalError as exc:
            if str(exc.orig) != "interrupted":
                raise
            stepped += 1


@cache
def written_by(name: str) -> frozenset[str]:
    """The tables a load of table ``name`` writes: the table, and its full-text index if it
    has one (the search triggers write nothing else)."""
    return frozenset({name, *(fts for fts, content in _fts_tables() if content == name)})


def missing(raw: Any) -> list[str]:
    """Replicated tables with a deferrable index missing (a first load stopped mid-table)."""
    rows = raw.execute("SELECT name FROM sqlite_master WHERE type = 'index'").fetchall()
    have = {str(r[0]) for r in rows}
    return [t for t, indexes in deferrable().items() if set(indexes) - have]


def _same(stored: str | None, statement: str) -> bool:
    return stored is not None and " ".join(stored.split()) == " ".join(statement.split())


class SearchBatch:
    """A write transaction's rows of one table go into its full-text index in one statement.

    ``begin`` (after the transaction started) drops the triggers that keep an external-content
    FTS5 table in step with ``name``, and notes the last rowid; ``finish`` (before the commit)
    indexes every row added since and creates the triggers again, in the same transaction.
    Only for a table that gets inserts only during the transaction (a first load).
    """

    def __init__(self, raw: Any, name: str) -> None:
        self.raw, self.name = raw, name
        self.indexes = [
            (fts, [str(r[1]) for r in raw.execute(f'PRAGMA table_info("{fts}")').fetchall()])
            for fts, content in _fts_tables()
            if content == name
        ]
        self.triggers: dict[str, str] = {}
        self.after = 0

    def begin(self) -> None:
        if not self.indexes:
            return
        triggers = _present(self.raw, "trigger", self.name)
        self.triggers = {
            n: s for n, s in triggers.items() if any(fts in s for fts, _ in self.indexes)
        }
        for trigger in self.triggers:
            self.raw.execute(f'DROP TRIGGER "{trigger}"')
        row = self.raw.execute(f'SELECT max(rowid) FROM "{self.name}"').fetchone()
        self.after = int(row[0] or 0)

    def finish(self) -> None:
        if not self.indexes:
            return
        for fts, columns in self.indexes:
            listed = ", ".join(f'"{c}"' for c in columns)
            self.raw.execute(
                f'INSERT INTO "{fts}" (rowid, {listed}) SELECT rowid, {listed}'
                f' FROM "{self.name}" WHERE rowid > ?',
                (self.after,),
            )
        for statement in self.triggers.values():
            self.raw.execute(statement)
        self.triggers = {}


@cache
def _fts_tables() -> tuple[tuple[str, str], ...]:
    """(FTS5 table, the table it indexes), as the schema extras name them."""
    return tuple((e.name, e.table) for e in EXTRAS if e.kind == "table")
