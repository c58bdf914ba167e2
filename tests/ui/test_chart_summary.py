"""A chart opens on its Summary tab: the patient's care at a glance, kept current."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from careDesk.desk import Desk
from tests.careDesk.care.full_chart import full_chart
from tests.ui.conftest import wait_idle
from ui.chart.summary import SummaryTab
from ui.chart.view import ChartView
from ui.workspace import Workspace


def test_a_chart_opens_on_the_summary(qtbot: QtBot, ws: Workspace, desk: Desk) -> None:
    pid = full_chart(desk)
    view = ChartView(ws, pid)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.loaded):
        view.show()
    wait_idle(qtbot, ws.worker)
    tab = view.current_tab()
    assert isinstance(tab, SummaryTab) and view.tabs.tabText(0) == "Summary"
    assert tab.boxes["medicines"].title() == "Medicines (3)"
    assert "Metformin 500 mg" in tab.text_of("medicines")
    assert "Penicillin — hives (severe)" in tab.text_of("allergies")
    assert "Heart failure (I50.9)" in tab.text_of("problems")
    assert "Hemoglobin A1c 8.2 %" in tab.text_of("measures")
    assert "Check sugar log" in tab.text_of("follow_ups")
    assert "A1c below 8%" in tab.text_of("goals")
    assert "Dr. Okafor (Cardiology)" in tab.text_of("referrals")
    assert "Dr. Lee, Primary care" in tab.text_of("care_team")
    assert "Charlson" in tab.text_of("reasons")
    assert tab.texts["allergies"].accessibleName() == "Allergies (2)"
    desk.clinical.add_medication(pid, name="Furosemide", dose="20 mg")  # a change elsewhere
    qtbot.waitUntil(lambda: tab.boxes["medicines"].title() == "Medicines (4)")


def test_an_empty_chart_says_what_is_missing(qtbot: QtBot, ws: Workspace, desk: Desk) -> None:
    from tests.ui.conftest import add_patient

    pid = add_patient(desk, "Ana", "Peña", "SUM-2")
    tab = SummaryTab(ws, pid)
    qtbot.addWidget(tab)
    tab.show()
    wait_idle(qtbot, ws.worker)
    assert tab.text_of("allergies") == "No allergies recorded — ask the patient."
    assert tab.boxes["medicines"].title() == "Medicines (0)"
