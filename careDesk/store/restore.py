"""Restore a backup: only by an admin of the vault it replaces, checked, audited, nothing lost.

docs/security.md: "Restore only by an admin of the vault it replaces (or with the recovery key),
audited, after an integrity check of the staged copy." In order:

1. The archive's structure and checksums (:func:`careDesk.store.backup.verify_backup`).
2. Who restores: an admin of the current vault signs in (password or recovery key); the
   sign-in is audited there like any other. Another role is refused, and that is audited too.
   If the current vault cannot be read (missing, damaged, key slots lost), the backup's own
   admin sign-in (or its recovery key) is needed instead.
3. The staged copy, unpacked into the data folder: its key opens with the given sign-in (or
   with separate credentials for the backup, when the password changed since), its manifest
   seal matches that key, SQLCipher's ``cipher_integrity_check`` (every page's HMAC) and
   SQLite's ``integrity_check`` pass, and its vault id is the current vault's. A backup of a
   different vault is refused unless the caller says ``replace_with_other_vault``.
4. An event in the current vault ("backup.restore.start"), then the swap: the current files
   are moved aside (never deleted), the staged ones renamed in, all under the vault's lock.
5. The restored vault is opened with the same sign-in and records "backup.restore".
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlcipher3

from careDesk.errors import (
    BackupInvalid,
    CareDeskError,
    KeySlotsMissing,
    PermissionDenied,
    SchemaTooNew,
    VaultDamaged,
    VaultInUse,
    WrongPassword,
)
from careDesk.model.base import utcnow
from careDesk.paths import VaultPaths, private_dir
from careDesk.security.roles import Role
from careDesk.store import migrate, vault
from careDesk.store.backup import MEMBERS, map_os_error, seal_matches, verify_backup
from careDesk.store.engine import raw_connect
from careDesk.store.keyslots import KeySlotFile
from careDesk.store.signins import Clock

if TYPE_CHECKING:
    from filelock import BaseFileLock

    from careDesk.desk import Desk


@dataclass(frozen=True)
class Credentials:
    """A sign-in: a login and password, or the recovery key."""

    login: str = ""
    password: str = ""
    recovery_key: str = ""

    @property
    def who(self) -> str:
        """How audit events and messages name the person (never the secret)."""
        return vault.RECOVERY_LOGIN if self.recovery_key else self.login


@dataclass(frozen=True)
class RestoreResult:
    """What a restore did."""

    aside: Path | None  # where the previous vault's files were kept (None: there were none)
    vault_id: str
    other_vault: bool  # the backup was of a different vault (explicitly allowed)


class OtherVault(CareDeskError):
    """The backup belongs to a different vault than the one it would replace."""

    def __init__(self, backup_id: str, current_id: str, folder: Path) -> None:
        super().__init__(
            f"This backup is of a different clinic vault (id {backup_id[:8]}…) than the one in "
            f"{folder} (id {current_id[:8]}…): restoring it would replace this vault's records "
            "with another vault's. Nothing was changed. If that is really intended, restore "
            "again with --replace-with-other-vault (in the app: 'replace with a different "
            "vault')."
        )


class BackupSignInNeeded(CareDeskError):
    """The sign-in given does not open the backup (its passwords are those of its day)."""

    def __init__(self, who: str) -> None:
        super().__init__(
            f"The backup does not open for {who} (the password may have changed since the "
            "backup was made). Give the backup's own admin user name and password, or the "
            "recovery key valid when it was made (--backup-user, --backup-password-file or "
            "--backup-recovery-key-file). Nothing was changed."
        )


# ----- step 2: who restores --------------------------------------------------------------------
def _sign_in_current(paths: VaultPaths, who: Credentials, clock: Clock) -> Desk | None:
    """The admin's desk on the current vault, or ``None`` when that vault cannot be read."""
    if not paths.database.exists() and not paths.key_slots.exists():
        return None
    try:
        if who.recovery_key:
            desk = vault.unlock_with_recovery_key(paths, who.recovery_key, clock=clock)
        else:
            desk = vault.unlock(paths, who.login, who.password, clock=clock)
    except (VaultDamaged, KeySlotsMissing):
        return None
    if desk.user.role != Role.ADMIN:
        with desk.writing(None) as tx:
            tx.audit("backup.restore.refused", detail={"reason": "not an admin"})
        role = desk.user.role
        desk.close()
        raise PermissionDenied(role, "restore a backup (clinic admins only)")
    return desk


