"""Values bound on the vault's connections keep their meaning: the adapters registered in
``careDesk/store/engine.py`` (which make binding None and bool cheap) must store exactly what
SQLite's own binding stores — NULL for None, 1 and 0 for True and False."""

from __future__ import annotations

from pathlib import Path

from careDesk.store.engine import build_engine


def test_none_and_booleans_are_stored_as_null_and_integers(tmp_path: Path) -> None:
    engine = build_engine(tmp_path / "vault.db", b"\x02" * 32)
    try:
        raw = engine.raw_connection()
        try:
            raw.execute("CREATE TABLE t (a, b, c, d)")
            raw.executemany(
                "INSERT INTO t VALUES (?, ?, ?, ?)",
                [(None, True, False, "x"), (1, None, None, None)],
            )
            rows = raw.execute(
                "SELECT typeof(a), typeof(b), b, typeof(c), c, typeof(d) FROM t ORDER BY rowid"
            ).fetchall()
        finally:
            raw.close()
    finally:
        engine.dispose()
    assert [tuple(r) for r in rows] == [
        ("null", "integer", 1, "integer", 0, "text"),
        ("integer", "null", None, "null", None, "null"),
    ]
