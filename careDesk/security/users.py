"""Users and roles: add, list, disable, change passwords. Admin-only except one's own password."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlmodel import col, select

from careDesk.errors import NotFound, PermissionDenied, ValidationFailed, WrongPassword
from careDesk.model.security import User, user_id
from careDesk.security.passwords import check_password
from careDesk.security.roles import Permission, Role, parse_role
from careDesk.store import keyslots
from careDesk.store.keyslots import KeySlotFile

if TYPE_CHECKING:
    from careDesk.desk import Desk

_LOGIN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


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


class Users:
    """Verbs on the clinic's user accounts."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def list(self) -> list[UserInfo]:
        self.desk.require(Permission.READ)
        with self.desk.reading() as session:
            return [_info(u) for u in session.exec(select(User).order_by(col(User.login)))]

    def add(self, login: str, password: str, role: str, display_name: str = "") -> UserInfo:
        """Create a user with a role and a key slot for their password."""
        self.desk.require(Permission.ADMIN)
        validate_login(login)
        try:
            parsed = parse_role(role)
        except ValueError:
            choices = ", ".join(r.value for r in Role)
            raise ValidationFailed("role", f"choose one of {choices}") from None
        check_password(password, login, self._clinic())
        slots = KeySlotFile.load(self.desk.paths.key_slots)
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
            tx.audit("user.add", entity="user", entity_id=user.id, detail={"role": parsed.value})
            # The slot is written inside the transaction: if it fails, the user row rolls back.
            slots.put(keyslots.wrap(self.desk.vault_id, "password", login, password, self.desk.key))
            slots.save(self.desk.paths.key_slots)
        return _info(user)

    def _clinic(self) -> str:
        """The clinic's name, a word a password must not lean on."""
        return self.desk.settings.get("clinic.name")

    def _get(self, session_user: str) -> User:
        with self.desk.reading() as session:
            user = session.exec(select(User).where(User.login == session_user)).first()
        if user is None:
            raise NotFound("user", session_user)
        return user

    def disable(self, login: str) -> UserInfo:
        """Disable an account and revoke its key slots: the password no longer unlocks the
        vault at all (not only refused by the app), nor does a remembered workstation secret."""
        self.desk.require(Permission.ADMIN)
        if login == self.desk.user.login:
            raise ValidationFailed("login", "you cannot disable your own account")
        user = self._get(login)
        slots = KeySlotFile.load(self.desk.paths.key_slots)
        with self.desk.writing(Permission.ADMIN) as tx:
            user.disabled = True
            tx.touch(user, kind="user")
            tx.audit("user.disable", entity="user", entity_id=user.id)
            slots.remove("password", login)
            slots.remove("remember", login)
            slots.save(self.desk.paths.key_slots)
        return _info(user)

    def enable(self, login: str, new_password: str) -> UserInfo:
        """Enable a disabled account with a new password (its old slot was revoked)."""
        self.desk.require(Permission.ADMIN)
        user = self._get(login)
        check_password(new_password, login, self._clinic())
        slots = KeySlotFile.load(self.desk.paths.key_slots)
        with self.desk.writing(Permission.ADMIN) as tx:
            user.disabled = False
            tx.touch(user, kind="user")
            tx.audit("user.enable", entity="user", entity_id=user.id)
            slots.put(
                keyslots.wrap(self.desk.vault_id, "password", login, new_password, self.desk.key)
            )
            slots.save(self.desk.paths.key_slots)
        return _info(user)

    def set_role(self, login: str, role: str) -> UserInfo:
        self.desk.require(Permission.ADMIN)
        parsed = parse_role(role)
        user = self._get(login)
        with self.desk.writing(Permission.ADMIN) as tx:
            user.role = parsed.value
            tx.touch(user, kind="user")
            tx.audit("user.role", entity="user", entity_id=user.id, detail={"role": parsed.value})
        return _info(user)

    def change_password(self, login: str, new_password: str, old_password: str = "") -> None:
        """Rewrite only ``login``'s key slot. Users change their own (with the old password);
        admins may reset anyone's."""
        own = login == self.desk.user.login
        if not own and not self.desk.can(Permission.ADMIN):
            raise PermissionDenied(self.desk.user.role, "change another user's password")
        user = self._get(login)
        check_password(new_password, login, self._clinic())
        slots = KeySlotFile.load(self.desk.paths.key_slots)
        if own and not self.desk.can(Permission.ADMIN):
            slot = slots.find("password", login)
            if slot is None or keyslots.unwrap(self.desk.vault_id, slot, old_password) is None:
                raise WrongPassword(login)
        with self.desk.writing(None) as tx:
            tx.audit("user.password", entity="user", entity_id=user.id, detail={"login": login})
            slots.put(
                keyslots.wrap(self.desk.vault_id, "password", login, new_password, self.desk.key)
            )
            slots.save(self.desk.paths.key_slots)
