"""Taking a condition, medicine or allergy off the patient's list, for a reason that is audited.

The reason is one of a fixed set, so the audit trail can keep it without keeping any value a
person typed (docs/architecture.md#the-audit-trail):

- ``entered_in_error``: the entry was wrong: it is deleted (a tombstone, so the deletion
  replicates like any change);
- ``no_longer_taking`` (medicines): the medicine is stopped as of today, not deleted: the
  medication history keeps it, and the handout, the daily schedule and the coordination
  safeguards count active medicines only;
- ``resolved`` (conditions, allergies): the status becomes *resolved* (a condition's abatement
  date becomes today unless one is recorded), not deleted.

Only a mistake deletes: a medicine stopped or a condition resolved stays in the history.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from careDesk.care.verb_kit import apply, live
from careDesk.errors import ValidationFailed
from careDesk.model.base import Record

if TYPE_CHECKING:
    from careDesk.desk import Tx

ENTERED_IN_ERROR = "entered_in_error"
NO_LONGER_TAKING = "no_longer_taking"
RESOLVED = "resolved"
REASONS: dict[str, tuple[str, ...]] = {
    "condition": (ENTERED_IN_ERROR, RESOLVED),
    "medication": (ENTERED_IN_ERROR, NO_LONGER_TAKING),
    "allergy": (ENTERED_IN_ERROR, RESOLVED),
    "encounter": (ENTERED_IN_ERROR,),
    "observation": (ENTERED_IN_ERROR,),
}
# What each reason other than a mistake sets, and the action it is audited as.
_ENDINGS: dict[str, tuple[str, Callable[[Any, date], dict[str, Any]]]] = {
    NO_LONGER_TAKING: ("stop", lambda row, today: {"status": "stopped", "stop_date": today}),
    RESOLVED: ("resolve", lambda row, today: _resolved(row, today)),
}


def _resolved(row: Any, today: date) -> dict[str, Any]:
    values: dict[str, Any] = {"status": "resolved"}
    if hasattr(row, "abated") and row.abated is None:
        values["abated"] = today
    return values


def check_reason(kind: str, reason: str) -> None:
    """Refuse a reason that does not fit this kind of entry."""
    allowed = REASONS[kind]
    if reason not in allowed:
        raise ValidationFailed("reason", f"choose one of {', '.join(allowed)}")


def take_off(
    tx: Tx,
    table: type[Record],
    kind: str,
    record_id: str,
    reason: str,
    check: Callable[[dict[str, Any], date], None],
    today: date,
) -> Record:
    """Delete (a mistake) or end (stopped, resolved) one entry and audit it with ``reason``."""
    check_reason(kind, reason)
    row = live(tx.session, table, record_id, kind)
    patient_id: str = getattr(row, "patient_id")  # noqa: B009
    if reason == ENTERED_IN_ERROR:
        tx.tombstone(row, kind=kind, patient_id=patient_id)
        _audit(tx, f"{kind}.remove", row, patient_id, reason, [])
        return row
    action, ending = _ENDINGS[reason]
    values = ending(row, today)
    if getattr(row, "status", None) == values["status"]:
        raise ValidationFailed("reason", f"this {kind} is already {values['status']}")
    check(row.model_dump() | values, today)
    changed = apply(row, values)
    tx.touch(row, kind=kind, patient_id=patient_id)
    _audit(tx, f"{kind}.{action}", row, patient_id, reason, changed)
    return row


def _audit(
    tx: Tx, action: str, row: Record, patient_id: str, reason: str, fields: list[str]
) -> None:
    """The reason (one of :data:`REASONS`) and the names of the fields changed, never values."""
    detail: dict[str, Any] = {"reason": reason}
    if fields:
        detail["fields"] = sorted(fields)
    kind = action.split(".")[0]
    tx.audit(action, entity=kind, entity_id=row.id, patient_id=patient_id, detail=detail)
