"""Who copies the write-ahead log into the database after a commit (``store/engine.py``).

A job writing in chunks (a first sync's copy) fills the log by megabytes a second. The copy
into the database (a checkpoint) runs after a commit, outside the write lane; a save made
meanwhile must not run it, or the person waits for the job's pages to be copied (50-140 ms
under a first sync's load). The job's own next commit copies them; with no job writing, a save
copies the log as always, so it never grows without end. https://sqlite.org/wal.html#ckpt
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from careDesk.desk import Desk
from careDesk.ops import Priority
from careDesk.ops.context import current_name, running
from careDesk.store import engine


@pytest.fixture
def checkpoints(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The op names of the commits after which the log was copied; every commit finds the
    log past the mark."""
    monkeypatch.setattr(engine, "CHECKPOINT_BYTES", 0)
    seen: list[str] = []
    real = engine._Connection._checkpoint

    def checkpoint(self: engine._Connection) -> None:
        seen.append(current_name())
        real(self)

    monkeypatch.setattr(engine._Connection, "_checkpoint", checkpoint)
    return seen


def _write(desk: Desk) -> None:
    with desk.writing(None) as tx:
        tx.session.execute(text("UPDATE setting SET value = value"))


def test_a_save_made_while_a_job_writes_leaves_the_copy_of_the_log_to_the_job(
    desk: Desk, checkpoints: list[str]
) -> None:
    lane, saving = desk.write_lane, threading.Event()

    def job() -> None:
        saving.wait(30)
        with running("sync.run", Priority.BACKGROUND):
            _write(desk)  # its next chunk, waiting for the save

    worker = threading.Thread(target=job)
    worker.start()
    with running("patients.update", Priority.INTERACTIVE), desk.writing(None) as tx:
        tx.session.execute(text("UPDATE setting SET value = value"))
        saving.set()
        assert lane.wait_for_waiters(interactive=0, background=1, timeout=30)
    worker.join(30)
    assert checkpoints == ["sync.run"]


def test_a_save_with_no_job_writing_copies_the_log_itself(
    desk: Desk, checkpoints: list[str]
) -> None:
    with running("patients.update", Priority.INTERACTIVE):
        _write(desk)
    with running("risk.refresh", Priority.BACKGROUND):
        _write(desk)
    assert checkpoints == ["patients.update", "risk.refresh"]
