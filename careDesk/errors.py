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


class DatabaseBusy(CareDeskError):
    """The vault's database stayed locked past the wait (another program holds it, or a long
    job on this one did): nothing was changed, and trying again shortly is safe."""

    def __init__(self, seconds: float) -> None:
        super().__init__(
            f"The clinic database is busy and did not answer within {seconds:g} seconds. "
            "Nothing was changed; try again in a moment. If this keeps happening, close other "
            "careDesk windows or commands using this vault."
        )
        self.seconds = seconds


class NotEnoughSpace(CareDeskError):
    def __init__(self, path: str) -> None:
        super().__init__(f"Not enough disk space to write {path}. Free some space and retry.")


class BackupInvalid(CareDeskError):
    def __init__(self, path: str, detail: str) -> None:
        super().__init__(f"The backup {path} cannot be used: {detail}.")


class PermissionDenied(CareDeskError):
    def __init__(self, role: str, action: str) -> None:
        super().__init__(f"Your role ({role}) may not {action}. Ask a clinic admin.")


class ValidationFailed(CareDeskError):
    """Input that does not fit: names the field (and row/file where there is one)."""

    def __init__(self, field: str, reason: str, *, where: str = "") -> None:
        place = f"{where}: " if where else ""
        super().__init__(f"{place}{field}: {reason}")
        self.field = field
        self.reason = reason
        self.where = where


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
