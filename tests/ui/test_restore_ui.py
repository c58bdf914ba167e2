"""Restore from the Admin page (issue 16): the admin confirms with a password; the core decides.

Before, choosing a file and answering "Yes" replaced the records with no sign-in at all.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox
from pytestqt.qtbot import QtBot
from sqlmodel import select

from careDesk.model.patient import Patient
from careDesk.paths import VaultPaths
from careDesk.store.vault import create_vault, unlock
from tests.careDesk.store.files import add_patients
from tests.conftest import ADMIN, PASSWORD
from ui.app import App
from ui.login import UnlockDialog
from ui.restore import RestoreDialog


def _sign_in(qtbot: QtBot, app: App) -> None:
    dialog = app.dialog
    assert isinstance(dialog, UnlockDialog)
    dialog.login.setText(ADMIN)
    dialog.password.setText(PASSWORD)
    with qtbot.waitSignal(app.ready, timeout=10_000):
        dialog.submit()


def _mrns(paths: VaultPaths) -> list[str]:
    desk = unlock(paths, ADMIN, PASSWORD, readonly=True)
    with desk.reading() as session:
        found = sorted(p.mrn for p in session.exec(select(Patient)))
    desk.close()
    return found


def _messages() -> list[QMessageBox]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox)]


def _ask_restore(app: App, archive: Path, monkeypatch: pytest.MonkeyPatch) -> RestoreDialog:
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(archive), ""))
    assert app.window is not None
    backups = app.window.pages["admin"].backups  # type: ignore[attr-defined]
    backups.pick_restore()
    dialog = backups.restore_dialog
    assert isinstance(dialog, RestoreDialog)
    return dialog


def test_restore_needs_the_admins_password(
    qtbot: QtBot,
    make_app: Callable[..., App],
    vault_paths: VaultPaths,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    desk, _ = create_vault(vault_paths, ADMIN, PASSWORD)
    add_patients(desk, 2, prefix="OLD")
    archive = tmp_path / "clinic.cdbak"
    desk.backups.make(archive)
    add_patients(desk, 1, prefix="NEW")
    desk.close()
    app = make_app()
    app.start()
    _sign_in(qtbot, app)

    dialog = _ask_restore(app, archive, monkeypatch)
    dialog.submit()
    assert dialog.form.error_for("password") == "enter your password or the recovery key"
    dialog.password.setText("not my password at all 4")
    dialog.submit()
    qtbot.waitUntil(lambda: isinstance(app.dialog, UnlockDialog), timeout=20_000)
    qtbot.waitUntil(lambda: bool(_messages()), timeout=10_000)
    assert any("Wrong user name or password" in box.text() for box in _messages())
    for box in _messages():
        box.close()
    assert _mrns(vault_paths) == ["NEW00000", "OLD00000", "OLD00001"]  # nothing replaced

    _sign_in(qtbot, app)
    dialog = _ask_restore(app, archive, monkeypatch)
    dialog.password.setText(PASSWORD)
    dialog.submit()
    qtbot.waitUntil(lambda: any("restored" in b.text() for b in _messages()), timeout=20_000)
    assert isinstance(app.dialog, UnlockDialog)
    for box in _messages():
        box.close()
    assert _mrns(vault_paths) == ["OLD00000", "OLD00001"]
