"""The first sync of a new workstation: a byte-for-byte copy of the clinic, with progress."""

from __future__ import annotations

import sys
from datetime import date
from typing import Any

import pytest
from sqlalchemy import event, text

from careDesk.care.demo import generate_demo
from careDesk.desk import Desk
from careDesk.ops import Cancelled, Progress
from careDesk.sync import snapshot
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
    a.sync()  # the demo clinic goes to the server; A has it all already
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
    # Risk is derived on each workstation: scored at the same time, the new one ranks the
    # same patients first (A's scores are the demo's, as of its own day).
    a.desk.risk.refresh_all()
    top = "SELECT patient_id FROM risk_score ORDER BY priority DESC, patient_id LIMIT 10"
    with a.desk.reading() as sa, b.desk.reading() as sb:
        assert list(sa.execute(text(top))) == list(sb.execute(text(top)))
    assert b.desk.patients.search("DM0000001")


def test_a_save_while_a_new_workstation_copies_the_clinic_is_scored_with_everyone(
    make_workstation: Any,
) -> None:
    """A coordinator edits a patient whose chart is still being copied: no score is made from
    the half-copied chart, and the patient is scored with everyone once the copy is in."""
    a = make_workstation("anna")
    generate_demo(
        a.desk, patients=20, seed=5, today=date(2026, 3, 10), coordinator_password=PASSWORD
    )
    a.sync()
    b = make_workstation("ben")
    during: dict[str, Any] = {}

    def save_once(progress: Progress) -> None:
        message, done, _total = progress.snapshot()
        if message != COPYING or done == 0 or during:
            return
        with b.desk.reading() as session:
            pid = session.execute(text("SELECT id FROM patient LIMIT 1")).scalar()
            conditions = session.execute(text("SELECT count(*) FROM condition")).scalar()
        if pid is None:
            return  # the patients are not in yet
        b.desk.patients.update(pid, city="Harbour")
        during.update(pid=pid, score=b.desk.risk.score(pid), conditions=conditions)

    progress = Progress()
    progress.listen(save_once)
    b.desk.sync.run(progress=progress)

    assert during["conditions"] == 0  # the save came before the patients' conditions
    assert during["score"] is None
    a.desk.risk.refresh([during["pid"]])  # scored the same day as on the new workstation
    theirs, ours = b.desk.risk.score(during["pid"]), a.desk.risk.score(during["pid"])
    assert theirs is not None and ours is not None
    assert (theirs.priority, theirs.scores) == (ours.priority, ours.scores)


def test_the_copy_commits_without_flushing_until_the_commit_that_counts_it_as_taken(
    make_workstation: Any,
) -> None:
    """A power cut during a first sync may take back its newest chunks, never a chunk before
    the commit that records the snapshot as taken (that one flushes the log, and with it every
    chunk before it); a cut before it makes the next sync copy again. SQLite: synchronous FULL
    is 2, NORMAL 1 (https://sqlite.org/pragma.html#pragma_synchronous)."""
    a = make_workstation("anna")
    generate_demo(
        a.desk, patients=12, seed=3, today=date(2026, 3, 10), coordinator_password=PASSWORD
    )
    a.sync()
    b = make_workstation("ben")
    commits: list[tuple[int, bool]] = []  # (synchronous, the vault counts as bootstrapped)

    def at_commit(conn: Any) -> None:
        if getattr(conn.connection.driver_connection, "lane", None) is None:
            return  # a read
        level = conn.exec_driver_sql("PRAGMA synchronous").scalar()
        taken = conn.exec_driver_sql("SELECT bootstrapped FROM sync_state").scalar()
        commits.append((int(level), bool(taken)))

    event.listen(b.desk.engine, "commit", at_commit)
    try:
        b.desk.sync.run()
    finally:
        event.remove(b.desk.engine, "commit", at_commit)

    first_taken = next(i for i, (_, taken) in enumerate(commits) if taken)
    assert commits[first_taken][0] == 2, "the commit that counts the snapshot flushes"
    copied = [level for level, _ in commits[:first_taken]]
    assert copied.count(1) >= 5, "the copy's chunks and scores do not wait for the disk"
    assert all(level == 2 for level, _ in commits[first_taken:])
    assert _level_of_a_save(b.desk) == 2


def _level_of_a_save(desk: Desk) -> int:
    with desk.writing(None) as tx:
        return int(tx.session.execute(text("PRAGMA synchronous")).scalar_one())


def test_a_first_sync_hands_the_interpreter_lock_round_often_and_only_while_it_runs(
    make_workstation: Any,
) -> None:
    """The copy's writing thread takes the interpreter lock back after every row; shorter
    turns while it runs (snapshot.short_lock_turns), the app's own setting again after it, and
    after a sync the person stopped."""
    a = make_workstation("anna")
    generate_demo(
        a.desk, patients=6, seed=4, today=date(2026, 3, 10), coordinator_password=PASSWORD
    )
    a.sync()
    before = sys.getswitchinterval()
    assert before != snapshot.LOCK_TURN
    during: set[float] = set()

    def note(p: Progress) -> None:
        if p.message == COPYING:
            during.add(sys.getswitchinterval())

    progress = Progress()
    progress.listen(note)
    make_workstation("ben").desk.sync.run(progress=progress)
    assert during == {snapshot.LOCK_TURN}
    assert sys.getswitchinterval() == before

    def stop(p: Progress) -> None:
        if p.message == COPYING and p.done:
            p.cancel()  # the person presses Stop during the copy

    stopped = Progress()
    stopped.listen(stop)
    with pytest.raises(Cancelled):
        make_workstation("cleo").desk.sync.run(progress=stopped)
    assert sys.getswitchinterval() == before
