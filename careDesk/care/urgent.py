"""Same-day work for a PHQ-9 item 9 answer ≥ 1, raised once per response by every path.

Kroenke K, Spitzer RL, Williams JB. The PHQ-9: validity of a brief depression severity measure.
J Gen Intern Med 2001;16:606-13. Item 9 ("thoughts that you would be better off dead or of
hurting yourself in some way") answered "several days" (1) or more needs same-day follow-up
whatever the total (docs/clinical-sources.md): an urgent call task and a chart alert, never
only a score.

Every path that stores a PHQ-9 response calls :func:`ensure_urgent_work` in the transaction that
stores it: the screener form, FHIR import, and sync (:func:`raise_missing` after a pull, for a
response that arrived without its work); the demo generator builds its rows with
:func:`urgent_fields`. The work is keyed by the response id: its follow-up and alert get ids
derived from it (:func:`work_ids`, RFC 9562 §5.5 name-based), and a response that already has
an alert for it gets nothing new. A re-import or a re-sync therefore adds nothing, and two
workstations that raise the work for one pulled response while apart make the same two rows,
which the clinic server merges (their fields are derived from the response, not the moment).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Integer, case, cast, func
from sqlmodel import Session, col, select

from careDesk.care.instruments import instrument
from careDesk.model.assessment import Alert, ScreenerResult
from careDesk.model.base import aware, stable_id
from careDesk.model.patient import Patient
from careDesk.model.schedule import FollowUp

if TYPE_CHECKING:
    from careDesk.desk import Desk, Tx

URGENT_ORIGIN = "phq9_item9"
PHQ9 = "phq9"
ITEM9 = "phq9_9"
ALERT_MESSAGE = "PHQ-9 item 9 ≥ 1: thoughts of self-harm. Contact the patient today."


def _threshold() -> int:
    """Item 9 answer that calls for same-day work (phq9.json ``urgent_item``, Kroenke 2001)."""
    inst = instrument(PHQ9)
    assert inst.urgent_item == ITEM9 and inst.urgent_at is not None
    return inst.urgent_at


@dataclass(frozen=True)
class Item9:
    """A stored PHQ-9 response whose item 9 answer calls for same-day work."""

    response_id: str
    patient_id: str
    value: int
    taken_at: datetime


@dataclass(frozen=True)
class UrgentWork:
    """The follow-up and alert of one response; ``raised`` when this call created them."""

    follow_up_id: str | None
    alert_id: str | None
    raised: bool


def item9_value(instrument_id: str, answers: str | Mapping[str, Any] | None) -> int | None:
    """The PHQ-9 item 9 answer when it calls for same-day work (≥ 1), else None.

    ``answers`` is the stored JSON or a mapping; a missing item 9 is never inferred (a total
    alone raises nothing).
    """
    if instrument_id != PHQ9 or answers is None:
        return None
    if isinstance(answers, str):
        try:
            answers = json.loads(answers or "{}")
        except ValueError:
            return None
    if not isinstance(answers, Mapping):
        return None
    value = answers.get(ITEM9)
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if value >= _threshold() else None


def work_ids(response_id: str) -> tuple[str, str]:
    """The follow-up and alert ids of a response's urgent work (the same on every workstation)."""
    return (
        stable_id(URGENT_ORIGIN, "follow_up", response_id),
        stable_id(URGENT_ORIGIN, "alert", response_id),
    )


