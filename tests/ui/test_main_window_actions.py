"""Menu actions call their targets by reference (issue 18).

Before, the window called ``getattr(chart, "print_handout", lambda: None)()``: renaming the chart's
method silently turned Ctrl+P into nothing. Now the action calls ``ChartView.print_handout``
directly, so a rename breaks the build twice: ``mypy --strict`` on ``ui/`` (``make lint``) reports
``"ChartView" has no attribute "print_handout"``, and the action raises when used, which these
tests turn into a failure.
"""

from __future__ import annotations

import pytest
from PySide6.QtGui import QAction
from pytestqt.qtbot import QtBot

from careDesk.desk import Desk
from tests.ui.conftest import add_patient, wait_idle
from ui.chart.handout import HandoutDialog
from ui.chart.view import ChartView
from ui.dialogs import FormDialog
from ui.main_window import PAGES, MainWindow
from ui.pages.patients import PatientsPage
from ui.worker import DbWorker
from ui.workspace import Workspace


def _window(qtbot: QtBot, ws: Workspace) -> MainWindow:
    window = MainWindow(ws)
    qtbot.addWidget(window)
    window.show()
    return window


def _action(window: MainWindow, text: str) -> QAction:
    found = [a for a in window.actions() if a.text() == text]
    assert len(found) == 1, text
    return found[0]


def _chart(qtbot: QtBot, window: MainWindow, patient_id: str) -> ChartView:
    window.open_chart(patient_id)
    chart = window.current_chart()
    assert chart is not None
    qtbot.waitUntil(lambda: chart.chart is not None)
    return chart


def test_every_page_is_in_the_navigation_for_an_admin(
    qtbot: QtBot, ws: Workspace, worker: DbWorker
) -> None:
    window = _window(qtbot, ws)
    wait_idle(qtbot, worker)
    assert [type(window.pages[spec.key]) for spec in PAGES] == [spec.page for spec in PAGES]


def test_new_note_and_print_reach_the_chart_in_front(
    qtbot: QtBot, ws: Workspace, desk: Desk, worker: DbWorker
) -> None:
    window = _window(qtbot, ws)
    chart = _chart(qtbot, window, add_patient(desk, "Ana", "Silva", "MRN-1"))
    _action(window, "New &note").trigger()
    assert [d.windowTitle() for d in chart.findChildren(FormDialog) if d.isVisible()]
    _action(window, "&Print handout").trigger()
    qtbot.waitUntil(lambda: any(d.isVisible() for d in chart.findChildren(HandoutDialog)))
    wait_idle(qtbot, worker)


def test_find_reaches_the_patients_search(qtbot: QtBot, ws: Workspace, worker: DbWorker) -> None:
    window = _window(qtbot, ws)
    _action(window, "&Find a patient").trigger()
    wait_idle(qtbot, worker)
    assert isinstance(window.pages[window.current_key()], PatientsPage)


@pytest.mark.parametrize(
    ("action", "target", "method"),
    [("New &note", ChartView, "new_note"), ("&Find a patient", PatientsPage, "focus_search")],
)
def test_a_renamed_action_target_fails_loudly(
    qtbot: QtBot,
    ws: Workspace,
    desk: Desk,
    worker: DbWorker,
    monkeypatch: pytest.MonkeyPatch,
    action: str,
    target: type,
    method: str,
) -> None:
    """What a rename of the target method does at run time: the menu item raises."""
    window = _window(qtbot, ws)
    _chart(qtbot, window, add_patient(desk, "Ana", "Silva", "MRN-1"))
    monkeypatch.delattr(target, method)
    with qtbot.captureExceptions() as raised:
        _action(window, action).trigger()
    wait_idle(qtbot, worker)
    assert [type(e[1]) for e in raised] == [AttributeError]
