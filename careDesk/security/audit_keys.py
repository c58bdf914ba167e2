"""Whose key is whose, read from the signed audit trail itself.

The trail introduces every public key in a signed event: the vault's first admin and the
recovery key in ``vault.create`` (or, for a vault from before signatures, everyone in one
``audit.keys`` event by the first person to sign in after the upgrade); later users in
``user.add`` / ``user.enable`` signed by an admin; a user's new keys (new password, recovery) in
``user.keys`` signed by an admin, the recovery key or that user's own current key; a new recovery
key in ``recovery.new`` signed by an admin. Replaying those events in order gives, at every
point of the trail, which key may sign for which login and who is an active admin. Nothing here
trusts ``vault.keys`` or the user table: both can be edited by anyone holding the database key.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from careDesk.model.security import AuditEvent
from careDesk.security.signing import event_hash, event_signature_ok
from careDesk.store.slotcrypto import key_id, unb64

RECOVERY = "recovery"
BOOTSTRAP = frozenset({"vault.create", "audit.keys"})
KEY_ACTIONS = BOOTSTRAP | {
    "user.add",
    "user.role",
    "user.disable",
    "user.enable",
    "user.keys",
    "recovery.new",
}
ADMIN_ONLY = frozenset({"user.add", "user.role", "user.disable", "user.enable"})


@dataclass
class Member:
    """One login as the signed trail knows it."""

    login: str
    user_id: str
    role: str
    disabled: bool = False
    box: str | None = None  # None: from before signatures, not signed in since
    sign: str | None = None


@dataclass
class Registry:
    """The key state at one point of the trail (``apply`` each event in order)."""

    vault_id: str
    members: dict[str, Member] = field(default_factory=dict)
    recovery: dict[str, str] | None = None
    keys: dict[str, tuple[str, str]] = field(default_factory=dict)  # key id → (owner, public)
    started: bool = False

    # ----- signers --------------------------------------------------------------------------
    def _learn(self, owner: str, sign: str) -> None:
        self.keys[key_id(unb64(sign, "key", 32))] = (owner, sign)

    def current_sign_key(self, login: str) -> str | None:
        """The key that may sign for ``login`` now (``recovery`` for the recovery key)."""
        if login == RECOVERY:
            return self.recovery["sign"] if self.recovery else None
        member = self.members.get(login)
        return member.sign if member and not member.disabled else None

    def is_admin(self, login: str) -> bool:
        member = self.members.get(login)
        return bool(member and member.role == "admin" and not member.disabled)

    def signature_problem(self, event: AuditEvent) -> str | None:
        """Why ``event``'s signature is not acceptable here, or None."""
        if not event.signature:
            return "it is not signed"
        owner = self.keys.get(event.signed_by)
        if owner is None:
            return "it is signed by a key the audit trail never introduced"
        if owner[0] != event.user_login:
            return f"it names {event.user_login} but is signed with {owner[0]}'s key"
        if self.current_sign_key(event.user_login) != owner[1]:
            return f"it is signed with a key {event.user_login} no longer holds"
        if not event_signature_ok(self.vault_id, owner[1], event):
            return "its signature does not match its contents"
        return None

    # ----- key events -----------------------------------------------------------------------
    def apply(self, event: AuditEvent) -> str | None:
        """Take a key event into account; returns why it is not allowed, or None."""
        try:
            detail: dict[str, Any] = json.loads(event.detail)
        except ValueError:
            return "its details are not readable"
        if event.action in BOOTSTRAP:
            return self._bootstrap(event, detail)
        if event.action in ADMIN_ONLY and not self.is_admin(event.user_login):
            return f"{event.user_login} was not an admin"
        try:
            return self._change(event, detail)
        except (KeyError, TypeError, ValueError):
            return "its key details are not readable"

    def _bootstrap(self, event: AuditEvent, detail: dict[str, Any]) -> str | None:
        if self.started:
            return "it introduces the vault's keys a second time"
        try:
            users = (
                detail["users"]
                if event.action == "audit.keys"
                else {detail["user"]["login"]: {**detail["user"], "role": "admin"}}
            )
            for login, info in users.items():
                self._introduce(login, info)
            if detail.get("recovery"):
                self._set_recovery(detail["recovery"])
        except (KeyError, TypeError, ValueError):
            return "its key details are not readable"
        self.started = True
        if self.current_sign_key(event.user_login) is None:
            return "it is not signed by a key it introduces"
        return self.signature_problem(event)

    def _introduce(self, login: str, info: dict[str, Any]) -> None:
        member = Member(
            login=login,
            user_id=str(info["user_id"]),
            role=str(info["role"]),
            disabled=bool(info.get("disabled", False)),
        )
        self.members[login] = member
        if info.get("box") and info.get("sign"):
            self._set_keys(member, info)

    def _set_keys(self, member: Member, info: dict[str, Any]) -> None:
        unb64(info["box"], "key", 32)
        member.box, member.sign = str(info["box"]), str(info["sign"])
        self._learn(member.login, member.sign)

    def _set_recovery(self, info: dict[str, Any]) -> None:
        unb64(info["box"], "key", 32)
        self.recovery = {"box": str(info["box"]), "sign": str(info["sign"])}
        self._learn(RECOVERY, self.recovery["sign"])

    def _change(self, event: AuditEvent, detail: dict[str, Any]) -> str | None:
        action = event.action
        if action == "recovery.new":
            by_itself = event.user_login == RECOVERY and event.signed_by == _id(detail["sign"])
            if not (self.is_admin(event.user_login) or by_itself):
                return f"{event.user_login} may not set a recovery key"
            self._set_recovery(detail)
            return None
        login = str(detail["login"])
        member = self.members.get(login)
        if action == "user.add":
            if member is not None and (member.box, member.sign) != (detail["box"], detail["sign"]):
                return f"it adds {login} a second time"
            self._introduce(login, detail)
            return None
        if member is None:
            return f"it names {login}, whom the audit trail never added"
        if action == "user.role":
            member.role = str(detail["role"])
        elif action == "user.disable":
            member.disabled = True
        elif action == "user.enable":
            member.disabled = False
            self._set_keys(member, detail)
        elif action == "user.keys":
            # An admin, the recovery key, or the user's own current key (a new password; or
            # the first keys of a user from before signatures, see ``pre_check``).
            allowed = self.is_admin(event.user_login) or event.user_login in (RECOVERY, login)
            if not allowed:
                return f"{event.user_login} may not give {login} new keys"
            self._set_keys(member, detail)
        return None

    def _recovery_self_introduced(self, event: AuditEvent, detail: dict[str, Any]) -> bool:
        # A vault from before signatures has no recovery public key yet: its recovery key's
        # first use introduces it, signed by itself.
        return self.recovery is None and event.signed_by == _id(detail["sign"])

    def pre_check(self, event: AuditEvent) -> str | None:
        """For a key event whose signer is introduced by the event itself: learn that key
        first (the signature is checked after)."""
        try:
            detail = json.loads(event.detail)
            if event.action == "recovery.new" and self._recovery_self_introduced(event, detail):
                self._learn(RECOVERY, str(detail["sign"]))
                self.recovery = {"box": str(detail["box"]), "sign": str(detail["sign"])}
            elif event.action == "user.keys":
                member = self.members.get(str(detail["login"]))
                if member and member.sign is None and event.signed_by == _id(detail["sign"]):
                    self._set_keys(member, detail)
        except (ValueError, KeyError, TypeError):
            return "its key details are not readable"
        return None

    # ----- what anchors record --------------------------------------------------------------
    def digest(self) -> str:
        """A fingerprint of every active login's public keys and the recovery key's."""
        lines = sorted(
            f"{m.login} {m.box or 'pending'} {m.sign or 'pending'}"
            for m in self.members.values()
            if not m.disabled
        )
        if self.recovery:
            lines.append(f"{RECOVERY} {self.recovery['box']} {self.recovery['sign']}")
        return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def _id(sign_public: Any) -> str:
    return key_id(unb64(sign_public, "key", 32))


