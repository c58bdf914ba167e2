"""The clinic-wide list of open referrals, as a work queue: what is late comes first.

Ordered by days late (most late first), then by expected-by day (soonest first), then urgent
before routine, then by patient name. The scope is said, never implied: ``clinic`` is every
open referral in the vault; ``mine`` is those of the signed-in user's patients, as on Today.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlmodel import col, select

from careDesk.care.due_work import scope_condition
from careDesk.care.forms.base import ReadModel, refuse
from careDesk.care.referral_rules import next_step
from careDesk.care.referrals import ReferralRead, read_referral
from careDesk.model.patient import Patient
from careDesk.model.referral import Referral, ReferralState, Urgency
from careDesk.security.roles import Permission

if TYPE_CHECKING:
    from careDesk.desk import Desk

_URGENCY_RANK = {Urgency.URGENT: 0, Urgency.SOON: 1, Urgency.ROUTINE: 2}


class Scope(StrEnum):
    """Whose referrals a list shows."""

    MINE = "mine"  # the signed-in user's patients (careDesk.care.due_work.scope_condition)
    CLINIC = "clinic"  # every patient in the vault

    @property
    def words(self) -> str:
        """Whose referrals, in plain words, for a list's heading."""
        if self == Scope.MINE:
            return "the patients you coordinate"
        return "every patient in the clinic"


def describe(count: int, scope: Scope, *, late_only: bool = False) -> str:
    """A queue's heading: "3 late open referrals of every patient in the clinic"."""
    noun = "referral" if count == 1 else "referrals"
    which = "late open" if late_only else "open"
    return f"{count} {which} {noun} of {scope.words}"


class QueueRow(ReadModel):
    """One open referral in the queue, with whom it is for and what to do next."""

    referral: ReferralRead
    patient_id: str
    patient_name: str
    mrn: str
    next: str | None  # the next step or ending (core words: sent, accepted… completed)

    @property
    def days_late(self) -> int:
        return self.referral.days_late


def _order(row: QueueRow) -> tuple[int, date, int, str]:
    ref = row.referral
    return (
        -ref.days_late,
        ref.due_by,
        _URGENCY_RANK.get(Urgency(ref.urgency), 3),
        row.patient_name,
    )


def open_queue(
    desk: Desk,
    scope: Scope | str = Scope.CLINIC,
    *,
    today: date | None = None,
    late_only: bool = False,
) -> list[QueueRow]:
    """Open referrals (not ended, not removed, of live patients) in work order as of ``today``
    (the workstation's local day if left out); ``late_only`` keeps those past expected-by."""
    desk.require(Permission.READ)
    try:
        chosen = Scope(scope)
    except ValueError:
        raise refuse("scope", "choose mine or clinic") from None
    day = today or date.today()
    query = (
        select(Referral, Patient)
        .join(Patient, col(Patient.id) == Referral.patient_id)
        .where(Referral.state != ReferralState.CLOSED)
        .where(col(Referral.deleted_at).is_(None), col(Patient.deleted_at).is_(None))
    )
    if chosen == Scope.MINE:  # the same "your patients" as Today, Reminders and Schedule
        mine, params = scope_condition(desk.user.id, alias="patient")
        query = query.where(text(mine).bindparams(**params))
    with desk.reading() as session:
        pairs = session.exec(query).all()
    rows = [
        QueueRow(
            referral=read_referral(ref, day),
            patient_id=patient.id,
            patient_name=f"{patient.family_name}, {patient.given_name}",
            mrn=patient.mrn,
            next=step.value if (step := next_step(ref.state)) is not None else None,
        )
        for ref, patient in pairs
    ]
    if late_only:
        rows = [r for r in rows if r.days_late > 0]
    return sorted(rows, key=_order)
