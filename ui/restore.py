"""Restoring a backup from the Admin page: the admin confirms with their password first.

The core decides (``careDesk.store.restore``): only an admin of the vault being replaced (or
the recovery key), a backup that passes its seal and integrity checks, and a backup of a
different vault only when asked for. This dialog gathers the sign-in for it; nothing moves
until the core's checks pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from careDesk.errors import ValidationFailed
from careDesk.store.restore import Credentials
from ui.forms import FieldForm


@dataclass(frozen=True)
class RestoreRequest:
    """What the admin asked for: the file, their sign-in, and the backup's own if given."""

    archive: Path
    who: Credentials
    backup_who: Credentials | None
    replace_with_other_vault: bool


def _secret_field() -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    return field


class RestoreDialog(QDialog):
    """Confirm a restore with the signed-in admin's password (or the recovery key)."""

    requested = Signal(object)  # RestoreRequest

    def __init__(self, archive: Path, login: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.archive = archive
        self.login = login
        self.setWindowTitle("Restore a backup")
        intro = QLabel(
            f"Restore {archive.name}? Everyone is signed out and the records are replaced by "
            "the backup's. The current records are kept aside in the data folder. "
            "Confirm with your password (or the recovery key)."
        )
        intro.setWordWrap(True)
        self.form = FieldForm()
        self.password, self.recovery = _secret_field(), QLineEdit()
        self.form.add("password", "Your password", self.password)
        self.form.add("recovery", "or the recovery key", self.recovery)
        self.other = QCheckBox("The backup is of a different clinic vault: replace it anyway")
        self.backup_box = QGroupBox("If the backup does not open with your password")
        self.backup_form = FieldForm()
        self.backup_login, self.backup_password = QLineEdit(), _secret_field()
        self.backup_form.add("backup_login", "Backup's admin", self.backup_login)
        self.backup_form.add("backup_password", "Their password then", self.backup_password)
        QVBoxLayout(self.backup_box).addWidget(self.backup_form)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Restore")
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (intro, self.form, self.other, self.backup_box, buttons):
            layout.addWidget(widget)

    def request(self) -> RestoreRequest:
        """The request as typed (raises :class:`ValidationFailed` when no sign-in is given)."""
        password, key = self.password.text(), self.recovery.text().strip()
        if not password and not key:
            raise ValidationFailed("password", "enter your password or the recovery key")
        who = Credentials(self.login, password) if password else Credentials(recovery_key=key)
        backup_login = self.backup_login.text().strip()
        backup_who = (
            Credentials(backup_login, self.backup_password.text()) if backup_login else None
        )
        return RestoreRequest(self.archive, who, backup_who, self.other.isChecked())

    def submit(self) -> None:
        self.form.clear_errors()
        try:
            request = self.request()
        except ValidationFailed as error:
            self.form.show_error(error)
            return
        self.accept()
        self.requested.emit(request)
