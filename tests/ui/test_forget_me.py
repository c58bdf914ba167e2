""" "Forget me on this workstation": from the workstation settings or at sign-in, the remembered
secret leaves the keyring (the tests' in-memory one) and the vault's key slots, it is audited,
and the next start asks for the password."""

from __future__ import annotations

from collections.abc import Callable

from pytestqt.qtbot import QtBot

from careDesk.paths import VaultPaths
from careDesk.store.vault import create_vault, remembered_secret
from tests.conftest import ADMIN, PASSWORD, MemoryKeyring
from ui.app import App
from ui.login import UnlockDialog


def _sign_in(qtbot: QtBot, app: App, *, remember: bool = False, forget: bool = False) -> None:
    dialog = app.dialog
    assert isinstance(dialog, UnlockDialog)
    dialog.login.setText(ADMIN)
    dialog._show_remembered()  # as when the user name field is left
    if remember:
        dialog.remember.setChecked(True)
    if forget:
        assert not dialog.forget.isHidden()
        dialog.forget.setChecked(True)
    dialog.password.setText(PASSWORD)
    with qtbot.waitSignal(app.ready, timeout=10_000):
        dialog.submit()


def test_forget_me_in_workstation_settings_then_the_next_start_asks_for_the_password(
    qtbot: QtBot,
    make_app: Callable[..., App],
    vault_paths: VaultPaths,
    memory_keyring: MemoryKeyring,
) -> None:
    create_vault(vault_paths, ADMIN, PASSWORD)[0].close()
    first = make_app()
    first.start()
    _sign_in(qtbot, first, remember=True)
    assert memory_keyring.store  # remembered: a secret in the keyring
    assert remembered_secret(vault_paths, ADMIN) is not None
    assert first.window is not None
    settings = first.window.workstation_settings()
    qtbot.waitUntil(settings.forget.isEnabled)  # the lookup ran on the worker
    assert "remembers you" in settings.status.text()
    with qtbot.waitSignal(settings.forgotten):
        settings.forget.click()
    assert memory_keyring.store == {}
    assert remembered_secret(vault_paths, ADMIN) is None
    assert "does not remember you" in settings.status.text()
    assert first.ws is not None
    assert first.ws.desk.audit_events(action="workstation.forget")
    first.shutdown()

    second = make_app()
    second.start()
    assert isinstance(second.dialog, UnlockDialog)  # the password is asked again


def test_forget_me_at_sign_in(
    qtbot: QtBot,
    make_app: Callable[..., App],
    vault_paths: VaultPaths,
    memory_keyring: MemoryKeyring,
) -> None:
    create_vault(vault_paths, ADMIN, PASSWORD)[0].close()
    first = make_app()
    first.start()
    _sign_in(qtbot, first, remember=True)
    with qtbot.waitSignal(first.locked, timeout=5_000):
        first.lock()  # Ctrl+L: the sign-in dialog comes back
    dialog = first.dialog
    assert isinstance(dialog, UnlockDialog)
    assert dialog.remember.isHidden() and not dialog.forget.isHidden()  # remembered here
    _sign_in(qtbot, first, forget=True)
    assert memory_keyring.store == {}
    assert remembered_secret(vault_paths, ADMIN) is None
    first.shutdown()

    second = make_app()
    second.start()
    again = second.dialog
    assert isinstance(again, UnlockDialog)
    assert again.forget.isHidden() and not again.remember.isHidden()
