"""The patient chart: header, care plan editor, screeners with live score, timeline."""

from __future__ import annotations

from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from careDesk.desk import Desk
from tests.ui.conftest import add_patient, chart_view, wait_idle
from ui.actionbar import ActionBar
from ui.chart.plan import PlanTab
from ui.chart.screeners import ScreenersTab, live_summary
from ui.chart.timeline import TimelineTab
from ui.workspace import Workspace


@pytest.fixture
def patient(desk: Desk) -> str:
    return add_patient(desk, "Thi", "Nguyễn", "MRN-7", language="vi", consent_program=True)


def test_header_shows_patient_and_opening_is_audited(
    qtbot: QtBot, ws: Workspace, desk: Desk, patient: str
) -> None:
    view = chart_view(qtbot, ws, patient)
    assert view.header.name.text() == "Thi Nguyễn"
    assert "Vietnamese" in view.header.facts.text()
    assert "Program consent" in view.header.consent.text()
    assert desk.audit_events(patient_id=patient, action="chart.open")


def test_phq9_item9_shows_urgent_alert_in_header(qtbot: QtBot, ws: Workspace, patient: str) -> None:
    view = chart_view(qtbot, ws, patient)
    tab = view.show_tab("screeners")
    assert isinstance(tab, ScreenersTab)
    form = tab.select("phq9")
    for number in range(1, 10):
        form.answer(f"phq9_{number}", 1 if number == 9 else 0)
    assert "URGENT" in tab.live.text()
    with qtbot.waitSignal(view.loaded):  # the header reloads after the change
        tab.submit()
    assert "urgent call" in tab.result.text()
    assert not view.header.alerts.isHidden()


def test_screener_live_score_follows_answers(qtbot: QtBot, ws: Workspace, patient: str) -> None:
    tab = ScreenersTab(ws, patient)
    qtbot.addWidget(tab)
    form = tab.select("gad7")
    form.answer("gad7_1", 3)
    assert "1 of 7 answered · running total 3" in tab.live.text()
    for number in range(2, 8):
        form.answer(f"gad7_{number}", 2)
    assert tab.live.text().startswith("Score 15")


def test_hrsn_physically_hurt_says_a_private_review_opens_by_careDesk_rule_not_cms(
    qtbot: QtBot, ws: Workspace, patient: str
) -> None:
    """careDesk's own rule, not a CMS rule: "physically hurt" other than Never opens a private
    safety review even when the CMS safety sum (> 10 positive, AHC-HRSN guide 2021) is not met."""
    from tests.careDesk.care.test_instruments import hrsn

    view = chart_view(qtbot, ws, patient)
    tab = view.show_tab("screeners")
    assert isinstance(tab, ScreenersTab)
    form = tab.select("ahc_hrsn")
    for item, answer in hrsn(safety_hurt=2).items():  # sum 5: CMS negative
        form.answer(item, answer)
    assert tab.live.text().startswith("No social needs found")
    assert "careDesk rule, not a CMS rule" in tab.live.text()
    with qtbot.waitSignal(view.loaded):  # the header reloads: the alert shows
        tab.submit()
    assert "private safety review" in tab.result.text()
    assert "careDesk's own rule, not a CMS rule" in tab.result.text()
    assert not view.header.alerts.isHidden()


def test_ahc_hrsn_names_positive_domains() -> None:
    from careDesk.care.instruments import instrument

    inst = instrument("ahc_hrsn")
    assert "answered" in live_summary(inst, {})


def test_plan_with_two_goals_and_four_activities(
    qtbot: QtBot, ws: Workspace, desk: Desk, patient: str, qtmodeltester: Any
) -> None:
    tab = PlanTab(ws, patient)
    qtbot.addWidget(tab)
    tab.show()
    wait_idle(qtbot, ws.worker)
    dialog = tab.add_problem()
    dialog.set_value("description", "Blood sugar is high")
    with qtbot.waitSignal(dialog.saved) as saved:
        dialog.submit()
    wait_idle(qtbot, ws.worker)
    for goal_text in ("A1c below 8", "Walk every day"):
        tab.select_row(saved.args[0].id)
        goal = tab.add_goal()
        assert goal is not None
        goal.set_value("description", goal_text)
        with qtbot.waitSignal(goal.saved) as made:
            goal.submit()
        wait_idle(qtbot, ws.worker)
        for activity_text in ("Take metformin", "Call to check in"):
            tab.select_row(made.args[0].id)
            act = tab.add_activity()
            assert act is not None
            act.set_value("description", activity_text)
            act.set_value("schedule", "every morning")
            with qtbot.waitSignal(act.saved):
                act.submit()
            wait_idle(qtbot, ws.worker)
    tree = desk.plans.plan_tree(patient)
    assert tree is not None
    goals = tree.problems[0].goals
    assert len(goals) == 2 and sum(len(g.activities) for g in goals) == 4
    assert tab.tree.topLevelItem(0).childCount() == 2