def _current_vault_id(paths: VaultPaths, desk: Desk | None) -> str | None:
    if desk is not None:
        return desk.vault_id
    try:  # damaged database, readable slot file: its id still says which vault this is
        return KeySlotFile.load(paths.key_slots).vault_id
    except CareDeskError:
        return None


# ----- step 3: the staged copy ----------------------------------------------------------------
def _stage(archive: Path, paths: VaultPaths) -> Path:
    staging = Path(tempfile.mkdtemp(dir=private_dir(paths.root / ".staging")))
    with zipfile.ZipFile(archive) as zf:
        for name in MEMBERS:
            zf.extract(name, staging)
    return staging


def _staged_key(staging: Path, who: Credentials, backup_who: Credentials | None) -> bytes:
    creds = backup_who or who
    try:
        key, _ = vault.unwrap_database_key(
            VaultPaths(staging), creds.login, creds.password, recovery_key=creds.recovery_key
        )
    except WrongPassword:
        if backup_who is None:
            raise BackupSignInNeeded(who.who) from None
        raise
    return key


def _pragma_rows(conn: Any, pragma: str) -> list[str] | None:
    try:
        return [str(row[0]) for row in conn.execute(f"PRAGMA {pragma}").fetchall()]
    except sqlcipher3.DatabaseError:
        return None


def _check_staged(archive: Path, staged: Path, key: bytes) -> None:
    """SQLCipher's page HMACs and SQLite's structure, on the copy that would go live."""
    try:
        conn = raw_connect(staged, key, readonly=True)
    except sqlcipher3.DatabaseError:
        raise BackupInvalid(str(archive), "its database does not decrypt") from None
    try:
        cipher = _pragma_rows(conn, "cipher_integrity_check")
        integrity = _pragma_rows(conn, "integrity_check")
    finally:
        conn.close()
    if cipher is None or cipher:
        raise BackupInvalid(str(archive), "some database pages fail their encryption check")
    if integrity != ["ok"]:
        raise BackupInvalid(str(archive), "the database fails its integrity check")


def _backup_role(staged: Path, key: bytes, who: Credentials) -> str:
    """The role the sign-in has in the backup (the recovery key acts as admin)."""
    if who.recovery_key:
        return Role.ADMIN.value
    conn = raw_connect(staged, key, readonly=True)
    try:
        row = conn.execute(
            "SELECT role, disabled FROM user_account WHERE login = ?", (who.login,)
        ).fetchone()
    finally:
        conn.close()
    if row is None or row[1]:
        raise WrongPassword(who.login)
    return str(row[0])


