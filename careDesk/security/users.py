"""Users and roles: add, list, disable, change passwords, rotate keys.

Admin-only except one's own password. Each user has a key pair in ``vault.keys`` (see
``careDesk.store.keyslots``); the database key is sealed to each active user. Whatever takes
access away — disabling, lowering a role, a new password, "Rotate keys", a new recovery key —
ends with a key rotation (``careDesk.store.rekey``): the database is re-encrypted under a new
key sealed only to those who keep access, so an older copy of ``vault.keys`` opens nothing
live. Giving access (a new user, enabling one) seals the current key to their new key pair.
"""

from __future__ import annotations

import builtins
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlmodel import col, select

from careDesk.errors import (
    CareDeskError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    WrongPassword,
)
from careDesk.model.security import User, user_id
from careDesk.security.passwords import check_password
from careDesk.security.roles import Permission, Role, allows, parse_role
from careDesk.store import keyslots, rekey
from careDesk.store.keyslots import KeySlotFile
from careDesk.store.rekey import Progress, RotationRefused, RotationResult
from careDesk.store.slotcrypto import KeyPair
from careDesk.store.slotmigrate import seal_current

if TYPE_CHECKING:
    from careDesk.desk import Desk, Tx

_LOGIN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
# Lowering a role along this order rotates the database key.
_RANK = {Role.READ_ONLY: 0, Role.CLINICIAN: 1, Role.COORDINATOR: 2, Role.ADMIN: 3}


def validate_login(login: str) -> None:
    """Logins are lower-case letters, digits, dot, dash or underscore (2–64)."""
    if not _LOGIN.match(login):
        raise ValidationFailed(
            "login", "use 2–64 lower-case letters, digits, '.', '-' or '_' (no spaces)"
        )


@dataclass(frozen=True)
class UserInfo:
    id: str
    login: str
    display_name: str
    role: str
    disabled: bool


def _info(user: User) -> UserInfo:
    return UserInfo(user.id, user.login, user.display_name, user.role, user.disabled)


def _parse_role(role: str) -> Role:
    try:
        return parse_role(role)
    except ValueError:
        choices = ", ".join(r.value for r in Role)
        raise ValidationFailed("role", f"choose one of {choices}") from None


