"""The application controller: first run or sign-in, the main window, auto-lock, sign-out.

Lifecycle: no vault → :class:`FirstRunDialog` → recovery key → (demo patients?) → main window.
A vault → a remembered workstation secret signs in silently on start, else
:class:`UnlockDialog`. Idle for ``lock.idle_minutes`` (or Ctrl+L) → the window closes, the desk
closes (the key is dropped) and the unlock dialog returns.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from importlib import resources
from importlib.resources.abc import Traversable

from PySide6.QtCore import QByteArray, QObject, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from careDesk.desk import Desk
from careDesk.errors import CareDeskError
from careDesk.paths import VaultPaths, private_umask, use_data_dir, vault_paths
from careDesk.schedule.clock import ReminderClock
from careDesk.store import vault
from careDesk.store.restore import RestoreResult, restore_vault
from ui.errors import install_excepthook, show_crash, show_message
from ui.idle import IdleWatcher
from ui.login import FirstRunDialog, UnlockDialog
from ui.main_window import MainWindow
from ui.pages.admin import AdminPage
from ui.prefs import Prefs
from ui.recovery import RecoveryKeyDialog
from ui.restore import RestoreRequest
from ui.tray import ReminderNotifier, start_reminders
from ui.worker import DbWorker
from ui.workspace import Workspace

# What only the desktop reads (style sheet, icon) ships inside the ui package (issue 18).
RESOURCES: Traversable = resources.files("ui").joinpath("resources")
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256)
MINUTE_MS = 60_000


class App(QObject):
    """Owns the worker, the idle watcher, the current workspace and its main window."""

    #: Emitted when a main window is shown for a signed-in user.
    ready = Signal(object)
    #: Emitted after the app locked (the desk is closed and the key dropped).
    locked = Signal()

    def __init__(self, paths: VaultPaths, *, idle_ms: int | None = None) -> None:
        super().__init__()
        self.paths = paths
        self.worker = DbWorker(self)
        self.worker.crashed.connect(lambda exc: show_crash(self.window, exc))
        self.worker.failed.connect(lambda text: show_message(self.window, text))
        self._idle_override = idle_ms
        self.idle = IdleWatcher(0, self)
        self.idle.idle.connect(self.lock)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self.idle)
        self.ws: Workspace | None = None
        self.window: MainWindow | None = None
        self.dialog: QWidget | None = None
        self.clock: ReminderClock | None = None
        self.notifier: ReminderNotifier | None = None

    # ----- start ----------------------------------------------------------------------------
    def start(self) -> None:
        """First run when there is no vault; otherwise sign in."""
        if not self.paths.exists():
            dialog = FirstRunDialog(self.paths, self.worker)
            dialog.created.connect(self._created)
            self._show_dialog(dialog)
            return
        login = Prefs(self.paths.root).text("last_login")
        secret = vault.remembered_secret(self.paths, login) if login else None
        if secret is None:
            self.ask_unlock()
            return
        paths = self.paths
        self.worker.run(
            lambda: vault.unlock(paths, login, remembered_secret=secret),
            self._signed_in,
            lambda _error: self.ask_unlock(),
        )

    def ask_unlock(self, *, locked: bool = False) -> None:
        dialog = UnlockDialog(self.paths, self.worker, locked=locked)
        dialog.signed_in.connect(self._signed_in)
        self._show_dialog(dialog)

    def _show_dialog(self, dialog: QWidget) -> None:
        self.dialog = dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()

    def _created(self, desk: Desk, recovery_key: str, clinic: str) -> None:
        dialog = RecoveryKeyDialog(recovery_key, clinic)
        dialog.accepted.connect(lambda: self._offer_demo(desk))
        self._show_dialog(dialog)

    def _offer_demo(self, desk: Desk) -> None:
        self._signed_in(desk)
        try:
            from ui.demo import offer_demo
        except ImportError:  # no demo data generator in this build
            return
        assert self.ws is not None and self.window is not None
        offer_demo(self.ws, self.window)

    def _signed_in(self, desk: Desk) -> None:
        self.dialog = None
        self.ws = Workspace(desk, self.worker, self)
        Prefs(self.paths.root).set("last_login", desk.user.login)
        self.window = MainWindow(self.ws)
        self.window.lock_requested.connect(self.lock)
        self.window.sign_out_requested.connect(self.sign_out)
        self.window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        admin = self.window.pages.get("admin")
        if isinstance(admin, AdminPage):
            admin.backups.restore_requested.connect(self.restore)
        self.window.show()
        self.ws.warm_up()
        self.clock, self.notifier = start_reminders(self.ws, self.window)
        self._arm_idle(desk)
        self.ready.emit(self.window)

    def _arm_idle(self, desk: Desk) -> None:
        if self._idle_override is not None:
            self.idle.set_interval_ms(self._idle_override)
            return
        settings = desk.settings
        self.worker.run(
            lambda: settings.get_int("lock.idle_minutes"),
            lambda minutes: self.idle.set_interval_ms(int(minutes) * MINUTE_MS),
        )

    # ----- lock and sign out ----------------------------------------------------------------
    def lock(self) -> None:
        """Close the window and the desk (dropping the key); ask for the password again."""
        self._end_session("lock", then=lambda: self.ask_unlock(locked=True))

    def sign_out(self) -> None:
        self._end_session("logout", then=self.ask_unlock)

    def restore(self, request: RestoreRequest) -> None:
        """Sign out, restore the backup over the vault (the core checks who asks and the
        backup first; the current vault is kept aside), then ask to sign in again."""
        paths = self.paths

        def restored() -> None:
            self.worker.run(
                lambda: restore_vault(
                    request.archive,
                    paths,
                    request.who,
                    backup_who=request.backup_who,
                    replace_with_other_vault=request.replace_with_other_vault,
                ),
                self._restored,
                self._restore_failed,
            )

        self._end_session("logout", then=restored)

    def _restored(self, result: RestoreResult) -> None:
        kept = f" The previous records are kept in {result.aside}." if result.aside else ""
        show_message(None, f"The backup was restored.{kept}")
        self.ask_unlock()

    def _restore_failed(self, error: CareDeskError) -> None:
        show_message(None, error.message)
        self.ask_unlock()

    def _end_session(self, reason: str, *, then: Callable[[], None]) -> None:
        self.idle.stop()
        ws, window = self.ws, self.window
        self.ws, self.window = None, None
        self._stop_reminders()
        if window is not None:
            window.save_layout()
            window.hide()
            window.deleteLater()
        if ws is None:
            return

        def closed(_result: object) -> None:
            if reason == "lock":
                self.locked.emit()
            then()

        ws.close(reason, closed)

    def _stop_reminders(self) -> None:
        """Stop the reminder clock on the worker, before the desk closes there."""
        clock, self.clock = self.clock, None
        if clock is not None:
            self.worker.run(clock.stop)

    def shutdown(self) -> None:
        """At exit: sign out (on the worker, so the audit event is written) and stop it."""
        self.idle.stop()
        self._stop_reminders()
        if self.ws is not None:
            desk = self.ws.desk
            self.ws = None
            self.worker.run(lambda: desk.close(reason="logout"))
        self.worker.stop()


def load_style(app: QApplication) -> None:
    """The one style sheet (ui/resources/style.qss)."""
    app.setStyleSheet(RESOURCES.joinpath("style.qss").read_text(encoding="utf-8"))


def app_icon() -> QIcon:
    """The window icon, drawn from the SVG's bytes at the usual sizes (no file path needed)."""
    renderer = QSvgRenderer(QByteArray(RESOURCES.joinpath("icons", "caredesk.svg").read_bytes()))
    icon = QIcon()
    for size in ICON_SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        renderer.render(painter)
        painter.end()
        icon.addPixmap(QPixmap.fromImage(image))
    return icon


def run_gui(data_dir: str | None = None) -> int:
    """Start the desktop app; returns the exit status."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("careDesk")
    app.setOrganizationName("careDesk")
    app.setWindowIcon(app_icon())
    load_style(app)
    install_excepthook()
    try:
        paths = vault_paths(data_dir)
        use_data_dir(data_dir)  # crash reports beside the chosen vault
    except OSError as exc:
        QMessageBox.critical(None, "careDesk", f"The data folder cannot be used: {exc.strerror}")
        return 1
    with private_umask():  # everything the app writes is for this user only (issue 16)
        controller = App(paths)
        app.aboutToQuit.connect(controller.shutdown)
        controller.start()
        return app.exec()
