"""Anchors: the audit trail's head, recorded outside the database where a rewrite shows.

An anchor is (vault id, sequence number, hash, fingerprint of the user keys, time), signed by
the user who recorded it. Three kinds:

- the head file ``vault.head`` beside the vault, rewritten after every commit that adds events
  (a small write after the database's own; a crash leaves the previous head, which the trail
  still extends);
- every backup's manifest (the head of the backed-up copy), signed by the admin who made it;
- the clinic sync server, which keeps the highest head each workstation sent along one chain
  (``careDesk.sync.anchor``).

``caredesk check`` requires the trail to extend every anchor it can read. At sign-in, a head
file the trail no longer extends is not silently overwritten: the sign-in records it in a
signed ``audit.cut`` event first, so the evidence stays in the trail itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from careDesk.logs import log_unexpected
from careDesk.model.security import AuditEvent
from careDesk.paths import write_private_atomic
from careDesk.security.audit_keys import Registry
from careDesk.security.signing import Signer, anchor_message
from careDesk.store.slotcrypto import verify

if TYPE_CHECKING:
    from careDesk.desk import Desk

HEAD_FORMAT = 1
CUT_ACTION = "audit.cut"


class AnchorDamaged(ValueError):
    """An anchor that cannot be read."""


@dataclass(frozen=True)
class Anchor:
    """One recorded head of the trail."""

    source: str  # how check names it: "the head file", "the backup X", "the clinic server"
    vault_id: str
    seq: int
    hash: str
    keys: str
    at: datetime
    signed_by: str = ""
    signature: str = ""

    def fields(self) -> dict[str, Any]:
        """What the signature covers."""
        return {
            "vault": self.vault_id,
            "seq": self.seq,
            "hash": self.hash,
            "keys": self.keys,
            "at": self.at.isoformat(),
        }

    def to_json(self) -> dict[str, Any]:
        return {**self.fields(), "signed_by": self.signed_by, "signature": self.signature}

    @classmethod
    def from_json(cls, data: Any, source: str) -> Anchor:
        """Parse a stored anchor; :class:`AnchorDamaged` when it cannot be one."""
        try:
            at = datetime.fromisoformat(str(data["at"]))
            if at.tzinfo is None:
                raise ValueError("naive time")
            return cls(
                source=source,
                vault_id=str(data["vault"]),
                seq=int(data["seq"]),
                hash=str(data["hash"]),
                keys=str(data.get("keys", "")),
                at=at,
                signed_by=str(data.get("signed_by", "")),
                signature=str(data.get("signature", "")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise AnchorDamaged(f"{source} is not readable") from exc

    def signature_problem(self, registry: Registry) -> str | None:
        """Why this anchor's signature cannot be trusted, or None (unsigned: see caller)."""
        known = registry.keys.get(self.signed_by)
        if known is None:
            return f"{self.source} is signed by a key the audit trail does not know"
        if not verify(known[1], self.signature, anchor_message(self.fields())):
            return f"{self.source} was changed after it was signed"
        return None


def make(
    signer: Signer | None, vault_id: str, seq: int, hash_hex: str, keys: str, at: datetime
) -> Anchor:
    """An anchor for the trail's head, signed when there is a signer."""
    anchor = Anchor("", vault_id, seq, hash_hex, keys, at)
    if signer is None:
        return anchor
    return Anchor(
        "",
        vault_id,
        seq,
        hash_hex,
        keys,
        at,
        signed_by=signer.key_id,
        signature=signer.sign(anchor_message(anchor.fields())),
    )


# ----- the head file ----------------------------------------------------------------------------
def write_head(path: Path, anchor: Anchor) -> None:
    """Replace the head file atomically (fsync the file; a lost rename leaves the older head,
    which the trail still extends)."""
    data = json.dumps({"format": HEAD_FORMAT, **anchor.to_json()}, indent=1).encode()
    write_private_atomic(path, data)  # 0600, like every file beside the vault


def read_head(path: Path) -> Anchor | None:
    """The head file's anchor; None when there is none; :class:`AnchorDamaged` if unreadable."""
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise AnchorDamaged("the head file is not readable") from exc
    if not isinstance(data, dict) or data.get("format") != HEAD_FORMAT:
        raise AnchorDamaged("the head file is not readable")
    return Anchor.from_json(data, "the head file")


def after_commit(desk: Desk, event: AuditEvent, keys_changed: bool) -> None:
    """Rewrite the head file after a commit that appended ``event``. A failure here (disk
    full) must not undo the committed change: it is logged and the older head stays."""
    signer = desk.signer
    if signer is None:
        return
    try:
        keys = desk.keys_digest(refresh=keys_changed)
        anchor = make(signer, desk.vault_id, event.seq or 0, event.hash, keys, event.at)
        write_head(desk.paths.head, anchor)
    except OSError as exc:
        log_unexpected(exc)


def lost_head(desk: Desk) -> dict[str, Any] | None:
    """At sign-in: the head file's anchor if the trail no longer extends it (its last events
    were removed or rewritten since it was written), for the ``audit.cut`` event."""
    try:
        head = read_head(desk.paths.head)
    except AnchorDamaged:
        return {"head_file": "unreadable"}
    if head is None:
        return None
    with desk.reading() as session:
        found = session.exec(select(AuditEvent.hash).where(col(AuditEvent.seq) == head.seq)).first()
    if head.vault_id == desk.vault_id and found == head.hash:
        return None
    return {"head_file": head.to_json()}


# ----- backups ----------------------------------------------------------------------------------
def of_copy(session: Session, vault_id: str, signer: Signer | None, keys: str) -> Anchor | None:
    """The anchor of a database (a backup's copy), or None when its trail is empty."""
    last = session.exec(
        select(AuditEvent.seq, AuditEvent.hash, AuditEvent.at)
        .order_by(col(AuditEvent.seq).desc())
        .limit(1)
    ).first()
    if last is None:
        return None
    return make(signer, vault_id, last[0] or 0, last[1], keys, last[2])


def for_backup(copy: Path, key: bytes, vault_id: str, signer: Signer | None) -> dict[str, Any]:
    """The anchor a backup's manifest records: the head of the copy it holds (signed by the
    admin making it; unsigned for the automatic backup taken before a schema upgrade)."""
    from careDesk.security.audit_keys import current
    from careDesk.store.engine import build_engine

    engine = build_engine(copy, key, readonly=True)
    try:
        with Session(engine) as session:
            columns = {
                r[1] for r in session.connection().exec_driver_sql("PRAGMA table_info(audit_event)")
            }
            if "signature" not in columns:  # a copy from before signatures (schema < 3)
                row = (
                    session.connection()
                    .exec_driver_sql("SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1")
                    .first()
                )
                if row is None:
                    return {}
                return make(None, vault_id, int(row[0]), str(row[1]), "", _now()).to_json()
            registry, _problems = current(session, vault_id)
            anchor = of_copy(session, vault_id, signer, registry.digest())
    finally:
        engine.dispose()
    return anchor.to_json() if anchor else {}


def _now() -> datetime:
    from careDesk.model.base import utcnow

    return utcnow()
