"""Key rotation: a new database key, sealed only to those who keep access.

Disabling a user, lowering a role, a new password, a recovery, a new recovery key, or "Rotate
keys" itself: the database is re-encrypted under a new random key (SQLCipher ``PRAGMA rekey``)
sealed to each remaining user's public key and to the recovery key. No one's password is
needed: sealing takes public keys only. A copy of ``vault.keys`` (or a backup's) from before
opens only the old key, which opens nothing live any more.

Who is sealed to comes from the signed audit trail (``audit_keys``), not from ``vault.keys``
alone: a public key planted in the file by someone holding the old key is not carried over.

Crash safety, in four steps: (1) ``vault.keys`` gains a ``next`` block with the new key sealed;
(2) the rotation is audited; (3) the database is re-encrypted, in one SQLite transaction;
(4) ``next`` replaces ``sealed``. Stopped after (1) or (2), the database still opens with the
current key and the next sign-in finishes the rotation; stopped after (3), it opens with the
next key and the sign-in promotes it.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlmodel import col, select

from careDesk.errors import CareDeskError
from careDesk.model.security import User
from careDesk.security import audit_keys
from careDesk.security.audit_keys import Registry
from careDesk.store import keyslots
from careDesk.store.engine import raw_connect
from careDesk.store.keyslots import RECOVERY, KeySlotFile, Sealed

if TYPE_CHECKING:
    from careDesk.desk import Desk

# (done, total, what): the interop and UI progress shape.
Progress = Callable[[int, int, str], None]
POLL_SECONDS = 0.1


class RotationRefused(CareDeskError):
    """The key could not be rotated safely; nothing was changed."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"The database key was not changed: {reason}.")


@dataclass(frozen=True)
class RotationResult:
    """What a rotation did."""

    epoch: int
    kept: tuple[str, ...]  # logins sealed to the new key
    dropped: tuple[str, ...]  # logins that lost access (disabled, or not carried over)
    recovery_key: str | None  # a new recovery key to print, when the old one was replaced
    recovery_lost: bool = False  # the old recovery key could not be carried, and none replaces it

    def summary(self) -> str:
        """What happened, in one sentence."""
        sealed = ", ".join(self.kept)
        recovery = "" if self.recovery_lost else " and the recovery key"
        return (
            f"The database key was changed (generation {self.epoch}); sealed to {sealed}{recovery}."
        )

    def notes(self) -> list[str]:
        """What an admin must act on (never the recovery key itself)."""
        notes = []
        if self.dropped:
            notes.append(
                f"No longer sealed to: {', '.join(self.dropped)} (an admin sets a new password "
                "for anyone who still needs access)."
            )
        if self.recovery_key:
            notes.append("A new recovery key replaces the old one, which no longer works.")
        if self.recovery_lost:
            notes.append(
                "The recovery key no longer works; an admin must make a new one "
                "(Admin → Users → New recovery key, or caredesk users new-recovery-key)."
            )
        return notes


def _report(progress: Progress | None, done: int, total: int, what: str) -> None:
    if progress is not None:
        # A rotation cannot stop half-way: a "cancel" from the progress dialog is ignored.
        with contextlib.suppress(CareDeskError):
            progress(done, total, what)


def _recipients(
    slots: KeySlotFile, registry: Registry, active: set[str]
) -> tuple[list[str], list[str], dict[str, str]]:
    kept, dropped, recipients = [], [], {}
    for login, entry in sorted(slots.users.items()):
        member = registry.members.get(login)
        same = (
            entry.legacy is None
            and member is not None
            and not member.disabled
            and login in active
            and member.user_id == entry.user_id
            and (member.box, member.sign) == (entry.box, entry.sign)
        )
        if same:
            assert entry.box is not None
            kept.append(login)
            recipients[entry.label] = entry.box
        else:
            dropped.append(login)
    return kept, dropped, recipients


def _recovery_current(slots: KeySlotFile, registry: Registry) -> bool:
    recovery = slots.recovery
    return bool(recovery and recovery.legacy is None and recovery.public() == registry.recovery)


