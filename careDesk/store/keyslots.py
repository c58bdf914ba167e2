"""``vault.keys``: each user's wrapped key pair, and the database key sealed to each of them.

Format 2 (this one), beside the database::

    users     login → public keys (X25519 "box", Ed25519 "sign") and the private halves
              wrapped under the password (Argon2id) and, optionally, under a "remember on this
              workstation" secret (HKDF); a user from before format 2 who has not signed in
              since keeps their old slot ("legacy") until they do
    recovery  the recovery key's public keys and salt (its private keys derive from the
              printed key itself)
    sealed    the database key of generation ``epoch``, sealed to each user and to recovery
    next      only during a key rotation: the next key, sealed to those who keep access

Everything read from the file is checked before use (``_parse``): lengths, base64, Argon2id
bounds and a checksum per entry. Anything that cannot be right is :class:`KeySlotsDamaged`,
never "wrong password". Format 1 (the database key wrapped directly under each password) is
still read; the first password sign-in that may write upgrades it (``careDesk.store.slotmigrate``).

The file is rewritten atomically (temporary file, fsync, rename): a crash leaves the old file or
the new one, never half of one.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from careDesk.errors import KeySlotsDamaged, KeySlotsMissing
from careDesk.paths import write_private_atomic
from careDesk.store import slotcrypto as sc
from careDesk.store.slotcrypto import KeyPair, SlotDamage

FORMAT = 2
KEY_BYTES = sc.KEY_BYTES
# RFC 9106 §4, second recommended option (64 MiB, t=3, p=4): ~200 ms on a clinic desktop.
# Read at each use, so tests and benchmarks may lower it (never below sc.KDF_BOUNDS).
ARGON2_DEFAULTS: dict[str, int] = {"time_cost": 3, "memory_cost": 65536, "parallelism": 4}
RECOVERY_GROUPS = 8
RECOVERY = "recovery"


@dataclass
class UserEntry:
    """One user's keys in the file."""

    login: str
    user_id: str
    box: str | None = None  # public keys; None only for a legacy (format 1) user
    sign: str | None = None
    password: dict[str, Any] | None = None
    remember: dict[str, Any] | None = None
    legacy: dict[str, Any] | None = None  # the format-1 password slot, until first sign-in
    legacy_remember: dict[str, Any] | None = None

    @property
    def label(self) -> str:
        """The name the database key is sealed to."""
        return f"user:{self.user_id}"

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"user_id": self.user_id}
        # A format-1 remembered secret is not carried over: it wrapped the old database key.
        for name in ("box", "sign", "password", "remember", "legacy"):
            if getattr(self, name) is not None:
                data[name] = getattr(self, name)
        return data


@dataclass
class RecoveryEntry:
    """The recovery key's public half (or its format-1 slot until it is replaced)."""

    salt: str | None = None
    box: str | None = None
    sign: str | None = None
    legacy: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        if self.legacy is not None:
            return {"legacy": self.legacy}
        return {"salt": self.salt, "box": self.box, "sign": self.sign}

    def public(self) -> dict[str, str] | None:
        if self.box is None or self.sign is None:
            return None
        return {"box": self.box, "sign": self.sign}


@dataclass
class Sealed:
    """The database key of one generation, sealed to each recipient."""

    epoch: int
    boxes: dict[str, dict[str, str]]
    recovery: RecoveryEntry | None = None  # ``next`` only: a recovery key that comes with it

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"epoch": self.epoch, "boxes": self.boxes}
        if self.recovery is not None:
            data["recovery"] = self.recovery.to_json()
        return data


