"""The app on a clinic laptop (1366 × 768 and 1280 × 720) with the demo clinic.

The screen size is chosen through ``ui.screen.use_geometry`` (tests/ui/laptop.py says why).
The window is given the whole area, as a coordinator maximises it on a laptop; a 32-pixel title
bar is allowed for on top of what the window's layout needs.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize
from PySide6.QtWidgets import QAbstractScrollArea, QApplication, QDialog, QScrollArea, QWidget
from pytestqt.qtbot import QtBot

from careDesk.desk import Desk
from tests.ui.conftest import wait_idle
from tests.ui.laptop import busy_patient, culprits, open_chart
from ui.chart.clinical import ClinicalTab
from ui.chart.view import TABS
from ui.main_window import MainWindow

TITLE_BAR = 32
#: Pages and tabs that are forms rather than lists may scroll up and down on a small screen.
MAY_SCROLL_DOWN = {"sync", "story"}


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
    room = QSize(area.width(), area.height() - TITLE_BAR)
    need = win.minimumSizeHint().expandedTo(win.minimumSize())
    why = culprits(win, room.width(), room.height())  # names the culprits when it fails
    assert area.contains(win.frameGeometry()), f"{where}: window {win.frameGeometry()}: {why}"
    assert need.width() <= room.width(), f"{where}: needs {need.width()} px wide: {why}"
    assert need.height() <= room.height(), f"{where}: needs {need.height()} px high: {why}"
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


def test_every_page_and_chart_tab_fits_the_laptop_screen(
    qtbot: QtBot, laptop: MainWindow, demo: Desk, area: QRect
) -> None:
    """Opening a chart made the window 1441 × 809 on a 1366 × 768 screen (risk badge, consent
    and status bar off-screen); now nothing grows past the screen at either laptop size."""
    for key, page in laptop.pages.items():
        if key == "charts":
            continue
        laptop.show_page(key)
        wait_idle(qtbot, laptop.ws.worker)
        check_fits(laptop, area, key)
        check_scrolling(page, key)
    chart = open_chart(qtbot, laptop, busy_patient(demo))
    for spec in TABS:
        tab = chart.show_tab(spec.key)
        assert tab is not None
        wait_idle(qtbot, laptop.ws.worker)
        check_fits(laptop, area, f"chart/{spec.key}")
        check_scrolling(tab, spec.key)
        for part in (chart.header.risk, chart.header.consent, chart.header.name):
            assert area.contains(on_screen(part)), f"{spec.key}: {part.text()!r} off-screen"


def test_a_long_name_and_many_alerts_wrap_in_the_chart_header(
    qtbot: QtBot, laptop: MainWindow, demo: Desk, area: QRect
) -> None:
    """The header wraps its text instead of widening the laptop."""
    pid = busy_patient(demo)
    demo.patients.update(
        pid,
        given_name="Maria de los Angeles Guadalupe Esperanza",
        family_name="Villanueva-Santamaria de la Cruz y Montenegro",
        preferred_name="Lupita Villanueva de la Cruz",
    )
    chart = open_chart(qtbot, laptop, pid)
    qtbot.waitUntil(lambda: "Montenegro" in chart.header.name.text())
    check_fits(laptop, area, "chart with a long name")
    assert area.contains(on_screen(chart.header.risk))


def test_tab_actions_overflow_into_more_instead_of_widening(
    qtbot: QtBot, laptop: MainWindow, demo: Desk, area: QRect
) -> None:
    """The care plan's nine buttons needed 1,222 px; at a narrow width the ones that do not fit
    are under "More…" and still work from there."""
    chart = open_chart(qtbot, laptop, busy_patient(demo))
    plan = chart.show_tab("plan")
    wait_idle(qtbot, laptop.ws.worker)
    bar = plan.buttons["problem"].parentWidget()
    laptop.splitter.setSizes([area.width() - 700, 700])  # a wide navigation leaves 700 px
    QApplication.processEvents()
    check_fits(laptop, area, "narrow plan")
    hidden = bar.overflow()
    assert hidden and bar.more.isVisible()
    bar._fill_menu()
    menu = bar.more.menu()
    assert [a.text() for a in menu.actions()] == [b.text() for b in hidden]
    last = hidden[-1]
    action = next(a for a in menu.actions() if a.text() == last.text())
    with qtbot.waitSignal(last.clicked, timeout=1_000):
        action.trigger()  # the menu entry does what the button does
    for dialog in laptop.findChildren(QDialog):
        dialog.close()
    laptop.splitter.setSizes([200, area.width() - 200])
    QApplication.processEvents()
    assert len(bar.overflow()) < len(hidden)  # more room: more buttons back on the row


def test_the_clinical_lists_get_the_height(qtbot: QtBot, laptop: MainWindow, demo: Desk) -> None:
    """The conditions tab showed about two rows per list on a laptop; now the conditions and
    medicines lists each have room for at least five one-line rows."""
    chart = open_chart(qtbot, laptop, busy_patient(demo))
    tab = chart.show_tab("clinical")
    assert isinstance(tab, ClinicalTab)
    wait_idle(qtbot, laptop.ws.worker)
    QApplication.processEvents()
    for view in (tab.condition_view, tab.medication_view):
        row = view.verticalHeader().defaultSectionSize()
        assert view.viewport().height() >= 5 * row, f"{view.accessibleName()}: {view.height()}"