# ----- step 4: the swap -----------------------------------------------------------------------
def _take_lock(paths: VaultPaths) -> BaseFileLock:
    from filelock import FileLock, Timeout

    lock = FileLock(str(paths.lock), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise VaultInUse(str(paths.root)) from None
    return lock


def _move_current_aside(paths: VaultPaths) -> Path | None:
    current = [p for p in [paths.database, paths.key_slots, *paths.sidecars()] if p.exists()]
    if not current:
        return None
    aside = private_dir(paths.root / f"before-restore-{utcnow():%Y%m%d-%H%M%S-%f}")
    for path in current:
        os.replace(path, aside / path.name)
    return aside


def _swap(staging: Path, paths: VaultPaths) -> Path | None:
    aside = _move_current_aside(paths)
    os.replace(staging / "vault.db", paths.database)
    os.replace(staging / "vault.keys", paths.key_slots)
    return aside


# ----- the whole restore ----------------------------------------------------------------------
def _check_seal(archive: Path, manifest: dict[str, Any], key: bytes, accept_unsealed: bool) -> None:
    if manifest.get("format") == 1:
        if accept_unsealed:
            return
        raise BackupInvalid(
            str(archive),
            "it was made by an older careDesk without a seal, so a change to it could not be "
            "detected; restore it only if you know where it has been "
            "(--accept-unsealed-backup)",
        )
    if not seal_matches(manifest, key):
        raise BackupInvalid(
            str(archive),
            "its seal does not match: it was altered after it was made, or its parts do not "
            "belong together",
        )


def _audit(desk: Desk | None, action: str, detail: dict[str, Any]) -> None:
    if desk is not None:
        with desk.writing(None) as tx:
            tx.audit(action, detail=detail)


def _start_swap(current: Desk | None, paths: VaultPaths, detail: dict[str, Any]) -> BaseFileLock:
    """The event in the vault about to be replaced, then its lock (kept for the swap)."""
    if current is None:
        return _take_lock(paths)
    _audit(current, "backup.restore.start", detail)
    lock = current.hand_over_lock()
    assert lock is not None  # a desk opened for writing holds the lock
    return lock


def _open_restored(paths: VaultPaths, who: Credentials, aside: Path | None, clock: Clock) -> Desk:
    try:
        if who.recovery_key:
            return vault.unlock_with_recovery_key(paths, who.recovery_key, clock=clock)
        return vault.unlock(paths, who.login, who.password, clock=clock)
    except CareDeskError as exc:
        kept = f" The previous vault is kept in {aside}." if aside else ""
        raise CareDeskError(f"Restored, but it does not open: {exc.message}{kept}") from exc


def _prepare(
    archive: Path,
    paths: VaultPaths,
    staging: Path,
    who: Credentials,
    backup_who: Credentials | None,
    manifest: dict[str, Any],
    accept_unsealed: bool,
) -> str:
    """Every check of the staged copy; returns its vault id."""
    key = _staged_key(staging, who, backup_who)
    _check_seal(archive, manifest, key, accept_unsealed)
    _check_staged(archive, staging / "vault.db", key)
    backup_id = KeySlotFile.load(staging / "vault.keys").vault_id
    if manifest.get("vault_id") != backup_id:
        raise BackupInvalid(str(archive), "its manifest names a different vault than its keys")
    if backup_who is not None:
        role = _backup_role(staging / "vault.db", key, backup_who)
        if role != Role.ADMIN:
            raise PermissionDenied(role, "restore a backup (admins of the backup only)")
    return backup_id


def restore_vault(
    archive: Path,
    paths: VaultPaths,
    who: Credentials,
    *,
    backup_who: Credentials | None = None,
    replace_with_other_vault: bool = False,
    accept_unsealed: bool = False,
    clock: Clock = time.time,
) -> RestoreResult:
    """Restore ``archive`` over the vault in ``paths`` (the steps are in the module's doc).

    ``who`` signs in to the current vault (an admin, or the recovery key); ``backup_who``, when
    given, opens the backup instead (and must be an admin there). With the current vault
    unreadable or absent, ``who`` must be an admin of the backup. Nothing changes on disk
    until every check passed; the previous vault is kept aside, never deleted.
    """
    archive = archive.expanduser()
    manifest = verify_backup(archive)
    if int(manifest.get("schema", 0)) > migrate.SCHEMA_VERSION:
        raise SchemaTooNew(int(manifest["schema"]), migrate.SCHEMA_VERSION)
    current = _sign_in_current(paths, who, clock)
    if current is None:
        backup_who = backup_who or who  # only the backup's own admin can vouch for it
    opener = backup_who or who
    lock: BaseFileLock | None = None
    detail: dict[str, Any] = {"file": archive.name, "made": manifest.get("created_at")}
    try:
        staging = _stage_or_explain(archive, paths)
        try:
            backup_id = _prepare(
                archive, paths, staging, who, backup_who, manifest, accept_unsealed
            )
            current_id = _current_vault_id(paths, current)
            other = current_id is not None and current_id != backup_id
            if other and not replace_with_other_vault:
                raise OtherVault(backup_id, current_id or "", paths.root)
            detail["other_vault"] = other
            lock = _start_swap(current, paths, detail)
            aside = _swap(staging, paths)
        except OSError as exc:
            raise map_os_error(exc, paths.database) from exc
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    except CareDeskError as exc:
        if current is not None and current.is_open:  # refused before the swap: say so there
            _audit(current, "backup.restore.refused", {**detail, "reason": type(exc).__name__})
        raise
    finally:
        if current is not None:
            current.close()  # after a refusal; a no-op once the lock was handed over
        if lock is not None:
            lock.release()
    restored = _open_restored(paths, opener, aside, clock)
    try:
        kept = {"previous_kept_in": aside.name} if aside else {}
        _audit(restored, "backup.restore", {**detail, **kept})
    finally:
        restored.close()
    return RestoreResult(aside, backup_id, other)


def _stage_or_explain(archive: Path, paths: VaultPaths) -> Path:
    try:
        return _stage(archive, paths)
    except (zipfile.BadZipFile, KeyError, EOFError) as exc:
        raise BackupInvalid(str(archive), "the file is damaged or not a careDesk backup") from exc
    except OSError as exc:
        raise map_os_error(exc, paths.root) from exc
