"""The import dialog on a real vault: Synthea bundles in, a broken file named, nothing half-done."""

from __future__ import annotations

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
