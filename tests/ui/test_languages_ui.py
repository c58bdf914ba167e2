"""The client offers the core's lists, not its own (issue 18): every patient language the
registry accepts (ISO 639, careDesk/care/forms/languages.json) in a searchable list, and a
handout language for every phrase file."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox
from pytestqt.qtbot import QtBot

from careDesk.desk import Desk
from careDesk.handouts.phrases import available_languages
from careDesk.model.fields import languages
from tests.ui.conftest import add_patient, wait_idle
from ui.chart.handout import HandoutDialog
from ui.dialogs import FormDialog
from ui.pages.patients import PatientsPage
from ui.worker import DbWorker
from ui.workspace import Workspace


def _language_box(dialog: FormDialog) -> QComboBox:
    box = dialog.widgets["language"]
    assert isinstance(box, QComboBox)
    return box


def test_add_patient_offers_every_core_language_and_finds_one_by_typing(
    qtbot: QtBot, ws: Workspace, desk: Desk, worker: DbWorker
) -> None:
    page = PatientsPage(ws)
    qtbot.addWidget(page)
    dialog = page.add_patient()
    box = _language_box(dialog)
    offered = {box.itemData(i) for i in range(box.count())}
    assert offered == set(languages()) and len(offered) > 150
    assert box.isEditable()  # type to search
    box.setEditText("somali")
    for name, value in (
        ("given_name", "Hodan"),
        ("family_name", "Ali"),
        ("mrn", "L-1"),
        ("birth_date", "1960-01-01"),
    ):
        dialog.set_value(name, value)
    with qtbot.waitSignal(dialog.saved) as saved:
        dialog.submit()
    assert desk.patients.get(saved.args[0].id).language == "so"
    wait_idle(qtbot, worker)


def test_an_unknown_typed_language_is_refused_beside_the_field(
    qtbot: QtBot, ws: Workspace, worker: DbWorker
) -> None:
    page = PatientsPage(ws)
    qtbot.addWidget(page)
    dialog = page.add_patient()
    _language_box(dialog).setEditText("Klingonese")
    for name, value in (("given_name", "A"), ("family_name", "B"), ("mrn", "L-2")):
        dialog.set_value(name, value)
    dialog.set_value("birth_date", "1960-01-01")
    dialog.show()
    dialog.submit()
    wait_idle(qtbot, worker)
    assert dialog.isVisible()  # not saved: the reason is beside the language
    assert dialog.form.error_for("language")
    assert "Klingonese" not in dialog.form.error_for("language")  # never repeats the value


def test_handout_languages_come_from_the_phrase_files(
    qtbot: QtBot, ws: Workspace, desk: Desk, worker: DbWorker
) -> None:
    pid = add_patient(desk, "Ana", "Silva", "MRN-1")
    dialog = HandoutDialog(ws, pid)
    qtbot.addWidget(dialog)
    codes = [dialog.language.itemData(i) for i in range(dialog.language.count())]
    assert set(codes) == set(available_languages()) and codes[0] == "en"
    wait_idle(qtbot, worker)