@dataclass
class KeySlotFile:
    """The parsed ``vault.keys``."""

    vault_id: str
    users: dict[str, UserEntry] = field(default_factory=dict)
    recovery: RecoveryEntry | None = None
    sealed: Sealed | None = None
    next: Sealed | None = None
    format: int = FORMAT

    # ----- reading and writing -------------------------------------------------------------
    @classmethod
    def load(cls, path: Path) -> KeySlotFile:
        """Read and check the file; a missing or damaged one is a typed error."""
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise KeySlotsMissing(str(path)) from None
        try:
            data = json.loads(raw.decode("utf-8"))
            if not isinstance(data, dict):
                raise SlotDamage("not a key-slot file")
            from careDesk.store.slotparse import parse, parse_v1

            if data.get("format") == 1:
                return parse_v1(data)
            if data.get("format") != FORMAT:
                raise SlotDamage("unknown format")
            return parse(data)
        except SlotDamage as exc:
            raise KeySlotsDamaged(str(path), str(exc)) from None
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise KeySlotsDamaged(str(path), "it is not readable") from exc

    def save(self, path: Path) -> None:
        """Write atomically (always in format 2): the old file or the new one survives."""
        data: dict[str, Any] = {
            "format": FORMAT,
            "vault_id": self.vault_id,
            "users": {login: _checked(e.to_json()) for login, e in sorted(self.users.items())},
        }
        if self.recovery is not None:
            data["recovery"] = _checked(self.recovery.to_json())
        if self.sealed is not None:
            data["sealed"] = _checked(self.sealed.to_json())
        if self.next is not None:
            data["next"] = _checked(self.next.to_json())
        write_atomic(path, json.dumps(data, indent=1, sort_keys=True).encode("utf-8"))

    def logins(self) -> list[str]:
        """Logins that can sign in (each has an entry)."""
        return sorted(self.users)


