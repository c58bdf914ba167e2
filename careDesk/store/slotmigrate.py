"""Bringing ``vault.keys`` up to date at sign-in, and the recovery key's sign-in.

- A format-1 file (the database key wrapped under each password) becomes format 2 at the first
  password sign-in that may write: that user gets a key pair; the others keep their old slot
  ("legacy") until their own first sign-in gives them theirs; the recovery key keeps its old
  slot until it is used or replaced. Users and a recovery key still on old slots open only the
  key from before the upgrade, so the first key rotation drops them (an admin then sets them a
  new password, and a new recovery key is printed).
- A trail from before signatures gets its keys introduced once, in a signed ``audit.keys``
  event (``ensure_bootstrap``).
- A key rotation a crash interrupted is finished (``rekey.finish_at_sign_in``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlmodel import col, select

from careDesk.errors import KeySlotsDamaged, LoginDelayed, WrongPassword
from careDesk.model.security import AuditEvent, User
from careDesk.paths import VaultPaths
from careDesk.security.audit_keys import BOOTSTRAP
from careDesk.security.signing import Signer
from careDesk.store import keyslots, rekey
from careDesk.store.keyslots import RECOVERY, KeySlotFile, RecoveryEntry, Sealed, UserEntry
from careDesk.store.signins import Clock, SignInLog
from careDesk.store.slotcrypto import KeyPair, SlotDamage, b64, recovery_pair

if TYPE_CHECKING:
    from careDesk.desk import Desk


@dataclass
class Opened:
    """What a secret opened in ``vault.keys``: a key pair (None for an old-format slot, which
    gives the database key directly) and the database keys to try, current first."""

    pair: KeyPair | None
    candidates: list[bytes]


# ----- password sign-ins ----------------------------------------------------------------------
def after_password(desk: Desk, slots: KeySlotFile, password: str) -> None:
    """A password sign-in that may write: upgrade the file, or give a legacy user keys."""
    login = desk.user.login
    entry = slots.users[login]
    if slots.format == 1:
        pair = KeyPair.generate()
        _convert(desk, slots, pair, password).save(desk.paths.key_slots)
        desk.set_keys(pair)
    elif entry.legacy is not None:
        pair = KeyPair.generate()
        _give_keys(desk, slots, pair, password)
        slots.save(desk.paths.key_slots)
        desk.set_keys(pair)
        if not ensure_bootstrap(desk, slots):
            _audit_new_keys(desk, pair, "first sign-in with a key pair")


def after_sign_in(desk: Desk) -> None:
    """Every sign-in that may write: keys introduced in the trail, rotations finished."""
    if desk.keys is None:
        return  # a vault from before key pairs, opened with a remembered secret
    slots = KeySlotFile.load(desk.paths.key_slots)
    ensure_bootstrap(desk, slots)
    if slots.next is not None:
        rekey.finish_at_sign_in(desk, slots)


def _give_keys(desk: Desk, slots: KeySlotFile, pair: KeyPair, password: str) -> UserEntry:
    login = desk.user.login
    old = slots.users[login]
    entry = keyslots.new_user(desk.vault_id, login, old.user_id, pair, password)
    slots.users[login] = entry
    seal_current(desk, slots, {entry.label: pair.box_public})
    return entry


def seal_current(desk: Desk, slots: KeySlotFile, recipients: dict[str, str]) -> None:
    """Seal the current database key to ``recipients`` too (no rotation: a new user or new
    keys for someone who already had access)."""
    epoch = slots.sealed.epoch if slots.sealed else 1
    extra = keyslots.seal_key(desk.vault_id, epoch, desk.key, recipients)
    if slots.sealed is None:
        slots.sealed = Sealed(epoch=epoch, boxes={})
    slots.sealed.boxes.update(extra.boxes)


def _convert(desk: Desk, old: KeySlotFile, pair: KeyPair, password: str) -> KeySlotFile:
    new = KeySlotFile(vault_id=old.vault_id, recovery=old.recovery)
    for login, entry in old.users.items():
        new.users[login] = UserEntry(login=login, user_id=entry.user_id, legacy=entry.legacy)
    _give_keys(desk, new, pair, password)
    return new


def _audit_new_keys(
    desk: Desk, pair: KeyPair, reason: str, *, signer: Signer | None = None
) -> None:
    detail = {"login": desk.user.login, "user_id": desk.user.id, "reason": reason, **pair.public()}
    acting = (RECOVERY, signer) if signer is not None else None
    with desk.writing(None) as tx:
        tx.audit("user.keys", entity="user", entity_id=desk.user.id, detail=detail, acting=acting)


def ensure_bootstrap(desk: Desk, slots: KeySlotFile) -> bool:
    """Introduce every user's keys in the trail if it has not yet (a vault from before
    signatures); True when it did now."""
    if desk.signer is None:
        return False
    with desk.reading() as session:
        started = session.exec(
            select(AuditEvent.seq)
            .where(col(AuditEvent.action).in_(sorted(BOOTSTRAP)), AuditEvent.signature != "")
            .limit(1)
        ).first()
        people = list(session.exec(select(User)))
    if started is not None:
        return False
    users = {}
    for person in people:
        info: dict[str, object] = {
            "user_id": person.id,
            "role": person.role,
            "disabled": person.disabled or person.login not in slots.users,
        }
        entry = slots.users.get(person.login)
        if entry is not None and entry.box is not None:
            info.update(box=entry.box, sign=entry.sign)
        users[person.login] = info
    recovery = slots.recovery.public() if slots.recovery is not None else None
    with desk.writing(None) as tx:
        tx.audit("audit.keys", detail={"users": users, "recovery": recovery})
    return True


# ----- the recovery key -----------------------------------------------------------------------
def open_recovery(paths: VaultPaths, slots: KeySlotFile, recovery_key: str, clock: Clock) -> Opened:
    """The recovery key's way into ``vault.keys``; a wrong key counts as a failed sign-in."""
    sign_ins = SignInLog.load(paths.sign_ins)
    wait = sign_ins.wait_for(RECOVERY, clock())
    if wait:
        raise LoginDelayed(wait)
    entry, opened = slots.recovery, None
    try:
        if entry is not None and entry.legacy is not None:
            secret = keyslots.recovery_secret(recovery_key)
            key = keyslots.open_legacy(slots.vault_id, entry.legacy, secret)
            opened = Opened(None, [key]) if key is not None else None
        elif entry is not None:
            pair = keyslots.open_recovery(entry, recovery_key)
            if pair is not None:
                opened = Opened(pair, _sealed_to(slots, RECOVERY, pair))
    except SlotDamage as exc:
        raise KeySlotsDamaged(str(paths.key_slots), str(exc)) from None
    if opened is None or not opened.candidates:
        sign_ins.record_failure(RECOVERY, "wrong recovery key", clock())
        raise WrongPassword(RECOVERY)
    return opened


