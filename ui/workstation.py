"""Settings for this workstation: whether careDesk remembers the signed-in person here, and
"Forget me on this workstation", after which the next start asks for the password.

The remembered secret is kept in the operating system's keyring with a key slot in the vault
(``careDesk/store/vault.py``); forgetting removes both and is audited (``workstation.forget``).
Keyring and vault work runs on the database worker like every other call.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPushButton, QVBoxLayout, QWidget

from careDesk.store import vault
from ui.workspace import Workspace

REMEMBERED = (
    "careDesk remembers you on this workstation: it opens without asking for your password. "
    "Forget me if others use this computer, or when you stop working here."
)
NOT_REMEMBERED = "careDesk does not remember you on this workstation: it asks for your password."
NO_KEYRING = (
    "This computer has no password keyring, so careDesk never remembers anyone here: it asks "
    "for the password each time."
)


class WorkstationDialog(QDialog):
    """Shows whether the signed-in person is remembered here; forgets them on request."""

    #: Emitted once the remembered secret is gone (keyring entry and key slot).
    forgotten = Signal()

    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.setWindowTitle("Settings for this workstation")
        self.status = QLabel("Checking…")
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Remembered on this workstation")
        self.forget = QPushButton("Forget me on this workstation")
        self.forget.setEnabled(False)
        self.forget.clicked.connect(self.forget_me)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (self.status, self.forget, buttons):
            layout.addWidget(widget)
        self.check()

    def check(self) -> None:
        """Look up (on the worker) whether a secret is remembered for this person here."""
        paths, login = self.ws.desk.paths, self.ws.desk.user.login
        self.ws.run(lambda: vault.remembered_secret(paths, login) is not None, self._show)

    def _show(self, remembered: bool) -> None:
        if not vault.keyring_available():
            self.status.setText(NO_KEYRING)
        else:
            self.status.setText(REMEMBERED if remembered else NOT_REMEMBERED)
        self.forget.setEnabled(remembered)

    def forget_me(self) -> None:
        """Remove the remembered secret and its key slot; audited by the core."""
        desk = self.ws.desk
        self.forget.setEnabled(False)
        self.ws.run(lambda: vault.forget_workstation(desk), self._forgot, parent=self)

    def _forgot(self, _result: object) -> None:
        self._show(False)
        self.forgotten.emit()
