"""The audit trail's head on the clinic server (an anchor, see ``careDesk.security.anchors``).

After each sync the workstation sends its signed head; the server keeps the highest one along
one chain (``sync.audit_anchor_put``, keyed by clinic and workstation). A workstation whose
trail no longer extends the server's head does not send (the evidence stays there for
``caredesk check``) — unless an admin's signed restore explains it.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import psycopg
from sqlmodel import col, select

from careDesk.errors import CareDeskError
from careDesk.model.security import AuditEvent
from careDesk.model.sync import SyncState
from careDesk.security.anchors import Anchor, AnchorDamaged, make
from careDesk.security.audit import RESTORE_ACTIONS

if TYPE_CHECKING:
    from careDesk.desk import Desk

SOURCE = "the clinic server"


def _hash_at(desk: Desk, seq: int) -> str | None:
    with desk.reading() as session:
        found = session.exec(select(AuditEvent.hash).where(col(AuditEvent.seq) == seq)).first()
    return found


def _head(desk: Desk) -> Anchor | None:
    with desk.reading() as session:
        last = session.exec(
            select(AuditEvent.seq, AuditEvent.hash, AuditEvent.at)
            .order_by(col(AuditEvent.seq).desc())
            .limit(1)
        ).first()
    if last is None:
        return None
    return make(desk.signer, desk.vault_id, last[0] or 0, last[1], desk.keys_digest(), last[2])


def _restored_since(desk: Desk, anchor: Anchor) -> bool:
    with desk.reading() as session:
        found = session.exec(
            select(AuditEvent.seq).where(
                col(AuditEvent.action).in_(sorted(RESTORE_ACTIONS)),
                col(AuditEvent.at) > anchor.at,
                AuditEvent.signature != "",
            )
        ).first()
    return found is not None


def publish(desk: Desk, conn: psycopg.Connection[Any], client_id: str) -> bool:
    """Send this workstation's head if the server's is behind it on the same trail; returns
    whether the server took it."""
    head = _head(desk) if desk.signer is not None else None
    if head is None:
        return False
    try:
        row = conn.execute("SELECT sync.audit_anchor_get(%s)", (client_id,)).fetchone()
    except psycopg.errors.UndefinedFunction:
        conn.rollback()  # a server set up before anchors: nothing to do until it is upgraded
        return False
    base_seq = base_hash = None
    if row and row[0] is not None:
        try:
            stored = Anchor.from_json(row[0], SOURCE)
        except AnchorDamaged:
            return False
        extends = _hash_at(desk, stored.seq) == stored.hash
        if not extends and not _restored_since(desk, stored):
            return False  # keep the server's evidence that this trail was rewritten
        base_seq, base_hash = stored.seq, stored.hash
    taken = conn.execute(
        "SELECT sync.audit_anchor_put(%s, %s::jsonb, %s, %s)",
        (client_id, json.dumps(head.to_json()), base_seq, base_hash),
    ).fetchone()
    conn.commit()
    return bool(taken and taken[0])


def fetch(desk: Desk) -> tuple[Anchor | None, str | None]:
    """For ``caredesk check``: the server's anchor for this workstation, or why there is none
    to check (said in words for the report)."""
    if not desk.settings.get("sync.url"):
        return None, "no sync server configured: server anchor not checked"
    with desk.reading() as session:
        state = session.get(SyncState, 1)
    if state is None:
        return None, "this workstation has never synced: server anchor not checked"
    try:
        info = desk.sync._conninfo()
        with desk.sync.connect(info) as conn:
            row = conn.execute("SELECT sync.audit_anchor_get(%s)", (state.client_id,)).fetchone()
    except psycopg.OperationalError:
        return None, "the clinic server cannot be reached: server anchor not checked"
    except psycopg.Error as exc:
        return None, f"the clinic server refused ({type(exc).__name__}): server anchor not checked"
    except CareDeskError as exc:
        return None, f"server anchor not checked: {exc.message}"
    if not row or row[0] is None:
        return None, "the clinic server holds no anchor for this workstation yet: not checked"
    try:
        return Anchor.from_json(row[0], SOURCE), None
    except AnchorDamaged:
        return None, "the clinic server's anchor is not readable: not checked"
