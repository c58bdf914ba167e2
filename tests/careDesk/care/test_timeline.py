"""Timeline entries (notes, calls, messages, letters), paging, and care-management time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from careDesk.changes import Kind
from careDesk.desk import Desk
from careDesk.errors import NotFound, PermissionDenied, ValidationFailed
from careDesk.model.patient import Patient
from tests.careDesk.care.support_records import audit_details, make_patient, read_only_desk

START = datetime(2026, 10, 10, 14, 0, tzinfo=UTC)


@pytest.fixture
def patient(desk: Desk) -> Patient:
    return make_patient(desk)


def test_note_with_minutes_is_also_time(desk: Desk, patient: Patient) -> None:
    note = desk.timeline.add_note(
        patient.id,
        summary="Reviewed meds with daughter",
        body="Stopped the duplicate statin.",
        minutes=15,
        at=START,
    )
    assert {Kind.TIMELINE_ENTRY, Kind.TIME_ENTRY} <= note.changes.kinds
    entries = desk.timeline.time_entries(patient.id)
    assert [(t.minutes, t.activity, t.timeline_id) for t in entries] == [
        (15, "note", note.value.id)
    ]
    assert desk.timeline.minutes_by_month(patient.id) == {"2026-10": 15}


def test_calls_messages_and_letters(desk: Desk, patient: Patient) -> None:
    call = desk.timeline.log_call(patient.id, outcome="voicemail", minutes=3, at=START).value
    assert (call.kind, call.direction, call.outcome) == ("call", "out", "voicemail")
    assert call.summary == "Called the patient: left a voicemail"
    text = desk.timeline.record_message(
        patient.id, channel="sms", direction="in", summary="Asked to move Tuesday's visit"
    ).value
    letter = desk.timeline.record_letter(patient.id, summary="Welcome letter").value
    assert (text.channel, letter.channel, letter.kind) == ("sms", "letter", "letter")
    assert desk.timeline.count(patient.id) == 3
    assert audit_details(desk, patient.id, "timeline.call") == [
        {"fields": ["at", "minutes", "outcome"]}
    ]


def test_paging_newest_first_with_a_cursor(desk: Desk, patient: Patient) -> None:
    for i in range(7):
        desk.timeline.add_note(patient.id, summary=f"note {i}", at=START + timedelta(hours=i))
    # two entries at the same instant must neither repeat nor vanish across pages
    desk.timeline.add_note(patient.id, summary="same time", at=START + timedelta(hours=3))
    seen: list[str] = []
    before: str | None = None
    while True:
        page = desk.timeline.page(patient.id, before=before, limit=3)
        if not page:
            break
        seen += [e.summary for e in page]
        before = page[-1].id
    assert len(seen) == 8 and len(set(seen)) == 8
    assert seen[:3] == ["note 6", "note 5", "note 4"]
    assert seen[-1] == "note 0"
    with pytest.raises(ValidationFailed) as caught:
        desk.timeline.page(patient.id, limit=0)
    assert caught.value.field == "limit"
    with pytest.raises(NotFound):
        desk.timeline.page(patient.id, before="missing")


def test_removed_entries_and_their_time_are_hidden(desk: Desk, patient: Patient) -> None:
    keep = desk.timeline.add_note(patient.id, summary="keep", minutes=10, at=START).value
    gone = desk.timeline.log_call(patient.id, outcome="reached", minutes=20, at=START).value
    desk.timeline.remove(gone.id)
    assert [e.id for e in desk.timeline.page(patient.id)] == [keep.id]
    assert desk.timeline.count(patient.id) == 1
    assert desk.timeline.minutes_by_month(patient.id) == {"2026-10": 10}


def test_minutes_per_patient_per_calendar_month(desk: Desk, patient: Patient) -> None:
    other = make_patient(desk, "MRN-2")
    desk.timeline.add_time(patient.id, minutes=25, activity="care plan", on_date=date(2026, 10, 31))
    desk.timeline.add_time(patient.id, minutes=20, activity="calls", on_date=date(2026, 10, 1))
    desk.timeline.add_time(patient.id, minutes=30, activity="calls", on_date=date(2026, 11, 1))
    desk.timeline.add_time(other.id, minutes=12, activity="calls", on_date=date(2026, 10, 15))
    removed = desk.timeline.add_time(other.id, minutes=50, activity="x", on_date=date(2026, 10, 2))
    desk.timeline.remove_time(removed.value.id)

    assert desk.timeline.minutes_in_month(2026, 10) == {patient.id: 45, other.id: 12}
    assert desk.timeline.minutes_by_month(patient.id) == {"2026-10": 45, "2026-11": 30}
    assert len(desk.timeline.time_entries(patient.id, 2026, 10)) == 2
    assert desk.timeline.time_entries(patient.id)[0].user_id == desk.user.id


def test_validation_names_the_field(desk: Desk, patient: Patient) -> None:
    cases = [
        (lambda: desk.timeline.add_note(patient.id, summary=""), "summary"),
        (lambda: desk.timeline.add_note(patient.id, summary="x", minutes=0), "minutes"),
        (lambda: desk.timeline.log_call(patient.id, outcome="busy"), "outcome"),
        (
            lambda: desk.timeline.log_call(patient.id, outcome="reached", direction="up"),
            "direction",
        ),
        (
            lambda: desk.timeline.record_message(patient.id, channel="pigeon", summary="x"),
            "channel",
        ),
        (lambda: desk.timeline.add_note(patient.id, summary="x", at=datetime(2026, 1, 1)), "at"),
        (lambda: desk.timeline.add_time(patient.id, minutes=10, activity=""), "activity"),
        (lambda: desk.timeline.minutes_in_month(2026, 13), "month"),
    ]
    for call, field in cases:
        with pytest.raises(ValidationFailed) as caught:
            call()
        assert caught.value.field == field
    assert desk.timeline.count(patient.id) == 0


def test_read_only_user_is_refused(desk: Desk, patient: Patient) -> None:
    desk.timeline.add_note(patient.id, summary="seen")
    with read_only_desk(desk) as reader:
        assert reader.timeline.count(patient.id) == 1
        with pytest.raises(PermissionDenied):
            reader.timeline.add_note(patient.id, summary="not allowed")
        with pytest.raises(PermissionDenied):
            reader.timeline.add_time(patient.id, minutes=5, activity="call")
