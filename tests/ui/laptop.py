"""Helpers for the tests of the app on a clinic laptop (fixtures ``area``, ``demo`` and
``laptop`` are in tests/ui/conftest.py).

The offscreen test platform has one screen whose size is fixed when the process starts, and one
test run has one QApplication, so it cannot be 1366 × 768 in one test and 1280 × 720 in the
next. The app reads the space it may use through ``ui.screen.available_geometry`` (the real
screen's available area outside tests); the tests choose that area — the screen less a
40-pixel task bar — and check the window against it.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QStackedWidget, QWidget
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


def culprits(top: QWidget, width: int, height: int) -> list[str]:
    """The deepest widgets and layouts whose minimum size is more than ``width`` × ``height``
    (including hidden pages of stacks and tabs, which still count): where to look when the
    window cannot shrink to the screen."""
    found: list[str] = []

    def too_big(size: QSize) -> bool:
        return size.width() > width or size.height() > height

    def visit(widget: QWidget) -> bool:
        deeper = False
        for child in widget.findChildren(
            QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly
        ):
            if child.isWindow() or (child.isHidden() and not isinstance(widget, QStackedWidget)):
                continue
            need = child.minimumSizeHint().expandedTo(child.minimumSize())
            if too_big(need):
                deeper = True
                if not visit(child):
                    found.append(f"{type(child).__name__} {child.accessibleName()!r}: {need}")
        layout = widget.layout()
        if not deeper and layout is not None and too_big(layout.minimumSize()):
            for index in range(layout.count()):
                item = layout.itemAt(index)
                if item is not None and item.layout() is not None and too_big(item.minimumSize()):
                    found.append(f"a row of {type(widget).__name__}: {item.minimumSize()}")
                    deeper = True
        return deeper

    visit(top)
    return found
