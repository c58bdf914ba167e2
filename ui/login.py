"""First run (create the clinic vault) and sign-in (unlock), both run on the database worker."""

from __future__ import annotations

from PySide6.QtCore import Signal
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
from careDesk.security.passwords import MIN_LENGTH, check_password
from careDesk.store import vault
from careDesk.store.keyslots import KeySlotFile
from ui.forms import FieldForm, error_label
from ui.prefs import Prefs
from ui.worker import DbWorker

PASSWORD_RULES = (
    f"Use at least {MIN_LENGTH} characters. A phrase of a few words you can remember works well. "
    "Do not use your user name, the clinic's name or a common password."
)


def _password_field() -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    return field


class FirstRunDialog(QDialog):
    """Create the clinic vault and its first admin; emits :attr:`created` (desk, recovery key,
    clinic name)."""

    created = Signal(object, str, str)

    def __init__(self, paths: VaultPaths, worker: DbWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.paths = paths
        self.worker = worker
        self.setWindowTitle("Welcome to careDesk: set up your clinic")
        intro = QLabel(
            "careDesk keeps your clinic's records in one encrypted file on this computer. "
            "Create it now with the first administrator account."
        )
        intro.setWordWrap(True)
        self.form = FieldForm()
        self.clinic = self.form.add("clinic.name", "Clinic name", QLineEdit())
        self.display_name = self.form.add("display_name", "Your name", QLineEdit())
        self.login = self.form.add("login", "Admin user name", QLineEdit())
        self.password = self.form.add("password", "Password", _password_field())
        self.repeat = self.form.add("repeat", "Repeat password", _password_field())
        rules = QLabel(PASSWORD_RULES)
        rules.setObjectName("hint")
        rules.setWordWrap(True)
        self.buttons = QDialogButtonBox()
        self.create_button = self.buttons.addButton(
            "Create clinic vault", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.create_button.setDefault(True)
        self.buttons.accepted.connect(self.submit)
        layout = QVBoxLayout(self)
        for widget in (intro, self.form, rules, self.buttons):
            layout.addWidget(widget)

    def submit(self) -> None:
        """Validate what can be checked here, then create the vault on the worker."""
        self.form.clear_errors()
        if not self.clinic.text().strip():
            self.form.show_error(ValidationFailed("clinic.name", "enter the clinic's name"))
            return
        if self.password.text() != self.repeat.text():
            self.form.show_error(ValidationFailed("repeat", "the two passwords differ"))
            return
        paths, login, password = self.paths, self.login.text().strip(), self.password.text()
        name, clinic = self.display_name.text().strip(), self.clinic.text().strip()

        def create() -> tuple[Desk, str, str]:
            check_password(password, login, clinic)  # the clinic's name is known only here
            desk, recovery = vault.create_vault(paths, login, password, display_name=name)
            desk.settings.set("clinic.name", clinic)
            return desk, recovery, clinic

        self.create_button.setEnabled(False)
        self.worker.run(create, self._done, self._failed)

    def _done(self, result: tuple[Desk, str, str]) -> None:
        self.accept()
        self.created.emit(*result)

    def _failed(self, error: CareDeskError) -> None:
        self.create_button.setEnabled(True)
        self.form.show_error(error)


class UnlockDialog(QDialog):
    """Sign in with a password; optionally remember this workstation. Emits :attr:`signed_in`."""

    signed_in = Signal(object)

    def __init__(
        self,
        paths: VaultPaths,
        worker: DbWorker,
        *,
        locked: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.paths = paths
        self.worker = worker
        self.station = Prefs(paths.root)
        self.setWindowTitle("careDesk is locked" if locked else "Sign in to careDesk")
        self.form = FieldForm()
        self.login = self.form.add("login", "User name", QLineEdit(self._last_login()))
        self.password = self.form.add("password", "Password", _password_field())
        self.remember = QCheckBox("Remember me on this workstation")
        self.remember.setAccessibleName("Remember me on this workstation")
        self.forget = QCheckBox("Forget me on this workstation")
        self.forget.setAccessibleName("Forget me on this workstation")
        self.forget.setToolTip(
            "You are remembered here: careDesk opens without your password. Tick this and sign "
            "in with your password to stop that."
        )
        self.keyring_note = QLabel(
            "This computer has no password keyring, so careDesk cannot remember you here: "
            "sign in with your password each time."
        )
        self.keyring_note.setObjectName("hint")
        self.keyring_note.setWordWrap(True)
        self._setup_remember()
        self.message = error_label()
        self.message.setAccessibleName("Sign-in problem")
        self.buttons = QDialogButtonBox()
        self.sign_in = self.buttons.addButton("Sign in", QDialogButtonBox.ButtonRole.AcceptRole)
        self.sign_in.setDefault(True)
        self.buttons.accepted.connect(self.submit)
        self.forgot = QPushButton("Forgot password…")
        self.forgot.setFlat(True)
        self.forgot.clicked.connect(self._recover)
        layout = QVBoxLayout(self)
        for widget in (
            self.form,
            self.remember,
            self.forget,
            self.keyring_note,
            self.message,
            self.buttons,
        ):
            layout.addWidget(widget)
        layout.addWidget(self.forgot)
        self.login.editingFinished.connect(self._show_remembered)
        self._show_remembered()
        (self.password if self.login.text() else self.login).setFocus()

    def _last_login(self) -> str:
        last = self.station.text("last_login")
        if last:
            return last
        try:
            logins = KeySlotFile.load(self.paths.key_slots).logins()
        except CareDeskError:
            return ""
        return logins[0] if len(logins) == 1 else ""

    def _setup_remember(self) -> None:
        available = vault.keyring_available()
        self.remember.setVisible(available)
        # Say once per workstation that there is no keyring, then stay quiet.
        told = self.station.flag("keyring_notice_shown")
        self.keyring_note.setVisible(not available and not told)
        if not available and not told:
            self.station.set("keyring_notice_shown", True)

    def _show_remembered(self) -> None:
        """Offer "Forget me" to a person remembered here, "Remember me" to anyone else."""
        if not vault.keyring_available():
            self.forget.setVisible(False)
            return
        login = self.login.text().strip()
        remembered = bool(login) and vault.remembered_secret(self.paths, login) is not None
        self.forget.setVisible(remembered)
        self.remember.setVisible(not remembered)
        if not remembered:
            self.forget.setChecked(False)

    def submit(self) -> None:
        """Unlock on the worker (Argon2id is deliberately slow); then remember or forget this
        workstation as ticked (forgetting needs the password: it is audited)."""
        self.form.clear_errors()
        self.message.setVisible(False)
        paths, login, password = self.paths, self.login.text().strip(), self.password.text()
        remember = not self.remember.isHidden() and self.remember.isChecked()
        forget = not self.forget.isHidden() and self.forget.isChecked()

        def sign_in() -> Desk:
            desk = vault.unlock(paths, login, password)
            if remember:
                vault.remember_on_workstation(desk)
            elif forget:
                vault.forget_workstation(desk)
            return desk

        self.sign_in.setEnabled(False)
        self.worker.run(sign_in, self._done, self._failed)

    def _done(self, desk: Desk) -> None:
        self.station.set("last_login", desk.user.login)
        self.password.clear()
        self.accept()
        self.signed_in.emit(desk)

    def _failed(self, error: CareDeskError) -> None:
        self.sign_in.setEnabled(True)
        self.password.clear()
        self.password.setFocus()
        self.message.setText(error.message)
        self.message.setVisible(True)

    def _recover(self) -> None:
        from ui.recovery import RecoverDialog

        dialog = RecoverDialog(self.paths, self.worker, self.login.text().strip(), self)
        dialog.signed_in.connect(self._done)
        dialog.open()
