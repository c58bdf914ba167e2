"""The database worker: the core runner's Qt side — ops in order off the GUI thread, results
on it, delayed cancellable progress, long jobs beside the person's saves."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, QThread, Signal
from PySide6.QtWidgets import QApplication, QProgressDialog, QPushButton
from pytestqt.qtbot import QtBot
from sqlalchemy import func
from sqlmodel import col, select

from careDesk.desk import Desk
from careDesk.errors import CareDeskError
from careDesk.model.patient import Patient
from careDesk.model.risk import RiskScore
from careDesk.store import engine as store_engine
from careDesk.store.engine import raw_connect
from tests.big_clinic import PATIENTS, open_big_clinic
from tests.ui.conftest import add_patient, wait_idle
from ui.chart.timeline import TimelineTab
from ui.demo import load_demo
from ui.worker import Cancelled, DbWorker, Op, Progress
from ui.workspace import Workspace

NOW = datetime(2026, 3, 10, 17, 0, tzinfo=UTC)


def _dialogs() -> list[QProgressDialog]:
    return [
        w
        for w in QApplication.topLevelWidgets()
        if isinstance(w, QProgressDialog) and w.isVisible()
    ]


def test_ops_run_in_order_on_one_thread_and_report_on_the_gui_thread(
    qtbot: QtBot, worker: DbWorker
) -> None:
    threads: list[QThread] = []
    done: list[tuple[int, bool]] = []
    gui = QThread.currentThread()
    for n in range(5):
        worker.submit(
            Op(
                lambda n=n: threads.append(QThread.currentThread()) or n,
                lambda result: done.append((result, QThread.currentThread() is gui)),
            )
        )
    wait_idle(qtbot, worker)
    assert done == [(n, True) for n in range(5)]
    assert len(set(map(id, threads))) == 1 and threads[0] is not gui


def test_long_job_shows_progress_late_and_can_be_cancelled(qtbot: QtBot, worker: DbWorker) -> None:
    progress = Progress("Counting")
    release = threading.Event()
    errors: list[CareDeskError] = []

    def long_job() -> int:
        for step in range(5_000):  # at most ~10 s, even if the test fails half-way
            progress.update(step, 5_000)  # raises Cancelled once the user cancels
            if release.wait(0.002):  # stands for real work
                break
        return 0

    worker.submit(Op(long_job, on_error=errors.append, progress=progress))
    try:
        assert _dialogs() == []  # nothing flashes up at once
        qtbot.waitUntil(lambda: bool(_dialogs()), timeout=5_000)
        cancel = _dialogs()[0].findChild(QPushButton)
        assert cancel is not None and cancel.text() == "Cancel"
        cancel.click()
        wait_idle(qtbot, worker)
    finally:
        release.set()
    assert len(errors) == 1 and isinstance(errors[0], Cancelled)
    qtbot.waitUntil(lambda: _dialogs() == [])


def test_demo_patients_load_on_the_worker(qtbot: QtBot, ws: Workspace, desk: Desk) -> None:
    progress = load_demo(ws, 25)
    assert progress is not None
    wait_idle(qtbot, ws.worker)
    assert progress.finished
    assert len(desk.patients.search("DM", limit=100)) == 25
    assert load_demo(ws, 0) is None


class _RefreshSignals(QObject):
    """What the test waits on: the refresh's first chunk committed, and the refresh over."""

    first_chunk = Signal()
    over = Signal()


@pytest.fixture
def big_desk(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Iterator[Desk]:
    desk = open_big_clinic(tmp_path_factory, tmp_path / "clinic")
    yield desk
    desk.close()


def _timeline(qtbot: QtBot, ws: Workspace, patient_id: str) -> TimelineTab:
    tab = TimelineTab(ws, patient_id)
    qtbot.addWidget(tab)
    tab.show()
    wait_idle(qtbot, ws.worker)
    return tab


def test_a_note_saved_during_the_nightly_risk_refresh_is_saved_at_once_without_error(
    qtbot: QtBot, worker: DbWorker, big_desk: Desk
) -> None:
    """Issue 18: a note saved one second into the refresh of every patient failed with
    "database is locked" and a crash dialog. Now the refresh commits in chunks and the save
    goes in between: it is saved before the refresh is over, and nothing fails."""
    ws = Workspace(big_desk, worker)
    problems: list[object] = []
    worker.crashed.connect(problems.append)
    worker.failed.connect(problems.append)
    with big_desk.reading() as session:
        patient = str(session.exec(select(Patient.id).order_by(col(Patient.mrn))).first())
    tab = _timeline(qtbot, ws, patient)
    signals, carry_on = _RefreshSignals(), threading.Event()
    progress = Progress()

    def between_chunks(p: Progress) -> None:  # on the refresh's thread
        if p.done and not carry_on.is_set():
            signals.first_chunk.emit()
            carry_on.wait(60)  # until the person has pressed Save

    progress.listen(between_chunks)
    outcomes: list[int] = []
    risk = big_desk.risk
    with qtbot.waitSignal(signals.first_chunk, timeout=60_000):
        ws.run(  # as the reminder clock runs it at night, with a person still at work
            lambda: risk.refresh_all(NOW, progress),
            lambda outcome: (outcomes.append(outcome.value), signals.over.emit()),
            problems.append,
            background=True,
        )
    note = tab.add_note()
    note.set_value("summary", "Called about meals")
    with qtbot.waitSignal(note.saved, timeout=60_000):
        note.submit()
        carry_on.set()
    assert outcomes == [] and not progress.finished  # saved before the refresh was over
    assert not note.isVisible() and not note.form.form_error.isVisible()
    with qtbot.waitSignal(signals.over, timeout=120_000):
        pass
    assert outcomes == [PATIENTS]
    assert problems == []
    with big_desk.reading() as session:
        assert session.exec(select(func.count()).select_from(RiskScore)).one() == PATIENTS
    assert big_desk.timeline.count(patient) >= 1


def test_a_vault_locked_elsewhere_shows_a_reason_and_keeps_the_form_open(
    qtbot: QtBot, ws: Workspace, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    crashes: list[object] = []
    ws.worker.crashed.connect(crashes.append)
    patient = add_patient(desk, "Rosa", "Mora", "MRN-9")
    tab = _timeline(qtbot, ws, patient)
    monkeypatch.setattr(store_engine, "BUSY_TIMEOUT_MS", 200)
    desk.engine.dispose()  # connections from now on wait 0.2 s for SQLite's lock
    other = raw_connect(desk.paths.database, desk.key)  # another program holds the lock
    other.execute("BEGIN IMMEDIATE")
    try:
        note = tab.add_note()
        note.set_value("summary", "Called about meals")
        note.submit()
        qtbot.waitUntil(lambda: note.ok.isEnabled(), timeout=30_000)
    finally:
        other.rollback()
        other.close()
    assert note.isVisible() and "busy" in note.form.form_error.text()
    assert crashes == []
    with qtbot.waitSignal(note.saved, timeout=30_000):  # once it is free, Save works
        note.submit()