def urgent_fields(
    found: Item9,
    *,
    at: datetime,
    assignee_id: str | None,
    ids: tuple[str, str] | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Fields of the same-day call and the chart alert for ``found``, due ``at``."""
    follow_up_id, alert_id = ids or work_ids(found.response_id)
    when = "" if found.taken_at.date() == at.date() else f" on {found.taken_at:%Y-%m-%d}"
    follow_up = {
        "id": follow_up_id,
        "patient_id": found.patient_id,
        "kind": "call",
        "title": (
            f"Same-day call: PHQ-9 item 9 answered {found.value}{when} (thoughts of self-harm)"
        ),
        "due_at": at,
        "assignee_id": assignee_id,
        "urgent": True,
        "origin": URGENT_ORIGIN,
    }
    alert = {
        "id": alert_id,
        "patient_id": found.patient_id,
        "kind": URGENT_ORIGIN,
        "severity": "urgent",
        "message": ALERT_MESSAGE,
        "raised_at": at,
        "screener_id": found.response_id,
    }
    return follow_up, alert


def _utc(value: datetime | None, fallback: datetime) -> datetime:
    if value is None:
        return fallback
    return aware(value)


def _existing(tx: Tx, response_id: str) -> UrgentWork | None:
    """The work already raised for a response (queries flush what this transaction added)."""
    follow_up_id = work_ids(response_id)[0]
    alert = tx.session.exec(
        select(Alert.id).where(
            col(Alert.screener_id) == response_id, col(Alert.kind) == URGENT_ORIGIN
        )
    ).first()
    follow_up = tx.session.exec(select(FollowUp.id).where(col(FollowUp.id) == follow_up_id)).first()
    if alert is None and follow_up is None:
        return None
    return UrgentWork(follow_up, alert or None, raised=False)


def ensure_urgent_work(tx: Tx, response: ScreenerResult) -> UrgentWork | None:
    """Raise the same-day call and alert for a stored PHQ-9 response with item 9 ≥ 1, once.

    Returns None when the response needs none (another instrument, item 9 absent or 0, the
    response or its patient deleted); else the work, ``raised`` only if created now. The work
    is due when this version of the response reached the record (its ``updated_at``: now, for
    the form and an import), assigned to the patient's coordinator, else to whoever recorded it.
    """
    value = item9_value(response.instrument, response.answers)
    if value is None or response.deleted_at is not None:
        return None
    found = _existing(tx, response.id)
    if found is not None:
        return found
    patient = tx.session.get(Patient, response.patient_id)
    if patient is None or patient.deleted_at is not None:
        return None
    at = _utc(response.updated_at, tx.now)
    item = Item9(response.id, response.patient_id, value, _utc(response.taken_at, at))
    assignee = patient.coordinator_id or response.changed_by or tx.desk.user.id
    follow_up_fields, alert_fields = urgent_fields(item, at=at, assignee_id=assignee)
    follow_up = tx.add(FollowUp(**follow_up_fields), kind="follow_up", patient_id=patient.id)
    alert = tx.add(Alert(**alert_fields), kind="alert", patient_id=patient.id)
    for row in (follow_up, alert):
        row.created_at = at  # the same row, field for field, wherever it is raised
    tx.audit(
        "screener.urgent",
        entity="screener_result",
        entity_id=response.id,
        patient_id=patient.id,
        detail={"follow_up": follow_up.id, "alert": alert.id},
    )
    return UrgentWork(follow_up.id, alert.id, raised=True)


def missing(session: Session) -> list[ScreenerResult]:
    """Live PHQ-9 responses with item 9 ≥ 1 and no alert raised for them (one query)."""
    answers = col(ScreenerResult.answers)
    item9 = case(
        (func.json_valid(answers), cast(func.json_extract(answers, f"$.{ITEM9}"), Integer)),
        else_=None,
    )
    handled = select(col(Alert.screener_id)).where(
        col(Alert.kind) == URGENT_ORIGIN, col(Alert.screener_id).is_not(None)
    )
    return list(
        session.exec(
            select(ScreenerResult).where(
                col(ScreenerResult.instrument) == PHQ9,
                col(ScreenerResult.deleted_at).is_(None),
                item9 >= _threshold(),
                col(ScreenerResult.id).not_in(handled),
            )
        ).all()
    )


def raise_missing(tx: Tx) -> int:
    """Raise the work for every response :func:`missing` finds (e.g. one pulled from a
    workstation whose careDesk did not raise it); returns how many were raised."""
    raised = 0
    for row in missing(tx.session):
        work = ensure_urgent_work(tx, row)
        raised += bool(work and work.raised)
    return raised


def raise_all_missing(desk: Desk, action: str) -> int:
    """Raise the work every response :func:`missing` finds, audited as ``action``; one read
    query, outside the write lane, when there is none (the usual case)."""
    with desk.reading() as session:
        if not missing(session):
            return 0
    with desk.writing(None) as tx:
        raised = raise_missing(tx)
        if raised:
            tx.audit(action, detail={"raised": raised})
    return raised
