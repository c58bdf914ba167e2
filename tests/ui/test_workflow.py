"""The main workflow end to end, through the real windows on a real encrypted vault:
first run → add a patient → enroll → PHQ-9 and AHC-HRSN → a plan with two goals and four
activities → schedule a follow-up → log a call with minutes → discharge."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pytestqt.qtbot import QtBot

from tests.ui.conftest import wait_idle
from tests.ui.test_first_run import _first_run
from ui.app import App
from ui.chart.plan import PlanTab
from ui.chart.screeners import ScreenersTab
from ui.chart.timeline import TimelineTab
from ui.chart.transition import TransitionTab
from ui.chart.view import ChartView
from ui.dialogs import FormDialog
from ui.main_window import MainWindow
from ui.pages.patients import PatientsPage

AHC_HRSN = {
    "living_situation": "steady",
    "housing_problems": ["none"],
    "food_worry": "often",
    "food_ran_out": "sometimes",
    "transportation": "no",
    "utilities": "no",
    "safety_hurt": 1,
    "safety_insult": 1,
    "safety_threaten": 1,
    "safety_scream": 1,
}


def _save(qtbot: QtBot, dialog: FormDialog, **values: Any) -> Any:
    for name, value in values.items():
        dialog.set_value(name, value)
    with qtbot.waitSignal(dialog.saved) as saved:
        dialog.submit()
    return saved.args[0]


def _add_patient(qtbot: QtBot, window: MainWindow) -> ChartView:
    window.find_patient()  # Ctrl+F
    patients = window.pages["patients"]
    assert isinstance(patients, PatientsPage)
    _save(
        qtbot,
        patients.add_patient(),
        given_name="Thi",
        family_name="Nguyễn",
        mrn="E2E-1",
        birth_date="1948-05-17",
        language="vi",
    )
    qtbot.waitUntil(lambda: window.charts.count() == 1)
    chart = window.charts.currentWidget()
    assert isinstance(chart, ChartView)
    qtbot.waitUntil(lambda: chart.chart is not None)
    return chart


def _screen(qtbot: QtBot, chart: ChartView) -> None:
    tab = chart.show_tab("screeners")
    assert isinstance(tab, ScreenersTab)
    form = tab.select("phq9")
    for number in range(1, 10):
        form.answer(f"phq9_{number}", 2 if number < 9 else 0)
    with qtbot.waitSignal(tab.recorded):
        tab.submit()
    assert "moderate" in tab.result.text()
    form = tab.select("ahc_hrsn")
    for item, answer in AHC_HRSN.items():
        form.answer(item, answer)
    with qtbot.waitSignal(tab.recorded) as recorded:
        tab.submit()
    assert "food" in recorded.args[0].positive_domains


def _plan(qtbot: QtBot, ws_worker: Any, chart: ChartView) -> None:
    tab = chart.show_tab("plan")
    assert isinstance(tab, PlanTab)
    problem = _save(qtbot, tab.add_problem(), description="Diabetes not controlled")
    for goal_text in ("A1c below 8% by spring", "Eat two healthy meals a day"):
        wait_idle(qtbot, ws_worker)
        tab.select_row(problem.id)
        goal = _save(qtbot, tab.add_goal(), description=goal_text)
        for act in ("Take metformin with breakfast", "Weekly check-in call"):
            wait_idle(qtbot, ws_worker)
            tab.select_row(goal.id)
            _save(qtbot, tab.add_activity(), description=act, schedule="every morning")
    wait_idle(qtbot, ws_worker)
    assert sum(tab.tree.topLevelItem(0).child(i).childCount() for i in range(2)) == 4


def test_coordinator_workflow_end_to_end(qtbot: QtBot, make_app: Callable[..., App]) -> None:
    app = make_app()
    window = _first_run(qtbot, app)
    assert app.ws is not None
    desk, worker = app.ws.desk, app.worker
    chart = _add_patient(qtbot, window)
    pid = chart.patient_id
    _save(qtbot, chart.enroll(), consent_program=True)
    qtbot.waitUntil(lambda: chart.chart.patient.status == "enrolled")
    assert chart.enroll_button.isHidden()
    _screen(qtbot, chart)
    _plan(qtbot, worker, chart)
    timeline = chart.show_tab("timeline")
    assert isinstance(timeline, TimelineTab)
    _save(qtbot, timeline.add_follow_up(), title="Check glucose log")
    window.new_note()  # Ctrl+N on the chart in front opens the note form
    call = chart.log_call()
    _save(qtbot, call, outcome="reached", summary="Went over the plan", minutes=25)
    qtbot.waitUntil(lambda: timeline.model.rowCount() >= 1)
    transition = chart.show_tab("transition")
    assert isinstance(transition, TransitionTab)
    _save(qtbot, transition.discharge(), reason="goals_met", summary="Plan done; A1c 7.4%.")
    wait_idle(qtbot, worker)
    assert desk.patients.get(pid).status == "discharged"
    assert desk.followups.open_for_patient(pid) == []
    assert sum(desk.timeline.minutes_by_month(pid).values()) == 25
    actions = {e.action for e in desk.audit_events(patient_id=pid)}
    assert {"chart.open", "screener.record"} <= actions
