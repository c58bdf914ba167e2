"""Appointments: where, when, with whom, how to get there (transport, telehealth link).

An appointment is scheduled, then completed, missed or cancelled. Day and week views use the
clinic's time zone (setting ``clinic.timezone``, UTC when unset) for where a day begins.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from careDesk.care.forms.base import Form, ReadModel, refuse, updating
from careDesk.care.verb_kit import (
    add_audited,
    live,
    remove_live,
    require_patient,
    update_audited,
)
from careDesk.changes import Outcome
from careDesk.model.base import utcnow
from careDesk.model.fields import TimeZoneName
from careDesk.model.schedule import Appointment, AppointmentBase
from careDesk.security.roles import Permission

if TYPE_CHECKING:
    from sqlmodel import Session

    from careDesk.desk import Desk

SCHEDULED = "scheduled"


class AppointmentCreate(AppointmentBase, Form):
    """A new appointment (scheduled)."""


AppointmentUpdate = updating(
    AppointmentBase, "AppointmentUpdate", doc="Changes to a scheduled appointment."
)


class AppointmentRead(AppointmentBase, ReadModel):
    id: str
    patient_id: str
    updated_at: datetime


class ZoneForm(Form):
    timezone: TimeZoneName | None = None


def _check_times(row: Appointment) -> None:
    if row.ends_at is not None and row.ends_at <= row.starts_at:
        raise refuse("ends_at", "must be after the start")


class Appointments:
    """Verbs on appointments (``desk.appointments``)."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def create(self, patient_id: str, **fields: Any) -> Outcome[AppointmentRead]:
        """Schedule an appointment for a patient."""
        self.desk.require(Permission.EDIT)
        form = AppointmentCreate.parse(fields)
        with self.desk.writing() as tx:
            require_patient(tx.session, patient_id)
            row = Appointment(patient_id=patient_id, **form.to_record())
            _check_times(row)
            add_audited(
                tx,
                "appointment.add",
                row,
                kind="appointment",
                patient_id=patient_id,
                fields=form.model_fields_set,
            )
            return Outcome(AppointmentRead.of(row), tx.changes)

    def update(self, appointment_id: str, **fields: Any) -> Outcome[AppointmentRead]:
        """Change a scheduled appointment (time, place, transport…)."""
        self.desk.require(Permission.EDIT)
        values = AppointmentUpdate.parse(fields).changes()
        with self.desk.writing() as tx:
            row = self._scheduled(tx.session, appointment_id)
            update_audited(
                tx,
                "appointment.update",
                row,
                values,
                kind="appointment",
                patient_id=row.patient_id,
            )
            _check_times(row)  # a refusal rolls the whole write back
            return Outcome(AppointmentRead.of(row), tx.changes)

    def cancel(self, appointment_id: str) -> Outcome[AppointmentRead]:
        """Cancel a scheduled appointment."""
        return self._set_status(appointment_id, "cancelled")

    def mark_completed(self, appointment_id: str) -> Outcome[AppointmentRead]:
        """Record that the patient attended."""
        return self._set_status(appointment_id, "completed")

    def mark_missed(self, appointment_id: str) -> Outcome[AppointmentRead]:
        """Record a no-show (only once the appointment has started)."""
        return self._set_status(appointment_id, "missed")

    def remove(self, appointment_id: str) -> Outcome[None]:
        """Remove an appointment entered in error (tombstone)."""
        return remove_live(
            self.desk,
            Appointment,
            appointment_id,
            what="appointment",
            kind="appointment",
            action="appointment.remove",
        )

    # ----- reading ---------------------------------------------------------------------------
    def upcoming(
        self, patient_id: str, *, now: datetime | None = None, limit: int = 50
    ) -> list[AppointmentRead]:
        """The patient's scheduled appointments from ``now`` on, soonest first."""
        self.desk.require(Permission.READ)
        with self.desk.reading() as session:
            rows = session.exec(
                select(Appointment)
                .where(Appointment.patient_id == patient_id, Appointment.status == SCHEDULED)
                .where(col(Appointment.starts_at) >= (now or utcnow()))
                .where(col(Appointment.deleted_at).is_(None))
                .order_by(col(Appointment.starts_at))
                .limit(limit)
            )
            return [AppointmentRead.of(r) for r in rows]

    def between(self, start: datetime, end: datetime) -> list[AppointmentRead]:
        """Every patient's appointments starting in [start, end), any status, by time."""
        self.desk.require(Permission.READ)
        if start.tzinfo is None or end.tzinfo is None:
            raise refuse("start", "give times with their time zone")
        with self.desk.reading() as session:
            rows = session.exec(
                select(Appointment)
                .where(col(Appointment.starts_at) >= start, col(Appointment.starts_at) < end)
                .where(col(Appointment.deleted_at).is_(None))
                .order_by(col(Appointment.starts_at), col(Appointment.id))
            )
            return [AppointmentRead.of(r) for r in rows]

    def on_day(self, day: date, timezone: str | None = None) -> list[AppointmentRead]:
        """Appointments on one local calendar day."""
        start = self._midnight(day, timezone)
        return self.between(start, self._midnight(day + timedelta(days=1), timezone))

    def week_of(self, day: date, timezone: str | None = None) -> list[AppointmentRead]:
        """Appointments in the Monday-to-Sunday week that holds ``day``."""
        monday = day - timedelta(days=day.weekday())
        start = self._midnight(monday, timezone)
        return self.between(start, self._midnight(monday + timedelta(days=7), timezone))

    # ----- shared steps ----------------------------------------------------------------------
    def _midnight(self, day: date, timezone: str | None) -> datetime:
        name = ZoneForm.parse(timezone=timezone).timezone
        name = name or self.desk.settings.get("clinic.timezone") or "UTC"
        return datetime.combine(day, time(0), ZoneInfo(name))

    @staticmethod
    def _scheduled(session: Session, appointment_id: str) -> Appointment:
        row = live(session, Appointment, appointment_id, "appointment")
        if row.status != SCHEDULED:
            raise refuse("status", f"this appointment is already {row.status}")
        return row

    def _set_status(self, appointment_id: str, status: str) -> Outcome[AppointmentRead]:
        self.desk.require(Permission.EDIT)
        with self.desk.writing() as tx:
            row = self._scheduled(tx.session, appointment_id)
            if status == "missed" and row.starts_at > tx.now:
                raise refuse("status", "an appointment can be missed only once it starts")
            # Only a scheduled appointment gets here, so the status always changes.
            update_audited(
                tx,
                f"appointment.{status}",
                row,
                {"status": status},
                kind="appointment",
                patient_id=row.patient_id,
            )
            return Outcome(AppointmentRead.of(row), tx.changes)
