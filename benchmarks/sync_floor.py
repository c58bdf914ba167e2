"""What a first sync cannot beat on this machine: SQLite alone writing the clinic into a vault.

The first sync's budget (issue 21) is set against one figure that no code of ours can go under:
SQLite itself writing the same rows into a new vault. This loads the clinic's rows from its
unencrypted copy with ``INSERT … SELECT`` (SQLite's C code end to end: no server, no network, no
Python per row, no risk scores), in the first sync's order and way: tables in
:func:`~careDesk.sync.snapshot.copy_order`, rows in id order, :data:`ROWS` rows per write
transaction committed as a first sync commits them (``synchronous = NORMAL``, the log copied
into the database past ``CHECKPOINT_BYTES``), the deferrable indexes dropped and built once each
table is in, the patient search index filled one transaction at a time
(:mod:`careDesk.sync.bulkload`). Once into an encrypted vault and once into an unencrypted file,
both with the app's schema and connection settings (:func:`~careDesk.store.engine.build_engine`).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from careDesk.care.risk.engine import READS
from careDesk.store import migrate
from careDesk.store.engine import build_engine
from careDesk.sync.bulkload import SearchBatch, drop_deferred, missing, to_build
from careDesk.sync.snapshot import copy_order

ROWS = 5_000  # rows per write transaction (a first sync's chunks average about 2,800)


def floor(plain: Path) -> tuple[float, float, int]:
    """Seconds to load ``plain``'s replicated rows into an encrypted vault and into an
    unencrypted one, and how many rows."""
    with tempfile.TemporaryDirectory(prefix="caredesk-bench-floor-") as tmp:
        encrypted, rows = _load(plain, Path(tmp) / "enc.db", bytes(range(32)))
        unencrypted, _ = _load(plain, Path(tmp) / "plain.db", None)
    return encrypted, unencrypted, rows


def _load(plain: Path, path: Path, key: bytes | None) -> tuple[float, int]:
    engine = build_engine(path, key)
    try:
        migrate.upgrade(engine)
        engine.dispose()
        pooled = engine.raw_connection()
        try:
            raw = pooled.driver_connection
            raw.execute(f"ATTACH DATABASE '{plain.as_posix()}' AS clinic KEY ''")
            raw.execute("PRAGMA synchronous = NORMAL")  # as a first sync's copy (replayable)
            started = time.perf_counter()
            rows = sum(_table(raw, t.name, [c.name for c in t.columns]) for t in _tables(raw))
            seconds = time.perf_counter() - started
            assert not missing(raw), "the floor must build every index a first sync builds"
            raw.execute("DETACH DATABASE clinic")
        finally:
            pooled.close()
    finally:
        engine.dispose()
    return seconds, rows


def _tables(raw: Any) -> list[Any]:
    have = {str(r[0]) for r in raw.execute("SELECT name FROM clinic.sqlite_master")}
    return [t for t in copy_order(READS) if t.name in have]


def _table(raw: Any, name: str, columns: list[str]) -> int:
    """Copy one table in id order, ROWS rows per transaction; then build its indexes."""
    listed = ", ".join(f'"{c}"' for c in columns)
    raw.execute("BEGIN IMMEDIATE")
    drop_deferred(raw, name)
    raw.execute("COMMIT")
    written, after = 0, ""
    while True:
        raw.execute("BEGIN IMMEDIATE")
        search = SearchBatch(raw, name)
        search.begin()
        added = raw.execute(
            f'INSERT INTO main."{name}" ({listed}) SELECT {listed} FROM clinic."{name}"'
            " WHERE id > ? ORDER BY id LIMIT ?",
            (after, ROWS),
        ).rowcount
        search.finish()
        if added > 0:
            last = raw.execute(f'SELECT max(id) FROM main."{name}"').fetchone()
            after = str(last[0])
        raw.execute("COMMIT")
        raw._checkpoint_when_large()  # as the app's commit does it (careDesk/store/engine.py)
        written += added
        if added < ROWS:
            break
    for statement in to_build(raw, name):
        raw.execute("BEGIN IMMEDIATE")
        raw.execute(statement)
        raw.execute("COMMIT")
    return written
