"""Referrals: the closed loop, open loops, validation, tombstones, permissions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from careDesk.desk import Desk
from careDesk.errors import PermissionDenied, ValidationFailed
from careDesk.model.patient import Patient
from tests.careDesk.care.support_records import audit_details, make_patient, read_only_desk

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


@pytest.fixture
def patient(desk: Desk) -> Patient:
    return make_patient(desk)


def _referral(desk: Desk, patient: Patient, **fields: object) -> str:
    values: dict[str, object] = {"to_name": "Dr. Okafor, nephrology", "reason": "CKD stage 3b"}
    values.update(fields)
    return desk.referrals.create(patient.id, **values).value.id


def test_the_loop_from_draft_to_closed_stamps_each_step(desk: Desk, patient: Patient) -> None:
    ref = _referral(desk, patient, urgency="soon")
    steps = [
        desk.referrals.send(ref, at=NOW - timedelta(days=40)),
        desk.referrals.accept(ref, at=NOW - timedelta(days=35)),
        desk.referrals.mark_seen(ref, at=NOW - timedelta(days=20)),
        desk.referrals.record_report(ref),
        desk.referrals.close(ref),
    ]
    final = steps[-1].value
    assert final.state == "closed"
    assert final.sent_at == NOW - timedelta(days=40)
    assert final.accepted_at == NOW - timedelta(days=35)
    assert None not in (final.seen_at, final.report_at, final.closed_at)
    actions = [e.action for e in desk.audit_events(patient_id=patient.id)]
    for action in (
        "referral.sent",
        "referral.accepted",
        "referral.seen",
        "referral.report_received",
        "referral.closed",
    ):
        assert action in actions
    assert audit_details(desk, patient.id, "referral.sent") == [{"fields": ["sent_at", "state"]}]


def test_no_skipping_and_no_going_back(desk: Desk, patient: Patient) -> None:
    ref = _referral(desk, patient)
    with pytest.raises(ValidationFailed) as skipped:
        desk.referrals.mark_seen(ref)
    assert skipped.value.field == "state"
    assert "next be sent" in skipped.value.message
    desk.referrals.send(ref)
    desk.referrals.accept(ref)
    with pytest.raises(ValidationFailed):
        desk.referrals.advance(ref, "sent")
    with pytest.raises(ValidationFailed) as bad:
        desk.referrals.advance(ref, "lost")
    assert bad.value.field == "state"
    assert desk.referrals.for_patient(patient.id)[0].state == "accepted"


def test_closing_early_needs_a_reason(desk: Desk, patient: Patient) -> None:
    ref = _referral(desk, patient)
    desk.referrals.send(ref)
    with pytest.raises(ValidationFailed) as caught:
        desk.referrals.close(ref)
    assert caught.value.field == "reason"
    closed = desk.referrals.close(ref, reason="Patient declined the visit").value
    assert closed.closed_reason == "Patient declined the visit"
    with pytest.raises(ValidationFailed):
        desk.referrals.close(ref, reason="again")
    assert desk.referrals.for_patient(patient.id, include_closed=False) == []


def test_open_loops_are_sent_long_ago_without_a_report(desk: Desk, patient: Patient) -> None:
    old = _referral(desk, patient)
    desk.referrals.send(old, at=NOW - timedelta(days=45))
    seen = _referral(desk, patient, to_name="Eye clinic", reason="Retinal exam")
    desk.referrals.send(seen, at=NOW - timedelta(days=60))
    desk.referrals.accept(seen)
    desk.referrals.mark_seen(seen)
    recent = _referral(desk, patient, to_name="Podiatry", reason="Foot ulcer")
    desk.referrals.send(recent, at=NOW - timedelta(days=3))
    done = _referral(desk, patient, to_name="Dietitian", reason="Diet")
    desk.referrals.send(done, at=NOW - timedelta(days=90))
    desk.referrals.accept(done)
    desk.referrals.mark_seen(done)
    desk.referrals.record_report(done)
    _referral(desk, patient, to_name="Never sent", reason="Draft only")

    loops = desk.referrals.open_loops(30, now=NOW)
    assert [r.id for r in loops] == [seen, old]
    assert [r.id for r in desk.referrals.open_loops(1, now=NOW)] == [seen, old, recent]


def test_validation_and_tombstones(desk: Desk, patient: Patient) -> None:
    with pytest.raises(ValidationFailed) as caught:
        desk.referrals.create(patient.id, reason="CKD")
    assert caught.value.field == "to_name"
    with pytest.raises(ValidationFailed) as caught:
        desk.referrals.create(patient.id, to_name="X", reason="CKD", urgency="yesterday")
    assert caught.value.field == "urgency"
    with pytest.raises(ValidationFailed) as caught:
        desk.referrals.send(_referral(desk, patient), at=datetime(2026, 1, 1))  # naive
    assert caught.value.field == "at"
    provider = desk.team.add_provider(name="Dr. Chen", specialty="Endocrinology").value
    named = desk.referrals.create(patient.id, provider_id=provider.id, reason="A1c 11").value
    assert named.to_name == "Dr. Chen"
    desk.referrals.remove(named.id)
    assert named.id not in [r.id for r in desk.referrals.for_patient(patient.id)]


def test_read_only_user_is_refused(desk: Desk, patient: Patient) -> None:
    ref = _referral(desk, patient)
    with read_only_desk(desk) as reader:
        assert len(reader.referrals.for_patient(patient.id)) == 1
        with pytest.raises(PermissionDenied):
            reader.referrals.send(ref)
        with pytest.raises(PermissionDenied):
            reader.referrals.create(patient.id, to_name="X", reason="Y")


def test_next_step_walks_the_loop_in_order_and_stops_when_closed() -> None:
    """The closed loop, as the client offers it (issue 18: the order lives only in the core)."""
    from careDesk.care.referrals import STEPS, next_step
    from careDesk.model.referral import ReferralState as S

    walked = [S.DRAFT]
    while (step := next_step(walked[-1])) is not None:
        walked.append(step)
    assert walked == [S.DRAFT, S.SENT, S.ACCEPTED, S.SEEN, S.REPORT_RECEIVED, S.CLOSED]
    assert walked == list(STEPS)
    assert next_step("seen") == S.REPORT_RECEIVED  # the state as a read model carries it
