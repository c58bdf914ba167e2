"""Referrals: dated steps with notes, the four endings, expected-by and late, the history,
open loops, validation, tombstones, permissions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from careDesk.care.referral_rules import endings_from
from careDesk.changes import Kind
from careDesk.desk import Desk
from careDesk.errors import PermissionDenied, ValidationFailed
from careDesk.model.patient import Patient
from careDesk.model.referral import Referral
from tests.careDesk.care.support_records import audit_details, make_patient, read_only_desk

TODAY = date.today()


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


@pytest.fixture
def patient(desk: Desk) -> Patient:
    return make_patient(desk)


def _referral(desk: Desk, patient: Patient, **fields: object) -> str:
    values: dict[str, object] = {"to_name": "Dr. Okafor, nephrology", "reason": "CKD stage 3b"}
    values.update(fields)
    return desk.referrals.create(patient.id, **values).value.id


def _to(desk: Desk, ref: str, state: str) -> None:
    """Walk ``ref`` forward (today) until it is in ``state``."""
    for step in ("sent", "accepted", "seen", "report_received"):
        if desk.referrals.get(ref).state == state:
            return
        desk.referrals.advance(ref, step)


def test_each_step_keeps_its_day_and_note_in_the_history(desk: Desk, patient: Patient) -> None:
    ref = _referral(desk, patient, urgency="soon")
    sent = desk.referrals.advance(ref, "sent", on=ago(10), note="Faxed with the last labs")
    assert {Kind.REFERRAL, Kind.REFERRAL_STEP} <= sent.changes.kinds
    desk.referrals.advance(ref, "accepted", on=ago(8))
    desk.referrals.advance(ref, "seen", on=ago(3).isoformat(), note="Seen by Dr. Okafor")
    desk.referrals.advance(ref, "report_received")  # today by default
    final = desk.referrals.end(ref, "completed").value
    assert (final.state, final.ending, final.days_late) == ("closed", "completed", 0)
    assert final.sent_at is not None and final.sent_at.astimezone().date() == ago(10)

    lines = [(s.step, s.on_date, s.note) for s in desk.referrals.history(ref)]
    assert lines == [
        ("draft", TODAY, None),
        ("sent", ago(10), "Faxed with the last labs"),
        ("accepted", ago(8), None),
        ("seen", ago(3), "Seen by Dr. Okafor"),
        ("report_received", TODAY, None),
        ("completed", TODAY, None),
    ]
    actions = [e.action for e in desk.audit_events(patient_id=patient.id)]
    for action in ("referral.sent", "referral.seen", "referral.completed"):
        assert action in actions
    assert actions.count("referral_step.add") == 5
    assert audit_details(desk, patient.id, "referral.sent") == [{"fields": ["sent_at", "state"]}]
    # The audit names the fields, never the note's words.
    assert "Faxed" not in str(audit_details(desk, patient.id, "referral_step.add"))


def test_the_next_step_is_named_and_ends_in_completed() -> None:
    """The order the client's button follows (issue 19: it says what comes next)."""
    from careDesk.care.referrals import next_step

    walked: list[str] = ["draft"]
    while (step := next_step(walked[-1])) is not None and step != "completed":
        walked.append(step)
    assert walked == ["draft", "sent", "accepted", "seen", "report_received"]
    assert next_step("report_received") == "completed"
    assert next_step("closed") is None


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
    with pytest.raises(ValidationFailed):
        desk.referrals.advance(ref, "closed")  # an ending is not a step
    assert desk.referrals.get(ref).state == "accepted"


def test_a_step_is_never_dated_in_the_future_nor_before_the_last(
    desk: Desk, patient: Patient
) -> None:
    ref = _referral(desk, patient)
    with pytest.raises(ValidationFailed) as future:
        desk.referrals.send(ref, on=TODAY + timedelta(days=1))
    assert future.value.field == "on"
    assert "future" in future.value.message
    assert desk.referrals.get(ref).state == "draft"  # nothing half-written
    assert [s.step for s in desk.referrals.history(ref)] == ["draft"]

    desk.referrals.send(ref, on=ago(5))  # a past day is fine
    with pytest.raises(ValidationFailed) as early:
        desk.referrals.accept(ref, on=ago(6))
    assert early.value.field == "on"
    assert ago(5).isoformat() in early.value.message
    with pytest.raises(ValidationFailed):
        desk.referrals.end(ref, "cancelled", on=TODAY + timedelta(days=1), reason="Duplicate")
    with pytest.raises(ValidationFailed) as typed:
        desk.referrals.accept(ref, on="yesterday-ish")
    assert typed.value.field == "on"
    assert desk.referrals.accept(ref, on=ago(5)).value.state == "accepted"  # same day is fine


