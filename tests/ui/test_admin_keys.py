"""Admin page: Rotate keys, New recovery key, and Disable run off the GUI thread and say what
the key rotation did."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from careDesk.desk import Desk
from careDesk.errors import VaultDamaged, WrongPassword
from careDesk.paths import VaultPaths
from careDesk.store import rekey
from careDesk.store.vault import recover, unlock
from tests.ui.conftest import wait_idle
from ui.pages.admin import AdminPage
from ui.worker import _DelayedProgress
from ui.workspace import Workspace

KIM, KIM_PW = "kim", "violet kettle morning 7"


def _page(qtbot: QtBot, ws: Workspace) -> AdminPage:
    page = AdminPage(ws)
    qtbot.addWidget(page)
    page.show()
    wait_idle(qtbot, ws.worker)
    return page


def _settled(qtbot: QtBot, ws: Workspace) -> None:
    """Wait until the delayed progress helper of each op is gone: destroying the worker while
    one is still pending crashes Qt (seen on the code before this change too)."""
    wait_idle(qtbot, ws.worker)
    qtbot.waitUntil(lambda: not ws.worker.findChildren(_DelayedProgress), timeout=5_000)


def _messages(page: AdminPage) -> list[str]:
    return [box.text() for box in page.findChildren(QMessageBox) if box.isVisible()]


@pytest.fixture
def rekey_threads(monkeypatch: pytest.MonkeyPatch) -> list[threading.Thread]:
    """The thread each re-encryption was started from."""
    seen: list[threading.Thread] = []
    real = rekey.rekey_database

    def recording(*args: Any) -> None:
        seen.append(threading.current_thread())
        real(*args)

    monkeypatch.setattr(rekey, "rekey_database", recording)
    return seen


def test_rotate_keys_runs_on_the_worker_and_says_what_it_did(
    qtbot: QtBot, ws: Workspace, desk: Desk, rekey_threads: list[threading.Thread]
) -> None:
    desk.users.add(KIM, KIM_PW, "coordinator")
    page = _page(qtbot, ws)
    page.users.keys.rotate_keys()
    qtbot.waitUntil(lambda: bool(_messages(page)), timeout=20_000)
    assert _messages(page) == [
        "The database key was changed (generation 2); sealed to admin, kim and the recovery key."
    ]
    assert rekey_threads and threading.main_thread() not in rekey_threads
    _settled(qtbot, ws)


def test_disabling_from_the_admin_page_revokes_the_users_key(
    qtbot: QtBot, ws: Workspace, desk: Desk, vault_paths: VaultPaths, tmp_path: Path
) -> None:
    desk.users.add(KIM, KIM_PW, "coordinator")
    kims_copy = vault_paths.key_slots.read_bytes()
    page = _page(qtbot, ws)
    qtbot.waitUntil(lambda: page.users.model.rowCount() == 2)
    page.users.view.selectRow(1)
    page.users.toggle_disabled()
    qtbot.waitUntil(lambda: page.users.model.row_at(1).disabled, timeout=20_000)
    _settled(qtbot, ws)
    attack = VaultPaths(tmp_path / "attack")
    attack.root.mkdir()
    shutil.copy(vault_paths.database, attack.database)
    attack.key_slots.write_bytes(kims_copy)
    with pytest.raises(VaultDamaged, match="it does not decrypt"):
        unlock(attack, KIM, KIM_PW, readonly=True)


def test_a_new_recovery_key_is_shown_once_and_the_old_one_stops(
    qtbot: QtBot,
    ws: Workspace,
    created: tuple[Desk, str],
    vault_paths: VaultPaths,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _desk, old_key = created
    monkeypatch.setattr(QMessageBox, "question", lambda *_a, **_k: QMessageBox.StandardButton.Yes)
    page = _page(qtbot, ws)
    page.users.keys.new_recovery_key()
    qtbot.waitUntil(lambda: page.users.keys.recovery_dialog is not None, timeout=20_000)
    assert page.users.keys.recovery_dialog is not None
    shown = page.users.keys.recovery_dialog.key_label.text()
    assert shown and shown != old_key
    _settled(qtbot, ws)
    ws.close("logout")
    wait_idle(qtbot, ws.worker)
    with pytest.raises(WrongPassword):
        recover(vault_paths, old_key, "admin", "new lantern 12345")
    recover(vault_paths, shown, "admin", "new lantern 12345").close()
