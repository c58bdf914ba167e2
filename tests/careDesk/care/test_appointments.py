"""Appointments: schedule, update, cancel/complete/missed, upcoming, day and week views."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from careDesk.desk import Desk
from careDesk.errors import PermissionDenied, ValidationFailed
from careDesk.model.patient import Patient
from tests.careDesk.care.support_records import audit_details, make_patient, read_only_desk

# Thursday 2026-11-19, 16:00 UTC = 10:00 in Chicago
THURSDAY = datetime(2026, 11, 19, 16, 0, tzinfo=UTC)


@pytest.fixture
def patient(desk: Desk) -> Patient:
    return make_patient(desk)


def _book(desk: Desk, patient: Patient, starts_at: datetime, **fields: object) -> str:
    return desk.appointments.create(patient.id, starts_at=starts_at, **fields).value.id


def test_schedule_with_place_transport_and_telehealth(desk: Desk, patient: Patient) -> None:
    appt = desk.appointments.create(
        patient.id,
        starts_at=THURSDAY,
        ends_at=THURSDAY + timedelta(minutes=30),
        with_whom="Dr. Haddad",
        purpose="Heart check-up",
        place="Riverside Heart Clinic, 2nd floor",
        address="12 River Rd, Springfield",
        transport_needed=True,
        transport_note="Medi-Ride booked for 9:15",
    ).value
    assert (appt.status, appt.address, appt.transport_needed) == (
        "scheduled",
        "12 River Rd, Springfield",
        True,
    )
    video = desk.appointments.create(
        patient.id,
        starts_at=THURSDAY + timedelta(days=1),
        telehealth_url="https://visit.example.org/room/42",
    ).value
    assert video.telehealth_url == "https://visit.example.org/room/42"
    assert audit_details(desk, patient.id, "appointment.add")[-1]["fields"] == [
        "address",
        "ends_at",
        "place",
        "purpose",
        "starts_at",
        "transport_needed",
        "transport_note",
        "with_whom",
    ]


def test_upcoming_and_status_changes(desk: Desk, patient: Patient) -> None:
    past = _book(desk, patient, THURSDAY - timedelta(days=2))
    soon = _book(desk, patient, THURSDAY + timedelta(days=1))
    later = _book(desk, patient, THURSDAY + timedelta(days=9))
    cancelled = _book(desk, patient, THURSDAY + timedelta(days=3))
    desk.appointments.cancel(cancelled)
    assert [a.id for a in desk.appointments.upcoming(patient.id, now=THURSDAY)] == [soon, later]

    assert desk.appointments.mark_missed(past).value.status == "missed"
    not_yet = _book(desk, patient, datetime.now(UTC) + timedelta(days=30))  # the real clock
    with pytest.raises(ValidationFailed) as caught:
        desk.appointments.mark_missed(not_yet)  # has not started yet
    assert caught.value.field == "status"
    assert desk.appointments.mark_completed(later).value.status == "completed"
    with pytest.raises(ValidationFailed):
        desk.appointments.update(later, place="elsewhere")
    moved = desk.appointments.update(soon, starts_at=THURSDAY + timedelta(days=2)).value
    assert moved.starts_at == THURSDAY + timedelta(days=2)


def test_day_and_week_in_the_clinic_time_zone(desk: Desk, patient: Patient) -> None:
    desk.settings.set("clinic.timezone", "America/Chicago")
    morning = _book(desk, patient, THURSDAY)  # Thursday 10:00 local
    late = _book(desk, patient, datetime(2026, 11, 20, 3, 0, tzinfo=UTC))  # Thursday 21:00 local
    monday = _book(desk, patient, datetime(2026, 11, 16, 15, 0, tzinfo=UTC))
    next_week = _book(desk, patient, datetime(2026, 11, 23, 15, 0, tzinfo=UTC))
    assert [a.id for a in desk.appointments.on_day(date(2026, 11, 19))] == [morning, late]
    assert [a.id for a in desk.appointments.on_day(date(2026, 11, 19), "UTC")] == [morning]
    assert [a.id for a in desk.appointments.week_of(date(2026, 11, 19))] == [monday, morning, late]
    assert next_week not in [a.id for a in desk.appointments.week_of(date(2026, 11, 22))]


def test_validation_names_the_field(desk: Desk, patient: Patient) -> None:
    cases = [
        ({}, "starts_at"),
        ({"starts_at": datetime(2026, 12, 1, 9, 0)}, "starts_at"),
        ({"starts_at": THURSDAY, "ends_at": THURSDAY - timedelta(hours=1)}, "ends_at"),
        ({"starts_at": THURSDAY, "telehealth_url": "zoom meeting"}, "telehealth_url"),
        ({"starts_at": THURSDAY, "transport_needed": "maybe"}, "transport_needed"),
        ({"starts_at": THURSDAY, "place": "x" * 301}, "place"),
    ]
    for fields, field in cases:
        with pytest.raises(ValidationFailed) as caught:
            desk.appointments.create(patient.id, **fields)
        assert caught.value.field == field
    with pytest.raises(ValidationFailed) as caught:
        desk.appointments.on_day(date(2026, 11, 19), "Nowhere/Town")
    assert caught.value.field == "timezone"
    assert desk.appointments.upcoming(patient.id, now=THURSDAY - timedelta(days=30)) == []


def test_removed_appointments_are_hidden(desk: Desk, patient: Patient) -> None:
    appt = _book(desk, patient, THURSDAY)
    desk.appointments.remove(appt)
    assert desk.appointments.upcoming(patient.id, now=THURSDAY - timedelta(days=1)) == []
    assert (
        desk.appointments.between(THURSDAY - timedelta(days=1), THURSDAY + timedelta(days=1)) == []
    )


def test_read_only_user_is_refused(desk: Desk, patient: Patient) -> None:
    appt = _book(desk, patient, THURSDAY)
    with read_only_desk(desk) as reader:
        assert len(reader.appointments.upcoming(patient.id, now=THURSDAY)) == 1
        with pytest.raises(PermissionDenied):
            reader.appointments.cancel(appt)
        with pytest.raises(PermissionDenied):
            reader.appointments.create(patient.id, starts_at=THURSDAY)
