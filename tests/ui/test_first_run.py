"""First run, sign-in, wrong password, auto-lock: the way into the app."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter
from pytestqt.qtbot import QtBot

from careDesk.paths import VaultPaths
from careDesk.store.vault import create_vault
from tests.conftest import ADMIN, PASSWORD
from ui.app import App
from ui.login import FirstRunDialog, UnlockDialog
from ui.main_window import MainWindow
from ui.recovery import RecoveryKeyDialog


def _first_run(qtbot: QtBot, app: App) -> MainWindow:
    app.start()
    dialog = app.dialog
    assert isinstance(dialog, FirstRunDialog)
    dialog.clinic.setText("Riverside Family Clinic")
    dialog.display_name.setText("Ana Admin")
    dialog.login.setText("ana")
    dialog.password.setText("blue heron at dawn")
    dialog.repeat.setText("blue heron at dawn")
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: isinstance(app.dialog, RecoveryKeyDialog))
    key_dialog = app.dialog
    assert isinstance(key_dialog, RecoveryKeyDialog)
    assert not key_dialog.continue_button.isEnabled()
    key_dialog.stored.setChecked(True)
    with qtbot.waitSignal(app.ready) as ready:
        qtbot.mouseClick(key_dialog.continue_button, Qt.MouseButton.LeftButton)
    window = ready.args[0]
    assert isinstance(window, MainWindow)
    return window


def test_first_run_creates_vault_and_signs_in(
    qtbot: QtBot, make_app: Callable[..., App], vault_paths: VaultPaths
) -> None:
    window = _first_run(qtbot, make_app())
    assert vault_paths.database.exists()
    assert "Ana Admin" in window.user_label.text()
    assert "admin" in window.pages  # the first user is the clinic admin


def test_first_run_password_rules_shown_beside_field(
    qtbot: QtBot, make_app: Callable[..., App], vault_paths: VaultPaths
) -> None:
    app = make_app()
    app.start()
    dialog = app.dialog
    assert isinstance(dialog, FirstRunDialog)
    dialog.clinic.setText("Clinic")
    dialog.login.setText("ana")
    dialog.password.setText("short")
    dialog.repeat.setText("short")
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.create_button.isEnabled())
    assert "at least 10 characters" in dialog.form.error_for("password")
    assert not vault_paths.database.exists()
    dialog.repeat.setText("something else")
    dialog.submit()
    assert dialog.form.error_for("repeat") == "the two passwords differ"


def test_recovery_key_prints(qtbot: QtBot, tmp_path: object) -> None:
    from pathlib import Path

    out = Path(str(tmp_path)) / "key.pdf"
    dialog = RecoveryKeyDialog("ABCD-EFGH-IJKL", "Clinic")
    qtbot.addWidget(dialog)
    printer = QPrinter()
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(out))
    dialog.print_to(printer)
    assert out.read_bytes().startswith(b"%PDF")
    dialog.reject()  # Escape before confirming keeps the dialog open
    assert not dialog.result()


def _unlock(qtbot: QtBot, app: App, password: str) -> None:
    dialog = app.dialog
    assert isinstance(dialog, UnlockDialog)
    dialog.login.setText(ADMIN)
    dialog.password.setText(password)
    dialog.submit()


def test_wrong_password_then_sign_in(
    qtbot: QtBot, make_app: Callable[..., App], vault_paths: VaultPaths, fast_kdf: None
) -> None:
    create_vault(vault_paths, ADMIN, PASSWORD)[0].close()
    app = make_app()
    app.start()
    dialog = app.dialog
    assert isinstance(dialog, UnlockDialog)
    _unlock(qtbot, app, "not the password")
    qtbot.waitUntil(lambda: not dialog.message.isHidden())
    assert "Wrong user name or password" in dialog.message.text()
    with qtbot.waitSignal(app.ready, timeout=10_000):
        _unlock(qtbot, app, PASSWORD)


def test_auto_lock_closes_desk_and_asks_again(
    qtbot: QtBot, make_app: Callable[..., App], vault_paths: VaultPaths, fast_kdf: None
) -> None:
    create_vault(vault_paths, ADMIN, PASSWORD)[0].close()
    app = make_app(idle_ms=200)
    app.start()
    with qtbot.waitSignal(app.ready, timeout=10_000):
        _unlock(qtbot, app, PASSWORD)
    assert app.ws is not None
    desk = app.ws.desk
    with qtbot.waitSignal(app.locked, timeout=5_000):
        pass  # no input: the idle timer runs out
    assert not desk.is_open  # the key is dropped
    assert app.window is None
    assert isinstance(app.dialog, UnlockDialog)
    assert "locked" in app.dialog.windowTitle()
    with qtbot.waitSignal(app.ready, timeout=10_000):
        _unlock(qtbot, app, PASSWORD)
    events = app.ws.desk.audit_events(action="lock")
    assert len(events) == 1


def test_window_layout_and_page_are_remembered_per_user(
    qtbot: QtBot, make_app: Callable[..., App], vault_paths: VaultPaths, fast_kdf: None
) -> None:
    from ui.prefs import Prefs

    create_vault(vault_paths, ADMIN, PASSWORD)[0].close()
    app = make_app()
    app.start()
    with qtbot.waitSignal(app.ready, timeout=10_000) as ready:
        _unlock(qtbot, app, PASSWORD)
    window = ready.args[0]
    window.show_page("admin")
    width = max(700, window.minimumSizeHint().width())  # fits the offscreen 800×600 screen
    window.resize(width, 500)
    with qtbot.waitSignal(app.locked, timeout=5_000):
        app.lock()  # Ctrl+L: the layout is saved on the way out
    assert Prefs(vault_paths.root, ADMIN).text("window/page") == "admin"
    assert Prefs(vault_paths.root, "someone-else").text("window/page") == ""
    with qtbot.waitSignal(app.ready, timeout=10_000) as again:
        _unlock(qtbot, app, PASSWORD)
    assert again.args[0].current_key() == "admin"
    assert again.args[0].width() == width


def test_remember_on_this_workstation_signs_in_next_time(
    qtbot: QtBot, make_app: Callable[..., App], vault_paths: VaultPaths, fast_kdf: None
) -> None:
    create_vault(vault_paths, ADMIN, PASSWORD)[0].close()
    first = make_app()
    first.start()
    dialog = first.dialog
    assert isinstance(dialog, UnlockDialog)
    assert not dialog.remember.isHidden()  # the test keyring exists
    dialog.remember.setChecked(True)
    with qtbot.waitSignal(first.ready, timeout=10_000):
        _unlock(qtbot, first, PASSWORD)
    first.shutdown()
    second = make_app()
    with qtbot.waitSignal(second.ready, timeout=10_000):
        second.start()  # no password asked
    assert second.dialog is None
