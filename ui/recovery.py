"""The recovery key: shown once at setup with a Print button, and used to reset a password."""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QTextDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from careDesk.desk import Desk
from careDesk.errors import CareDeskError, ValidationFailed
from careDesk.paths import VaultPaths
from careDesk.store import vault
from ui.forms import FieldForm
from ui.worker import DbWorker


def recovery_document(recovery_key: str, clinic: str) -> QTextDocument:
    """The printable sheet (Qt text printing): the key and what it is for."""
    doc = QTextDocument()
    doc.setHtml(
        f"<h1>careDesk recovery key</h1><p>Clinic: {html.escape(clinic)}</p>"
        f"<p style='font-size:20pt; font-family:monospace'>{html.escape(recovery_key)}</p>"
        "<p>This key unlocks the clinic's records if every administrator password is lost. "
        "Keep this sheet locked away, apart from the computer. Anyone holding it can open "
        "the records.</p>"
    )
    return doc


class RecoveryKeyDialog(QDialog):
    """Shows the recovery key once; Continue only after the user says it is stored."""

    def __init__(self, recovery_key: str, clinic: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.recovery_key = recovery_key
        self.clinic = clinic
        self.setWindowTitle("Your recovery key")
        explain = QLabel(
            "This recovery key is shown only once. Print it or write it down and keep it "
            "somewhere safe. With it, an administrator can reset a lost password."
        )
        explain.setWordWrap(True)
        self.key_label = QLabel(recovery_key)
        self.key_label.setObjectName("recoveryKey")
        self.key_label.setAccessibleName("Recovery key")
        self.key_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = QFont("monospace")
        font.setStyleHint(QFont.StyleHint.Monospace)
        font.setPointSizeF(self.font().pointSizeF() * 1.5)
        self.key_label.setFont(font)
        self.print_button = QPushButton("Print…")
        self.print_button.setAccessibleName("Print the recovery key")
        self.print_button.clicked.connect(self.print_dialog)
        self.stored = QCheckBox("I have printed or written down this key")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        self.continue_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.continue_button.setText("Continue")
        self.continue_button.setEnabled(False)
        self.stored.toggled.connect(self.continue_button.setEnabled)
        self.buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        for widget in (explain, self.key_label, self.print_button, self.stored, self.buttons):
            layout.addWidget(widget)

    def print_dialog(self) -> None:
        """Qt's print dialog (which can also print to a PDF file)."""
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.print_to(printer)

    def print_to(self, printer: QPrinter) -> None:
        recovery_document(self.recovery_key, self.clinic).print_(printer)

    def reject(self) -> None:  # Override QDialog::reject: Escape must not skip the key
        if self.stored.isChecked():
            super().reject()


class RecoverDialog(QDialog):
    """Reset a user's password with the recovery key; signs that user in."""

    signed_in = Signal(object)

    def __init__(
        self, paths: VaultPaths, worker: DbWorker, login: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.paths = paths
        self.worker = worker
        self.setWindowTitle("Reset a password with the recovery key")
        self.form = FieldForm()
        self.key = self.form.add("recovery", "Recovery key", QLineEdit())
        self.login = self.form.add("login", "User name", QLineEdit(login))
        self.password = self.form.add("password", "New password", QLineEdit())
        self.repeat = self.form.add("repeat", "Repeat new password", QLineEdit())
        for field in (self.password, self.repeat):
            field.setEchoMode(QLineEdit.EchoMode.Password)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Reset password")
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addWidget(buttons)

    def submit(self) -> None:
        if self.password.text() != self.repeat.text():
            self.form.show_error(ValidationFailed("repeat", "the two passwords differ"))
            return
        paths, key = self.paths, self.key.text().strip()
        login, password = self.login.text().strip(), self.password.text()
        work: Callable[[], Desk] = lambda: vault.recover(paths, key, login, password)  # noqa: E731
        self.ok.setEnabled(False)
        self.worker.run(work, self._done, self._failed)

    def _done(self, desk: Desk) -> None:
        self.accept()
        self.signed_in.emit(desk)

    def _failed(self, error: CareDeskError) -> None:
        self.ok.setEnabled(True)
        self.form.show_error(error)
