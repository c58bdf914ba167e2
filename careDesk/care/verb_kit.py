"""Shared steps of the care verbs: live rows, applying changes, and the one audit helper.

Rows are loaded "live" (not tombstoned) or :class:`NotFound` is raised. Every change is audited
through :func:`record_change`: the event names the fields that changed, never their values.
Input is validated by the one form layer (``careDesk/care/forms/``), not here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from sqlmodel import Session

from careDesk.changes import Outcome
from careDesk.errors import NotFound
from careDesk.model.base import Record
from careDesk.model.patient import Patient
from careDesk.security.roles import Permission

if TYPE_CHECKING:
    from careDesk.desk import Desk, Tx

R = TypeVar("R", bound=Record)


# ----- rows -----------------------------------------------------------------------------------
def live(session: Session, table: type[R], record_id: str, what: str) -> R:
    """The row with ``record_id`` unless it is missing or tombstoned (then :class:`NotFound`)."""
    row = session.get(table, record_id)
    if row is None or row.deleted_at is not None:
        raise NotFound(what, record_id)
    return row


def require_patient(session: Session, patient_id: str) -> Patient:
    """The live patient, or :class:`NotFound`."""
    return live(session, Patient, patient_id, "patient")


def apply(record: Record, values: Mapping[str, Any]) -> list[str]:
    """Set the values that differ on ``record``; the sorted names of the fields changed."""
    changed = sorted(key for key, value in values.items() if getattr(record, key) != value)
    for key in changed:
        setattr(record, key, values[key])
    return changed


def record_change(
    tx: Tx,
    action: str,
    record: Record,
    *,
    kind: str,
    patient_id: str | None,
    fields: Iterable[str] = (),
    touch: bool = True,
) -> None:
    """Stamp ``record`` changed (unless new) and audit ``action`` with the changed field names."""
    if touch:
        tx.touch(record, kind=kind, patient_id=patient_id)
    tx.audit(
        action,
        entity=kind,
        entity_id=record.id,
        patient_id=patient_id,
        detail={"fields": sorted(fields)},
    )


def add_audited(
    tx: Tx,
    action: str,
    record: R,
    *,
    kind: str,
    patient_id: str | None,
    fields: Iterable[str],
) -> R:
    """Insert the new ``record`` and audit ``action`` naming the fields the caller gave."""
    tx.add(record, kind=kind, patient_id=patient_id)
    record_change(tx, action, record, kind=kind, patient_id=patient_id, fields=fields, touch=False)
    return record


def update_audited(
    tx: Tx,
    action: str,
    record: Record,
    values: Mapping[str, Any],
    *,
    kind: str,
    patient_id: str | None,
) -> list[str]:
    """Apply ``values``; if any field changed, stamp ``record`` and audit ``action``.

    Returns the sorted names of the fields changed (empty: nothing was written).
    """
    changed = apply(record, values)
    if changed:
        record_change(tx, action, record, kind=kind, patient_id=patient_id, fields=changed)
    return changed


def tombstone_audited(tx: Tx, action: str, record: Record, *, kind: str) -> str | None:
    """Tombstone ``record`` and audit ``action``; the patient it belonged to, if any."""
    patient_id: str | None = (
        record.id if isinstance(record, Patient) else getattr(record, "patient_id", None)
    )
    tx.tombstone(record, kind=kind, patient_id=patient_id)
    record_change(tx, action, record, kind=kind, patient_id=patient_id, touch=False)
    return patient_id


def remove_live(
    desk: Desk, table: type[Record], record_id: str, *, what: str, kind: str, action: str
) -> Outcome[None]:
    """The usual "remove (entered in error)" verb: tombstone one live row, audited."""
    with desk.writing(Permission.EDIT) as tx:
        tombstone_audited(tx, action, live(tx.session, table, record_id, what), kind=kind)
        return Outcome(None, tx.changes)


def local_today(tx_now: datetime) -> date:
    """The workstation's calendar date at ``tx_now`` (time entries count by local month)."""
    return tx_now.astimezone().date()
