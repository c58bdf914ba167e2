"""In the app, a full disk or a busy vault is a plain message, never the crash dialog, and what
the person typed stays in the form to save again (issue 18). How the conditions are made real is
explained in ``tests/careDesk/store/test_storage_faults.py``."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from careDesk.desk import Desk
from careDesk.paths import VaultPaths
from careDesk.store import engine as engine_module
from tests.careDesk.store.conditions import full, held, on_every_connection
from tests.careDesk.store.files import add_patients
from tests.ui.conftest import wait_idle
from ui.pages.patients import PatientsPage
from ui.workspace import Workspace


def _crashes(ws: Workspace) -> list[BaseException]:
    """What reaches the crash dialog (it must stay empty)."""
    crashes: list[BaseException] = []
    ws.worker.crashed.connect(crashes.append)
    return crashes


def test_a_save_while_the_vault_is_busy_keeps_the_form_and_says_so(
    qtbot: QtBot,
    ws: Workspace,
    desk: Desk,
    vault_paths: VaultPaths,
    isolated_data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_MS", 50)
    desk.engine.dispose()
    crashes = _crashes(ws)
    page = PatientsPage(ws)
    qtbot.addWidget(page)
    page.show()
    dialog = page.add_patient()
    for field, value in (
        ("given_name", "Ana"),
        ("family_name", "Peña"),
        ("mrn", "B-1"),
        ("birth_date", "1961-07-04"),
    ):
        dialog.set_value(field, value)
    with held(vault_paths, desk.key):
        dialog.submit()
        wait_idle(qtbot, ws.worker)
    assert dialog.isVisible()
    shown = dialog.form.form_error.text()
    assert shown.startswith(f"The vault in {vault_paths.root} stayed busy") and "\n" not in shown
    assert crashes == []
    assert desk.patients.search("pena") == []
    with qtbot.waitSignal(ws.open_chart) as opened:  # the same form, saved once it is free
        dialog.submit()
    assert desk.patients.get(opened.args[0]).family_name == "Peña"


def test_a_full_disk_is_a_message_not_a_crash(
    qtbot: QtBot, ws: Workspace, desk: Desk, vault_paths: VaultPaths, isolated_data_dir: Path
) -> None:
    crashes = _crashes(ws)
    messages: list[str] = []
    ws.worker.failed.connect(messages.append)  # the app shows these with show_message
    with on_every_connection(desk.engine, full):
        ws.run(lambda: add_patients(desk, 400))
        wait_idle(qtbot, ws.worker)
    assert crashes == []
    assert len(messages) == 1
    assert messages[0].startswith(f"The disk holding {vault_paths.root} is full")
    logs = isolated_data_dir / "logs"
    assert not logs.exists() or not list(logs.glob("crash-*"))
    assert desk.patients.search("Alex", limit=500) == []
