"""Admin: users and roles, backups (make, restore, last result), the audit log, settings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from careDesk.changes import Kind, kinds
from careDesk.errors import CareDeskError, ValidationFailed
from careDesk.security.roles import Role
from careDesk.security.users import UserInfo
from ui.errors import show_message
from ui.forms import FieldForm
from ui.pages.admin_keys import KeyActions
from ui.pages.base import Page
from ui.restore import RestoreDialog
from ui.tables import Column, RowModel
from ui.views import table_view
from ui.workspace import Workspace


def _when(value: Any) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M") if value is not None else ""


class AddUserDialog(QDialog):
    """Add a user with a role and a first password."""

    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.setWindowTitle("Add a user")
        self.form = FieldForm()
        self.login = self.form.add("login", "User name", QLineEdit())
        self.display = self.form.add("display_name", "Full name", QLineEdit())
        self.role = self.form.add("role", "Role", QComboBox())
        self.role.addItems([r.value for r in Role])
        self.role.setCurrentText(Role.COORDINATOR.value)
        self.password = self.form.add("password", "First password", QLineEdit())
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addWidget(buttons)

    def submit(self) -> None:
        users = self.ws.desk.users
        args = (self.login.text().strip(), self.password.text(), self.role.currentText())
        name = self.display.text().strip()
        self.ws.run(
            lambda: users.add(*args, display_name=name),
            lambda _u: self.accept(),
            self.form.show_error,
            parent=self,
        )


class UsersTab(QWidget):
    """Users and their roles; add, change role, disable or enable."""

    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.model = RowModel(
            [
                Column("User name", lambda u: u.login),
                Column("Name", lambda u: u.display_name),
                Column("Role", lambda u: u.role),
                Column("Status", lambda u: "disabled" if u.disabled else "active"),
            ],
            self,
        )
        self.view = table_view(self.model, "Users")
        add = QPushButton("Add user…")
        add.clicked.connect(self.add_user)
        self.role = QComboBox()
        self.role.setAccessibleName("New role")
        self.role.addItems([r.value for r in Role])
        set_role = QPushButton("Set role")
        set_role.clicked.connect(self.set_role)
        self.toggle = QPushButton("Disable / enable")
        self.toggle.clicked.connect(self.toggle_disabled)
        # Taking access away re-encrypts the records under a new key (seconds on a big clinic).
        self.keys = KeyActions(ws, self, on_done=self.load)
        bar = QHBoxLayout()
        for widget in (add, self.role, set_role, self.toggle):
            bar.addWidget(widget)
        bar.addStretch()
        keys = QHBoxLayout()  # a row of its own: the page keeps fitting a small screen
        for widget in (self.keys.rotate, self.keys.new_recovery):
            keys.addWidget(widget)
        keys.addStretch()
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addLayout(keys)
        layout.addWidget(self.view)

    def load(self) -> None:
        self.ws.run(self.ws.desk.users.list, self.model.set_rows)

    def selected(self) -> UserInfo | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def add_user(self) -> AddUserDialog:
        dialog = AddUserDialog(self.ws, self)
        dialog.accepted.connect(self.load)
        dialog.open()
        return dialog

    def set_role(self) -> None:
        """Change the selected user's role (lowering one rotates the key)."""
        user = self.selected()
        if user is not None:
            role = self.role.currentText()
            self.keys.run(lambda users, p: users.set_role(user.login, role, progress=p))

    def toggle_disabled(self, new_password: str | None = None) -> None:
        """Disable the selected user (their password stops unlocking the vault), or enable
        them again with a new password the admin sets."""
        user = self.selected()
        if user is None:
            return
        users = self.ws.desk.users
        if not user.disabled:
            self.keys.run(lambda users, p: users.disable(user.login, progress=p))
            return
        if new_password is None:
            text, ok = QInputDialog.getText(
                self, "Enable user", f"New password for {user.login}:", QLineEdit.EchoMode.Password
            )
            if not ok:
                return
            new_password = text
        chosen = new_password
        self.ws.run(lambda: users.enable(user.login, chosen), lambda _u: self.load())


class BackupsTab(QWidget):
    """Make a backup now, restore one, and see the last result."""

    restore_requested = Signal(object)  # ui.restore.RestoreRequest

    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.last = QLabel()
        self.last.setAccessibleName("Last backup")
        self.folder = QLabel()
        self.make_button = QPushButton("Back up now")
        self.make_button.clicked.connect(self.make_backup)
        restore = QPushButton("Restore a backup…")
        restore.clicked.connect(self.pick_restore)
        layout = QVBoxLayout(self)
        for widget in (self.last, self.folder, self.make_button, restore):
            layout.addWidget(widget)
        layout.addStretch()

    def load(self) -> None:
        backups = self.ws.desk.backups
        self.ws.run(lambda: (backups.last_result(), backups.folder()), self._show)

    def _show(self, result: tuple[tuple[str, Any] | None, Path]) -> None:
        last, folder = result
        if last is None:
            self.last.setText("No backup has been made yet.")
        else:
            outcome = "succeeded" if last[0] == "backup.make" else "FAILED"
            self.last.setText(f"Last backup {outcome} on {_when(last[1])}.")
        self.folder.setText(f"Backups are written to {folder}.")

    def make_backup(self, target: Path | None = None) -> None:
        """Write a verified backup (to ``target`` or the backup folder)."""
        backups = self.ws.desk.backups
        self.make_button.setEnabled(False)
        self.ws.run(lambda: backups.make(target), self._made, self._make_failed, parent=self)

    def _made(self, _info: Any) -> None:
        self.make_button.setEnabled(True)
        self.load()

    def _make_failed(self, error: CareDeskError) -> None:
        self.make_button.setEnabled(True)
        show_message(self, error.message)
        self.load()

    def pick_restore(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "Restore a backup", str(self.ws.desk.paths.backups), "careDesk backups (*.cdbak)"
        )
        if not name:
            return
        self.restore_dialog = RestoreDialog(Path(name), self.ws.desk.user.login, self)
        self.restore_dialog.requested.connect(self.restore_requested.emit)
        self.restore_dialog.open()


