"""Remember on this workstation: a secret in the OS keyring that unlocks the vault for one user.

The secret (256 random bits) wraps the user's key pair in ``vault.keys`` (HKDF, AES-256-GCM); the
keyring holds the secret. When no keyring backend exists (headless Linux) the app says so and
works with passwords alone. Disabling the user removes the wrap, and the key rotation that
follows makes any copy of it open nothing live.
"""

from __future__ import annotations

import contextlib
import os
from typing import TYPE_CHECKING, Any

from careDesk.paths import VaultPaths
from careDesk.store import keyslots
from careDesk.store.keyslots import KeySlotFile

if TYPE_CHECKING:  # the sign-in window asks the keyring before the desk's modules are loaded
    from careDesk.desk import Desk

KEYRING_SERVICE = "careDesk"


def keyring_available() -> bool:
    """Whether the OS offers a keyring backend (headless Linux often has none)."""
    import keyring
    from keyring.backends.fail import Keyring as FailKeyring

    try:
        backend: Any = keyring.get_keyring()
    except Exception:  # a broken backend counts as none
        return False
    return not isinstance(backend, FailKeyring) and backend.priority > 0


def _keyring_name(vault_id: str, login: str) -> str:
    return f"{vault_id}:{login}"


def remember_on_workstation(desk: Desk) -> bool:
    """Keep a secret in the OS keyring that unlocks this vault for this user; False if none
    (or the user has no key pair yet: a vault from before key pairs, opened without a password)."""
    if not keyring_available() or desk.keys is None:
        return False
    import base64

    import keyring

    secret = os.urandom(32)
    slots = KeySlotFile.load(desk.paths.key_slots)
    entry = slots.users.get(desk.user.login)
    if entry is None:
        return False
    keyslots.set_remember(desk.vault_id, entry, desk.keys, secret)
    keyring.set_password(
        KEYRING_SERVICE,
        _keyring_name(desk.vault_id, desk.user.login),
        base64.b64encode(secret).decode("ascii"),
    )
    slots.save(desk.paths.key_slots)
    with desk.writing(None) as tx:
        tx.audit("workstation.remember")
    return True


def remembered_secret(paths: VaultPaths, login: str) -> bytes | None:
    """The remembered secret for ``login`` from the keyring, if any."""
    if not keyring_available() or not paths.key_slots.exists():
        return None
    import base64

    import keyring

    slots = KeySlotFile.load(paths.key_slots)
    entry = slots.users.get(login)
    if entry is None or (entry.remember is None and entry.legacy_remember is None):
        return None
    stored = keyring.get_password(KEYRING_SERVICE, _keyring_name(slots.vault_id, login))
    return base64.b64decode(stored) if stored else None


def forget_workstation(desk: Desk) -> None:
    """Remove the remembered secret for the signed-in user."""
    slots = KeySlotFile.load(desk.paths.key_slots)
    entry = slots.users.get(desk.user.login)
    if entry is not None:
        entry.remember = entry.legacy_remember = None
    slots.save(desk.paths.key_slots)
    if keyring_available():
        import keyring
        from keyring.errors import PasswordDeleteError

        with contextlib.suppress(PasswordDeleteError):
            keyring.delete_password(KEYRING_SERVICE, _keyring_name(desk.vault_id, desk.user.login))
    with desk.writing(None) as tx:
        tx.audit("workstation.forget")