@pytest.mark.parametrize(
    ("ending", "state", "reason"),
    [
        ("completed", "report_received", None),
        ("completed", "seen", "No report expected: seen by the same clinic"),
        ("declined", "draft", "Patient would rather wait"),
        ("declined", "accepted", "Clinic not taking new patients"),
        ("no_show", "accepted", None),
        ("cancelled", "sent", "Entered twice"),
    ],
)
def test_each_ending_closes_the_referral_and_nothing_follows(
    desk: Desk, patient: Patient, ending: str, state: str, reason: str | None
) -> None:
    ref = _referral(desk, patient)
    _to(desk, ref, state)
    ended = desk.referrals.end(ref, ending, on=TODAY, reason=reason)
    assert ended.value.state == "closed"
    assert ended.value.ending == ending
    assert Kind.REFERRAL in ended.changes.kinds
    assert f"referral.{ending}" in [e.action for e in desk.audit_events(patient_id=patient.id)]
    assert desk.referrals.history(ref)[-1].step == ending
    assert desk.referrals.history(ref)[-1].note == reason
    with pytest.raises(ValidationFailed) as after:
        desk.referrals.advance(ref, "sent")
    assert "ended" in after.value.message
    with pytest.raises(ValidationFailed):
        desk.referrals.end(ref, "cancelled", reason="again")
    assert desk.referrals.for_patient(patient.id, include_closed=False) == []
    assert desk.referrals.queue() == []


def test_endings_need_their_reason_and_their_moment(desk: Desk, patient: Patient) -> None:
    ref = _referral(desk, patient)
    for ending, field in (("no_show", "ending"), ("completed", "ending"), ("declined", "reason")):
        with pytest.raises(ValidationFailed) as refused:
            desk.referrals.end(ref, ending)
        assert refused.value.field == field
    with pytest.raises(ValidationFailed) as unknown:
        desk.referrals.end(ref, "lost")
    assert unknown.value.field == "ending"
    _to(desk, ref, "seen")
    with pytest.raises(ValidationFailed) as early:
        desk.referrals.end(ref, "completed")  # the report is not back: say why
    assert early.value.field == "reason"
    with pytest.raises(ValidationFailed):
        desk.referrals.end(ref, "cancelled", reason="   ")
    assert desk.referrals.get(ref).state == "seen"
    assert endings_from("draft") == ["declined", "cancelled"]
    assert endings_from("seen") == ["completed", "cancelled"]
    assert endings_from("closed") == []


def test_expected_by_defaults_from_urgency_and_late_starts_the_day_after(
    desk: Desk, patient: Patient
) -> None:
    urgent = desk.referrals.create(patient.id, to_name="Cardiology", reason="HF", urgency="urgent")
    assert urgent.value.expected_by == TODAY + timedelta(days=7)
    routine = desk.referrals.create(patient.id, to_name="Podiatry", reason="Foot")
    assert routine.value.expected_by == TODAY + timedelta(days=30)
    due = date(2026, 6, 15)
    ref = _referral(desk, patient, expected_by=due)
    assert "expected_by" in audit_details(desk, patient.id, "referral.add")[0]["fields"]

    def late_on(day: date) -> int:
        (row,) = [r for r in desk.referrals.queue(today=day) if r.referral.id == ref]
        return row.days_late

    assert late_on(due - timedelta(days=1)) == 0
    assert late_on(due) == 0  # due today is not late yet
    assert late_on(due + timedelta(days=1)) == 1
    assert late_on(due + timedelta(days=10)) == 10
    assert [r.referral.id for r in desk.referrals.queue(today=due, late_only=True)] == []
    assert [
        r.referral.id for r in desk.referrals.queue(today=due + timedelta(days=1), late_only=True)
    ] == [ref]


