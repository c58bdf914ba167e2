"""The app on a clinic laptop (1366 × 768 and 1280 × 720) with the demo clinic.

The offscreen test platform has one screen whose size is fixed when the process starts, and one
test run has one QApplication, so it cannot be 1366 × 768 in one test and 1280 × 720 in the
next. The app reads the space it may use through ``ui.screen.available_geometry`` (the real
screen's available area outside tests); these tests choose that area — the screen less a
40-pixel task bar — and check the window against it. The window is given the whole area, as a
coordinator maximises it on a laptop; a 32-pixel title bar is allowed for on top of what the
window's layout needs.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QAbstractScrollArea, QApplication, QDialog, QScrollArea, QWidget
from pytestqt.qtbot import QtBot

from careDesk.care.demo import generate_demo
from careDesk.desk import Desk
from tests.ui.conftest import wait_idle
from ui.app import load_style
from ui.chart.view import TABS, ChartView
from ui.main_window import MainWindow
from ui.screen import fit_window, use_geometry
from ui.workspace import Workspace

SCREENS = {"1366x768": (1366, 768), "1280x720": (1280, 720)}
TASK_BAR = 40
TITLE_BAR = 32
#: Pages and tabs that are forms rather than lists may scroll up and down on a small screen.
MAY_SCROLL_DOWN = {"sync", "story"}


@pytest.fixture(params=list(SCREENS))
def area(request: pytest.FixtureRequest, qapp: QApplication) -> Iterator[QRect]:
    """The laptop's available area (screen less the task bar), and the app's style sheet."""
    width, height = SCREENS[request.param]
    rect = QRect(0, 0, width, height - TASK_BAR)
    use_geometry(rect)
    load_style(qapp)
    yield rect
    use_geometry(None)
    qapp.setStyleSheet("")


@pytest.fixture
def demo(desk: Desk) -> Desk:
    """The admin's desk with a demo clinic of 60 patients."""
    generate_demo(desk, patients=60, seed=11)
    return desk


@pytest.fixture
def window(qtbot: QtBot, ws: Workspace, demo: Desk, area: QRect) -> MainWindow:
    win = MainWindow(ws)
    qtbot.addWidget(win)
    win.resize(area.size())  # as big as the screen allows: the frame must still fit
    win.show()
    qtbot.waitExposed(win)
    fit_window(win)
    wait_idle(qtbot, ws.worker)
    return win


def on_screen(widget: QWidget) -> QRect:
    """Where a widget is on the screen."""
    return QRect(widget.mapToGlobal(QPoint(0, 0)), widget.size())


def outside(win: MainWindow) -> list[str]:
    """Visible widgets that reach past the window (not counting content scrolled inside a
    scroll area, which the area clips)."""
    frame = QRect(QPoint(0, 0), win.size())
    found = []
    for widget in win.findChildren(QWidget):
        if not widget.isVisible() or widget.isWindow():
            continue
        if any(isinstance(a, QAbstractScrollArea) for a in ancestors(widget, win)):
            continue
        place = QRect(widget.mapTo(win, QPoint(0, 0)), widget.size())
        if not frame.contains(place):
            found.append(f"{type(widget).__name__} {widget.accessibleName()!r} at {place}")
    return found


def ancestors(widget: QWidget, top: QWidget) -> list[QWidget]:
    chain, parent = [], widget.parentWidget()
    while parent is not None and parent is not top:
        chain.append(parent)
        parent = parent.parentWidget()
    return chain


def check_fits(win: MainWindow, area: QRect, where: str) -> None:
    QApplication.processEvents()
    assert area.contains(win.frameGeometry()), f"{where}: window {win.frameGeometry()}"
    need = win.minimumSizeHint().expandedTo(win.minimumSize())
    assert need.width() <= area.width(), f"{where}: needs {need.width()} px wide"
    assert need.height() + TITLE_BAR <= area.height(), f"{where}: needs {need.height()} px high"
    assert not outside(win), f"{where}: {outside(win)}"
    assert area.contains(on_screen(win.statusBar())), f"{where}: status bar off-screen"


