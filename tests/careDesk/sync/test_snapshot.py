"""The first sync of a new workstation: a byte-for-byte copy of the clinic, with progress."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import text

from careDesk.care.demo import generate_demo
from careDesk.desk import Desk
from careDesk.ops import Progress
from careDesk.sync.reports import COPYING
from careDesk.sync.tables import synced_tables
from tests.conftest import PASSWORD


def _rows(desk: Desk, name: str) -> list[tuple[Any, ...]]:
    with desk.reading() as session:
        return [tuple(r) for r in session.execute(text(f'SELECT * FROM "{name}" ORDER BY id'))]


def test_a_new_workstation_gets_every_row_exactly_as_stored(make_workstation: Any) -> None:
    a = make_workstation("anna")
    generate_demo(
        a.desk, patients=40, seed=7, today=date(2026, 3, 10), coordinator_password=PASSWORD
    )
    before = {t.name: _rows(a.desk, t.name) for t in synced_tables()}
    a.sync()  # the demo clinic goes to the server, and A takes the server's snapshot back
    b = make_workstation("ben")
    seen: list[tuple[str, int, int]] = []
    progress = Progress()
    progress.listen(lambda p: seen.append(p.snapshot()))
    report = b.desk.sync.run(progress=progress)

    assert report.snapshot_rows > 1000
    for t in synced_tables():
        assert _rows(a.desk, t.name) == before[t.name], f"{t.name} changed on the first sync"
        theirs = _rows(b.desk, t.name)
        assert theirs == before[t.name], f"{t.name}: differs on the new workstation"
    snapshot = [(done, total) for message, done, total in seen if message == COPYING]
    assert snapshot[0] == (0, report.snapshot_rows)
    assert snapshot[-1] == (report.snapshot_rows, report.snapshot_rows)
    assert [d for d, _ in snapshot] == sorted(d for d, _ in snapshot)
    # Risk is derived on each workstation: the new one ranks the same patients first.
    top = "SELECT patient_id FROM risk_score ORDER BY priority DESC, patient_id LIMIT 10"
    with a.desk.reading() as sa, b.desk.reading() as sb:
        assert list(sa.execute(text(top))) == list(sb.execute(text(top)))
    assert b.desk.patients.search("DM0000001")