def step(registry: Registry, event: AuditEvent) -> str | None:
    """Check one event against the registry and take it into account (in trail order).

    Events before the first signed introduction of keys are the unsigned beginning of a vault
    from before signatures; after it, every event must carry its user's signature.
    """
    if not registry.started and event.action not in BOOTSTRAP:
        return "it is signed, but no key had been introduced" if event.signature else None
    if not registry.started and not event.signature:
        return None  # a vault.create from before signatures
    if registry.started and event.action in KEY_ACTIONS:
        problem = registry.pre_check(event)
        if problem is None and event.action not in BOOTSTRAP:
            problem = registry.signature_problem(event)
        return problem or registry.apply(event)
    if event.action in BOOTSTRAP:
        return registry.apply(event)
    return registry.signature_problem(event)


def replay(vault_id: str, events: Iterable[AuditEvent]) -> tuple[Registry, list[str]]:
    """The registry after ``events`` (key events, in order) and the problems met on the way."""
    registry, problems = Registry(vault_id), []
    for event in events:
        if event.hash != event_hash(event):
            problems.append(f"event {event.seq}: its contents were changed")
            continue
        problem = step(registry, event)
        if problem:
            problems.append(f"event {event.seq}: {problem}")
    return registry, problems


def key_events(session: Session) -> list[AuditEvent]:
    """Every key event, in trail order (a handful per user: indexed by action)."""
    query = (
        select(AuditEvent)
        .where(col(AuditEvent.action).in_(sorted(KEY_ACTIONS)))
        .order_by(col(AuditEvent.seq))
    )
    return list(session.exec(query).all())


def current(session: Session, vault_id: str) -> tuple[Registry, list[str]]:
    """The key state at the end of the trail, from its key events alone."""
    return replay(vault_id, key_events(session))