def check_scrolling(area_widget: QWidget, key: str) -> None:
    """A page or tab never needs scrolling sideways; only forms may scroll down."""
    frame = area_widget
    while frame is not None and not isinstance(frame, QScrollArea):
        frame = frame.parentWidget()
    assert isinstance(frame, QScrollArea)
    holder = frame.widget()
    need, room = holder.minimumSizeHint(), frame.viewport().size()
    assert need.width() <= room.width(), f"{key}: {need.width()} px wide in {room.width()}"
    if key not in MAY_SCROLL_DOWN:
        assert need.height() <= room.height(), f"{key}: {need.height()} px high in {room.height()}"


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


def test_every_page_and_chart_tab_fits_the_laptop_screen(
    qtbot: QtBot, window: MainWindow, demo: Desk, area: QRect
) -> None:
    """Opening a chart made the window 1441 × 809 on a 1366 × 768 screen (risk badge, consent
    and status bar off-screen); now nothing grows past the screen at either laptop size."""
    for key, page in window.pages.items():
        if key == "charts":
            continue
        window.show_page(key)
        wait_idle(qtbot, window.ws.worker)
        check_fits(window, area, key)
        check_scrolling(page, key)
    chart = open_chart(qtbot, window, busy_patient(demo))
    for spec in TABS:
        tab = chart.show_tab(spec.key)
        assert tab is not None
        wait_idle(qtbot, window.ws.worker)
        check_fits(window, area, f"chart/{spec.key}")
        check_scrolling(tab, spec.key)
        for part in (chart.header.risk, chart.header.consent, chart.header.name):
            assert area.contains(on_screen(part)), f"{spec.key}: {part.text()!r} off-screen"


def test_a_long_name_and_many_alerts_wrap_in_the_chart_header(
    qtbot: QtBot, window: MainWindow, demo: Desk, area: QRect
) -> None:
    """The header wraps its text instead of widening the window."""
    pid = busy_patient(demo)
    demo.patients.update(
        pid,
        given_name="Maria de los Angeles Guadalupe Esperanza",
        family_name="Villanueva-Santamaria de la Cruz y Montenegro",
        preferred_name="Lupita Villanueva de la Cruz",
    )
    chart = open_chart(qtbot, window, pid)
    qtbot.waitUntil(lambda: "Montenegro" in chart.header.name.text())
    check_fits(window, area, "chart with a long name")
    assert area.contains(on_screen(chart.header.risk))


def test_tab_actions_overflow_into_more_instead_of_widening(
    qtbot: QtBot, window: MainWindow, demo: Desk, area: QRect
) -> None:
    """The care plan's nine buttons needed 1,222 px; at a narrow width the ones that do not fit
    are under "More…" and still work from there."""
    chart = open_chart(qtbot, window, busy_patient(demo))
    plan = chart.show_tab("plan")
    wait_idle(qtbot, window.ws.worker)
    bar = plan.buttons["problem"].parentWidget()
    window.splitter.setSizes([area.width() - 700, 700])  # a wide navigation leaves 700 px
    QApplication.processEvents()
    check_fits(window, area, "narrow plan")
    hidden = bar.overflow()
    assert hidden and bar.more.isVisible()
    bar._fill_menu()
    menu = bar.more.menu()
    assert [a.text() for a in menu.actions()] == [b.text() for b in hidden]
    last = hidden[-1]
    action = next(a for a in menu.actions() if a.text() == last.text())
    with qtbot.waitSignal(last.clicked, timeout=1_000):
        action.trigger()  # the menu entry does what the button does
    for dialog in window.findChildren(QDialog):
        dialog.close()
    window.splitter.setSizes([200, area.width() - 200])
    QApplication.processEvents()
    assert len(bar.overflow()) < len(hidden)  # more room: more buttons back on the row
