"""How an audit event is hashed and signed (shared by the trail, its key registry and anchors).

An event's hash covers the previous event's hash, its sequence number, time and fields (so the
chain breaks where anything is edited, removed or reordered). Its signature is the acting
user's Ed25519 signature over the vault id and that hash, so an edited event can only be made
whole again with the private key of the user it names — and, the hash chaining each event to
the one before, every later event needs its own signer's key too.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from careDesk.model.security import AuditEvent
from careDesk.store.slotcrypto import KeyPair, b64, canonical, verify

GENESIS = "0" * 64


def digest(prev_hash: str, seq: int, at: datetime, fields: list[str]) -> str:
    """The hash of one event from its parts."""
    payload = "\x1f".join([prev_hash, str(seq), at.isoformat(), *fields])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def event_fields(event: AuditEvent) -> list[str]:
    """The fields an event's hash covers, in order."""
    return [
        event.user_login,
        event.action,
        event.entity,
        event.entity_id,
        event.patient_id or "",
        event.detail,
    ]


def event_hash(event: AuditEvent) -> str:
    """What ``event.hash`` must be, recomputed from the event as stored."""
    return digest(event.prev_hash, event.seq or 0, event.at, event_fields(event))


def event_message(vault_id: str, hash_hex: str) -> bytes:
    """The bytes an event's signature covers."""
    return f"careDesk audit event\x1f{vault_id}\x1f{hash_hex}".encode()


def anchor_message(fields: dict[str, Any]) -> bytes:
    """The bytes an anchor's signature covers (vault id, sequence, hash, keys, time)."""
    return b"careDesk audit anchor\x1f" + canonical(fields)


@dataclass(frozen=True)
class Signer:
    """The signed-in user's signing key, bound to one vault."""

    vault_id: str
    pair: KeyPair

    @property
    def key_id(self) -> str:
        return self.pair.key_id

    def sign(self, message: bytes) -> str:
        """A base64 Ed25519 signature of ``message``."""
        return b64(self.pair.sign.sign(message))

    def sign_event(self, event: AuditEvent) -> None:
        """Stamp ``event`` (hash already set) with this key's name and signature."""
        event.signed_by = self.key_id
        event.signature = self.sign(event_message(self.vault_id, event.hash))


def event_signature_ok(vault_id: str, sign_public: str, event: AuditEvent) -> bool:
    """Whether ``event`` carries ``sign_public``'s signature over its stored hash."""
    return verify(sign_public, event.signature, event_message(vault_id, event.hash))
