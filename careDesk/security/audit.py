"""The audit trail: append-only, hash-chained events.

Each event's hash covers its own fields and the previous event's hash, so editing, deleting or
reordering any event breaks the chain from that point on (detected by ``verify_chain`` and
``caredesk check``). Database triggers refuse UPDATE and DELETE on the table, so only someone
holding the key and dropping the triggers can alter it, and then the chain shows it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, col, select

from careDesk.errors import AuditChainBroken
from careDesk.model.base import utcnow
from careDesk.model.security import AuditEvent

GENESIS = "0" * 64


def _digest(prev_hash: str, seq: int, at: datetime, fields: list[str]) -> str:
    payload = "\x1f".join([prev_hash, str(seq), at.isoformat(), *fields])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _event_fields(event: AuditEvent) -> list[str]:
    return [
        event.user_login,
        event.action,
        event.entity,
        event.entity_id,
        event.patient_id or "",
        event.detail,
    ]


def append(
    session: Session,
    user_login: str,
    action: str,
    *,
    entity: str = "",
    entity_id: str = "",
    patient_id: str | None = None,
    detail: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Append one event inside the caller's transaction (which holds the write lock)."""
    last = session.exec(
        select(AuditEvent.seq, AuditEvent.hash).order_by(col(AuditEvent.seq).desc()).limit(1)
    ).first()
    seq = ((last[0] or 0) if last else 0) + 1
    prev = last[1] if last else GENESIS
    event = AuditEvent(
        seq=seq,
        at=at or utcnow(),
        user_login=user_login,
        action=action,
        entity=entity,
        entity_id=entity_id,
        patient_id=patient_id,
        detail=json.dumps(detail or {}, sort_keys=True, default=str),
        prev_hash=prev,
        hash="",
    )
    event.hash = _digest(prev, seq, event.at, _event_fields(event))
    session.add(event)
    return event


@dataclass(frozen=True)
class ChainReport:
    events: int
    head: str


def _iter_events(session: Session, batch: int = 5000) -> Iterator[AuditEvent]:
    after = 0
    while True:
        rows = session.exec(
            select(AuditEvent)
            .where(col(AuditEvent.seq) > after)
            .order_by(col(AuditEvent.seq))
            .limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        after = rows[-1].seq or after


def verify_chain(session: Session) -> ChainReport:
    """Walk the whole chain; raise :class:`AuditChainBroken` at the first bad event."""
    triggers = {
        row[0]
        for row in session.connection().execute(
            text("SELECT name FROM sqlite_master WHERE type='trigger' AND tbl_name='audit_event'")
        )
    }
    missing = {"audit_event_no_update", "audit_event_no_delete"} - triggers
    if missing:
        raise AuditChainBroken(None, "its protection triggers were removed")
    prev = GENESIS
    expected_seq = 1
    count = 0
    for event in _iter_events(session):
        seq = event.seq or 0
        if seq != expected_seq:
            raise AuditChainBroken(expected_seq, "an event is missing")
        if event.prev_hash != prev:
            raise AuditChainBroken(seq, "it does not follow the event before it")
        if _digest(prev, seq, event.at, _event_fields(event)) != event.hash:
            raise AuditChainBroken(seq, "its contents were changed")
        prev = event.hash
        expected_seq += 1
        count += 1
    return ChainReport(events=count, head=prev)


def events(
    session: Session,
    *,
    patient_id: str | None = None,
    user_login: str | None = None,
    action: str | None = None,
    limit: int = 500,
) -> list[AuditEvent]:
    """Recent events, newest first, filtered as asked."""
    query = select(AuditEvent).order_by(col(AuditEvent.seq).desc()).limit(limit)
    if patient_id:
        query = query.where(AuditEvent.patient_id == patient_id)
    if user_login:
        query = query.where(AuditEvent.user_login == user_login)
    if action:
        query = query.where(AuditEvent.action == action)
    return list(session.exec(query).all())
