"""Helpers for the tests of the app on a clinic laptop (fixtures ``area``, ``demo`` and
``laptop`` are in tests/ui/conftest.py).

The offscreen test platform has one screen whose size is fixed when the process starts, and one
test run has one QApplication, so it cannot be 1366 × 768 in one test and 1280 × 720 in the
next. The app reads the space it may use through ``ui.screen.available_geometry`` (the real
screen's available area outside tests); the tests choose that area — the screen less a
40-pixel task bar — and check the window against it.
"""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from careDesk.desk import Desk
from tests.ui.conftest import wait_idle
from ui.chart.view import ChartView
from ui.main_window import MainWindow


def busy_patient(desk: Desk) -> str:
    """The first demo patient on the worklist with urgent work, a care team and screeners."""
    for row in desk.worklist.rows(60, 0):
        if desk.team.members(row.id) and desk.screeners.history(row.id) and row.due:
            return str(row.id)
    raise AssertionError("the demo clinic has no patient with a team, screeners and due work")


def open_chart(qtbot: QtBot, win: MainWindow, pid: str) -> ChartView:
    win.ws.open_chart.emit(pid, "")
    chart = win.charts.currentWidget()
    assert isinstance(chart, ChartView)
    if chart.chart is None:
        qtbot.waitSignal(chart.loaded, timeout=10_000).wait()
    wait_idle(qtbot, win.ws.worker)
    return chart