def test_expected_by_is_editable_and_audited(desk: Desk, patient: Patient) -> None:
    ref = _referral(desk, patient, expected_by="2026-03-01")
    assert desk.referrals.get(ref).days_late > 0
    moved = desk.referrals.update(ref, expected_by=TODAY + timedelta(days=3)).value
    assert (moved.expected_by, moved.days_late) == (TODAY + timedelta(days=3), 0)
    assert audit_details(desk, patient.id, "referral.update") == [{"fields": ["expected_by"]}]
    with pytest.raises(ValidationFailed) as bad:
        desk.referrals.update(ref, expected_by="soon")
    assert bad.value.field == "expected_by"


def test_a_referral_from_before_expected_by_dates_is_still_late(
    desk: Desk, patient: Patient
) -> None:
    """Schema 8 and earlier had no expected-by: the urgency's default from entry applies."""
    entered = datetime.now(UTC) - timedelta(days=40)
    old = Referral(
        patient_id=patient.id,
        to_name="Eye clinic",
        reason="Retina",
        urgency="routine",
        state="sent",
        sent_at=entered,
        created_at=entered,
        updated_at=entered,
    )
    with desk.writing() as tx:
        tx.add(old, kind=Kind.REFERRAL, patient_id=patient.id)
    with desk.writing() as tx:  # entered 40 days ago, as an old vault holds it
        stored = tx.session.get(Referral, old.id)
        assert stored is not None
        stored.created_at = entered
    read = desk.referrals.get(old.id)
    assert read.expected_by is None
    assert read.due_by == entered.astimezone().date() + timedelta(days=30)
    assert read.days_late == 10
    (row,) = desk.referrals.queue(late_only=True)
    assert row.referral.id == old.id
    # Its history comes from its stamps, and it takes its next step as any other.
    assert [(s.step, s.recorded) for s in desk.referrals.history(old.id)] == [
        ("draft", True),
        ("sent", False),
    ]
    desk.referrals.accept(old.id)
    assert desk.referrals.get(old.id).state == "accepted"


def test_the_queue_puts_the_most_late_first_then_the_soonest_due(desk: Desk) -> None:
    me = desk.user.id
    ana = make_patient(desk, "Q-1", family_name="Alvarez", coordinator_id=me)
    bo = make_patient(desk, "Q-2", given_name="Bo", family_name="Berg")
    a_late3 = _referral(desk, ana, expected_by=ago(3))
    b_late9 = _referral(desk, bo, expected_by=ago(9))
    a_due5 = _referral(desk, ana, expected_by=TODAY + timedelta(days=5))
    b_due1 = _referral(desk, bo, expected_by=TODAY + timedelta(days=1), urgency="urgent")
    ended = _referral(desk, bo, expected_by=ago(30))
    desk.referrals.end(ended, "cancelled", reason="Entered twice")
    removed = _referral(desk, ana, expected_by=ago(40))
    desk.referrals.remove(removed)

    clinic = desk.referrals.queue("clinic")
    assert [r.referral.id for r in clinic] == [b_late9, a_late3, b_due1, a_due5]
    assert [r.days_late for r in clinic] == [9, 3, 0, 0]
    assert clinic[0].patient_name == "Berg, Bo" and clinic[0].next == "sent"
    mine = desk.referrals.queue("mine")
    assert [r.referral.id for r in mine] == [a_late3, a_due5]
    with pytest.raises(ValidationFailed) as bad:
        desk.referrals.queue("everyone")
    assert bad.value.field == "scope"


def test_open_loops_are_sent_long_ago_without_a_report(desk: Desk, patient: Patient) -> None:
    old = _referral(desk, patient)
    desk.referrals.send(old, on=ago(45))
    seen = _referral(desk, patient, to_name="Eye clinic", reason="Retinal exam")
    desk.referrals.send(seen, on=ago(60))
    desk.referrals.accept(seen)
    desk.referrals.mark_seen(seen)
    recent = _referral(desk, patient, to_name="Podiatry", reason="Foot ulcer")
    desk.referrals.send(recent, on=ago(3))
    done = _referral(desk, patient, to_name="Dietitian", reason="Diet")
    desk.referrals.send(done, on=ago(90))
    desk.referrals.accept(done)
    desk.referrals.mark_seen(done)
    desk.referrals.record_report(done)
    _referral(desk, patient, to_name="Never sent", reason="Draft only")

    assert [r.id for r in desk.referrals.open_loops(30)] == [seen, old]
    assert [r.id for r in desk.referrals.open_loops(1)] == [seen, old, recent]


