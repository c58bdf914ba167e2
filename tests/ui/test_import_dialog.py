"""The import dialog on a real vault: Synthea bundles in, a broken file named, nothing half-done."""

from __future__ import annotations

import json
from pathlib import Path

from pytestqt.qtbot import QtBot

from tests.fixtures import synthea_files
from tests.ui.conftest import wait_idle
from ui.import_dialog import ImportDialog
from ui.workspace import Workspace


def test_import_reports_each_file_and_rejects_a_broken_one(
    qtbot: QtBot, ws: Workspace, tmp_path: Path
) -> None:
    sample = synthea_files()[0]
    broken = tmp_path / "broken.json"
    broken.write_text('{"resourceType": "Bundle", "type": "collection", "entry": [', "utf-8")
    dialog = ImportDialog(ws)
    qtbot.addWidget(dialog)
    dialog.set_files([sample, broken])
    assert dialog.start.isEnabled()
    with qtbot.waitSignal(ws.changed, timeout=60_000):
        dialog.run_import()
    wait_idle(qtbot, ws.worker)
    qtbot.waitUntil(lambda: len(dialog.reports) == 2, timeout=60_000)
    text = dialog.report.toPlainText()
    assert f"{sample.name}: created" in text
    assert "broken.json: REJECTED, nothing imported" in text
    assert text.endswith("1 file(s) imported, 1 rejected.")
    assert len(ws.desk.patients.search("", limit=10)) == 1
    assert not dialog.bar.isVisible() and not dialog.poll.isActive()  # progress put away


def test_a_phq9_item_9_answer_says_it_raised_a_same_day_call(
    qtbot: QtBot, ws: Workspace, tmp_path: Path
) -> None:
    """PHQ-9 item 9 (44260-8) answered "several days" (LA6569-3) or more needs same-day
    follow-up (Kroenke 2001, J Gen Intern Med 16:606): the import says so, not only a count."""
    patient = {
        "resourceType": "Patient",
        "id": "p1",
        "birthDate": "1950-01-02",
        "name": [{"family": "Okafor", "given": ["Grace"]}],
    }
    item9 = {"resourceType": "Observation", "id": "o1", "status": "final",
             "code": {"coding": [{"system": "http://loinc.org", "code": "44260-8"}]},
             "subject": {"reference": "urn:uuid:p1"}, "effectiveDateTime": "2026-03-02",
             "valueCodeableConcept": {"coding": [{"system": "http://loinc.org",
                                                  "code": "LA6569-3"}]}}  # fmt: skip
    entries = [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in (patient, item9)]
    path = tmp_path / "phq9.json"
    path.write_text(json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries}))
    dialog = ImportDialog(ws)
    qtbot.addWidget(dialog)
    dialog.set_files([path])
    with qtbot.waitSignal(ws.changed, timeout=60_000):
        dialog.run_import()
    wait_idle(qtbot, ws.worker)
    qtbot.waitUntil(lambda: len(dialog.reports) == 1, timeout=60_000)
    text = dialog.report.toPlainText()
    assert "1 alert" in text and "raised a same-day call and an urgent alert" in text
