"""The database worker: one thread, results on the GUI thread, delayed cancellable progress."""

from __future__ import annotations

import threading

from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication, QProgressDialog, QPushButton
from pytestqt.qtbot import QtBot

from careDesk.desk import Desk
from careDesk.errors import CareDeskError
from tests.ui.conftest import wait_idle
from ui.demo import load_demo
from ui.worker import Cancelled, DbWorker, Op, Progress
from ui.workspace import Workspace


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
