"""Discharge from the program, or transition of care to another provider (see Transition in
docs/architecture.md#the-care-process-in-the-code).

One transaction does the whole hand-over: the Transition row (reason and summary), the patient's
program status (discharged or transitioned), every open follow-up cancelled with the reason,
the active care plan completed, and a line on the timeline.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlmodel import Field, col, select

from careDesk.care.followups import cancel_open
from careDesk.care.forms.base import Form, ReadModel, refuse
from careDesk.care.plan_rows import complete_active_plans
from careDesk.care.verb_kit import apply, local_today, record_change, require_patient
from careDesk.changes import Outcome
from careDesk.model.fields import Day, Lines
from careDesk.model.patient import Patient, ProgramStatus
from careDesk.model.timeline import TimelineEntry, Transition
from careDesk.security.roles import Permission

if TYPE_CHECKING:
    from careDesk.desk import Desk, Tx


class TransitionReason(StrEnum):
    GOALS_MET = "goals_met"
    MOVED = "moved"
    DECLINED = "declined"
    HOSPICE = "hospice"
    DECEASED = "deceased"
    TRANSFERRED = "transferred"
    OTHER = "other"


REASON_WORDS = {
    "goals_met": "goals met",
    "moved": "moved away",
    "declined": "declined the program",
    "hospice": "went to hospice care",
    "deceased": "deceased",
    "transferred": "care transferred",
    "other": "other reason",
}
ENDED = (ProgramStatus.DISCHARGED, ProgramStatus.TRANSITIONED)


class TransitionForm(Form):
    reason: TransitionReason
    summary: Lines = Field(max_length=20_000)
    on_date: Day | None = None
    to_provider: str | None = Field(default=None, max_length=200)


class TransitionRead(ReadModel):
    id: str
    patient_id: str
    on_date: date
    outcome: str
    reason: str
    summary: str
    to_provider: str | None
    created_at: datetime


class TransitionDone(TransitionRead):
    """A transition with what it closed."""

    follow_ups_cancelled: int
    plans_completed: int


class Transitions:
    """Verbs on discharge and transition of care (``desk.transitions``)."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def discharge(self, patient_id: str, **fields: Any) -> Outcome[TransitionDone]:
        """Discharge the patient from the program (reason, summary, optional date)."""
        return self._end(patient_id, ProgramStatus.DISCHARGED, fields)

    def transition(self, patient_id: str, **fields: Any) -> Outcome[TransitionDone]:
        """Hand the patient over to another provider (``to_provider`` is required)."""
        return self._end(patient_id, ProgramStatus.TRANSITIONED, fields)

    def for_patient(self, patient_id: str) -> list[TransitionRead]:
        """The patient's discharges and transitions, newest first."""
        self.desk.require(Permission.READ)
        with self.desk.reading() as session:
            rows = session.exec(
                select(Transition)
                .where(Transition.patient_id == patient_id, col(Transition.deleted_at).is_(None))
                .order_by(col(Transition.on_date).desc(), col(Transition.id).desc())
            )
            return [TransitionRead.model_validate(r) for r in rows]

    def _end(
        self, patient_id: str, outcome: ProgramStatus, fields: dict[str, Any]
    ) -> Outcome[TransitionDone]:
        self.desk.require(Permission.EDIT)
        form = TransitionForm.parse(fields)
        if outcome == ProgramStatus.TRANSITIONED and not form.to_provider:
            raise refuse("to_provider", "name who takes over the patient's care")
        with self.desk.writing() as tx:
            patient = require_patient(tx.session, patient_id)
            if patient.status in ENDED:
                raise refuse("status", f"the patient is already {patient.status}")
            on_date = form.on_date or local_today(tx.now)
            row = tx.add(
                Transition(
                    patient_id=patient_id,
                    on_date=on_date,
                    outcome=outcome,
                    reason=form.reason,
                    summary=form.summary,
                    to_provider=form.to_provider,
                ),
                kind="transition",
                patient_id=patient_id,
            )
            _set_status(tx, patient, outcome, form.reason, on_date)
            words = f"{outcome.value.capitalize()}: {REASON_WORDS[form.reason]}"
            cancelled = cancel_open(tx, patient_id, f"Cancelled. {words}")
            completed = complete_active_plans(tx, patient_id)
            tx.add(
                TimelineEntry(
                    patient_id=patient_id,
                    kind="system",
                    at=tx.now,
                    author_id=self.desk.user.id,
                    summary=words,
                ),
                kind="timeline",
                patient_id=patient_id,
            )
            tx.audit(
                f"patient.{outcome.value}",
                entity="transition",
                entity_id=row.id,
                patient_id=patient_id,
                detail={
                    "fields": sorted(form.model_fields_set),
                    "follow_ups_cancelled": cancelled,
                    "plans_completed": completed,
                },
            )
            done = TransitionDone(
                **TransitionRead.model_validate(row).model_dump(),
                follow_ups_cancelled=cancelled,
                plans_completed=completed,
            )
            return Outcome(done, tx.changes)


def _set_status(
    tx: Tx, patient: Patient, outcome: ProgramStatus, reason: str, on_date: date
) -> None:
    values: dict[str, Any] = {"status": outcome.value, "status_changed_at": tx.now}
    if reason == TransitionReason.DECEASED and patient.deceased_on is None:
        values["deceased_on"] = on_date
    changed = apply(patient, values)
    record_change(
        tx, "patient.status", patient, kind="patient", patient_id=patient.id, fields=changed
    )
