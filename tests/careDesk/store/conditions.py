"""Real storage conditions on a real vault, for the storage-fault tests (issue 18).

Why each one stands for the real thing, as root and as a person, is explained in
``tests/careDesk/store/test_storage_faults.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlcipher3
from sqlalchemy import Engine, event
from sqlalchemy.pool import Pool

from careDesk.paths import VaultPaths
from careDesk.store.engine import formats, use_format


def full(dbapi: Any, _record: Any) -> None:
    """The disk is full from now on: the vault may not grow by one page (SQLITE_FULL)."""
    pages = dbapi.execute("PRAGMA page_count").fetchone()[0]
    dbapi.execute(f"PRAGMA max_page_count = {pages}")


def read_only(dbapi: Any, _record: Any) -> None:
    """Writes refused with SQLITE_READONLY, as for a file, folder or disk that is read-only."""
    dbapi.execute("PRAGMA query_only = ON")


@contextmanager
def on_every_connection(target: Engine | type[Pool], setup: Any) -> Iterator[None]:
    """Run ``setup`` on each new connection (of one engine, or of every engine made meanwhile)."""
    if isinstance(target, Engine):
        target.dispose()  # connections already pooled would escape the condition
    event.listen(target, "connect", setup)
    try:
        yield
    finally:
        event.remove(target, "connect", setup)
        if isinstance(target, Engine):
            target.dispose()


@contextmanager
def held(paths: VaultPaths, key: bytes, *, exclusive: bool = False) -> Iterator[None]:
    """Another connection holding the vault's write lock (or, exclusive, the whole file)."""
    other = sqlcipher3.connect(str(paths.database), isolation_level=None)
    other.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    use_format(other, formats(paths.database)[0])
    if exclusive:
        other.execute("PRAGMA locking_mode = EXCLUSIVE")
        other.execute("BEGIN EXCLUSIVE")
        other.execute("UPDATE setting SET value = value")
    else:
        other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()
