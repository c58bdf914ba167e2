"""The cryptography behind the key slots: key pairs, password wrapping, sealed boxes.

- Each user has a key pair: X25519 (the database key is sealed to it) and Ed25519 (signs the
  audit trail). The private halves are wrapped with AES-256-GCM under a key derived from the
  user's password with Argon2id. The Argon2id settings and both public keys are part of the
  wrap's associated data, so neither can be changed without the unwrap failing.
- A sealed box carries the 32-byte database key to one public key: an ephemeral X25519 key,
  ECDH, HKDF-SHA256, AES-256-GCM; the vault id, the key generation and the recipient are the
  associated data (an ECIES construction, as in libsodium's ``crypto_box_seal``).
- The recovery key is 160 random bits printed once; its key pair is derived from it with
  HKDF-SHA256 (already full-entropy, so no slow derivation), so nothing secret about it is
  stored at all.

Argon2id settings read from a file are bounded before anything is derived (``check_kdf``): a
damaged or hostile ``vault.keys`` can neither hang the sign-in nor crash it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from typing import Any

from argon2.low_level import ARGON2_VERSION, Type, hash_secret_raw
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
# What a slot file may ask for. Lower bounds: still Argon2id as RFC 9106 allows it (the test
# and benchmark profile is t=1, 8 MiB, p=1). Upper bounds: the worst a file can make a sign-in
# cost on a 4 GB clinic PC — about ten seconds and 1 GiB — instead of hanging while it holds
# the vault lock. Salt lengths per RFC 9106 §3.1 (16 bytes recommended).
KDF_BOUNDS: dict[str, tuple[int, int]] = {
    "time_cost": (1, 10),
    "memory_cost": (8 * 1024, 1024 * 1024),  # KiB: 8 MiB .. 1 GiB
    "parallelism": (1, 8),
}
SALT_BOUNDS = (16, 64)
# The dummy derivation for unknown logins uses a fixed salt: it only has to cost the same.
_DUMMY_SALT = b"careDesk/no-such-login/"


class SlotDamage(ValueError):
    """A slot value that cannot be right (bad base64, wrong length, out-of-bounds setting)."""


# ----- encoding ---------------------------------------------------------------------------------
def b64(data: bytes) -> str:
    """Standard base64 text."""
    return base64.b64encode(data).decode("ascii")


def unb64(text: Any, what: str, length: int | tuple[int, int] | None = None) -> bytes:
    """Decode base64 ``text`` (named ``what`` in errors) and check its length."""
    if not isinstance(text, str):
        raise SlotDamage(f"{what} is missing")
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        raise SlotDamage(f"{what} is not valid base64") from None
    low, high = (length, length) if isinstance(length, int) else (length or (0, 1 << 20))
    if not low <= len(data) <= high:
        raise SlotDamage(f"{what} has the wrong length")
    return data


def canonical(data: Any) -> bytes:
    """One byte form of a JSON value (sorted keys, no spaces), for hashing and binding."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def checksum(entry: dict[str, Any]) -> str:
    """A checksum of a slot entry (without its own ``check``), so damage reads as damage."""
    body = {k: v for k, v in entry.items() if k != "check"}
    return hashlib.sha256(canonical(body)).hexdigest()[:32]


# ----- key derivation ---------------------------------------------------------------------------
def new_kdf(params: dict[str, int]) -> dict[str, Any]:
    """Fresh Argon2id settings (``params``: time_cost, memory_cost, parallelism), new salt."""
    return {"alg": "argon2id", "v": ARGON2_VERSION, "salt": b64(os.urandom(16)), **params}


def check_kdf(kdf: Any, what: str) -> dict[str, Any]:
    """The Argon2id settings of a slot, refused (never tried) when out of bounds."""
    if not isinstance(kdf, dict) or kdf.get("alg") != "argon2id":
        raise SlotDamage(f"{what}: unknown key derivation")
    if kdf.get("v", ARGON2_VERSION) != ARGON2_VERSION:
        raise SlotDamage(f"{what}: unknown Argon2 version")
    for name, (low, high) in KDF_BOUNDS.items():
        value = kdf.get(name)
        if type(value) is not int or not low <= value <= high:
            raise SlotDamage(f"{what}: {name} is outside {low}..{high}")
    unb64(kdf.get("salt"), f"{what}: salt", SALT_BOUNDS)
    return kdf


def argon2(password: str, kdf: dict[str, Any]) -> bytes:
    """Argon2id of ``password`` with checked settings (the one slow step of a sign-in)."""
    return hash_secret_raw(
        password.encode("utf-8"),
        unb64(kdf["salt"], "salt", SALT_BOUNDS),
        time_cost=kdf["time_cost"],
        memory_cost=kdf["memory_cost"],
        parallelism=kdf["parallelism"],
        hash_len=KEY_BYTES,
        type=Type.ID,
    )


def dummy_derivation(password: str, params: dict[str, int]) -> None:
    """Spend what a real sign-in spends, so an unknown login answers no faster than a real
    one (otherwise the time taken tells which logins exist)."""
    hash_secret_raw(
        password.encode("utf-8"), _DUMMY_SALT, hash_len=KEY_BYTES, type=Type.ID, **params
    )


def hkdf(secret: bytes, salt: bytes, info: bytes) -> bytes:
    """HKDF-SHA256 (RFC 5869) to 32 bytes."""
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=salt, info=info).derive(secret)


