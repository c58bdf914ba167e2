"""The clinic server settings on the Sync page: where the server is and which login syncs use.

The workstation's settings (host, port, database, certificate authority, login) are for admins;
others read them. A sync uses the signed-in person's own server login when they have one (issue
10), else the workstation's.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlsplit

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from careDesk.errors import CareDeskError, ValidationFailed
from careDesk.security.roles import Permission
from careDesk.sync.reports import ServerSettings
from ui.forms import FieldForm
from ui.workspace import Workspace

DEFAULT_PORT = 5432
DEFAULT_DATABASE = "caredesk"
PATH_SAFE = "/:\\"
HOST = re.compile(r"[A-Za-z0-9.\-_]+|\[[0-9A-Fa-f:.]+\]")


def server_url(host: str, port: int, database: str, ca_file: str) -> str:
    """``postgresql://host:port/database?sslrootcert=CA`` (TLS is always verify-full)."""
    url = f"postgresql://{host.strip()}:{port}/{database.strip()}"
    ca = quote(ca_file.strip(), safe=PATH_SAFE)  # spaces, & and # would break the URL
    return f"{url}?sslrootcert={ca}" if ca else url


def server_fields(url: str) -> tuple[str, int, str, str]:
    """(host, port, database, CA file) of a ``sync.url`` ("" parts when not set)."""
    if not url:
        return "", DEFAULT_PORT, DEFAULT_DATABASE, ""
    parts = urlsplit(url)
    try:
        port = parts.port or DEFAULT_PORT
    except ValueError:
        port = DEFAULT_PORT
    ca = dict(parse_qsl(parts.query)).get("sslrootcert", "")
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host  # an IPv6 address keeps its brackets
    return host, port, parts.path.lstrip("/") or DEFAULT_DATABASE, ca


def login_text(settings: ServerSettings) -> str:
    """Which server login a sync by the signed-in person uses, in words."""
    if settings.my_user:
        return f"Syncs as {settings.my_user} (your own login)."
    if settings.user:
        return f"Syncs as {settings.user} (this workstation's login)."
    return "No server login is set yet."


def login_error(error: CareDeskError) -> CareDeskError:
    """A refused login ("sync.user: reason") shown beside the login field; others on the form."""
    field, _, reason = error.message.partition(": ")
    return ValidationFailed(field, reason) if field == "sync.user" and reason else error


def _kept(has_password: bool) -> str:
    return "(set; leave empty to keep it)" if has_password else "(not set)"


class ServerBox(QGroupBox):
    """The clinic server: host, port, database, CA file, login. Admins save and test it; below
    it, everyone's own login (:class:`OwnLoginBox`)."""

    saved = Signal()

    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__("Clinic server", parent)
        self.ws = ws
        self.editable = ws.can(Permission.ADMIN)
        self.form = FieldForm()
        self.host, self.database, self.ca_file = QLineEdit(), QLineEdit(), QLineEdit()
        self.user, self.password, self.port = QLineEdit(), QLineEdit(), QSpinBox()
        self.port.setRange(1, 65535)
        self.form.add("host", "Server name or address", self.host)
        self.form.add("port", "Port", self.port)
        self.form.add("database", "Database", self.database)
        self.ca_file.setAccessibleName("Certificate authority file")
        self.choose = QPushButton("Choose…")
        self.choose.setToolTip("The clinic's certificate authority file (ca.crt)")
        self.choose.clicked.connect(self._choose_ca)
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(self.ca_file)
        line.addWidget(self.choose)
        self.form.add("ca_file", "Certificate authority file", row)
        self.form.add("sync.user", "Sync login", self.user)
        self.form.add("sync.password", "Password", self.password)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.save_button = QPushButton("Save")
        self.save_button.clicked.connect(self.save)
        self.test_button = QPushButton("Test connection")
        self.test_button.setToolTip("Connect once with the saved settings (no data moves)")
        self.test_button.clicked.connect(self.test_connection)
        self.outcome = QLabel()
        self.outcome.setAccessibleName("Server settings result")
        self.outcome.setWordWrap(True)
        bar = QHBoxLayout()
        bar.addWidget(self.save_button)
        bar.addWidget(self.test_button)
        bar.addStretch()
        self.mine = OwnLoginBox(ws)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addLayout(bar)
        layout.addWidget(self.outcome)
        layout.addWidget(self.mine)
        self._lock_for_others()

    def _lock_for_others(self) -> None:
        """Non-admins read the settings; the core refuses their changes anyway."""
        if self.editable:
            return
        for field in (self.host, self.database, self.ca_file, self.user, self.password):
            field.setReadOnly(True)
        self.port.setReadOnly(True)
        for button in (self.choose, self.save_button, self.test_button):
            button.setVisible(False)
        self.outcome.setText(
            "Only a clinic admin can change the clinic server; your own login is yours to set."
        )

    def load(self) -> None:
        self.ws.run(self.ws.desk.sync.server, self.show_settings)

    def show_settings(self, settings: ServerSettings) -> None:
        host, port, database, ca = server_fields(settings.url)
        self.host.setText(host)
        self.port.setValue(port)
        self.database.setText(database)
        self.ca_file.setText(ca)
        self.user.setText(settings.user)
        self.password.clear()
        self.password.setPlaceholderText(_kept(settings.has_password) if self.editable else "")
        self.mine.show_settings(settings)

    def _choose_ca(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "Certificate authority file", self.ca_file.text(), "Certificates (*.crt *.pem)"
        )
        if name:
            self.ca_file.setText(name)

    def save(self) -> None:
        """Build ``sync.url`` from the fields and store it (the core checks it first)."""
        self.form.clear_errors()
        self.outcome.clear()
        host, ca = self.host.text().strip(), self.ca_file.text().strip()
        if host and not HOST.fullmatch(host):
            self.form.show_error(ValidationFailed("host", "not a server name or address"))
            return
        if ca and not Path(ca).is_file():
            self.form.show_error(ValidationFailed("ca_file", "no file at this path"))
            return
        url = server_url(host, self.port.value(), self.database.text(), ca)
        user, password = self.user.text(), self.password.text() or None
        sync = self.ws.desk.sync
        self.ws.run(lambda: sync.configure(url, user, password), self._saved, self._failed)

    def _saved(self, _result: object) -> None:
        self.load()  # the stored values, and whether a password is now set
        self.outcome.setText("Saved.")
        self.saved.emit()

    def _failed(self, error: CareDeskError) -> None:
        self.form.show_error(login_error(error))  # a bad URL names sync.url: on the form line

    def test_connection(self) -> None:
        """Connect with the saved settings on the worker; show the server version or why not."""
        self.outcome.setText("Connecting…")
        self.test_button.setEnabled(False)
        self.ws.run(self.ws.desk.sync.check_connection, self._reached, self._unreached)

    def _reached(self, version: str) -> None:
        self.test_button.setEnabled(True)
        self.outcome.setText(f"Connected to the saved server (PostgreSQL {version}).")

    def _unreached(self, error: CareDeskError) -> None:
        self.test_button.setEnabled(True)
        self.outcome.setText(error.message)


