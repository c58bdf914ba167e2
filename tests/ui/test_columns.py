"""Columns and sorting on a clinic laptop with the demo clinic.

Key text is never cut off with "…" at 1366 × 768 or 1280 × 720: the check measures each cell's
text with the table's font (``QFontMetrics``) against the room its column leaves for text (the
column width less the item margins Qt's style draws), and, where a long text wraps, the height
of the wrapped lines against the row's height. A header click orders the list as the user sees
it, including the lazy worklist, which asks its query for the order instead of loading every row.
"""

from __future__ import annotations

import unicodedata

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QApplication, QStyle, QTableView
from pytestqt.qtbot import QtBot

from careDesk.desk import Desk
from tests.ui.conftest import wait_idle
from tests.ui.laptop import busy_patient, open_chart
from ui.chart.screeners import ScreenersTab
from ui.chart.team import TeamTab
from ui.columns import share, short_columns
from ui.main_window import MainWindow
from ui.pages.schedule import SchedulePage
from ui.pages.today import TodayPage
from ui.workspace import Workspace


def text_room(view: QTableView, column: int) -> int:
    """What a column leaves for text: Qt's item views indent text by the focus-frame margin
    plus one pixel on each side (QCommonStyle, CE_ItemViewItem)."""
    margin = view.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1
    return view.columnWidth(column) - 2 * margin


def cut_off(view: QTableView, columns: list[int]) -> list[str]:
    """Cells of ``columns`` whose text does not fully show."""
    QApplication.processEvents()
    model, metrics = view.model(), view.fontMetrics()
    found = []
    for row in range(model.rowCount()):
        for column in columns:
            text = str(model.index(row, column).data() or "")
            room = text_room(view, column)
            if not text or metrics.horizontalAdvance(text) <= room:
                continue
            wrapped = metrics.boundingRect(
                QRect(0, 0, room, 10_000), Qt.TextFlag.TextWordWrap, text
            )
            if (
                not view.wordWrap()
                or wrapped.width() > room
                or (wrapped.height() > view.rowHeight(row))
            ):
                title = model.headerData(column, Qt.Orientation.Horizontal)
                found.append(f"{title} row {row}: {text!r} in {room} px")
    return found


def settle(qtbot: QtBot, ws: Workspace) -> None:
    wait_idle(qtbot, ws.worker)
    QApplication.processEvents()  # the column fit runs once per event loop turn
    QApplication.processEvents()


def test_key_text_is_never_cut_off(qtbot: QtBot, laptop: MainWindow, demo: Desk) -> None:
    """Today's priority, patient, risk, due work and reasons; every Schedule column; the care
    team's name, role and phone; screener history's date, screener and score."""
    ws = laptop.ws
    laptop.show_page("today")
    today = laptop.pages["today"]
    assert isinstance(today, TodayPage)
    today.scope.setCurrentIndex(today.scope.findData("clinic"))
    qtbot.waitUntil(lambda: today.model.rowCount() > 20)
    settle(qtbot, ws)
    assert not cut_off(today.view, [0, 1, 2, 4, 5]), cut_off(today.view, [0, 1, 2, 4, 5])

    laptop.show_page("schedule")
    schedule = laptop.pages["schedule"]
    assert isinstance(schedule, SchedulePage)
    schedule.who.setCurrentIndex(schedule.who.findData("clinic"))
    schedule.span.setCurrentIndex(schedule.span.findData("week"))
    qtbot.waitUntil(lambda: schedule.model.rowCount() > 0)
    settle(qtbot, ws)
    every = list(range(schedule.model.columnCount()))
    assert not cut_off(schedule.view, every), cut_off(schedule.view, every)

    chart = open_chart(qtbot, laptop, busy_patient(demo))
    team = chart.show_tab("team")
    assert isinstance(team, TeamTab)
    qtbot.waitUntil(lambda: team.model.rowCount() > 0)
    settle(qtbot, ws)
    assert not cut_off(team.view, [0, 1, 2]), cut_off(team.view, [0, 1, 2])

    screeners = chart.show_tab("screeners")
    assert isinstance(screeners, ScreenersTab)
    qtbot.waitUntil(lambda: screeners.history.rowCount() > 0)
    settle(qtbot, ws)
    view = screeners.history_view
    assert not cut_off(view, [0, 1, 2, 3]), cut_off(view, [0, 1, 2, 3])
    assert not view.horizontalScrollBar().isVisible()  # the result wraps; no sideways scroll


def test_the_last_column_no_longer_takes_the_room(
    qtbot: QtBot, laptop: MainWindow, demo: Desk
) -> None:
    """An empty E-mail column on the care team is as wide as its title, not the spare room."""
    chart = open_chart(qtbot, laptop, busy_patient(demo))
    team = chart.show_tab("team")
    assert isinstance(team, TeamTab)
    qtbot.waitUntil(lambda: team.model.rowCount() > 0)
    settle(qtbot, laptop.ws)
    emails = [team.model.index(r, 3).data() for r in range(team.model.rowCount())]
    if not any(emails):
        title = team.view.horizontalHeader().sectionSizeHint(3)
        assert team.view.columnWidth(3) <= title
    assert team.view.columnWidth(0) >= team.view.columnWidth(3)


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def name_key(shown: str) -> tuple[str, str]:
    family, _, given = shown.partition(", ")
    return fold(family), fold(given)


