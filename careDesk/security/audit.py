"""The audit trail: append-only, hash-chained events, each signed by the acting user's key.

Each event's hash covers its own fields and the previous event's hash, and the acting user
signs it (``careDesk.security.signing``). Editing an event therefore needs the signature of the
user it names, and, every later hash changing with it, the signatures of every later event's
user: someone holding the database key can rewrite at most a run of their own latest events.
Database triggers refuse UPDATE and DELETE on the table.

Events done for nobody in particular (reminders announced, a nightly backup, sync) run in a
signed-in person's session and are signed by that person, like everything else they trigger.
The recovery key signs the one event that gives a user new keys after a recovery.

What the chain alone cannot show — its last events cut off, or a run of one's own events
rewritten — is caught by comparing it with its anchors (``careDesk.security.anchors``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import text
from sqlmodel import Session, col, select

from careDesk.changes import record_name
from careDesk.errors import AuditChainBroken
from careDesk.model.base import utcnow
from careDesk.model.security import AuditEvent
from careDesk.security import audit_keys
from careDesk.security.audit_keys import Registry
from careDesk.security.signing import GENESIS, Signer, digest, event_fields, event_hash

__all__ = ["GENESIS", "AnchorFinding", "ChainReport", "append", "events", "verify_chain"]

RESTORE_ACTIONS = frozenset({"backup.restore"})


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
    signer: Signer | None = None,
) -> AuditEvent:
    """Append one event inside the caller's transaction (which holds the write lock), signed
    by ``signer`` (only a vault from before signatures, opened without a password, has none)."""
    last = session.exec(
        select(AuditEvent.seq, AuditEvent.hash).order_by(col(AuditEvent.seq).desc()).limit(1)
    ).first()
    seq = ((last[0] or 0) if last else 0) + 1
    entity = record_name(entity)  # one name per record kind: the table's (careDesk/changes.py)
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
    event.hash = digest(prev, seq, event.at, event_fields(event))
    if signer is not None:
        signer.sign_event(event)
    session.add(event)
    return event


class AnchorLike(Protocol):
    """What the chain compares an anchor by (``careDesk.security.anchors.Anchor``)."""

    @property
    def source(self) -> str: ...
    @property
    def seq(self) -> int: ...
    @property
    def hash(self) -> str: ...
    @property
    def keys(self) -> str: ...
    @property
    def at(self) -> datetime: ...


@dataclass
class AnchorFinding:
    """An anchor the trail does not extend, and whether a later restore explains it."""

    anchor: AnchorLike
    problem: str
    explained: bool = False


@dataclass
class ChainReport:
    events: int
    head: str
    unsigned: int = 0  # the unsigned beginning of a vault from before signatures
    registry: Registry | None = None
    checked: list[AnchorLike] = field(default_factory=list)  # anchors the trail extends
    findings: list[AnchorFinding] = field(default_factory=list)


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


def _check_triggers(session: Session) -> None:
    triggers = {
        row[0]
        for row in session.connection().execute(
            text("SELECT name FROM sqlite_master WHERE type='trigger' AND tbl_name='audit_event'")
        )
    }
    if {"audit_event_no_update", "audit_event_no_delete"} - triggers:
        raise AuditChainBroken(None, "its protection triggers were removed")


def _check_event(event: AuditEvent, expected_seq: int, prev: str) -> None:
    seq = event.seq or 0
    if seq != expected_seq:
        raise AuditChainBroken(expected_seq, "an event is missing")
    if event.prev_hash != prev:
        raise AuditChainBroken(seq, "it does not follow the event before it")
    if event_hash(event) != event.hash:
        raise AuditChainBroken(seq, "its contents were changed")


def verify_chain(
    session: Session, vault_id: str = "", anchors: Sequence[AnchorLike] = ()
) -> ChainReport:
    """Walk the whole trail; raise :class:`AuditChainBroken` at the first bad event.

    Checks, for every event: its place in the chain, its hash, and (once the trail has
    introduced keys) that the key of the user it names signed it. ``anchors`` (each with
    ``seq``, ``hash``, ``keys``, ``at`` and ``source``) are heads recorded outside the
    database; each one the trail does not extend is reported in ``findings``.
    """
    _check_triggers(session)
    by_seq: dict[int, list[AnchorLike]] = {}
    for anchor in anchors:
        by_seq.setdefault(anchor.seq, []).append(anchor)
    report = ChainReport(events=0, head=GENESIS, registry=Registry(vault_id))
    assert report.registry is not None
    restored_at: datetime | None = None
    for event in _iter_events(session):
        _check_event(event, report.events + 1, report.head)
        problem = audit_keys.step(report.registry, event)
        if problem:
            raise AuditChainBroken(event.seq, problem)
        report.unsigned += 0 if event.signature else 1
        if event.action in RESTORE_ACTIONS:
            restored_at = event.at
        for anchor in by_seq.pop(event.seq or 0, []):
            _compare(report, anchor, event, report.registry.digest())
        report.head = event.hash
        report.events += 1
    for anchor in (a for group in by_seq.values() for a in group):
        report.findings.append(
            AnchorFinding(
                anchor,
                f"{anchor.source} shows event {anchor.seq}, but the trail ends at event "
                f"{report.events}: its last events were removed",
            )
        )
    _explain_by_restore(report.findings, restored_at)
    return report


def _compare(report: ChainReport, anchor: AnchorLike, event: AuditEvent, keys: str) -> None:
    if anchor.hash != event.hash:
        problem = f"{anchor.source} records another event {anchor.seq}: the trail was rewritten"
    elif anchor.keys and anchor.keys != keys:
        problem = f"{anchor.source} records other user keys at event {anchor.seq}"
    else:
        report.checked.append(anchor)
        return
    report.findings.append(AnchorFinding(anchor, problem))


def _explain_by_restore(findings: Iterable[AnchorFinding], restored_at: datetime | None) -> None:
    # Restoring a backup rolls the trail back on purpose (an admin's signed event says so):
    # anchors written before the restore may show the trail that was replaced.
    if restored_at is None:
        return
    for finding in findings:
        if finding.anchor.at < restored_at:
            finding.explained = True


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
