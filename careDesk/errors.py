"""Expected errors, each with a message a coordinator or admin can act on.

Anything that is not one of these is a bug: it is logged without patient data and shown as a
crash. Messages never contain patient data.
"""

from __future__ import annotations


class CareDeskError(Exception):
    """An expected failure with a plain-language message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class VaultError(CareDeskError):
    """Something about the vault files stops it from opening."""


class WrongPassword(VaultError):
    def __init__(self, login: str | None = None) -> None:
        who = f" for {login}" if login else ""
        super().__init__(f"Wrong user name or password{who}. Check Caps Lock and try again.")


class LoginDelayed(VaultError):
    def __init__(self, seconds: int) -> None:
        super().__init__(f"Too many failed sign-ins. Wait {seconds} seconds, then try again.")
        self.seconds = seconds


class AccountDisabled(VaultError):
    def __init__(self, login: str) -> None:
        super().__init__(f"The account {login} is disabled. Ask a clinic admin to enable it.")


class VaultDamaged(VaultError):
    def __init__(self, path: str, detail: str = "") -> None:
        extra = f" ({detail})" if detail else ""
        super().__init__(
            f"The vault file {path} is damaged and cannot be read{extra}. "
            "Restore the latest backup (caredesk restore FILE)."
        )


class KeySlotsDamaged(VaultDamaged):
    """``vault.keys`` holds something that cannot be right: nothing in it was tried."""

    def __init__(self, path: str, detail: str) -> None:
        VaultError.__init__(
            self,
            f"vault.keys is damaged ({detail}), so nothing in it was tried; this is not a wrong "
            f"password. File: {path}. Restore the latest backup (caredesk restore FILE).",
        )
        self.detail = detail


class KeySlotsMissing(VaultError):
    def __init__(self, path: str) -> None:
        super().__init__(
            f"The key-slot file {path} is missing, so the vault cannot be unlocked. "
            "Put it back from a backup, or restore the latest backup."
        )


class VaultMissing(VaultError):
    def __init__(self, path: str) -> None:
        super().__init__(
            f"No vault in {path}. Create one with 'caredesk init --admin NAME' or start the app."
        )


class VaultExists(VaultError):
    def __init__(self, path: str) -> None:
        super().__init__(f"A vault already exists in {path}; nothing was changed.")


class VaultInUse(VaultError):
    def __init__(self, path: str) -> None:
        super().__init__(
            f"The vault in {path} is open elsewhere (another careDesk window or command). "
            "Close it there, then try again."
        )


class SchemaTooNew(VaultError):
    def __init__(self, found: int, supported: int) -> None:
        super().__init__(
            f"This vault was written by a newer careDesk (schema {found}; this app reads up to "
            f"{supported}). Install the newer careDesk; nothing was changed."
        )


class StorageError(CareDeskError):
    """The disk or folder failed, not the data: the action that met it changed nothing.

    ``folder`` is the folder (or file) the message names. SQLite's result codes and the
    system's error numbers become these in one place, :mod:`careDesk.store.faults`.
    """

    def __init__(self, message: str, folder: str) -> None:
        super().__init__(message)
        self.folder = folder


class NotEnoughSpace(StorageError):
    def __init__(self, path: str) -> None:
        super().__init__(f"Not enough disk space to write {path}. Free some space and retry.", path)


class DiskFull(NotEnoughSpace):
    """The disk holding the vault is full (SQLITE_FULL, ENOSPC, a quota)."""

    def __init__(self, folder: str) -> None:
        StorageError.__init__(
            self,
            f"The disk holding {folder} is full, so careDesk saved nothing. "
            "Free some space on that disk, then try again.",
            folder,
        )


class FolderReadOnly(StorageError):
    """The vault's folder, its files or its disk cannot be written by this user."""

    def __init__(self, folder: str) -> None:
        super().__init__(
            f"careDesk cannot write in {folder} (it is read-only for this user, or no longer "
            "there), so it saved nothing. Make the folder writable, or move the vault to a "
            "folder you can write to, then try again.",
            folder,
        )


class DiskError(StorageError):
    """The disk reported an input/output error (SQLITE_IOERR, EIO)."""

    def __init__(self, folder: str) -> None:
        super().__init__(
            f"The disk holding {folder} reported a read or write error, so careDesk saved "
            "nothing. Check the disk or its network connection and try again; if it happens "
            "again, copy the latest backup to another disk.",
            folder,
        )


class DatabaseBusy(CareDeskError):
    """Another task held the vault's database longer than the wait allows: another program
    (SQLITE_BUSY) or a long job of this one (the write lane, :mod:`careDesk.ops.lane`).
    Nothing was changed, and trying again shortly is safe."""

    def __init__(self, folder: str, seconds: float) -> None:
        super().__init__(
            f"The vault in {folder} stayed busy with another task for {seconds:g} seconds, so "
            "careDesk saved nothing. Try again in a moment."
        )
        self.folder = folder
        self.seconds = seconds


class BackupInvalid(CareDeskError):
    def __init__(self, path: str, detail: str) -> None:
        super().__init__(f"The backup {path} cannot be used: {detail}.")


class PermissionDenied(CareDeskError):
    def __init__(self, role: str, action: str) -> None:
        super().__init__(f"Your role ({role}) may not {action}. Ask a clinic admin.")


class SecretRefused(PermissionDenied):
    """A secret setting (a password or token) was asked for by someone who is not an admin."""

    def __init__(self, role: str, key: str) -> None:
        CareDeskError.__init__(
            self, f"{key} is a secret: only a clinic admin may read it (your role: {role})."
        )
        self.key = key


class ValidationFailed(CareDeskError):
    """Input that does not fit: names the field (and row/file where there is one).

    ``field`` is the field's key (the form shows ``reason`` beside that input); the message
    names it by ``label`` when given, its name in plain words ("birth date", "ICD-10-CM
    code": the form layer gives one), else by the key.
    """

    def __init__(self, field: str, reason: str, *, where: str = "", label: str = "") -> None:
        place = f"{where}: " if where else ""
        super().__init__(f"{place}{label or field}: {reason}")
        self.field = field
        self.reason = reason
        self.where = where
        self.label = label or field


class NotFound(CareDeskError):
    def __init__(self, what: str, key: str) -> None:
        super().__init__(f"No {what} with id {key}.")
        self.what = what
        self.key = key


class PasswordTooWeak(ValidationFailed):
    def __init__(self, reason: str) -> None:
        super().__init__("password", reason)


class AuditChainBroken(CareDeskError):
    """The audit trail was altered at event ``seq`` (``None``: its protection was removed)."""

    def __init__(self, seq: int | None, detail: str) -> None:
        if seq is None:
            super().__init__(f"The audit trail is no longer protected: {detail}.")
        else:
            super().__init__(f"The audit trail was altered at event {seq}: {detail}.")
        self.seq = seq
