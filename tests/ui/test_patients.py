"""Patients page: search as you type (stale answers dropped), add with inline errors, enroll."""

from __future__ import annotations

from typing import Any

from pytestqt.qtbot import QtBot

from careDesk.desk import Desk
from tests.ui.conftest import add_patient, wait_idle
from ui.pages.patients import PatientsPage
from ui.workspace import Workspace


def _page(qtbot: QtBot, ws: Workspace) -> PatientsPage:
    page = PatientsPage(ws)
    qtbot.addWidget(page)
    page.show()
    return page


def test_search_as_you_type_finds_accented_names(
    qtbot: QtBot, ws: Workspace, desk: Desk, qtmodeltester: Any
) -> None:
    add_patient(desk, "Thi", "Nguyễn", "MRN-1")
    add_patient(desk, "José", "Muñoz", "MRN-2")
    page = _page(qtbot, ws)
    with qtbot.waitSignal(page.searched) as found:
        qtbot.keyClicks(page.search, "nguyen")
    assert found.args == [1]
    assert page.model.row_at(0).name.startswith("Nguyễn")
    qtmodeltester.check(page.model)


def test_stale_search_results_are_dropped(qtbot: QtBot, ws: Workspace, desk: Desk) -> None:
    add_patient(desk, "Thi", "Nguyễn", "MRN-1")
    add_patient(desk, "José", "Muñoz", "MRN-2")
    page = _page(qtbot, ws)
    page.search.setText("nguyen")
    page.run_search()  # in flight …
    page.search.setText("munoz")  # … when the user types on
    with qtbot.waitSignal(page.searched) as found:
        pass
    assert found.args == [1]
    wait_idle(qtbot, ws.worker)
    assert [r.name for r in page.model.rows] == ["Muñoz, José"]


def test_enter_opens_the_chart(qtbot: QtBot, ws: Workspace, desk: Desk) -> None:
    pid = add_patient(desk, "José", "Muñoz", "MRN-2")
    page = _page(qtbot, ws)
    with qtbot.waitSignal(page.searched):
        page.search.setText("MRN-2")
    with qtbot.waitSignal(ws.open_chart) as opened:
        page.search.returnPressed.emit()
    assert opened.args == [pid, ""]


def test_add_patient_shows_errors_beside_the_field(qtbot: QtBot, ws: Workspace, desk: Desk) -> None:
    page = _page(qtbot, ws)
    dialog = page.add_patient()
    dialog.set_value("given_name", "Ana")
    dialog.set_value("family_name", "Peña")
    dialog.set_value("mrn", "A-100")
    dialog.set_value("birth_date", "2990-01-01")
    dialog.submit()
    wait_idle(qtbot, ws.worker)
    assert dialog.isVisible()
    assert dialog.form.error_for("birth_date")
    assert desk.patients.search("pena") == []
    dialog.set_value("birth_date", "1961-07-04")
    with qtbot.waitSignal(ws.open_chart) as opened:
        dialog.submit()
    assert desk.patients.get(opened.args[0]).family_name == "Peña"


def test_enroll_records_consent_and_status(qtbot: QtBot, ws: Workspace, desk: Desk) -> None:
    pid = add_patient(desk, "José", "Muñoz", "MRN-2")
    page = _page(qtbot, ws)
    with qtbot.waitSignal(page.searched):
        page.search.setText("munoz")
    dialog = page.enroll_selected()
    assert dialog is not None
    dialog.set_value("enrolled_on", "31/12/2020")  # day first: US dates are month first
    dialog.submit()
    wait_idle(qtbot, ws.worker)
    assert "MM/DD/YYYY, month first" in dialog.form.error_for("enrolled_on")
    dialog.set_value("enrolled_on", "")
    with qtbot.waitSignal(dialog.saved):
        dialog.submit()
    patient = desk.patients.get(pid)
    assert patient.status == "enrolled" and patient.consent_program