def test_validation_and_tombstones(desk: Desk, patient: Patient) -> None:
    with pytest.raises(ValidationFailed) as caught:
        desk.referrals.create(patient.id, reason="CKD")
    assert caught.value.field == "to_name"
    with pytest.raises(ValidationFailed) as caught:
        desk.referrals.create(patient.id, to_name="X", reason="CKD", urgency="yesterday")
    assert caught.value.field == "urgency"
    with pytest.raises(ValidationFailed) as caught:
        desk.referrals.create(patient.id, to_name="X", reason="CKD", ending="completed")
    assert caught.value.field == "ending"  # set only by ending the referral
    provider = desk.team.add_provider(name="Dr. Chen", specialty="Endocrinology").value
    named = desk.referrals.create(patient.id, provider_id=provider.id, reason="A1c 11").value
    assert named.to_name == "Dr. Chen"
    desk.referrals.remove(named.id)
    assert named.id not in [r.id for r in desk.referrals.for_patient(patient.id)]


def test_read_only_user_is_refused(desk: Desk, patient: Patient) -> None:
    ref = _referral(desk, patient)
    with read_only_desk(desk) as reader:
        assert len(reader.referrals.for_patient(patient.id)) == 1
        assert len(reader.referrals.queue()) == 1
        with pytest.raises(PermissionDenied):
            reader.referrals.send(ref)
        with pytest.raises(PermissionDenied):
            reader.referrals.end(ref, "cancelled", reason="x")
        with pytest.raises(PermissionDenied):
            reader.referrals.create(patient.id, to_name="X", reason="Y")


def test_a_step_entered_in_error_is_undone_with_its_reason(desk: Desk, patient: Patient) -> None:
    ref = _referral(desk, patient)
    desk.referrals.send(ref, on=ago(4))
    with pytest.raises(ValidationFailed) as why:
        desk.referrals.undo_last_step(ref, reason="  ")
    assert why.value.field == "reason"
    desk.referrals.accept(ref, on=ago(2))
    undone = desk.referrals.undo_last_step(ref, reason="Wrong referral marked")
    assert (undone.value.state, undone.value.accepted_at) == ("sent", None)
    assert {Kind.REFERRAL, Kind.REFERRAL_STEP} <= undone.changes.kinds
    steps = [(s.step, s.note) for s in desk.referrals.history(ref)]
    assert steps == [
        ("draft", None),
        ("sent", None),
        ("undone", "accepted undone: Wrong referral marked"),
    ]
    # The undo line is no step: the true acceptance may be dated before today.
    assert desk.referrals.accept(ref, on=ago(3)).value.state == "accepted"
    assert audit_details(desk, patient.id, "referral.undo") == [
        {"fields": ["accepted_at", "state"]}
    ]


def test_an_ending_by_mistake_is_undone_and_the_referral_is_open_again(
    desk: Desk, patient: Patient
) -> None:
    ref = _referral(desk, patient, expected_by=ago(2))
    desk.referrals.send(ref)
    desk.referrals.end(ref, "cancelled", reason="Thought it was a duplicate")
    assert desk.referrals.queue() == []
    back = desk.referrals.undo_last_step(ref, reason="It was not a duplicate").value
    assert (back.state, back.ending, back.closed_reason, back.closed_at) == (
        "sent",
        None,
        None,
        None,
    )
    (row,) = desk.referrals.queue()
    assert row.referral.id == ref and row.days_late == 2  # back in the queue, still late
    assert "cancelled" not in [s.step for s in desk.referrals.history(ref)]
    with pytest.raises(ValidationFailed):
        desk.referrals.undo_last_step(_referral(desk, patient), reason="nothing to undo")