def rotate(
    desk: Desk, reason: str, *, progress: Progress | None = None, new_recovery: bool = False
) -> RotationResult:
    """Re-encrypt the database under a new key sealed to the users who keep access."""
    if desk.keys is None or desk.readonly:
        raise RotationRefused("sign in with your password (not read-only) to change keys")
    _report(progress, 0, 0, "Checking who keeps access…")
    with desk.reading() as session:
        registry, problems = audit_keys.current(session, desk.vault_id)
        active = set(session.exec(select(User.login).where(col(User.disabled).is_(False))))
    if problems:
        raise RotationRefused(f"the audit trail's key events do not verify ({problems[0]})")
    slots = KeySlotFile.load(desk.paths.key_slots)
    kept, dropped, recipients = _recipients(slots, registry, active)
    if desk.user.login not in kept:
        raise RotationRefused("your own keys do not match the audit trail; run caredesk check")
    printed, recovery = None, slots.recovery
    replace = new_recovery or not _recovery_current(slots, registry)
    if replace and registry.is_admin(desk.user.login):
        printed, recovery, _pair = keyslots.new_recovery()
    elif replace:
        recovery = None  # only an admin may be shown a new recovery key
    if recovery is not None and recovery.box is not None:
        recipients[RECOVERY] = recovery.box
    key = os.urandom(keyslots.KEY_BYTES)
    epoch = (slots.sealed.epoch if slots.sealed else 0) + 1
    nxt = keyslots.seal_key(desk.vault_id, epoch, key, recipients)
    nxt.recovery = recovery if printed else None
    for login in dropped:
        slots.users.pop(login, None)
    slots.next = nxt
    slots.save(desk.paths.key_slots)
    with desk.writing(None) as tx:
        if printed and recovery is not None:
            tx.audit("recovery.new", detail=recovery.public())
        tx.audit(
            "keys.rotate",
            detail={"epoch": epoch, "reason": reason, "kept": kept, "dropped": dropped},
        )
    rekey_database(desk, key, progress)
    promote(slots)
    slots.save(desk.paths.key_slots)
    _report(progress, 1, 1, "Done")
    lost = replace and printed is None
    return RotationResult(epoch, tuple(kept), tuple(dropped), printed, recovery_lost=lost)


def promote(slots: KeySlotFile) -> None:
    """Make the ``next`` key the current one (after the database was re-encrypted)."""
    nxt = slots.next
    assert nxt is not None
    slots.sealed = Sealed(epoch=nxt.epoch, boxes=nxt.boxes)
    if nxt.recovery is not None:
        slots.recovery = nxt.recovery
    elif RECOVERY not in nxt.boxes:
        slots.recovery = None
    slots.next = None


def rekey_database(desk: Desk, key: bytes, progress: Progress | None) -> None:
    """``PRAGMA rekey`` the live database to ``key`` and switch the desk to it.

    SQLCipher rewrites every page in one transaction (all of them land in the WAL, then a
    checkpoint moves them home), so a crash leaves the old key or the new one, never a mix.
    Progress is the WAL's growth against the database's size.
    """
    wal = desk.paths.sidecars()[0]
    desk.engine.dispose()  # no pooled connection may keep reading with the old key
    conn = raw_connect(desk.paths.database, desk.key)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        total = max(desk.paths.database.stat().st_size, 1)
        failure: list[BaseException] = []

        def work() -> None:
            try:
                conn.execute(f"PRAGMA rekey = \"x'{key.hex()}'\"")
            except BaseException as exc:  # handed back to the calling thread
                failure.append(exc)

        worker = threading.Thread(target=work, name="careDesk rekey", daemon=True)
        worker.start()
        while worker.is_alive():
            worker.join(POLL_SECONDS)
            done = wal.stat().st_size if wal.exists() else 0
            _report(progress, min(done, total), total, "Re-encrypting the records…")
        if failure:
            raise CareDeskError(
                "The records could not be re-encrypted under the new key (is the disk full?). "
                "Nothing was lost: they stay under the current key, and the change is "
                "finished at the next sign-in."
            ) from failure[0]
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    desk.switch_key(key)


def finish_at_sign_in(desk: Desk, slots: KeySlotFile) -> None:
    """A rotation stopped by a crash: re-encrypt if it had not, then promote the new key."""
    nxt, pair = slots.next, desk.keys
    entry = slots.users.get(desk.user.login)
    if nxt is None or pair is None or entry is None:
        return
    key = keyslots.open_key(desk.vault_id, nxt, entry.label, pair)
    if key is None:
        return  # not among those the rotation kept: leave it for an admin to rotate again
    if key != desk.key:
        rekey_database(desk, key, None)
    promote(slots)
    slots.save(desk.paths.key_slots)
    with desk.writing(None) as tx:
        tx.audit("keys.rotate.finish", detail={"epoch": nxt.epoch})