def _sealed_to(slots: KeySlotFile, label: str, pair: KeyPair) -> list[bytes]:
    return [
        key
        for sealed in (slots.sealed, slots.next)
        if sealed is not None
        and (key := keyslots.open_key(slots.vault_id, sealed, label, pair)) is not None
    ]


def recovered(
    desk: Desk,
    slots: KeySlotFile,
    new_password: str,
    recovery_key: str,
    recovery: KeyPair | None,
) -> None:
    """After the recovery key opened the vault: the user's new key pair (``desk.keys``) under
    the new password, signed for by the recovery key, then a key rotation."""
    pair = desk.keys
    assert pair is not None
    introduced = recovery is None  # an old-format recovery slot: its keys derive from it now
    if recovery is None:
        salt = os.urandom(16)
        recovery = recovery_pair(keyslots.recovery_secret(recovery_key), salt)
        slots.recovery = RecoveryEntry(b64(salt), recovery.box_public, recovery.sign_public)
    if slots.format == 1:
        slots = _convert(desk, slots, pair, new_password)
    else:
        _give_keys(desk, slots, pair, new_password)
    seal_current(desk, slots, {RECOVERY: recovery.box_public})
    slots.save(desk.paths.key_slots)
    if not ensure_bootstrap(desk, slots):
        signer = Signer(desk.vault_id, recovery)
        if introduced:
            with desk.writing(None) as tx:
                tx.audit("recovery.new", detail=recovery.public(), acting=(RECOVERY, signer))
        _audit_new_keys(desk, pair, "recovery", signer=signer)
    with desk.writing(None) as tx:
        tx.audit("user.password.recovered", entity="user", entity_id=desk.user.id)
    rekey.rotate(desk, "recovery")
