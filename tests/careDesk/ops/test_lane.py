"""The write lane: every write transaction passes it, one at a time, interactive first."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from careDesk.desk import Desk
from careDesk.errors import DatabaseBusy
from careDesk.ops import Priority
from careDesk.ops.context import running
from careDesk.ops.lane import SCOPES_KEPT, WriteLane
from careDesk.store import engine as store_engine
from careDesk.store.engine import raw_connect
from tests.careDesk.schedule.conftest import add_patient


def test_every_kind_of_write_passes_the_lane_and_gives_it_back(desk: Desk) -> None:
    lane = desk.write_lane
    with lane.recording() as log:
        add_patient(desk)  # a verb's transaction
        with pytest.raises(ValueError), desk.writing() as tx:  # one that fails half-way
            tx.session.execute(text("UPDATE setting SET value = value"))
            raise ValueError("stop")
        with desk.engine.begin() as conn:  # SQLAlchemy Core, as APScheduler's job store writes
            conn.exec_driver_sql("UPDATE setting SET value = value")
        with desk.engine.connect() as conn:  # a connection closed without commit
            conn.exec_driver_sql("PRAGMA optimize")
        with desk.reading() as session:  # reads never take it
            session.execute(text("SELECT count(*) FROM patient")).one()
    assert len(log.holds) == 4
    assert not lane.held_here
    add_patient(desk)  # nothing was left holding it


def test_a_background_write_waits_while_a_save_waits(desk: Desk) -> None:
    """The lane is busy; a background job's next chunk and a save both wait for it: the save
    goes first, whichever came first."""
    lane, order = desk.write_lane, []
    holding, release = threading.Event(), threading.Event()

    def write(name: str, priority: Priority, hold: bool = False) -> None:
        with running(name, priority), desk.writing(None) as tx:
            tx.session.execute(text("UPDATE setting SET value = value"))
            order.append(name)
            if hold:
                holding.set()
                release.wait(30)

    threads = [threading.Thread(target=write, args=("first chunk", Priority.BACKGROUND, True))]
    threads[0].start()
    assert holding.wait(30)
    threads.append(threading.Thread(target=write, args=("next chunk", Priority.BACKGROUND)))
    threads[1].start()
    assert lane.wait_for_waiters(interactive=0, background=1, timeout=30)
    threads.append(threading.Thread(target=write, args=("save", Priority.INTERACTIVE)))
    threads[2].start()
    assert lane.wait_for_waiters(interactive=1, background=1, timeout=30)
    release.set()
    for thread in threads:
        thread.join(30)
    assert order == ["first chunk", "save", "next chunk"]


def test_a_job_at_a_saves_priority_cannot_take_the_lane_back_from_a_waiting_save(
    desk: Desk,
) -> None:
    """A sync started from the command line runs at a save's own priority: when its chunk
    commits while a save waits, the save goes next, not the job's next chunk asked for at
    once after the commit."""
    lane, order, holding = desk.write_lane, [], threading.Event()

    def job() -> None:
        with running("sync.run", Priority.INTERACTIVE):
            for chunk in ("first chunk", "next chunk"):
                with desk.writing(None) as tx:
                    tx.session.execute(text("UPDATE setting SET value = value"))
                    order.append(chunk)
                    if chunk == "first chunk":
                        holding.set()
                        assert lane.wait_for_waiters(interactive=1, background=0, timeout=30)

    def save() -> None:
        with running("patients.update", Priority.INTERACTIVE), desk.writing(None) as tx:
            tx.session.execute(text("UPDATE setting SET value = value"))
            order.append("save")

    worker = threading.Thread(target=job)
    worker.start()
    assert holding.wait(30)  # the job holds the lane with its first chunk; then the save comes
    saver = threading.Thread(target=save)
    saver.start()
    worker.join(30)
    saver.join(30)
    assert order == ["first chunk", "save", "next chunk"]


def test_a_vault_locked_by_another_program_is_a_busy_message_not_a_crash(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    patient = add_patient(desk)
    monkeypatch.setattr(store_engine, "BUSY_TIMEOUT_MS", 200)
    desk.engine.dispose()  # new connections wait 0.2 s for SQLite's lock, not 5 s
    other = raw_connect(desk.paths.database, desk.key)  # e.g. a tool holding the write lock
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(DatabaseBusy) as caught:
            desk.timeline.add_note(patient.id, summary="Called about meals")
    finally:
        other.rollback()
        other.close()
    assert "busy" in caught.value.message and "saved nothing" in caught.value.message
    assert desk.timeline.count(patient.id) == 0
    desk.timeline.add_note(patient.id, summary="Called about meals")  # and then it works
    assert desk.timeline.count(patient.id) == 1


def test_a_write_opened_inside_another_on_one_thread_is_a_bug_said_at_once(desk: Desk) -> None:
    with desk.writing() as tx:
        tx.session.execute(text("UPDATE setting SET value = value"))
        with pytest.raises(RuntimeError, match="inside another"), desk.engine.begin() as conn:
            conn.exec_driver_sql("UPDATE setting SET value = value")


def test_the_lane_tells_whose_records_changed_since_a_generation() -> None:
    lane = WriteLane(5.0, "vault")

    def write(patients: frozenset[str] | None, *, declare: bool = True) -> None:
        lane.acquire()
        if declare:
            lane.declare(patients)
        lane.release()

    start = lane.generation
    assert lane.patients_changed_since(start) == frozenset()
    write(frozenset({"p1"}))
    write(frozenset())  # derived rows only
    middle = lane.generation
    write(frozenset({"p2", "p3"}))
    assert lane.patients_changed_since(start) == {"p1", "p2", "p3"}
    assert lane.patients_changed_since(middle) == {"p2", "p3"}
    write(None, declare=False)  # a write that did not say
    assert lane.patients_changed_since(middle) is None
    assert lane.patients_changed_since(lane.generation) == frozenset()
    lane.declare(frozenset({"p9"}))  # from a thread not holding the lane: ignored
    write(frozenset({"p4"}))
    assert lane.patients_changed_since(lane.generation - 1) == {"p4"}
    for _ in range(SCOPES_KEPT):
        write(frozenset())
    assert lane.patients_changed_since(middle) is None, "too long ago to tell"


def test_a_write_that_names_its_tables_changes_nothing_a_reader_of_others_read() -> None:
    """A first sync copies the tables a risk refresh does not read while the refresh runs:
    those writes say which tables they wrote, and leave the refresh's reads standing."""
    lane = WriteLane(5.0, "vault")

    def write(patients: frozenset[str] | None, tables: frozenset[str] | None) -> None:
        lane.acquire()
        lane.declare(patients, tables)
        lane.release()

    reads = frozenset({"patient", "observation"})
    start = lane.generation
    write(None, frozenset({"time_entry"}))  # a copy chunk: whose records, it cannot say
    assert lane.patients_changed_since(start, reads) == frozenset()
    assert lane.patients_changed_since(start) is None, "a reader that does not say what it read"
    write(frozenset({"p1"}), frozenset({"observation", "observation_fts"}))
    assert lane.patients_changed_since(start, reads) == {"p1"}
    write(None, frozenset({"observation"}))  # one of the tables read, patients unknown
    assert lane.patients_changed_since(start, reads) is None
    later = lane.generation
    write(frozenset({"p2"}), None)  # a save that names its patient, not its tables
    assert lane.patients_changed_since(later, reads) == {"p2"}


def test_a_write_rolled_back_changed_nothing(desk: Desk) -> None:
    """An index build that steps aside for a save rolls back: a refresh that read meanwhile
    need not read again (it would count as changing everyone's otherwise)."""
    lane = desk.write_lane
    start = lane.generation
    with pytest.raises(ZeroDivisionError), desk.writing() as tx:
        tx.session.execute(text("UPDATE setting SET value = value"))
        _ = 1 / 0
    assert lane.generation == start + 1
    assert lane.patients_changed_since(start) == frozenset()
    with desk.writing() as tx:  # one that commits and cannot say stays unknown
        tx.session.execute(text("UPDATE setting SET value = value"))
    assert lane.patients_changed_since(start) is None
