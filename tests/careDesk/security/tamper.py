"""What someone holding the database key can do to the audit trail behind the app's back.

A coordinator signs in normally, so they hold the database key (their sealed copy) and their
own private keys. With those and the app's own code they can drop the append-only triggers,
edit or delete events, recompute every hash after an edit, and sign with their own key.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import text
from sqlmodel import Session, col, select

from careDesk.model.security import AuditEvent
from careDesk.paths import VaultPaths
from careDesk.security.signing import Signer, event_hash
from careDesk.store.engine import build_engine
from careDesk.store.slotcrypto import KeyPair
from careDesk.store.vault import unlock

# The append-only triggers as migration 0001 creates them: an insider puts them back after an edit.
AUDIT_TRIGGERS = [
    """CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
       BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END""",
    """CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
       BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END""",
]


@dataclass(frozen=True)
class Insider:
    """What a signed-in user carries away: the database key and their own key pair."""

    login: str
    key: bytes
    pair: KeyPair
    vault_id: str


def insider(paths: VaultPaths, login: str, password: str) -> Insider:
    """Sign ``login`` in read-only and keep what they hold."""
    desk = unlock(paths, login, password, readonly=True)
    assert desk.keys is not None
    held = Insider(login, desk.key, desk.keys, desk.vault_id)
    desk.close()
    return held


def rewrite(paths: VaultPaths, who: Insider, change: Callable[[Session], None]) -> None:
    """Run ``change`` with the append-only triggers out of the way, then put them back."""
    engine = build_engine(paths.database, who.key)
    try:
        with Session(engine) as session:
            session.execute(text("DROP TRIGGER audit_event_no_update"))
            session.execute(text("DROP TRIGGER audit_event_no_delete"))
            change(session)
            for trigger in AUDIT_TRIGGERS:
                session.execute(text(trigger))
            session.commit()
    finally:
        engine.dispose()


def events_from(session: Session, seq: int) -> list[AuditEvent]:
    return list(
        session.exec(
            select(AuditEvent).where(col(AuditEvent.seq) >= seq).order_by(col(AuditEvent.seq))
        )
    )


def rechain(session: Session, seq: int, signer: Signer | None = None) -> None:
    """Recompute every hash from event ``seq`` on (and re-sign them with ``signer``)."""
    rows = events_from(session, seq)
    previous = session.exec(select(AuditEvent).where(col(AuditEvent.seq) == seq - 1)).first()
    prev = previous.hash if previous else "0" * 64
    for event in rows:
        event.prev_hash = prev
        event.hash = event_hash(event)
        if signer is not None:
            signer.sign_event(event)
        session.add(event)
        prev = event.hash
    session.flush()


def edit_detail(session: Session, seq: int, detail: dict[str, object]) -> None:
    event = session.exec(select(AuditEvent).where(col(AuditEvent.seq) == seq)).one()
    event.detail = json.dumps(detail, sort_keys=True)
    session.add(event)
    session.flush()


def cut_after(session: Session, seq: int) -> None:
    session.execute(text("DELETE FROM audit_event WHERE seq > :seq"), {"seq": seq})


def last_seq(session: Session) -> int:
    row = session.exec(select(AuditEvent.seq).order_by(col(AuditEvent.seq).desc())).first()
    return row or 0