class AuditTab(QWidget):
    """The audit log with filters (user, action, patient id)."""

    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.user = QLineEdit()
        self.user.setPlaceholderText("user name")
        self.user.setAccessibleName("Filter by user")
        self.action = QLineEdit()
        self.action.setPlaceholderText("action, e.g. chart.open")
        self.action.setAccessibleName("Filter by action")
        self.patient = QLineEdit()
        self.patient.setPlaceholderText("patient id")
        self.patient.setAccessibleName("Filter by patient id")
        apply = QPushButton("Filter")
        apply.setDefault(True)
        apply.clicked.connect(self.load)
        for field in (self.user, self.action, self.patient):
            field.returnPressed.connect(self.load)
        self.model = RowModel(
            [
                Column("#", lambda e: e.seq),
                Column("When", lambda e: _when(e.at)),
                Column("User", lambda e: e.user_login),
                Column("Action", lambda e: e.action),
                Column("Record", lambda e: f"{e.entity} {e.entity_id}".strip()),
                Column("Patient", lambda e: e.patient_id or ""),
                Column("Detail", lambda e: _detail(e.detail)),
            ],
            self,
        )
        self.view = table_view(self.model, "Audit log")
        bar = QHBoxLayout()
        for widget in (self.user, self.action, self.patient, apply):
            bar.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.view)

    def load(self) -> None:
        desk = self.ws.desk
        user = self.user.text().strip() or None
        action = self.action.text().strip() or None
        patient = self.patient.text().strip() or None

        def events() -> list[Any]:
            if patient is not None:
                return [
                    e
                    for e in desk.audit_events(patient_id=patient, action=action, limit=500)
                    if user is None or e.user_login == user
                ]
            return desk.audit_events(user_login=user, action=action, limit=500)

        self.ws.run(events, self.model.set_rows)


def _detail(raw: str) -> str:
    try:
        data = json.loads(raw)
    except ValueError:
        return raw
    return ", ".join(f"{k}: {v}" for k, v in data.items()) if isinstance(data, dict) else raw


class SettingsTab(QWidget):
    """The clinic settings the desktop needs most: name, phone, auto-lock minutes."""

    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.form = FieldForm()
        self.clinic = self.form.add("clinic.name", "Clinic name", QLineEdit())
        self.phone = self.form.add("clinic.phone", "Clinic phone", QLineEdit())
        self.idle = self.form.add("lock.idle_minutes", "Lock after idle minutes", QSpinBox())
        self.idle.setRange(1, 240)
        save = QPushButton("Save settings")
        save.clicked.connect(self.save)
        self.saved = QLabel()
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addWidget(save)
        layout.addWidget(self.saved)
        layout.addStretch()

    def load(self) -> None:
        settings = self.ws.desk.settings
        self.ws.run(settings.all, self._show)

    def _show(self, values: dict[str, str]) -> None:
        self.clinic.setText(values["clinic.name"])
        self.phone.setText(values["clinic.phone"])
        self.idle.setValue(int(values["lock.idle_minutes"] or 10))

    def save(self) -> None:
        settings = self.ws.desk.settings
        values = {
            "clinic.name": self.clinic.text(),
            "clinic.phone": self.phone.text(),
            "lock.idle_minutes": str(self.idle.value()),
        }

        def write() -> None:
            for key, value in values.items():
                if settings.get(key) != value.strip():
                    settings.set(key, value)

        self.form.clear_errors()
        self.ws.run(write, lambda _r: self.saved.setText("Saved."), self._failed)

    def _failed(self, error: CareDeskError) -> None:
        self.saved.clear()
        if isinstance(error, ValidationFailed):
            self.form.show_error(error)
        else:
            show_message(self, error.message)


class AdminPage(Page):
    """Users, backups, audit log and settings, for admins."""

    watches = kinds(Kind.USER_ACCOUNT, Kind.SETTING)

    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(ws, parent)
        self.users = UsersTab(ws)
        self.backups = BackupsTab(ws)
        self.audit = AuditTab(ws)
        self.settings = SettingsTab(ws)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Admin sections")
        self.tabs.addTab(self.users, "Users and roles")
        self.tabs.addTab(self.backups, "Backups")
        self.tabs.addTab(self.audit, "Audit log")
        self.tabs.addTab(self.settings, "Settings")
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)

    def load(self) -> None:
        for tab in (self.users, self.backups, self.audit, self.settings):
            tab.load()
