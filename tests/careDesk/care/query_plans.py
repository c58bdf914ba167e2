"""The query plans SQLite takes for what a piece of careDesk reads: tests pin them so a read
that would scan a large table (or walk the wrong index) fails here, not at a clinic."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlmodel import Session

from careDesk.desk import Desk


def plans(desk: Desk, read: Callable[[Session], Any], *, touching: str = "") -> list[str]:
    """The plan of each statement ``read(session)`` runs (only those naming ``touching``), its
    steps joined by `` | ``."""
    seen: list[tuple[str, Any]] = []

    def grab(_c: Any, _cur: Any, statement: str, params: Any, _ctx: Any, _many: bool) -> None:
        if touching in statement.lower():
            seen.append((statement, params))

    event.listen(desk.engine, "before_cursor_execute", grab)
    try:
        with desk.reading() as session:
            read(session)
    finally:
        event.remove(desk.engine, "before_cursor_execute", grab)
    with desk.reading() as session:
        raw = session.connection().connection.driver_connection
        assert raw is not None
        return [
            " | ".join(str(row[-1]) for row in raw.execute(f"EXPLAIN QUERY PLAN {st}", p))
            for st, p in seen
        ]