def click_header(qtbot: QtBot, view: QTableView, column: int) -> None:
    header = view.horizontalHeader()
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    qtbot.mouseClick(
        header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2)
    )


def seen(view: QTableView, column: int) -> list[str]:
    """The column's text from the top row down, as drawn."""
    model = view.model()
    rows = sorted(range(model.rowCount()), key=view.rowViewportPosition)
    return [str(model.index(r, column).data()) for r in rows]


def test_a_header_click_sorts_the_lazy_worklist_through_its_query(
    qtbot: QtBot, ws: Workspace, demo: Desk, area: QRect
) -> None:
    """60 patients in pages of 20: a click on "Patient" shows the alphabetically first 20 of
    all 60 (the query orders them, not the page in hand); a second click reverses."""
    page = TodayPage(ws)
    qtbot.addWidget(page)
    page.model.page_size = 20
    page.scope.setCurrentIndex(page.scope.findData("clinic"))
    page.resize(1100, 600)
    page.show()
    qtbot.waitUntil(lambda: page.model.rowCount() == 20)
    everyone = sorted((r.name for r in demo.worklist.rows(100, 0)), key=name_key)
    assert len(everyone) > 20

    with qtbot.waitSignal(page.model.page_loaded, timeout=10_000):
        click_header(qtbot, page.view, 1)
    names = seen(page.view, 1)
    assert names == sorted(names, key=name_key)
    assert [name_key(n) for n in names] == [name_key(n) for n in everyone[:20]]
    header = page.view.horizontalHeader()
    assert header.sortIndicatorSection() == 1

    with qtbot.waitSignal(page.model.page_loaded, timeout=10_000):
        click_header(qtbot, page.view, 1)
    names = seen(page.view, 1)
    assert [name_key(n) for n in names] == [name_key(n) for n in everyone[::-1][:20]]

    click_header(qtbot, page.view, 5)  # "Why" is worked out per page: no order while lazy
    assert seen(page.view, 1) == names
    assert header.sortIndicatorSection() == 1


def test_a_header_click_sorts_a_small_list_in_place(
    qtbot: QtBot, ws: Workspace, demo: Desk, area: QRect
) -> None:
    """The whole worklist in one page sorts by any column, e.g. priority as numbers."""
    page = TodayPage(ws)
    qtbot.addWidget(page)
    page.scope.setCurrentIndex(page.scope.findData("clinic"))
    page.show()
    qtbot.waitUntil(lambda: page.model.rowCount() > 20)
    wait_idle(qtbot, ws.worker)
    click_header(qtbot, page.view, 0)
    priorities = [float(p) for p in seen(page.view, 0)]
    assert priorities == sorted(priorities)
    click_header(qtbot, page.view, 4)  # due work: in memory now that every row is here
    due = seen(page.view, 4)
    filled = [d for d in due if d]
    assert filled == sorted(filled, key=fold) and due[len(filled) :] == [""] * (
        len(due) - len(filled)
    )


def test_the_selected_row_stays_with_its_patient_when_sorted(
    qtbot: QtBot, ws: Workspace, demo: Desk, area: QRect
) -> None:
    """Sorting re-orders the rows under the selection: the chosen patient stays chosen (a
    "Log call" after a sort must not go to whoever moved into that row)."""
    page = TodayPage(ws)
    qtbot.addWidget(page)
    page.scope.setCurrentIndex(page.scope.findData("clinic"))
    page.show()
    qtbot.waitUntil(lambda: page.model.rowCount() > 20)
    wait_idle(qtbot, ws.worker)
    page.view.selectRow(3)
    chosen = page.selected()
    click_header(qtbot, page.view, 4)  # in memory: every row is here
    assert page.model.row_at(3) is not chosen  # the rows did move
    assert page.selected() is chosen
    assert page.view.currentIndex().row() == page.model.rows.index(chosen)


def test_sharing_the_width() -> None:
    """Short columns get what they need, text columns share the rest fairly, the spare room
    goes to text columns (not to the last column)."""
    # 1000 px: 50 for the short column; both texts fit (400 of 950); the 550 left over is
    # shared 3:1 as they need it: 300 + 412, 100 + 137.
    assert share([50, 300, 100], [True, False, False], 1000, 40) == [50, 712, 237]
    assert share([50, 800, 100], [True, False, False], 450, 40) == [50, 300, 100]
    assert share([50, 800, 900], [True, False, False], 450, 40) == [50, 200, 200]
    assert share([50, 60], [True, True], 1000, 40) == [50, 60]
    assert share([50, 800, 900], [True, False, False], 100, 40) == [50, 40, 40]
    # a column's own floor (its longest word, which cannot wrap) beats a fair share
    assert share([50, 800, 900], [True, False, False], 450, [40, 40, 260]) == [50, 200, 260]


def test_a_narrow_list_wraps_its_widest_short_column() -> None:
    """Four short columns needing 420 px in 400: the widest becomes a text column that wraps
    (the screener history's "moderately severe" needed a sideways scroll)."""
    assert short_columns([90, 100, 60, 170], 400, 200, 80) == [True, True, True, False]
    assert short_columns([90, 100, 60, 170], 500, 200, 80) == [True, True, True, True]
    assert short_columns([90, 300], 400, 200, 80) == [True, False]