def test_plan_activity_error_beside_field(qtbot: QtBot, ws: Workspace, patient: str) -> None:
    tab = PlanTab(ws, patient)
    qtbot.addWidget(tab)
    tab.show()
    dialog = tab.add_problem()
    dialog.set_value("description", "")
    dialog.submit()
    wait_idle(qtbot, ws.worker)
    assert dialog.form.error_for("description")


def test_a_lab_test_activity_keeps_its_loinc_code(
    qtbot: QtBot, ws: Workspace, desk: Desk, patient: str
) -> None:
    # LOINC 4548-4 is hemoglobin A1c; 4548-5 fails the mod-10 check digit (LOINC Users' Guide).
    plan = desk.plans.ensure_active(patient).value
    problem = desk.plans.add_problem(plan.id, description="Diabetes").value
    goal = desk.plans.add_goal(problem.id, description="A1c below 8").value
    tab = PlanTab(ws, patient)
    qtbot.addWidget(tab)
    tab.show()
    wait_idle(qtbot, ws.worker)
    tab.select_row(goal.id)
    typo = tab.add_activity()
    assert typo is not None
    for name, value in (("kind", "test"), ("description", "A1c"), ("test_code", "4548-5")):
        typo.set_value(name, value)
    typo.submit()
    wait_idle(qtbot, ws.worker)
    assert "check digit" in typo.form.error_for("test_code")
    typo.set_value("test_code", "4548-4")
    with qtbot.waitSignal(typo.saved):
        typo.submit()
    wait_idle(qtbot, ws.worker)
    tree = desk.plans.plan_tree(patient)
    assert tree is not None
    assert [a.test_code for a in tree.problems[0].goals[0].activities] == ["4548-4"]


def test_timeline_note_with_minutes_and_call(
    qtbot: QtBot, ws: Workspace, desk: Desk, patient: str, qtmodeltester: Any
) -> None:
    tab = TimelineTab(ws, patient)
    qtbot.addWidget(tab)
    tab.show()
    wait_idle(qtbot, ws.worker)
    note = tab.add_note()
    note.set_value("summary", "Talked about meals")
    note.set_value("minutes", 15)
    with qtbot.waitSignal(note.saved):
        note.submit()
    call = tab.log_call()
    call.set_value("outcome", "voicemail")
    call.set_value("minutes", 5)
    with qtbot.waitSignal(call.saved):
        call.submit()
    qtbot.waitUntil(lambda: tab.model.rowCount() == 2)
    qtmodeltester.check(tab.model)
    assert sum(desk.timeline.minutes_by_month(patient).values()) == 20


def test_edit_details_changes_the_phone_and_clears_the_email(
    qtbot: QtBot, ws: Workspace, desk: Desk
) -> None:
    pid = add_patient(desk, "Rosa", "Mora", "MRN-8", email="rosa@example.org")
    desk.patients.update(pid, phone="555-0100", city="Pasadena")
    view = chart_view(qtbot, ws, pid)
    # On the row, or under More… when the window is narrow: offered either way.
    assert (
        view.details_button.isVisible()
        or view.details_button in view.header.findChild(ActionBar).overflow()
    )
    dialog = view.edit_details()
    assert dialog.widgets["email"].text() == "rosa@example.org"  # filled with what is on file
    assert dialog.widgets["birth_date"].text()
    dialog.set_value("phone", "(555) 010-2222")
    dialog.widgets["email"].clear()  # the patient has no e-mail any more
    with qtbot.waitSignal(dialog.saved):
        dialog.submit()
    wait_idle(qtbot, ws.worker)
    saved = desk.patients.get(pid)
    assert (saved.phone, saved.email, saved.city) == ("(555) 010-2222", None, "Pasadena")
    changed = desk.audit_events(patient_id=pid, action="patient.update")
    assert changed  # audited like every other change


def test_edit_details_shows_a_refused_value_beside_its_field(
    qtbot: QtBot, ws: Workspace, desk: Desk
) -> None:
    pid = add_patient(desk, "Ivo", "Luz", "MRN-9")
    view = chart_view(qtbot, ws, pid)
    dialog = view.edit_details()
    dialog.set_value("email", "not an address")
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.form.error_for("email") != "")
    assert dialog.isVisible()
    assert desk.patients.get(pid).email is None


def test_risk_tooltip_keeps_lace_with_its_discharge_date() -> None:
    """LACE predicts the 30 days after one discharge (van Walraven 2010): inside them it is a
    reason with its date; after them the tooltip still names the score and the discharge."""
    from datetime import date
    from types import SimpleNamespace

    from ui.chart.header import risk_lines

    recent = SimpleNamespace(
        reasons='["LACE 12 after discharge on 2026-06-03"]',
        lace=12,
        lace_discharged=date(2026, 6, 3),
    )
    assert risk_lines(recent) == ["LACE 12 after discharge on 2026-06-03"]
    older = SimpleNamespace(reasons="[]", lace=12, lace_discharged=date(2026, 3, 3))
    assert risk_lines(older) == ["LACE 12 for the discharge on 2026-03-03 (past 30 days)"]
    never = SimpleNamespace(reasons="[]", lace=None, lace_discharged=None)
    assert risk_lines(never) == []
