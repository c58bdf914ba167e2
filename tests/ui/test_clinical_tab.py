"""The clinical tab: a coordinator adds, corrects and takes off the list conditions, medicines
and allergies; removing asks why, deletes only what was entered in error, and is audited."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QComboBox
from pytestqt.qtbot import QtBot

from careDesk.desk import Desk
from careDesk.paths import VaultPaths
from careDesk.store.vault import unlock
from tests.ui.conftest import add_patient, wait_idle
from ui.chart.clinical import ClinicalTab
from ui.chart.view import ChartView
from ui.worker import DbWorker
from ui.workspace import Workspace

COORDINATOR_PASSWORD = "amber river lantern"


@pytest.fixture
def coordinator(desk: Desk, vault_paths: VaultPaths, worker: DbWorker) -> Iterator[Workspace]:
    """A coordinator's workspace on a vault holding one patient with a medicine and an allergy
    (the admin set them up, then signed out)."""
    pid = add_patient(desk, "Rosa", "Mora", "CL-1")
    desk.clinical.add_medication(pid, name="Metformin", dose="500 mg", purpose="blood sugar")
    desk.clinical.add_allergy(pid, substance="Penicilin", reaction="hives")  # the wrong patient's
    desk.users.add("coord", COORDINATOR_PASSWORD, "coordinator")
    desk.close()
    ws = Workspace(unlock(vault_paths, "coord", COORDINATOR_PASSWORD), worker)
    ws.setProperty("patient_id", pid)
    yield ws
    ws.desk.close()


def _tab(qtbot: QtBot, ws: Workspace) -> tuple[ChartView, ClinicalTab]:
    view = ChartView(ws, str(ws.property("patient_id")))
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.loaded):
        view.show()
    tab = view.show_tab("clinical")
    assert isinstance(tab, ClinicalTab)
    return view, tab


def test_a_coordinator_corrects_a_dose_and_removes_a_wrong_allergy_with_a_reason(
    qtbot: QtBot, coordinator: Workspace
) -> None:
    pid = str(coordinator.property("patient_id"))
    _view, tab = _tab(qtbot, coordinator)
    assert not tab.buttons["medication.edit"].isEnabled()  # nothing chosen yet
    tab.select("medication", 0)
    assert tab.buttons["medication.edit"].isEnabled()
    edit = tab.edit("medication")
    assert edit is not None and edit.widgets["dose"].text() == "500 mg"  # as recorded
    edit.set_value("dose", "1000 mg")
    with qtbot.waitSignal(edit.saved):
        edit.submit()
    qtbot.waitUntil(lambda: tab.medications.row_at(0).dose == "1000 mg")

    tab.select("allergy", 0)
    remove = tab.remove("allergy")
    assert remove is not None and "Penicilin" in remove.question.text()
    remove.submit()  # no reason chosen: refused beside the field, nothing removed
    qtbot.waitUntil(lambda: remove.form.error_for("reason") != "")
    assert tab.allergies.rowCount() == 1 and remove.isVisible()
    remove.set_value("reason", "entered_in_error")
    with qtbot.waitSignal(remove.saved):
        remove.submit()
    qtbot.waitUntil(lambda: tab.allergies.rowCount() == 0)

    desk = coordinator.desk
    [dose] = desk.audit_events(patient_id=pid, action="medication.update")
    [allergy] = desk.audit_events(patient_id=pid, action="allergy.remove")
    assert (dose.user_login, json.loads(dose.detail)) == ("coord", {"fields": ["dose"]})
    assert (allergy.user_login, json.loads(allergy.detail)) == (
        "coord",
        {"reason": "entered_in_error"},
    )


def test_cancelling_the_removal_keeps_the_entry(qtbot: QtBot, coordinator: Workspace) -> None:
    pid = str(coordinator.property("patient_id"))
    _view, tab = _tab(qtbot, coordinator)
    tab.select("allergy", 0)
    remove = tab.remove("allergy")
    assert remove is not None
    remove.set_value("reason", "entered_in_error")
    remove.reject()
    wait_idle(qtbot, coordinator.worker)
    assert [a.substance for a in coordinator.desk.clinical.allergies(pid)] == ["Penicilin"]
    assert not coordinator.desk.audit_events(patient_id=pid, action="allergy.remove")


def test_a_medicine_no_longer_taken_is_stopped_not_deleted(
    qtbot: QtBot, coordinator: Workspace
) -> None:
    _view, tab = _tab(qtbot, coordinator)
    tab.select("medication", 0)
    remove = tab.remove("medication")
    assert remove is not None
    choice = remove.widgets["reason"]
    assert isinstance(choice, QComboBox)
    reasons = [choice.itemData(i) for i in range(choice.count())]
    assert reasons == [None, "entered_in_error", "no_longer_taking"]  # no reason chosen for you
    remove.set_value("reason", "no_longer_taking")
    with qtbot.waitSignal(remove.saved):
        remove.submit()
    qtbot.waitUntil(lambda: tab.medications.row_at(0).status == "stopped")
    assert tab.medications.rowCount() == 1  # kept in the history
    assert all(not row[1] for row in tab.schedule.rows)  # off the daily schedule


def test_allergies_and_conditions_can_be_added_and_corrected(
    qtbot: QtBot, coordinator: Workspace
) -> None:
    _view, tab = _tab(qtbot, coordinator)
    add = tab.add("allergy")
    add.set_value("substance", "Sulfa drugs")
    add.set_value("reaction", "rash")
    add.set_value("severity", "moderate")
    with qtbot.waitSignal(add.saved):
        add.submit()
    qtbot.waitUntil(lambda: tab.allergies.rowCount() == 2)
    added = [a for a in tab.allergies.rows if a.substance == "Sulfa drugs"]
    assert [(a.reaction, a.severity) for a in added] == [("rash", "moderate")]

    condition = tab.add("condition")
    condition.set_value("display", "Gout")
    condition.set_value("icd10", "M10.9")
    with qtbot.waitSignal(condition.saved):
        condition.submit()
    qtbot.waitUntil(lambda: tab.conditions.rowCount() == 1)
    tab.select("condition", 0)
    fix = tab.edit("condition")
    assert fix is not None
    fix.set_value("icd10", "not a code")
    fix.submit()  # refused beside its field, the dialog stays open
    qtbot.waitUntil(lambda: fix.form.error_for("icd10") != "")
    fix.set_value("icd10", "M10.00")
    with qtbot.waitSignal(fix.saved):
        fix.submit()
    qtbot.waitUntil(lambda: tab.conditions.row_at(0).icd10 == "M10.00")


def test_a_read_only_user_gets_no_clinical_edit_buttons(
    qtbot: QtBot, desk: Desk, vault_paths: VaultPaths, worker: DbWorker
) -> None:
    pid = add_patient(desk, "Ivo", "Luz", "CL-2")
    desk.users.add("reader", COORDINATOR_PASSWORD, "read-only")
    desk.close()
    reader = Workspace(unlock(vault_paths, "reader", COORDINATOR_PASSWORD), worker)
    tab = ClinicalTab(reader, pid)
    qtbot.addWidget(tab)
    assert tab.buttons and all(button.isHidden() for button in tab.buttons.values())
    reader.desk.close()
