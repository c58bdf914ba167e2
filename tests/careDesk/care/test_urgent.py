"""The one place PHQ-9 item 9 raises same-day work: once per response, on a real vault.

Rule: Kroenke K, Spitzer RL, Williams JB. The PHQ-9: validity of a brief depression severity
measure. J Gen Intern Med 2001;16:606-13. Item 9 ("thoughts that you would be better off dead
or of hurting yourself in some way") answered 1 "several days" or more is positive and needs
same-day follow-up whatever the total; 0 "not at all" is not.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import select

from careDesk.care.urgent import ensure_urgent_work, raise_missing, work_ids
from careDesk.desk import Desk
from careDesk.model.assessment import Alert, ScreenerResult
from careDesk.model.patient import Patient
from careDesk.model.schedule import FollowUp
from tests.careDesk.care.support_records import make_patient
from tests.careDesk.care.test_instruments import answers_for

TAKEN = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def _stored(desk: Desk, patient: Patient, answers: Any, instrument: str = "phq9") -> str:
    """A response stored as an older careDesk stored imports: without its urgent work."""
    blob = answers if isinstance(answers, str) else json.dumps(answers)
    row = ScreenerResult(
        patient_id=patient.id, instrument=instrument, loinc="44249-1", answers=blob, taken_at=TAKEN
    )
    with desk.writing() as tx:
        tx.add(row, kind="screener", patient_id=patient.id)
    return row.id


def _work(desk: Desk) -> tuple[list[FollowUp], list[Alert]]:
    with desk.reading() as session:
        calls = session.exec(select(FollowUp).where(FollowUp.origin == "phq9_item9")).all()
        alerts = session.exec(select(Alert).where(Alert.kind == "phq9_item9")).all()
    return list(calls), list(alerts)


def _raise_missing(desk: Desk) -> int:
    with desk.writing() as tx:
        return raise_missing(tx)


@pytest.mark.parametrize(("item9", "urgent"), [(0, False), (1, True), (2, True), (3, True)])
def test_the_form_raises_at_several_days_or_more(desk: Desk, item9: int, urgent: bool) -> None:
    patient = make_patient(desk)
    reading = desk.screeners.record(patient.id, "phq9", answers_for("phq9", 3, item9=item9)).value
    calls, alerts = _work(desk)
    assert (len(calls), len(alerts)) == ((1, 1) if urgent else (0, 0))
    assert reading.urgent is urgent
    if urgent:
        assert (reading.follow_up_id, reading.alert_id) == work_ids(reading.id)
        assert f"item 9 answered {item9}" in calls[0].title


def test_raising_twice_for_one_response_adds_nothing(desk: Desk) -> None:
    patient = make_patient(desk)
    response = _stored(desk, patient, answers_for("phq9", 4, item9=1))
    with desk.writing() as tx:
        row = tx.session.get(ScreenerResult, response)
        assert row is not None
        first = ensure_urgent_work(tx, row)
        second = ensure_urgent_work(tx, row)  # in the same transaction, before any flush
    assert first is not None and first.raised
    assert second is not None and not second.raised
    assert (second.follow_up_id, second.alert_id) == (first.follow_up_id, first.alert_id)
    assert _raise_missing(desk) == 0
    calls, alerts = _work(desk)
    assert len(calls) == len(alerts) == 1
    assert calls[0].assignee_id == desk.user.id  # no coordinator: whoever recorded it


def test_missing_work_is_found_and_raised_once(desk: Desk) -> None:
    coordinator = desk.users.add("coord", "violet harbour kettle drum", "coordinator")
    patient = make_patient(desk, coordinator_id=coordinator.id)
    response = _stored(desk, patient, answers_for("phq9", 9, item9=2))
    _stored(desk, patient, answers_for("phq9", 9, item9=0))
    _stored(desk, patient, {})  # a total alone: no item 9 is inferred
    _stored(desk, patient, "not json")  # a damaged row does not stop the others
    _stored(desk, patient, answers_for("gad7", 15), instrument="gad7")
    assert _raise_missing(desk) == 1
    assert _raise_missing(desk) == 0
    [call], [alert] = _work(desk)
    assert alert.screener_id == response and call.assignee_id == coordinator.id
    assert "on 2026-03-02" in call.title  # answered on another day than the work was raised
    events = desk.audit_events(patient_id=patient.id, action="screener.urgent")
    assert len(events) == 1


def test_an_alert_raised_before_counts_as_the_work(desk: Desk) -> None:
    """Rows from before the work had derived ids (the form, the demo) are recognised."""
    patient = make_patient(desk)
    response = _stored(desk, patient, answers_for("phq9", 5, item9=1))
    with desk.writing() as tx:
        old = Alert(
            patient_id=patient.id,
            kind="phq9_item9",
            message="call today",
            raised_at=TAKEN,
            screener_id=response,
        )
        tx.add(old, kind="alert", patient_id=patient.id)
    assert _raise_missing(desk) == 0
    calls, alerts = _work(desk)
    assert calls == [] and [a.id for a in alerts] == [old.id]


def test_deleted_responses_and_patients_raise_nothing(desk: Desk) -> None:
    kept, gone = make_patient(desk, "K-1"), make_patient(desk, "G-1")
    deleted = _stored(desk, kept, answers_for("phq9", 5, item9=1))
    _stored(desk, gone, answers_for("phq9", 5, item9=3))
    with desk.writing() as tx:
        row = tx.session.get(ScreenerResult, deleted)
        assert row is not None
        tx.tombstone(row, kind="screener_result", patient_id=kept.id)
    desk.patients.remove(gone.id)
    assert _raise_missing(desk) == 0
    assert _work(desk) == ([], [])
