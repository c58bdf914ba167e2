"""Today: the lazy worklist, urgent first, filters remembered, one click to chart or call."""

from __future__ import annotations

from typing import Any

from pytestqt.qtbot import QtBot

from careDesk.desk import Desk
from tests.ui.conftest import add_patient, wait_idle
from ui.pages.today import TodayPage
from ui.workspace import Workspace


def _phq9(desk: Desk, pid: str, item9: int) -> None:
    answers = {f"phq9_{n}": 2 for n in range(1, 9)} | {"phq9_9": item9}
    desk.screeners.record(pid, "phq9", answers)


def test_worklist_pages_lazily_and_shows_urgent_first(
    qtbot: QtBot, ws: Workspace, desk: Desk, qtmodeltester: Any
) -> None:
    ids = [add_patient(desk, f"P{n}", f"Family{n:03d}", f"W-{n}") for n in range(12)]
    _phq9(desk, ids[7], 2)  # item 9 answered: urgent call and alert
    page = TodayPage(ws)
    page.model.page_size = 5
    pages: list[int] = []
    page.model.page_loaded.connect(pages.append)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: bool(pages))
    assert page.model.row_at(0).id == ids[7]  # the urgent alert comes first
    assert page.model.urgent(page.model.row_at(0))
    while page.model.canFetchMore() or not pages or pages[-1] < 12:
        page.model.fetchMore()  # what the view does as the user scrolls
        wait_idle(qtbot, ws.worker)
    assert pages[:3] == [5, 10, 12]  # fetched a page at a time
    qtbot.waitUntil(lambda: "12 patient(s)" in page.count.text())
    qtmodeltester.check(page.model)


def test_filters_are_remembered_and_actions_open_chart(
    qtbot: QtBot, ws: Workspace, desk: Desk
) -> None:
    pid = add_patient(desk, "Ana", "Peña", "W-1")
    page = TodayPage(ws)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    page.filters["band"].setCurrentIndex(page.filters["band"].findData("high"))
    qtbot.waitUntil(lambda: "0 patient(s)" in page.count.text())
    assert ws.prefs.text("today/band") == "high"
    again = TodayPage(ws)
    qtbot.addWidget(again)
    assert again.filters["band"].currentData() == "high"
    page.filters["band"].setCurrentIndex(0)
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    page.view.selectRow(0)
    with qtbot.waitSignal(ws.open_chart) as opened:
        page.call_button.click()
    assert opened.args == [pid, "call"]


def test_quick_filters_ask_the_core_and_are_remembered(
    qtbot: QtBot, ws: Workspace, desk: Desk
) -> None:
    never = add_patient(desk, "Nora", "Never", "Q-1", status="active", consent_program=True)
    screened = add_patient(desk, "Sam", "Screened", "Q-2", status="active", consent_program=True)
    _phq9(desk, screened, 0)
    add_patient(desk, "Cal", "Candidate", "Q-3")
    page = TodayPage(ws)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: page.model.rowCount() == 3)
    page.quick_buttons["never_screened"].click()
    qtbot.waitUntil(lambda: "(never screened)" in page.count.text())
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    assert page.model.row_at(0).id == never
    assert "1 patient(s) on the worklist (never screened)" in page.count.text()
    assert ws.prefs.text("today/quick") == "never_screened"
    again = TodayPage(ws)
    qtbot.addWidget(again)
    assert again.quick_filter() == "never_screened"
    page.quick_buttons["overdue"].click()
    qtbot.waitUntil(lambda: "0 patient(s) on the worklist (overdue)" in page.count.text())


def test_reasons_panel_explains_the_selected_patient_and_is_reachable_by_keyboard(
    qtbot: QtBot, ws: Workspace, desk: Desk
) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    pid = add_patient(desk, "Ana", "Peña", "W-1", status="active", consent_program=True)
    answers = {f"phq9_{n}": 1 for n in range(1, 9)} | {"phq9_1": 3, "phq9_2": 3, "phq9_9": 0}
    desk.screeners.record(pid, "phq9", answers)  # total 12: moderate (Kroenke 2001, 10–14)
    page = TodayPage(ws)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    assert "Choose a patient" in page.reasons.plain_text()
    page.view.selectRow(0)
    text = page.reasons.plain_text()
    assert "PHQ-9 12 — moderate depression symptoms" in text and "Kroenke" in text
    assert "Charlson 0 — no long-term illness that the index counts" in text
    assert page.reasons.text.accessibleName() == "Reasons for Peña, Ana"
    page.activateWindow()
    qtbot.waitActive(page)
    page.view.setFocus()
    QTest.keyClick(page, Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)  # the label's mnemonic
    qtbot.waitUntil(lambda: page.reasons.text.hasFocus())
    page.view.setFocus()
    QTest.keyClick(page.view, Qt.Key.Key_Tab)  # next in the tab chain after the list
    qtbot.waitUntil(lambda: page.reasons.text.hasFocus())
