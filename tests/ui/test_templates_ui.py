"""The Templates page (copy, edit, versions) and, from the Care plan tab, suggestions and
applying a template: pytest-qt on a real encrypted vault, models checked with qtmodeltester."""

from __future__ import annotations

import json
from typing import Any

from pytestqt.qtbot import QtBot

from careDesk.desk import Desk
from tests.careDesk.care.test_instruments import answers_for
from tests.ui.conftest import add_patient, wait_idle
from ui.chart.plan import PlanTab
from ui.chart.suggestions import ApplyTemplateDialog, SuggestionsDialog
from ui.pages.templates import TemplateEditor, TemplatesPage
from ui.workspace import Workspace


def _page(qtbot: QtBot, ws: Workspace) -> TemplatesPage:
    page = TemplatesPage(ws)
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.shown):
        page.show()
    wait_idle(qtbot, ws.worker)
    return page


def test_templates_page_copy_then_edit_a_new_version(
    qtbot: QtBot, ws: Workspace, desk: Desk, qtmodeltester: Any
) -> None:
    page = _page(qtbot, ws)
    qtmodeltester.check(page.model)
    assert page.model.rowCount() == 13
    page.select("copd")
    wait_idle(qtbot, ws.worker)
    assert page.buttons["copy"].isEnabled() and not page.buttons["edit"].isEnabled()
    assert "GOLD" in page.detail.toPlainText() and "Shipped" in page.versions.text()
    copy = page.copy_selected()
    assert copy is not None
    copy.set_value("new_id", "copd-ours")
    # the page reloads after the change
    with qtbot.waitSignal(page.shown), qtbot.waitSignal(copy.saved):
        copy.submit()
    assert page.model.rowCount() == 14
    page.select("copd-ours")
    wait_idle(qtbot, ws.worker)
    assert page.buttons["edit"].isEnabled()
    editor = page.edit_selected()
    assert isinstance(editor, TemplateEditor)
    editor.text.setPlainText("{ not json")
    editor.submit()
    assert "line 1" in editor.error.text()
    body = json.loads(json.dumps(desk.templates.get("copd-ours").model_dump(mode="json")))
    body["problems"][0]["goals"][0]["weeks"] = 0
    editor.text.setPlainText(json.dumps(body))
    editor.submit()
    wait_idle(qtbot, ws.worker)
    assert "weeks" in editor.error.text() and editor.isVisible()
    body["problems"][0]["goals"][0]["weeks"] = 8
    editor.text.setPlainText(json.dumps(body))
    editor.note.setText("8 weeks suits our patients")
    with qtbot.waitSignal(editor.saved):
        editor.submit()
    assert [v.number for v in desk.templates.versions("copd-ours")] == [2, 1]


def _plan_tab(qtbot: QtBot, ws: Workspace, patient: str) -> PlanTab:
    tab = PlanTab(ws, patient)
    qtbot.addWidget(tab)
    tab.show()
    wait_idle(qtbot, ws.worker)
    return tab


def test_suggestions_from_the_plan_tab_dismiss_and_accept(
    qtbot: QtBot, ws: Workspace, desk: Desk, qtmodeltester: Any
) -> None:
    pid = add_patient(desk, "Ana", "Peña", "T-1")
    desk.screeners.record(pid, "phq9", answers_for("phq9", 13, item9=0))
    tab = _plan_tab(qtbot, ws, pid)
    dialog = tab.open_suggestions()
    assert isinstance(dialog, SuggestionsDialog)
    qtbot.addWidget(dialog)
    wait_idle(qtbot, ws.worker)
    qtmodeltester.check(dialog.model)
    assert dialog.model.rowCount() == 1
    assert "PHQ-9 total 13" in dialog.model.row_at(0).reason
    assert "Behavioral health referral" in dialog.detail.toPlainText()
    assert desk.plans.plan_tree(pid) is None  # shown, not added
    edit = dialog.edit_selected()
    assert edit is not None
    edit.set_value("description", "Counseling at the community clinic")
    with qtbot.waitSignal(dialog.loaded), qtbot.waitSignal(edit.saved):
        edit.submit()
    assert dialog.model.rowCount() == 0
    wait_idle(qtbot, ws.worker)
    items = [item.text(0) for item in tab._all_items()]
    assert any("Counseling at the community clinic" in text for text in items)
    desk.screeners.record(pid, "phq9", answers_for("phq9", 18, item9=0))
    with qtbot.waitSignal(dialog.loaded):
        dialog.load()
    dismiss = dialog.dismiss_selected()
    assert dismiss is not None
    dismiss.set_value("reason", "Started counseling last week")
    with qtbot.waitSignal(dialog.loaded), qtbot.waitSignal(dismiss.saved):
        dismiss.submit()
    assert dialog.model.rowCount() == 0
    assert [d.decision for d in desk.suggestions.decisions(pid)] == ["dismissed", "accepted"]


def test_apply_a_template_with_its_rules_shown(qtbot: QtBot, ws: Workspace, desk: Desk) -> None:
    pid = add_patient(desk, "Rosa", "Díaz", "T-2", language="es")  # born 1950: over 65
    tab = _plan_tab(qtbot, ws, pid)
    dialog = tab.open_templates()
    assert isinstance(dialog, ApplyTemplateDialog)
    qtbot.addWidget(dialog)
    wait_idle(qtbot, ws.worker)
    with qtbot.waitSignal(dialog.previewed):
        dialog.select("hypertension")
    text = dialog.preview_text.toPlainText()
    assert "✔ applies" in text and "STEADI" in text and "Fall risk screen" in text
    with qtbot.waitSignal(dialog.applied):
        dialog.apply_button.click()
    assert "follow-up(s)" in dialog.status.text()
    wait_idle(qtbot, ws.worker)
    items = [item.text(0) for item in tab._all_items()]
    assert any("Mantener mi presión" in text for text in items)
