"""A read-only user sees no edit actions (and the core refuses anyway); bugs show a crash
dialog and leave a report without patient data; expected errors show their plain message."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from careDesk.desk import Desk
from careDesk.errors import PermissionDenied
from careDesk.paths import VaultPaths
from careDesk.store.vault import unlock
from tests.ui.conftest import add_patient, wait_idle
from ui.chart.view import ChartView
from ui.errors import show_crash
from ui.main_window import MainWindow
from ui.worker import DbWorker
from ui.workspace import Workspace

READER_PASSWORD = "quiet reading lamp"


@pytest.fixture
def reader_ws(desk: Desk, vault_paths: VaultPaths, worker: DbWorker) -> Workspace:
    pid = add_patient(desk, "Ana", "Peña", "RO-1")
    desk.users.add("reader", READER_PASSWORD, "read-only")
    desk.close()
    reader = unlock(vault_paths, "reader", READER_PASSWORD)
    ws = Workspace(reader, worker)
    ws.setProperty("patient_id", pid)
    return ws


def test_read_only_user_sees_no_edit_actions(qtbot: QtBot, reader_ws: Workspace) -> None:
    window = MainWindow(reader_ws)
    qtbot.addWidget(window)
    window.show()
    assert "admin" not in window.pages
    assert window.pages["patients"].add_button.isHidden()
    assert window.pages["today"].call_button.isHidden()
    pid = str(reader_ws.property("patient_id"))
    window.open_chart(pid, "")
    chart = window.charts.currentWidget()
    assert isinstance(chart, ChartView)
    qtbot.waitUntil(lambda: chart.chart is not None)
    assert chart.call_button.isHidden() and chart.enroll_button.isHidden()
    plan = chart.show_tab("plan")
    assert all(button.isHidden() for button in plan.buttons.values())
    screeners = chart.show_tab("screeners")
    assert screeners.save.isHidden() and not screeners.form.isEnabled()
    story = chart.show_tab("story")
    assert story.save.isHidden()
    with pytest.raises(PermissionDenied):  # the core refuses whatever the UI shows
        reader_ws.desk.patients.create(
            given_name="X", family_name="Y", mrn="RO-2", birth_date="1950-01-01"
        )
    reader_ws.desk.close()


def test_unexpected_error_shows_crash_dialog_without_patient_data(
    qtbot: QtBot, worker: DbWorker, isolated_data_dir: Path
) -> None:
    shown: list[BaseException] = []
    worker.crashed.connect(shown.append)
    worker.crashed.connect(lambda exc: show_crash(None, exc))

    def bug() -> None:
        raise RuntimeError("Nguyễn has diabetes")  # a message that must never be logged

    worker.run(bug)
    wait_idle(qtbot, worker)
    assert len(shown) == 1
    reports = list((isolated_data_dir / "logs").glob("crash-*.txt"))
    assert len(reports) == 1
    text = reports[0].read_text(encoding="utf-8")
    assert "RuntimeError" in text and "Nguy" not in text and "diabetes" not in text
    box = next(w for w in qtbot_top_levels() if w.objectName() == "crashDialog")
    assert "Nguy" not in box.text()
    box.close()


def test_expected_error_reaches_its_handler(qtbot: QtBot, ws: Workspace) -> None:
    messages: list[str] = []
    ws.worker.failed.connect(messages.append)
    ws.run(lambda: ws.desk.patients.get("no-such-id"))
    wait_idle(qtbot, ws.worker)
    assert messages == ["No patient with id no-such-id."]


def qtbot_top_levels() -> list[QMessageBox]:
    from PySide6.QtWidgets import QApplication

    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox)]
