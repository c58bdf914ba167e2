"""Key slots: the database key wrapped once per user password, once for the recovery key.

The database key is 32 random bytes and never stored in plain form. Each slot wraps it with
AES-256-GCM under a key derived from a secret: Argon2id for passwords (parameters kept in the
slot so they can be raised later; RFC 9106 §4 second recommended option, 64 MiB, t=3, p=4) and
HKDF-SHA256 for the recovery key and the "remember on this workstation" secret, which are
already 256-bit random. Failed sign-ins are counted elsewhere (``careDesk.store.signins``), so a
wrong password never rewrites this file.

The file is rewritten atomically (temporary file, fsync, rename): a crash leaves the old file or
the new one, never half of one. Changing a password rewrites only that user's slot entry.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from careDesk.errors import KeySlotsMissing, VaultDamaged
from careDesk.paths import write_private_atomic

FORMAT = 1
KEY_BYTES = 32
ARGON2_DEFAULTS = {"time_cost": 3, "memory_cost": 65536, "parallelism": 4}
RECOVERY_GROUPS = 8


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


@dataclass
class Slot:
    """One wrapped copy of the database key."""

    kind: str  # "password", "recovery" or "remember"
    name: str  # user login, "recovery", or the login the remembered secret belongs to
    kdf: dict[str, Any]
    nonce: str
    wrapped: str

    def to_json(self) -> dict[str, Any]:
        """The slot as stored in the file."""
        return {
            "kind": self.kind,
            "name": self.name,
            "kdf": self.kdf,
            "nonce": self.nonce,
            "wrapped": self.wrapped,
        }


@dataclass
class KeySlotFile:
    """The parsed key-slot file that sits beside the database."""

    vault_id: str
    slots: list[Slot] = field(default_factory=list)

    # ----- reading and writing -------------------------------------------------------------
    @classmethod
    def load(cls, path: Path) -> KeySlotFile:
        """Read the slot file; a missing or unreadable file is a typed error."""
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise KeySlotsMissing(str(path)) from None
        try:
            data = json.loads(raw.decode("utf-8"))
            if data.get("format") != FORMAT:
                raise ValueError("unknown format")
            return cls(
                vault_id=str(data["vault_id"]),
                slots=[Slot(**s) for s in data["slots"]],
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise VaultDamaged(str(path), "key-slot file unreadable") from exc

    def save(self, path: Path) -> None:
        """Write atomically: a crash leaves either the old file or the new one."""
        data = {
            "format": FORMAT,
            "vault_id": self.vault_id,
            "slots": [s.to_json() for s in self.slots],
        }
        write_atomic(path, json.dumps(data, indent=1, sort_keys=True).encode("utf-8"))

    # ----- slots ---------------------------------------------------------------------------
    def find(self, kind: str, name: str) -> Slot | None:
        """The slot of this kind and name, if there is one."""
        for slot in self.slots:
            if slot.kind == kind and slot.name == name:
                return slot
        return None

    def put(self, slot: Slot) -> None:
        """Add a slot, or replace the one with the same kind and name in its place (so the
        other slots' entries stay exactly as they were)."""
        for i, existing in enumerate(self.slots):
            if existing.kind == slot.kind and existing.name == slot.name:
                self.slots[i] = slot
                return
        self.slots.append(slot)

    def remove(self, kind: str, name: str) -> None:
        """Drop the slot of this kind and name (if any)."""
        self.slots = [s for s in self.slots if not (s.kind == kind and s.name == name)]

    def logins(self) -> list[str]:
        """Logins that have a password slot."""
        return sorted(s.name for s in self.slots if s.kind == "password")


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` as a private (0600) file via a temporary file, then rename."""
    write_private_atomic(path, data)


# ----- wrapping ------------------------------------------------------------------------------
def _associated_data(vault_id: str, kind: str, name: str) -> bytes:
    # Binds each slot to its vault and owner, so a slot cannot be moved to another user.
    return f"careDesk/{vault_id}/{kind}/{name}".encode()


def _derive_password_key(password: str, kdf: dict[str, Any]) -> bytes:
    return hash_secret_raw(
        password.encode("utf-8"),
        _unb64(kdf["salt"]),
        time_cost=int(kdf["time_cost"]),
        memory_cost=int(kdf["memory_cost"]),
        parallelism=int(kdf["parallelism"]),
        hash_len=KEY_BYTES,
        type=Type.ID,
    )


def _derive_secret_key(secret: bytes, kdf: dict[str, Any]) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=KEY_BYTES,
        salt=_unb64(kdf["salt"]),
        info=b"careDesk key slot",
    ).derive(secret)


def _derive(secret: str | bytes, kdf: dict[str, Any]) -> bytes:
    if kdf["alg"] == "argon2id":
        assert isinstance(secret, str)
        return _derive_password_key(secret, kdf)
    assert isinstance(secret, bytes)
    return _derive_secret_key(secret, kdf)


def wrap(vault_id: str, kind: str, name: str, secret: str | bytes, db_key: bytes) -> Slot:
    """Wrap ``db_key`` for a password (str) or a random secret (bytes)."""
    salt = _b64(os.urandom(16))
    if isinstance(secret, str):
        kdf: dict[str, Any] = {"alg": "argon2id", "salt": salt, **ARGON2_DEFAULTS}
    else:
        kdf = {"alg": "hkdf-sha256", "salt": salt}
    nonce = os.urandom(12)
    sealed = AESGCM(_derive(secret, kdf)).encrypt(
        nonce, db_key, _associated_data(vault_id, kind, name)
    )
    return Slot(kind=kind, name=name, kdf=kdf, nonce=_b64(nonce), wrapped=_b64(sealed))


def unwrap(vault_id: str, slot: Slot, secret: str | bytes) -> bytes | None:
    """The database key, or ``None`` if the secret is wrong."""
    try:
        return AESGCM(_derive(secret, slot.kdf)).decrypt(
            _unb64(slot.nonce),
            _unb64(slot.wrapped),
            _associated_data(vault_id, slot.kind, slot.name),
        )
    except (InvalidTag, ValueError):
        return None


# ----- recovery key --------------------------------------------------------------------------
def new_recovery_key() -> str:
    """A printable recovery key: 8 groups of 4 base32 characters (160 random bits)."""
    raw = base64.b32encode(os.urandom(20)).decode("ascii")
    groups = [raw[i : i + 4] for i in range(0, len(raw), 4)][:RECOVERY_GROUPS]
    return "-".join(groups)


def recovery_secret(recovery_key: str) -> bytes:
    """Normalise a typed recovery key (case, spaces, dashes) to its bytes."""
    cleaned = "".join(ch for ch in recovery_key.upper() if ch.isalnum())
    return cleaned.encode("ascii")