# ----- key pairs --------------------------------------------------------------------------------
def _raw_public(key: X25519PublicKey | Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _raw_private(key: X25519PrivateKey | Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )


def key_id(sign_public: bytes) -> str:
    """The short name of a signing key: 128 bits of its SHA-256."""
    return hashlib.sha256(sign_public).hexdigest()[:32]


@dataclass(frozen=True)
class KeyPair:
    """A user's (or the recovery key's) two private keys."""

    box: X25519PrivateKey
    sign: Ed25519PrivateKey

    @classmethod
    def generate(cls) -> KeyPair:
        return cls(X25519PrivateKey.generate(), Ed25519PrivateKey.generate())

    @classmethod
    def from_bytes(cls, raw: bytes) -> KeyPair:
        """From the 64 bytes :meth:`private_bytes` gives."""
        return cls(
            X25519PrivateKey.from_private_bytes(raw[:32]),
            Ed25519PrivateKey.from_private_bytes(raw[32:64]),
        )

    def private_bytes(self) -> bytes:
        return _raw_private(self.box) + _raw_private(self.sign)

    @property
    def box_public(self) -> str:
        return b64(_raw_public(self.box.public_key()))

    @property
    def sign_public(self) -> str:
        return b64(_raw_public(self.sign.public_key()))

    @property
    def key_id(self) -> str:
        return key_id(_raw_public(self.sign.public_key()))

    def public(self) -> dict[str, str]:
        """The public halves as stored: ``{"box": ..., "sign": ...}``."""
        return {"box": self.box_public, "sign": self.sign_public}


def verify(sign_public: str, signature: str, message: bytes) -> bool:
    """Whether ``signature`` (base64) is the Ed25519 signature of ``message``."""
    try:
        public = Ed25519PublicKey.from_public_bytes(unb64(sign_public, "key", 32))
        public.verify(unb64(signature, "signature", 64), message)
    except (SlotDamage, InvalidSignature, ValueError):
        return False
    return True


def recovery_pair(secret: bytes, salt: bytes) -> KeyPair:
    """The recovery key's key pair, derived from its printed secret."""
    return KeyPair(
        X25519PrivateKey.from_private_bytes(hkdf(secret, salt, b"careDesk recovery box")),
        Ed25519PrivateKey.from_private_bytes(hkdf(secret, salt, b"careDesk recovery sign")),
    )


# ----- wrapping private keys under a password or a random secret --------------------------------
def wrap(secret_key: bytes, plaintext: bytes, ad: bytes) -> dict[str, str]:
    """AES-256-GCM of ``plaintext`` with a fresh nonce."""
    nonce = os.urandom(NONCE_BYTES)
    return {"nonce": b64(nonce), "wrapped": b64(AESGCM(secret_key).encrypt(nonce, plaintext, ad))}


def unwrap(secret_key: bytes, entry: dict[str, Any], ad: bytes, size: int) -> bytes | None:
    """The plaintext, or ``None`` when the secret is wrong (the tag does not verify)."""
    nonce = unb64(entry.get("nonce"), "nonce", NONCE_BYTES)
    sealed = unb64(entry.get("wrapped"), "wrapped key", size + TAG_BYTES)
    try:
        return AESGCM(secret_key).decrypt(nonce, sealed, ad)
    except InvalidTag:
        return None


# ----- sealed boxes -----------------------------------------------------------------------------
def _box_key(shared: bytes, ephemeral: bytes, recipient: bytes, context: bytes) -> bytes:
    return hkdf(shared, ephemeral + recipient, b"careDesk sealed box\x1f" + context)


def seal(payload: bytes, recipient_public: str, context: bytes) -> dict[str, str]:
    """Seal ``payload`` so only the holder of ``recipient_public``'s private key opens it."""
    recipient = unb64(recipient_public, "public key", 32)
    ephemeral = X25519PrivateKey.generate()
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient))
    eph_raw = _raw_public(ephemeral.public_key())
    nonce = os.urandom(NONCE_BYTES)
    box = AESGCM(_box_key(shared, eph_raw, recipient, context)).encrypt(nonce, payload, context)
    return {"ephemeral": b64(eph_raw), "nonce": b64(nonce), "box": b64(box)}


def check_sealed(entry: Any, what: str) -> None:
    """Refuse a sealed box whose parts cannot be right."""
    if not isinstance(entry, dict):
        raise SlotDamage(f"{what} is missing")
    unb64(entry.get("ephemeral"), f"{what}: ephemeral key", 32)
    unb64(entry.get("nonce"), f"{what}: nonce", NONCE_BYTES)
    unb64(entry.get("box"), f"{what}: box", KEY_BYTES + TAG_BYTES)


def open_sealed(entry: dict[str, str], private: X25519PrivateKey, context: bytes) -> bytes | None:
    """The sealed payload, or ``None`` when this key (or this context) does not open it."""
    ephemeral = unb64(entry["ephemeral"], "ephemeral key", 32)
    recipient = _raw_public(private.public_key())
    try:
        shared = private.exchange(X25519PublicKey.from_public_bytes(ephemeral))
        key = _box_key(shared, ephemeral, recipient, context)
        return AESGCM(key).decrypt(
            unb64(entry["nonce"], "nonce"), unb64(entry["box"], "box"), context
        )
    except (InvalidTag, ValueError):
        return None
