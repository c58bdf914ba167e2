"""Writes that can be made again commit without waiting for the disk; every other write waits.

SQLite's ``synchronous`` level decides whether a commit flushes the log to the disk: FULL (2)
for every write of this app, NORMAL (1) only for a thread's writes inside ``replayable()`` (a
first sync's copy, whose rows the server still has). https://sqlite.org/pragma.html#pragma_synchronous
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from careDesk.desk import Desk
from careDesk.store.engine import replayable

FULL, NORMAL = 2, 1


def _level_in_a_write(desk: Desk) -> int:
    with desk.writing(None) as tx:
        tx.session.execute(text("CREATE TABLE IF NOT EXISTS scratch (x)"))
        tx.session.execute(text("INSERT INTO scratch VALUES (1)"))
        return int(tx.session.execute(text("PRAGMA synchronous")).scalar_one())


def test_only_this_threads_writes_inside_skip_the_flush_and_the_next_write_flushes(
    desk: Desk,
) -> None:
    assert _level_in_a_write(desk) == FULL
    seen_elsewhere: list[int] = []
    with replayable():
        assert _level_in_a_write(desk) == NORMAL
        other = threading.Thread(target=lambda: seen_elsewhere.append(_level_in_a_write(desk)))
        other.start()
        other.join()
        assert _level_in_a_write(desk) == NORMAL
    assert seen_elsewhere == [FULL], "a save on another thread meanwhile waits for the disk"
    # The pool hands the same connection out again (last in, first out): it is FULL once more.
    assert _level_in_a_write(desk) == FULL


def test_a_replayable_write_that_fails_leaves_its_connection_flushing(desk: Desk) -> None:
    with replayable(), pytest.raises(RuntimeError), desk.writing(None) as tx:
        tx.session.execute(text("CREATE TABLE scratch (x)"))
        raise RuntimeError("stopped half-way")
    assert _level_in_a_write(desk) == FULL
    with desk.reading() as session:
        assert session.execute(text("PRAGMA synchronous")).scalar_one() == FULL
