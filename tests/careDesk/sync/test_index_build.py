"""Building an index after a first sync's load steps aside for a save (careDesk/sync/bulkload.py).

A large table's index is one statement of a couple of seconds that cannot be cut in chunks. A
save made meanwhile goes first: the build is interrupted, rolled back, and started again.

The index here is on a function of the column that, on its first row, waits until a save waits
for the write lane: the save arrives while the index is being built, every time, without sleeps.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, text

from careDesk.desk import Desk
from careDesk.ops import Priority
from careDesk.ops.context import running
from careDesk.sync import bulkload

ROWS = 5_000  # enough steps after the first row for the build to notice the save


@pytest.fixture
def gated(desk: Desk) -> Iterator[threading.Event]:
    """A table of ROWS rows and ``gate(x)``: on the first row of a build, waits for a save to
    wait for the lane (up to 30 s), once the returned event is set; ``x`` otherwise."""
    armed = threading.Event()
    lane = desk.write_lane

    def gate(value: Any) -> Any:
        if armed.is_set():
            armed.clear()
            assert lane.wait_for_waiters(interactive=1, background=0, timeout=30)
        return value

    def register(raw: Any, _record: Any) -> None:
        raw.create_function("gate", 1, gate, deterministic=True)

    event.listen(desk.engine, "connect", register)
    desk.engine.dispose()  # the pooled connections are made again, with the function
    with desk.writing(None) as tx:
        tx.session.execute(text("CREATE TABLE scratch (x INTEGER)"))
        tx.session.execute(
            text(
                "INSERT INTO scratch WITH RECURSIVE n(x) AS"
                " (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < :rows) SELECT x FROM n"
            ),
            {"rows": ROWS},
        )
    yield armed
    event.remove(desk.engine, "connect", register)


BUILD = "CREATE INDEX ix_scratch_gate ON scratch (gate(x))"


def _save(desk: Desk) -> threading.Thread:
    def save() -> None:
        with running("save", Priority.INTERACTIVE), desk.writing(None) as tx:
            tx.session.execute(text("UPDATE setting SET value = value"))

    thread = threading.Thread(target=save)
    thread.start()
    return thread


def _index_exists(desk: Desk) -> bool:
    with desk.reading() as session:
        found = session.execute(
            text("SELECT 1 FROM sqlite_master WHERE name = 'ix_scratch_gate'")
        ).first()
    return found is not None


def _build(desk: Desk) -> int:
    with running("index", Priority.BACKGROUND):
        return bulkload.build_index(desk, BUILD)


def test_a_save_made_while_an_index_builds_goes_first_and_the_index_is_built(
    desk: Desk, gated: threading.Event
) -> None:
    gated.set()
    with desk.write_lane.recording() as log:
        builder = threading.Thread(target=lambda: stepped.append(_build(desk)))
        stepped: list[int] = []
        builder.start()
        saver = _save(desk)
        saver.join(30)
        builder.join(30)
    # The interrupted build held the lane until it noticed the save, the save went, and the
    # build ran again from the start.
    assert [h.name for h in log.holds] == ["index", "save", "index"]
    assert stepped == [1]
    assert _index_exists(desk)
    with desk.reading() as session:
        plan = session.execute(text("EXPLAIN QUERY PLAN SELECT x FROM scratch WHERE gate(x) = 7"))
        assert "ix_scratch_gate" in " ".join(str(row) for row in plan)


def test_with_nobody_waiting_the_index_is_built_in_one_go(
    desk: Desk, gated: threading.Event
) -> None:
    with desk.write_lane.recording() as log:
        assert _build(desk) == 0
    assert [h.name for h in log.holds] == ["index"]
    assert _index_exists(desk)


def test_a_build_steps_aside_only_so_often_then_runs_through(
    desk: Desk, gated: threading.Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stream of saves cannot keep a table without its index: past STEP_ASIDE tries the
    build runs through and the save waits for it once."""
    monkeypatch.setattr(bulkload, "STEP_ASIDE", 0)
    gated.set()
    with desk.write_lane.recording() as log:
        stepped: list[int] = []
        builder = threading.Thread(target=lambda: stepped.append(_build(desk)))
        builder.start()
        saver = _save(desk)
        builder.join(30)
        saver.join(30)
    assert stepped == [0]
    assert [h.name for h in log.holds] == ["index", "save"]
    assert _index_exists(desk)


def test_an_index_already_there_when_its_build_comes_is_left_as_it_is(
    desk: Desk, gated: threading.Event
) -> None:
    """The build of a first sync's dropped index runs after a look at what is missing; an
    index built in between must not fail the sync (SQLite's indexes are never partial)."""
    assert _build(desk) == 0
    with desk.write_lane.recording() as log:
        assert _build(desk) == 0
    assert [h.name for h in log.holds] == ["index"]
    assert _index_exists(desk)
