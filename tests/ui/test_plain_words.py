"""Issue 19, the coordinator's day: plain words on screen, errors that say what to do, dates
typed the US way or picked on a calendar, dialogs that show their whole message, and the small
gaps (suggestions after a screener, handout language, the badge after discharge, allergies,
confirming a removal, Log call from the keyboard). Real windows on a real encrypted vault."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox
from pytestqt.qtbot import QtBot

from careDesk.desk import Desk
from tests.ui.conftest import add_patient, chart_view, wait_idle
from ui.chart.clinical import ClinicalTab
from ui.chart.handout import HandoutDialog
from ui.chart.plan import PlanTab
from ui.chart.screeners import ScreenersTab
from ui.chart.suggestions import SuggestionsDialog
from ui.chart.team import TeamTab
from ui.chart.timeline import TimelineTab
from ui.dialogs import DateLine, Field, FormDialog
from ui.main_window import MainWindow
from ui.pages.reports import ReportsPage
from ui.worker import DbWorker
from ui.workspace import Workspace


def _tree_texts(tab: PlanTab) -> list[str]:
    texts: list[str] = []
    stack = [tab.tree.topLevelItem(i) for i in range(tab.tree.topLevelItemCount())]
    while stack:
        item = stack.pop()
        texts.append(item.text(0))
        stack.extend(item.child(i) for i in range(item.childCount()))
    return texts


# ----- plain words ------------------------------------------------------------------------
def test_the_plan_shows_kinds_statuses_and_repeat_rules_in_words(
    qtbot: QtBot, ws: Workspace, desk: Desk
) -> None:
    """The issue saw `in_progress`, `FREQ=WEEKLY;BYDAY=MO,TU…` and "education: Education:"."""
    pid = add_patient(desk, "Ana", "Silva", "W-1")
    plan = desk.plans.ensure_active(pid).value
    problem = desk.plans.add_problem(plan.id, description="Diabetes").value
    goal = desk.plans.add_goal(problem.id, description="A1c below 8%").value
    act = desk.plans.add_activity(
        goal.id,
        kind="education",
        description="Education: healthy eating",
        schedule="FREQ=WEEKLY;BYDAY=MO,TU",
    ).value
    desk.plans.update_activity(act.id, status="in_progress")
    view = chart_view(qtbot, ws, pid)
    tab = view.show_tab("plan")
    assert isinstance(tab, PlanTab)
    qtbot.waitUntil(lambda: any("healthy eating" in t for t in _tree_texts(tab)))
    [line] = [t for t in _tree_texts(tab) if "healthy eating" in t]
    assert line.startswith("Education: healthy eating")
    assert "every Monday and Tuesday" in line and "[in progress]" in line
    for code in ("FREQ", "BYDAY", "in_progress", "Education: Education", "education:"):
        assert code not in line


def test_a_lab_check_follow_up_reads_as_words_on_the_timeline(
    qtbot: QtBot, ws: Workspace, desk: Desk
) -> None:
    pid = add_patient(desk, "Ana", "Silva", "W-2")
    due = datetime.now(UTC) + timedelta(days=3)
    desk.followups.create(pid, title="A1c due", kind="lab_check", due_at=due)
    view = chart_view(qtbot, ws, pid)
    tab = view.show_tab("timeline")
    assert isinstance(tab, TimelineTab)
    qtbot.waitUntil(lambda: tab.followups.rowCount() == 1)
    shown = [tab.followups.index(0, c).data() for c in range(tab.followups.columnCount())]
    assert "lab check" in shown and "lab_check" not in shown


def _phq9(total: int) -> dict[str, int]:
    answers = {f"phq9_{i}": 0 for i in range(1, 10)}
    for i in range(1, 9):
        answers[f"phq9_{i}"] = min(3, total - sum(answers.values()))
    return answers


def test_reports_name_screeners_and_visits_in_words_and_count_every_positive_phq9(
    qtbot: QtBot, ws: Workspace, desk: Desk, worker: DbWorker
) -> None:
    """ "ahc hrsn / ed before" become words; PHQ-9 totals 4, 12, 15, 22 are 3 positive of 4
    (total ≥ 10: Kroenke, Spitzer & Williams 2001, J Gen Intern Med 16:606–613): 75 %."""
    for n, total in enumerate((4, 12, 15, 22)):
        pid = add_patient(desk, "Ana", f"Silva{n}", f"W-R{n}")
        desk.screeners.record(pid, "phq9", _phq9(total))
    page = ReportsPage(ws)
    qtbot.addWidget(page)
    page.load()
    wait_idle(qtbot, worker)
    screening = dict(page.cards["screening"].chart.bars)
    assert screening == {"PHQ-9 depression": pytest.approx(75.0)}
    visits = [label for label, _ in page.cards["utilization before/after enrollment"].chart.bars]
    assert "emergency visits before" in visits
    assert not any("_" in label or "ahc hrsn" in label for label in visits + list(screening))


# ----- dates and errors -------------------------------------------------------------------
def _review_dialog(qtbot: QtBot, ws: Workspace, desk: Desk) -> tuple[FormDialog, str]:
    pid = add_patient(desk, "Ana", "Silva", "W-3")
    plan = desk.plans.ensure_active(pid).value
    plans = desk.plans
    dialog = FormDialog(
        ws,
        "Plan review",
        [Field("review_date", "Review date", "date"), Field("title", "Title")],
        lambda v: plans.update_plan(plan.id, **v).value,
    )
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog, plan.id


def test_a_us_date_typed_in_a_form_is_saved(qtbot: QtBot, ws: Workspace, desk: Desk) -> None:
    """12/02/2026 is 2 December 2026 (the issue saw it refused: "invalid character in year")."""
    dialog, plan_id = _review_dialog(qtbot, ws, desk)
    dialog.set_value("review_date", "12/02/2026")
    with qtbot.waitSignal(dialog.saved):
        dialog.submit()
    assert _review_date(desk, plan_id) == date(2026, 12, 2)


def _review_date(desk: Desk, plan_id: str) -> date | None:
    from careDesk.model.plan import CarePlan

    with desk.reading() as session:
        plan = session.get(CarePlan, plan_id)
        assert plan is not None
        return plan.review_date


def test_a_typed_date_is_read_back_in_words_before_it_is_saved(
    qtbot: QtBot, ws: Workspace, desk: Desk
) -> None:
    """03/04/2026 is month first (US): March 4. Saying so under the box lets someone who meant
    3 April see it before saving; a text that is no date shows no reading."""
    dialog, _ = _review_dialog(qtbot, ws, desk)
    line = dialog.widgets["review_date"]
    assert isinstance(line, DateLine)
    line.setText("03/04/2026")
    assert line.companion.isVisible()
    assert line.companion.text() == "Wednesday, March 4, 2026"
    line.setText("2026-12-02")
    assert line.companion.text() == "Wednesday, December 2, 2026"
    line.setText("next week")
    assert not line.companion.isVisible()


def test_a_date_can_be_picked_on_a_calendar(qtbot: QtBot, ws: Workspace, desk: Desk) -> None:
    dialog, plan_id = _review_dialog(qtbot, ws, desk)
    line = dialog.widgets["review_date"]
    assert isinstance(line, DateLine)
    qtbot.keyClick(line, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)  # from the keyboard
    assert line.calendar is not None and line.calendar.isVisible()
    line.calendar.clicked.emit(QDate(2026, 12, 2))
    assert line.text() == "12/02/2026"
    with qtbot.waitSignal(dialog.saved):
        dialog.submit()
    assert _review_date(desk, plan_id) == date(2026, 12, 2)


def test_a_refused_date_says_what_to_type_in_a_dialog_that_shows_it_whole(
    qtbot: QtBot, ws: Workspace, desk: Desk
) -> None:
    dialog, _ = _review_dialog(qtbot, ws, desk)
    dialog.resize(dialog.minimumSizeHint())  # as small as it opens
    dialog.set_value("review_date", "31/12/2026")  # day first
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.form.error_for("review_date") != "")
    reason = dialog.form.error_for("review_date")
    assert "the first number is the month" in reason and "2026-12-02" in reason
    assert "Input should" not in reason and "invalid character" not in reason
    [label] = [
        w for w in dialog.findChildren(QLabel) if w.objectName() == "fieldError" and w.isVisible()
    ]
    QApplication.processEvents()
    assert label.height() >= label.heightForWidth(label.width())  # every wrapped line fits
    bottom = label.mapTo(dialog, label.rect().bottomRight())
    assert dialog.rect().contains(bottom)  # not clipped by the dialog's edge


def test_a_form_wide_error_starts_with_the_field_in_words(
    qtbot: QtBot, ws: Workspace, desk: Desk
) -> None:
    """An error for a field this form does not show reads "Review date: …", not "review_date"."""
    pid = add_patient(desk, "Ana", "Silva", "W-4")
    plan = desk.plans.ensure_active(pid).value
    plans = desk.plans
    dialog = FormDialog(
        ws,
        "Review",
        [Field("when", "When")],
        lambda v: plans.update_plan(plan.id, review_date=v.get("when")).value,
    )
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.set_value("when", "soon")
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.form.form_error.isVisible())
    text = dialog.form.form_error.text()
    assert text.startswith("Review date: type a date like 12/02/2026")
    assert "review_date" not in text


# ----- small gaps -------------------------------------------------------------------------
def test_saving_a_screener_offers_its_suggestions(qtbot: QtBot, ws: Workspace, desk: Desk) -> None:
    pid = add_patient(desk, "Ana", "Silva", "W-5", consent_program=True)
    view = chart_view(qtbot, ws, pid)
    tab = view.show_tab("screeners")
    assert isinstance(tab, ScreenersTab)
    form = tab.select("phq9")
    for number in range(1, 10):
        form.answer(f"phq9_{number}", 2 if number < 9 else 0)  # 16: moderately severe
    with qtbot.waitSignal(tab.recorded):
        tab.submit()
    expected = len(desk.suggestions.for_patient(pid))
    assert expected > 0
    qtbot.waitUntil(tab.review.isVisible)
    assert tab.review.text() == f"Review {expected} suggestion{'s' if expected > 1 else ''}"
    dialog = None

    def opened() -> bool:
        nonlocal dialog
        found = tab.findChildren(SuggestionsDialog)
        dialog = found[-1] if found else None
        return dialog is not None and dialog.model.rowCount() == expected

    tab.review.click()
    qtbot.waitUntil(opened)


def test_a_screener_that_suggests_nothing_offers_nothing(
    qtbot: QtBot, ws: Workspace, desk: Desk
) -> None:
    pid = add_patient(desk, "Ana", "Silva", "W-5b", consent_program=True)
    view = chart_view(qtbot, ws, pid)
    tab = view.show_tab("screeners")
    assert isinstance(tab, ScreenersTab)
    form = tab.select("phq9")
    for number in range(1, 10):
        form.answer(f"phq9_{number}", 0)  # total 0: minimal
    with qtbot.waitSignal(tab.recorded):
        tab.submit()
    wait_idle(qtbot, ws.worker)
    assert desk.suggestions.for_patient(pid) == []
    assert tab.review.isHidden()


@pytest.mark.parametrize(
    ("spoken", "selected", "note"),
    [
        ("zh", "en", "No Chinese handout yet: printing in English"),
        ("es", "es", ""),
        ("en", "en", ""),
    ],
)
def test_the_handout_defaults_to_the_patients_language_or_says_it_has_none(
    qtbot: QtBot, ws: Workspace, desk: Desk, spoken: str, selected: str, note: str
) -> None:
    pid = add_patient(desk, "Li", "Wei", f"W-6{spoken}", language=spoken)
    dialog = HandoutDialog(ws, pid)
    qtbot.addWidget(dialog)
    dialog.show()
    wait_idle(qtbot, ws.worker)
    assert dialog.language.currentData() == selected
    assert dialog.language_note.isVisible() == bool(note)
    assert note in dialog.language_note.text()


def test_the_risk_badge_is_muted_after_discharge(qtbot: QtBot, ws: Workspace, desk: Desk) -> None:
    pid = add_patient(desk, "Ana", "Silva", "W-7", consent_program=True)
    view = chart_view(qtbot, ws, pid)
    assert view.header.risk.property("band") != "closed"
    with qtbot.waitSignal(view.loaded):
        desk_transitions: Any = desk.transitions
        ws.run(lambda: desk_transitions.discharge(pid, reason="goals_met", summary="Goals met."))
    badge = view.header.risk
    assert badge.text() == "Discharged"
    assert badge.property("band") == "closed"  # grey in style.qss, not the band's colour
    assert "discharged" in view.header.facts.text()


def test_an_allergy_is_added_from_the_clinical_tab(qtbot: QtBot, ws: Workspace, desk: Desk) -> None:
    pid = add_patient(desk, "Ana", "Silva", "W-8")
    view = chart_view(qtbot, ws, pid)
    tab = view.show_tab("clinical")
    assert isinstance(tab, ClinicalTab)
    add = tab.buttons["allergy.add"]
    assert add.isVisible() and add.isEnabled()
    add.click()
    [dialog] = [d for d in tab.findChildren(FormDialog) if d.isVisible()]
    dialog.set_value("substance", "Penicillin")
    dialog.set_value("reaction", "hives")
    with qtbot.waitSignal(dialog.saved):
        dialog.submit()
    qtbot.waitUntil(lambda: tab.allergies.rowCount() == 1)
    assert tab.allergies.index(0, 0).data() == "Penicillin"
    assert [a.substance for a in desk.clinical.allergies(pid)] == ["Penicillin"]


def test_removing_a_care_team_member_asks_first(qtbot: QtBot, ws: Workspace, desk: Desk) -> None:
    pid = add_patient(desk, "Ana", "Silva", "W-9")
    desk.team.add_member(pid, name="Dr Okafor", role="primary care")
    view = chart_view(qtbot, ws, pid)
    tab = view.show_tab("team")
    assert isinstance(tab, TeamTab)
    qtbot.waitUntil(lambda: tab.model.rowCount() == 1)
    tab.view.selectRow(0)
    box = tab.remove_member()
    assert box is not None and "Remove Dr Okafor (primary care)" in box.text()
    box.button(QMessageBox.StandardButton.Cancel).click()
    wait_idle(qtbot, ws.worker)
    assert len(desk.team.members(pid)) == 1  # Cancel keeps them
    tab.view.selectRow(0)
    box = tab.remove_member()
    assert box is not None
    [remove] = [b for b in box.buttons() if b.text() == "Remove"]
    remove.click()
    qtbot.waitUntil(lambda: not desk.team.members(pid))


def test_log_call_has_a_shortcut_shown_in_the_menu(
    qtbot: QtBot, ws: Workspace, desk: Desk, worker: DbWorker
) -> None:
    window = MainWindow(ws)
    qtbot.addWidget(window)
    window.show()
    pid = add_patient(desk, "Ana", "Silva", "W-10")
    window.open_chart(pid)
    chart = window.current_chart()
    assert chart is not None
    qtbot.waitUntil(lambda: chart.chart is not None)
    [action] = [a for a in window.actions() if a.text() == "&Log call…"]
    assert action.shortcut().toString() == "Ctrl+Shift+L"
    menus = [a.menu() for a in window.menuBar().actions() if a.menu() is not None]
    assert any(action in menu.actions() for menu in menus)  # shown in the Patient menu
    action.trigger()
    wait_idle(qtbot, worker)
    dialogs = [d for d in chart.findChildren(FormDialog) if d.isVisible()]
    assert any("outcome" in d.widgets for d in dialogs)  # the call form