class OwnLoginBox(QGroupBox):
    """The signed-in person's own login on the server, used for their syncs instead of the
    workstation's (every role may set their own; issue 10)."""

    saved = Signal()

    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__("Your own login on the server", parent)
        self.ws = ws
        self.shown = ServerSettings("", "", False)
        self.form = FieldForm()
        self.user, self.password = QLineEdit(), QLineEdit()
        self.form.add("sync.user", "Your login", self.user)
        self.form.add("sync.password", "Your password", self.password)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.save_button = QPushButton("Save mine")
        self.save_button.clicked.connect(self.save)
        self.forget_button = QPushButton("Use the workstation login")
        self.forget_button.setToolTip("Forget your own login; your syncs use this workstation's")
        self.forget_button.clicked.connect(self.use_workstation_login)
        self.syncs_as = QLabel()
        self.syncs_as.setAccessibleName("Login used for syncs")
        self.outcome = QLabel()
        self.outcome.setAccessibleName("Your login result")
        self.outcome.setWordWrap(True)
        bar = QHBoxLayout()
        bar.addWidget(self.save_button)
        bar.addWidget(self.forget_button)
        bar.addStretch()
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addLayout(bar)
        layout.addWidget(self.syncs_as)
        layout.addWidget(self.outcome)

    def load(self) -> None:
        self.ws.run(self.ws.desk.sync.server, self.show_settings)

    def show_settings(self, settings: ServerSettings) -> None:
        self.shown = settings
        self.user.setText(settings.my_user)
        self.password.clear()
        self.password.setPlaceholderText(_kept(settings.my_password))
        self.forget_button.setEnabled(bool(settings.my_user))
        self.syncs_as.setText(login_text(settings))

    def save(self) -> None:
        """Store the login and password as this person's own (the core checks the name)."""
        self.form.clear_errors()
        self.outcome.clear()
        user, password = self.user.text().strip(), self.password.text() or None
        if not user:
            self.form.show_error(ValidationFailed("sync.user", "enter your login on the server"))
            return
        # A kept password belongs to the login it was saved with.
        if password is None and (user != self.shown.my_user or not self.shown.my_password):
            self.form.show_error(ValidationFailed("sync.password", "enter this login's password"))
            return
        self._store(user, password, "Saved: your syncs use your own login.")

    def use_workstation_login(self) -> None:
        """Forget this person's own login; their syncs use the workstation's again."""
        self._store("", None, "Your syncs use this workstation's login again.")

    def _store(self, user: str, password: str | None, done: str) -> None:
        self.form.clear_errors()
        self.outcome.clear()
        desk = self.ws.desk  # the signed-in person is read on the worker, with the desk

        def saved(_result: object) -> None:
            self.load()
            self.outcome.setText(done)
            self.saved.emit()

        self.ws.run(
            lambda: desk.sync.set_login(desk.user.login, user, password), saved, self._failed
        )

    def _failed(self, error: CareDeskError) -> None:
        self.form.show_error(login_error(error))
