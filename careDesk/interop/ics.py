"""A patient's upcoming appointments as iCalendar (RFC 5545) for their phone.

Each event's UID is the appointment id (stable: re-exporting updates the event on the phone),
DTSTART is in UTC, LOCATION is the place (or "Video visit") and URL the telehealth link. The
text never carries the purpose of the visit: a calendar on a phone is not private enough for
diagnoses, so it says only who the appointment is with.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from careDesk.model.base import utcnow
from careDesk.model.patient import Patient
from careDesk.model.schedule import Appointment

PRODID = "-//careDesk//Appointments//EN"


def upcoming(session: Session, patient_id: str) -> list[Appointment]:
    """Scheduled appointments from now on, soonest first."""
    query = select(Appointment).where(
        col(Appointment.patient_id) == patient_id,
        col(Appointment.deleted_at).is_(None),
        col(Appointment.status) == "scheduled",
        col(Appointment.starts_at) >= utcnow(),
    )
    return list(session.exec(query.order_by(col(Appointment.starts_at))).all())


def appointments_ics(session: Session, patient: Patient, *, clinic: str = "") -> tuple[bytes, int]:
    """The ``.ics`` bytes and how many appointments they hold."""
    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    now = utcnow()
    found = upcoming(session, patient.id)
    for appt in found:
        event = Event()
        event.add("uid", f"{appt.id}@caredesk")
        event.add("dtstamp", now)
        event.add("dtstart", appt.starts_at)
        if appt.ends_at is not None:
            event.add("dtend", appt.ends_at)
        event.add(
            "summary", f"Appointment with {appt.with_whom}" if appt.with_whom else "Appointment"
        )
        where = appt.address or appt.place
        if appt.telehealth_url:
            event.add("location", where or "Video visit")
            event.add("url", appt.telehealth_url)
        elif where:
            event.add("location", where)
        if clinic:
            event.add("description", f"From {clinic}.")
        event.add("status", "CONFIRMED")
        calendar.add_component(event)
    return calendar.to_ical(), len(found)
