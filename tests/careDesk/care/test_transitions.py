"""Discharge and transition: status, open follow-ups cancelled, plan completed, audited."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from careDesk.desk import Desk
from careDesk.errors import PermissionDenied, ValidationFailed
from careDesk.model.patient import Patient
from tests.careDesk.care.support_records import audit_details, make_patient, read_only_desk

SOON = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


@pytest.fixture
def patient(desk: Desk) -> Patient:
    return make_patient(desk)


def _status(desk: Desk, patient: Patient) -> Patient:
    with desk.reading() as session:
        row = session.get(Patient, patient.id)
    assert row is not None
    return row


def test_discharge_closes_the_open_work(desk: Desk, patient: Patient) -> None:
    plan = desk.plans.ensure_active(patient.id).value
    desk.plans.add_problem(plan.id, description="Heart failure")
    open_ids = [
        desk.followups.create(
            patient.id, kind="call", title=f"Call {i}", due_at=SOON + timedelta(days=i)
        ).value.id
        for i in range(2)
    ]
    finished = desk.followups.create(patient.id, kind="visit", title="Home visit", due_at=SOON)
    desk.followups.complete(finished.value.id, "Visit went well")

    outcome = desk.transitions.discharge(
        patient.id,
        reason="goals_met",
        summary="Weight stable for 3 months; knows warning signs.",
        on_date=date(2026, 11, 30),
    )
    done = outcome.value
    assert (done.outcome, done.reason, done.follow_ups_cancelled, done.plans_completed) == (
        "discharged",
        "goals_met",
        2,
        1,
    )
    assert _status(desk, patient).status == "discharged"
    assert desk.followups.open_for_patient(patient.id) == []
    assert desk.plans.active_plan(patient.id) is None
    tree = desk.plans.plan_tree(patient.id)
    assert tree is not None and tree.status == "completed"
    with pytest.raises(ValidationFailed) as caught:
        desk.plans.add_problem(plan.id, description="too late")
    assert caught.value.field == "plan"
    assert desk.timeline.page(patient.id)[0].summary == "Discharged: goals met"
    assert {"patient", "follow_up", "care_plan", "transition"} <= outcome.changes.kinds
    assert audit_details(desk, patient.id, "patient.discharged") == [
        {
            "fields": ["on_date", "reason", "summary"],
            "follow_ups_cancelled": 2,
            "plans_completed": 1,
        }
    ]
    cancelled = [
        e for e in desk.audit_events(patient_id=patient.id) if e.action == "follow_up.cancel"
    ]
    assert sorted(e.entity_id for e in cancelled) == sorted(open_ids)


def test_cancelled_follow_ups_carry_the_reason(desk: Desk, patient: Patient) -> None:
    fid = desk.followups.create(patient.id, kind="call", title="Call", due_at=SOON).value.id
    desk.transitions.transition(
        patient.id,
        reason="transferred",
        summary="Moved to SNF care",
        to_provider="Maple Grove Skilled Nursing",
    )
    from careDesk.model.schedule import FollowUp

    with desk.reading() as session:
        row = session.get(FollowUp, fid)
    assert row is not None
    assert (row.status, row.result) == ("cancelled", "Cancelled. Transitioned: care transferred")
    assert _status(desk, patient).status == "transitioned"
    assert desk.transitions.for_patient(patient.id)[0].to_provider == "Maple Grove Skilled Nursing"


def test_deceased_records_the_date(desk: Desk, patient: Patient) -> None:
    desk.transitions.discharge(
        patient.id, reason="deceased", summary="Died at home, at peace.", on_date=date(2026, 11, 2)
    )
    assert _status(desk, patient).deceased_on == date(2026, 11, 2)


def test_validation_and_nothing_half_done(desk: Desk, patient: Patient) -> None:
    desk.followups.create(patient.id, kind="call", title="Call", due_at=SOON)
    cases = [
        (lambda: desk.transitions.discharge(patient.id, reason="bored", summary="x"), "reason"),
        (lambda: desk.transitions.discharge(patient.id, reason="moved", summary=""), "summary"),
        (
            lambda: desk.transitions.transition(patient.id, reason="transferred", summary="x"),
            "to_provider",
        ),
    ]
    for call, field in cases:
        with pytest.raises(ValidationFailed) as caught:
            call()
        assert caught.value.field == field
    assert len(desk.followups.open_for_patient(patient.id)) == 1
    assert _status(desk, patient).status == "active"
    desk.transitions.discharge(patient.id, reason="moved", summary="Moved to Ohio")
    with pytest.raises(ValidationFailed) as caught:
        desk.transitions.discharge(patient.id, reason="moved", summary="again")
    assert caught.value.field == "status"
    assert len(desk.transitions.for_patient(patient.id)) == 1


def test_read_only_user_is_refused(desk: Desk, patient: Patient) -> None:
    with read_only_desk(desk) as reader:
        with pytest.raises(PermissionDenied):
            reader.transitions.discharge(patient.id, reason="moved", summary="x")
        assert reader.transitions.for_patient(patient.id) == []