def _checked(entry: dict[str, Any]) -> dict[str, Any]:
    return {**entry, "check": sc.checksum(entry)}


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` as a private (0600) file via a temporary file, then rename."""
    write_private_atomic(path, data)


# ----- password and remembered-secret wraps ----------------------------------------------------
def _ad(vault_id: str, kind: str, entry: UserEntry, params: dict[str, Any]) -> bytes:
    # Binds the wrap to its vault, owner, settings and public keys: none can be swapped.
    return sc.canonical(
        {
            "vault": vault_id,
            "kind": kind,
            "login": entry.login,
            "user": entry.user_id,
            "box": entry.box,
            "sign": entry.sign,
            "params": params,
        }
    )


def new_user(vault_id: str, login: str, uid: str, pair: KeyPair, password: str) -> UserEntry:
    """An entry for ``login`` whose password unwraps ``pair``."""
    entry = UserEntry(login=login, user_id=uid, box=pair.box_public, sign=pair.sign_public)
    set_password(vault_id, entry, pair, password)
    return entry


def set_password(vault_id: str, entry: UserEntry, pair: KeyPair, password: str) -> None:
    """(Re)wrap ``pair`` under ``password`` at today's Argon2id settings."""
    kdf = sc.new_kdf(ARGON2_DEFAULTS)
    wrapped = sc.wrap(
        sc.argon2(password, kdf), pair.private_bytes(), _ad(vault_id, "password", entry, kdf)
    )
    entry.password = {"kdf": kdf, **wrapped}


def open_password(vault_id: str, entry: UserEntry, password: str) -> KeyPair | None:
    """The user's key pair, or ``None`` for a wrong password."""
    assert entry.password is not None
    kdf = entry.password["kdf"]
    raw = sc.unwrap(
        sc.argon2(password, kdf), entry.password, _ad(vault_id, "password", entry, kdf), 64
    )
    return _pair(raw, entry)


def set_remember(vault_id: str, entry: UserEntry, pair: KeyPair, secret: bytes) -> None:
    """Wrap ``pair`` under a 256-bit secret kept in the OS keyring."""
    salt = sc.b64(os.urandom(16))
    key = sc.hkdf(secret, sc.unb64(salt, "salt"), b"careDesk remembered secret")
    entry.remember = {
        "salt": salt,
        **sc.wrap(key, pair.private_bytes(), _ad(vault_id, "remember", entry, {"salt": salt})),
    }


def open_remember(vault_id: str, entry: UserEntry, secret: bytes) -> KeyPair | None:
    """The user's key pair from a remembered secret, or ``None`` if it is not the one."""
    assert entry.remember is not None
    salt = entry.remember["salt"]
    key = sc.hkdf(secret, sc.unb64(salt, "salt"), b"careDesk remembered secret")
    ad = _ad(vault_id, "remember", entry, {"salt": salt})
    return _pair(sc.unwrap(key, entry.remember, ad, 64), entry)


def _pair(raw: bytes | None, entry: UserEntry) -> KeyPair | None:
    if raw is None:
        return None
    pair = KeyPair.from_bytes(raw)
    if (pair.box_public, pair.sign_public) != (entry.box, entry.sign):
        return None  # cannot happen with an intact tag; kept as a guard
    return pair


# ----- the database key, sealed ----------------------------------------------------------------
def _context(vault_id: str, epoch: int, label: str) -> bytes:
    return f"careDesk/{vault_id}/db-key/{epoch}/{label}".encode()


def seal_key(vault_id: str, epoch: int, db_key: bytes, recipients: dict[str, str]) -> Sealed:
    """Seal ``db_key`` to each recipient (label → X25519 public key)."""
    boxes = {
        label: sc.seal(db_key, public, _context(vault_id, epoch, label))
        for label, public in recipients.items()
    }
    return Sealed(epoch=epoch, boxes=boxes)


def open_key(vault_id: str, sealed: Sealed, label: str, pair: KeyPair) -> bytes | None:
    """The database key sealed to ``label``, or ``None`` (no box for it, or not this key)."""
    box = sealed.boxes.get(label)
    if box is None:
        return None
    return sc.open_sealed(box, pair.box, _context(vault_id, sealed.epoch, label))


# ----- recovery key ----------------------------------------------------------------------------
def new_recovery_key() -> str:
    """A printable recovery key: 8 groups of 4 base32 characters (160 random bits)."""
    raw = base64.b32encode(os.urandom(20)).decode("ascii")
    groups = [raw[i : i + 4] for i in range(0, len(raw), 4)][:RECOVERY_GROUPS]
    return "-".join(groups)


def recovery_secret(recovery_key: str) -> bytes:
    """Normalise a typed recovery key (case, spaces, dashes) to its bytes."""
    cleaned = "".join(ch for ch in recovery_key.upper() if ch.isalnum())
    return cleaned.encode("ascii")


def new_recovery() -> tuple[str, RecoveryEntry, KeyPair]:
    """A new recovery key: (what to print, its entry, its key pair)."""
    printed = new_recovery_key()
    salt = os.urandom(16)
    pair = sc.recovery_pair(recovery_secret(printed), salt)
    entry = RecoveryEntry(salt=sc.b64(salt), box=pair.box_public, sign=pair.sign_public)
    return printed, entry, pair


def open_recovery(entry: RecoveryEntry, recovery_key: str) -> KeyPair | None:
    """The recovery key pair, or ``None`` when the typed key is not this vault's."""
    assert entry.salt is not None
    pair = sc.recovery_pair(recovery_secret(recovery_key), sc.unb64(entry.salt, "salt"))
    if (pair.box_public, pair.sign_public) != (entry.box, entry.sign):
        return None
    return pair


# ----- format 1 (read for the upgrade) ---------------------------------------------------------
def open_legacy(vault_id: str, slot: dict[str, Any], secret: str | bytes) -> bytes | None:
    """The database key from a format-1 slot, or ``None`` if the secret is wrong."""
    kdf = slot["kdf"]
    if kdf["alg"] == "argon2id":
        if not isinstance(secret, str):
            return None
        key = sc.argon2(secret, kdf)
    else:
        if not isinstance(secret, bytes):
            return None
        key = sc.hkdf(secret, sc.unb64(kdf["salt"], "salt"), b"careDesk key slot")
    ad = f"careDesk/{vault_id}/{slot['kind']}/{slot['name']}".encode()
    return sc.unwrap(key, slot, ad, KEY_BYTES)


def dummy_sign_in(password: str) -> None:
    """The Argon2id a real sign-in would run, for a login that does not exist."""
    sc.dummy_derivation(password, ARGON2_DEFAULTS)