class Users:
    """Verbs on the clinic's user accounts."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        #: What the last key rotation did (a verb that rotates sets it; the UI and CLI say it).
        self.last_rotation: RotationResult | None = None

    def list(self) -> list[UserInfo]:
        self.desk.require(Permission.READ)
        with self.desk.reading() as session:
            return [_info(u) for u in session.exec(select(User).order_by(col(User.login)))]

    def assignable(self) -> builtins.list[UserInfo]:
        """Who may be given a follow-up or reminder: enabled accounts whose role may change
        patient records (a read-only user could not complete it), by name (issue 18)."""
        found = [u for u in self.list() if not u.disabled and allows(u.role, Permission.EDIT)]
        return sorted(found, key=lambda u: (u.display_name.casefold(), u.login))

    # ----- giving access ----------------------------------------------------------------------
    def add(self, login: str, password: str, role: str, display_name: str = "") -> UserInfo:
        """Create a user with a role and a key pair under their password."""
        self.desk.require(Permission.ADMIN)
        validate_login(login)
        parsed = _parse_role(role)
        check_password(password, login, self._clinic())
        slots = KeySlotFile.load(self.desk.paths.key_slots)
        pair = KeyPair.generate()
        with self.desk.writing(Permission.ADMIN) as tx:
            if tx.session.exec(select(User).where(User.login == login)).first():
                raise ValidationFailed("login", f"{login} is already taken")
            user = tx.add(
                User(
                    id=user_id(login),
                    login=login,
                    display_name=display_name or login,
                    role=parsed.value,
                ),
                kind="user",
            )
            tx.audit(
                "user.add",
                entity="user",
                entity_id=user.id,
                detail={"login": login, "user_id": user.id, "role": parsed.value, **pair.public()},
            )
            # The file is written inside the transaction: if it fails, the user row rolls back.
            self._give(tx, slots, login, user.id, pair, password)
        return _info(user)

    def enable(self, login: str, new_password: str) -> UserInfo:
        """Enable a disabled account with a new password and a new key pair."""
        self.desk.require(Permission.ADMIN)
        user = self._get(login)
        check_password(new_password, login, self._clinic())
        slots = KeySlotFile.load(self.desk.paths.key_slots)
        pair = KeyPair.generate()
        with self.desk.writing(Permission.ADMIN) as tx:
            user.disabled = False
            tx.touch(user, kind="user")
            detail = {"login": login, **pair.public()}
            tx.audit("user.enable", entity="user", entity_id=user.id, detail=detail)
            self._give(tx, slots, login, user.id, pair, new_password)
        return _info(user)

    def _give(
        self, tx: Tx, slots: KeySlotFile, login: str, uid: str, pair: KeyPair, password: str
    ) -> None:
        entry = keyslots.new_user(self.desk.vault_id, login, uid, pair, password)
        slots.users[login] = entry
        seal_current(self.desk, slots, {entry.label: pair.box_public})
        tx.session.flush()  # the row and the event are valid before the file changes
        slots.save(self.desk.paths.key_slots)

    def _clinic(self) -> str:
        """The clinic's name, a word a password must not lean on."""
        return self.desk.settings.get("clinic.name")

    def _get(self, login: str) -> User:
        with self.desk.reading() as session:
            user = session.exec(select(User).where(User.login == login)).first()
        if user is None:
            raise NotFound("user", login)
        return user

    # ----- taking access away (each ends with a key rotation) ---------------------------------
    def disable(self, login: str, progress: Progress | None = None) -> UserInfo:
        """Disable an account: its key pair leaves ``vault.keys`` and the database gets a new
        key it was never sealed to. Its password (and any copy of ``vault.keys`` or a
        remembered workstation secret) opens nothing live afterwards."""
        self.desk.require(Permission.ADMIN)
        if login == self.desk.user.login:
            raise ValidationFailed("login", "you cannot disable your own account")
        user = self._get(login)
        slots = KeySlotFile.load(self.desk.paths.key_slots)
        with self.desk.writing(Permission.ADMIN) as tx:
            user.disabled = True
            tx.touch(user, kind="user")
            tx.audit("user.disable", entity="user", entity_id=user.id, detail={"login": login})
            slots.users.pop(login, None)
            slots.save(self.desk.paths.key_slots)
        self._rotate(f"{login} is disabled and can no longer sign in", "disable", progress)
        return _info(user)

    def set_role(self, login: str, role: str, progress: Progress | None = None) -> UserInfo:
        """Change a role; lowering one also rotates the database key."""
        self.desk.require(Permission.ADMIN)
        parsed = _parse_role(role)
        user = self._get(login)
        lowered = _RANK[parsed] < _RANK[parse_role(user.role)]
        with self.desk.writing(Permission.ADMIN) as tx:
            user.role = parsed.value
            tx.touch(user, kind="user")
            detail = {"login": login, "role": parsed.value}
            tx.audit("user.role", entity="user", entity_id=user.id, detail=detail)
        if lowered:
            self._rotate(f"{login} is now {parsed.value}", "role lowered", progress)
        return _info(user)

    def change_password(
        self,
        login: str,
        new_password: str,
        old_password: str = "",
        progress: Progress | None = None,
    ) -> None:
        """A new password, with a new key pair and a new database key: the old password opens
        nothing live, even with a copy of ``vault.keys``. Users change their own (with the old
        password); admins may reset anyone's."""
        own = login == self.desk.user.login
        if not own and not self.desk.can(Permission.ADMIN):
            raise PermissionDenied(self.desk.user.role, "change another user's password")
        user = self._get(login)
        check_password(new_password, login, self._clinic())
        slots = KeySlotFile.load(self.desk.paths.key_slots)
        if user.disabled:
            raise ValidationFailed("login", f"{login} is disabled; enable them with a password")
        # (No entry at all: a user a key rotation could not carry over; this gives them one.)
        if own and not self.desk.can(Permission.ADMIN) and not _opens(slots, login, old_password):
            raise WrongPassword(login)
        pair = KeyPair.generate()
        with self.desk.writing(None) as tx:
            tx.audit("user.password", entity="user", entity_id=user.id, detail={"login": login})
            detail = {"login": login, "user_id": user.id, "reason": "password", **pair.public()}
            tx.audit("user.keys", entity="user", entity_id=user.id, detail=detail)
            self._give(tx, slots, login, user.id, pair, new_password)
        if own:
            self.desk.set_keys(pair)
        self._rotate(f"the password of {login} is changed", "password", progress)

    def rotate_keys(self, progress: Progress | None = None) -> RotationResult:
        """A new database key sealed to every active user and the recovery key (admins)."""
        self.desk.require(Permission.ADMIN)
        self.last_rotation = rekey.rotate(self.desk, "rotate", progress=progress)
        return self.last_rotation

    def new_recovery_key(self, progress: Progress | None = None) -> RotationResult:
        """A new recovery key (``result.recovery_key``, shown once) and a new database key:
        the old recovery key opens nothing afterwards, not even with an old ``vault.keys``."""
        self.desk.require(Permission.ADMIN)
        self.last_rotation = rekey.rotate(
            self.desk, "new recovery key", progress=progress, new_recovery=True
        )
        return self.last_rotation

    def _rotate(self, done: str, reason: str, progress: Progress | None) -> None:
        try:
            self.last_rotation = rekey.rotate(self.desk, reason, progress=progress)
        except RotationRefused as exc:
            raise CareDeskError(
                f"{done[0].upper()}{done[1:]}, but {exc.message[0].lower()}{exc.message[1:]}"
            ) from exc


def _opens(slots: KeySlotFile, login: str, password: str) -> bool:
    """Whether ``password`` is ``login``'s current one."""
    entry = slots.users.get(login)
    if entry is None:
        return False
    if entry.legacy is not None:
        return keyslots.open_legacy(slots.vault_id, entry.legacy, password) is not None
    if entry.password is None:
        return False
    return keyslots.open_password(slots.vault_id, entry, password) is not None
