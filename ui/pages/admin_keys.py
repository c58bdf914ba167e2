"""Admin → Users: the actions that rotate the database key, run on the database worker.

Rotate keys, New recovery key…, and the Disable / Set role actions (which rotate when they take
access away) re-encrypt every record under a new key: seconds on a big clinic, so they run on
the worker with a progress dialog, then say what the rotation did and show a new recovery key
once.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QMessageBox, QPushButton, QWidget

from careDesk.errors import CareDeskError
from careDesk.security.users import Users
from careDesk.store.rekey import Progress as RotationProgress
from careDesk.store.rekey import RotationResult
from ui.errors import show_message
from ui.recovery import RecoveryKeyDialog
from ui.worker import Progress
from ui.workspace import Workspace

Work = Callable[[Users, RotationProgress], object]


class KeyActions:
    """The key buttons of a users tab (``tab``), and the road every rotating verb takes."""

    def __init__(self, ws: Workspace, tab: QWidget, *, on_done: Callable[[], None]) -> None:
        self.ws, self.tab, self.on_done = ws, tab, on_done
        self.recovery_dialog: RecoveryKeyDialog | None = None
        self.rotate = QPushButton("Rotate keys")
        self.rotate.setToolTip(
            "Re-encrypt the records under a new key sealed to the active users and the "
            "recovery key; older copies of the key file open nothing any more"
        )
        self.rotate.clicked.connect(self.rotate_keys)
        self.new_recovery = QPushButton("New recovery key…")
        self.new_recovery.clicked.connect(self.new_recovery_key)

    def rotate_keys(self) -> None:
        """A new database key for everyone who keeps access (no one's password needed)."""
        self.run(lambda users, p: users.rotate_keys(progress=p), tell=True)

    def new_recovery_key(self) -> None:
        """A new recovery key, shown once to print; the old one stops working."""
        answer = QMessageBox.question(
            self.tab,
            "New recovery key",
            "The current recovery key will stop working, and a new one is shown once to print. "
            "Continue?",
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.run(lambda users, p: users.new_recovery_key(progress=p), tell=True)

    def run(self, work: Work, *, tell: bool = False) -> None:
        """Run a verb that may rotate the key, on the worker with a progress dialog."""
        users, settings = self.ws.desk.users, self.ws.desk.settings
        progress = Progress("Re-encrypting the records under a new key…")

        def job() -> tuple[RotationResult | None, str]:
            users.last_rotation = None
            work(users, progress.update)
            return users.last_rotation, settings.get("clinic.name")

        self.ws.run(
            job,
            lambda r: self._done(*r, tell=tell),
            self._failed,
            progress=progress,
            parent=self.tab,
        )

    def _done(self, result: RotationResult | None, clinic: str, *, tell: bool) -> None:
        self.on_done()
        if result is None:
            return
        if result.recovery_key:
            self.recovery_dialog = RecoveryKeyDialog(result.recovery_key, clinic, self.tab)
            self.recovery_dialog.open()
        lines = ([result.summary()] if tell else []) + result.notes()
        if lines:
            show_message(self.tab, " ".join(lines))

    def _failed(self, error: CareDeskError) -> None:
        self.on_done()
        show_message(self.tab, error.message)
