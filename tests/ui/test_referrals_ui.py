"""Referrals as a work queue, on the demo clinic (issue 19): a step named, dated and noted;
the open-referrals page late first; the resource picker ordered by the need."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from PySide6.QtWidgets import QComboBox
from pytestqt.qtbot import QtBot

from careDesk.care.demo import generate_demo
from careDesk.care.resource_match import is_crisis_line
from careDesk.desk import Desk
from tests.careDesk.care.test_instruments import hrsn
from tests.ui.conftest import add_patient, wait_idle
from ui.chart.referrals import ReferralsTab
from ui.pages.referrals import ReferralsPage
from ui.workspace import Workspace

TODAY = date.today()


@pytest.fixture
def demo(desk: Desk) -> Desk:
    """The demo clinic: patients with referrals in every state, some late, and its directory."""
    generate_demo(desk, patients=40, seed=7)
    return desk


def _shown(qtbot: QtBot, widget: Any, ws: Workspace) -> Any:
    qtbot.addWidget(widget)
    widget.show()
    wait_idle(qtbot, ws.worker)
    return widget


def _a_patient(desk: Desk) -> str:
    return desk.patients.search("", limit=1)[0].id


def test_a_referral_steps_forward_with_its_day_and_note(
    qtbot: QtBot, ws: Workspace, demo: Desk
) -> None:
    pid = _a_patient(demo)
    tab: ReferralsTab = _shown(qtbot, ReferralsTab(ws, pid), ws)
    dialog = tab.new_referral()
    dialog.set_value("to_name", "Cardiology clinic")
    dialog.set_value("reason", "Heart failure follow-up")
    with qtbot.waitSignal(dialog.saved) as created:
        dialog.submit()
    ref = created.args[0].id
    wait_idle(qtbot, ws.worker)
    tab.show_referral(ref)
    wait_idle(qtbot, ws.worker)
    assert tab.step_button.text() == "Mark as sent…"  # says what comes next

    step = tab.next_step()
    assert step is not None
    step.set_value("on", f"{TODAY + timedelta(days=1):%Y-%m-%d}")
    step.submit()
    wait_idle(qtbot, ws.worker)
    assert "future" in step.form.error_for("on")  # refused, beside the field
    assert demo.referrals.get(ref).state == "draft"

    sent_on = TODAY - timedelta(days=3)
    step.set_value("on", f"{sent_on:%Y-%m-%d}")
    step.set_value("note", "Faxed with the echo report")
    with qtbot.waitSignal(step.saved):
        step.submit()
    qtbot.waitUntil(lambda: tab.step_button.text() == "Mark as accepted…")
    qtbot.waitUntil(lambda: tab.history.rowCount() == 2)
    last = tab.history.row_at(1)
    assert (last.step, last.on_date, last.note) == ("sent", sent_on, "Faxed with the echo report")

    ending = tab.end_referral()
    assert ending is not None
    ending.set_value("ending", "no_show")
    with qtbot.waitSignal(ending.saved):
        ending.submit()
    qtbot.waitUntil(lambda: not tab.step_button.isEnabled())
    row = next(r for r in tab.referrals.rows if r.id == ref)
    assert (row.state, row.ending) == ("closed", "no_show")


def test_the_open_referrals_page_puts_the_most_late_first(
    qtbot: QtBot, ws: Workspace, demo: Desk
) -> None:
    page: ReferralsPage = _shown(qtbot, ReferralsPage(ws), ws)
    rows = page.model.rows
    assert rows, "the demo clinic has open referrals"
    assert any(r.days_late for r in rows)  # the demo holds late ones
    keys = [(-r.days_late, r.referral.due_by) for r in rows]
    assert keys == sorted(keys)
    assert all(r.referral.state != "closed" for r in rows)
    assert "every patient in the clinic" in page.summary.text()
    late = sum(1 for r in rows if r.days_late)
    assert f"{late} late" in page.summary.text()

    # My patients (the same scope as Today: patients I coordinate or have open work for): the
    # demo's coordinator is the signed-in admin; one patient handed to nobody leaves it unless
    # they still have a follow-up of mine.
    handed = rows[0].patient_id
    demo.patients.assign_coordinator(handed, None)
    page.scope.setCurrentIndex(0)
    qtbot.waitUntil(lambda: "patients you coordinate" in page.summary.text())
    wait_idle(qtbot, ws.worker)
    mine = [page.model.row_at(i).referral.id for i in range(page.model.rowCount())]
    assert mine == [r.referral.id for r in demo.referrals.queue("mine")]
    still_mine = any(
        f.patient_id == handed and f.assignee_id == demo.user.id
        for f in demo.followups.open_for_patient(handed)
    )
    assert (rows[0].referral.id in mine) == still_mine

    page.scope.setCurrentIndex(1)
    qtbot.waitUntil(lambda: page.model.rowCount() == len(rows))
    with qtbot.waitSignal(ws.open_chart) as opened:
        page.open_referral(page.model.index(0, 0))
    first = page.model.row_at(0)
    assert opened.args == [first.patient_id, f"referral:{first.referral.id}"]

    tab: ReferralsTab = _shown(qtbot, ReferralsTab(ws, first.patient_id), ws)
    tab.show_referral(first.referral.id)
    selected = tab.selected()
    assert selected is not None and selected.id == first.referral.id


def test_the_resource_picker_puts_what_answers_the_need_first(
    qtbot: QtBot, ws: Workspace, demo: Desk
) -> None:
    pid = add_patient(demo, "Rosa", "Muñoz", "PICK-1")  # never screened
    tab: ReferralsTab = _shown(qtbot, ReferralsTab(ws, pid), ws)
    directory = {r.id: r for r in demo.resources.search()}
    assert any(is_crisis_line(r) for r in directory.values())
    dialog = tab.refer_resource()
    need, picker = dialog.widgets["need"], dialog.widgets["resource_id"]
    assert isinstance(need, QComboBox) and isinstance(picker, QComboBox)

    def first() -> Any:
        return directory[picker.currentData()]

    assert need.currentData() == "food"
    assert first().category == "food"
    assert not is_crisis_line(first())  # the issue: a food need defaulted to the crisis line
    need.setCurrentIndex(need.findData("mental_health"))
    assert first().category == "mental_health" and not is_crisis_line(first())
    need.setCurrentIndex(need.findData("crisis"))
    assert is_crisis_line(first())
    need.setCurrentIndex(need.findData("housing"))
    assert first().category == "housing"
    with qtbot.waitSignal(dialog.saved):
        dialog.submit()
    qtbot.waitUntil(lambda: tab.resources.rowCount() >= 1)
    assert any(r.need == "housing" for r in tab.resources.rows)


def test_the_picker_starts_on_the_need_the_latest_screen_found(
    qtbot: QtBot, ws: Workspace, demo: Desk
) -> None:
    pid = add_patient(demo, "Lan", "Nguyễn", "PICK-2")
    # AHC-HRSN (CMS 2017): "worried food would run out … often true" screens positive for food;
    # a building problem (here: pests) screens positive for housing.
    demo.screeners.record(pid, "ahc_hrsn", hrsn(housing_problems=["pests"], food_worry="often"))
    tab: ReferralsTab = _shown(qtbot, ReferralsTab(ws, pid), ws)
    dialog = tab.refer_resource()
    need, picker = dialog.widgets["need"], dialog.widgets["resource_id"]
    assert isinstance(need, QComboBox) and isinstance(picker, QComboBox)
    assert need.currentData() == "housing"  # the tool's first domain among those found
    directory = {r.id: r for r in demo.resources.search()}
    assert directory[picker.currentData()].category == "housing"


def test_the_recipient_comes_from_the_care_team_or_the_directory(
    qtbot: QtBot, ws: Workspace, demo: Desk
) -> None:
    pid = _a_patient(demo)
    doctor = demo.team.add_provider(name="Dr. Amara Osei", specialty="Nephrology").value
    member = demo.team.add_member(pid, provider_id=doctor.id, role="nephrology").value
    tab: ReferralsTab = _shown(qtbot, ReferralsTab(ws, pid), ws)
    dialog = tab.new_referral()
    picker = dialog.widgets["recipient"]
    assert isinstance(picker, QComboBox)
    keys = [picker.itemData(i) for i in range(picker.count())]
    assert f"team:{member.id}" in keys
    assert any(str(k).startswith("directory:") for k in keys)
    dialog.set_value("recipient", f"team:{member.id}")
    dialog.set_value("reason", "eGFR falling")
    with qtbot.waitSignal(dialog.saved) as saved:
        dialog.submit()
    made = saved.args[0]
    assert (made.to_name, made.provider_id) == ("Dr. Amara Osei", doctor.id)
    assert made.expected_by == TODAY + timedelta(days=30)  # routine: the clinic's default


def test_a_referral_ended_by_mistake_is_undone_from_the_tab(
    qtbot: QtBot, ws: Workspace, demo: Desk
) -> None:
    pid = add_patient(demo, "Ana", "Peña", "UNDO-1")
    ref = demo.referrals.create(pid, to_name="Podiatry", reason="Foot ulcer").value.id
    demo.referrals.send(ref)
    demo.referrals.end(ref, "declined", reason="Misheard on the phone")
    tab: ReferralsTab = _shown(qtbot, ReferralsTab(ws, pid), ws)
    tab.show_referral(ref)
    wait_idle(qtbot, ws.worker)
    assert not tab.step_button.isEnabled() and tab.undo_button.isEnabled()
    dialog = tab.undo_last_step()
    assert dialog is not None
    dialog.submit()
    wait_idle(qtbot, ws.worker)
    assert dialog.form.error_for("reason")  # say what was wrong
    dialog.set_value("reason", "The patient accepted after all")
    with qtbot.waitSignal(dialog.saved):
        dialog.submit()
    qtbot.waitUntil(lambda: tab.step_button.text() == "Mark as accepted…")
    assert demo.referrals.get(ref).state == "sent"
    qtbot.waitUntil(lambda: [s.step for s in tab.history.rows] == ["draft", "sent", "undone"])
    assert "declined undone: The patient accepted after all" in tab.history.row_at(2).note
