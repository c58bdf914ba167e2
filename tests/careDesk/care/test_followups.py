"""Follow-up tasks: create, update, complete, cancel, reassign, due lists."""

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


def _follow_up(desk: Desk, patient: Patient, hours: float, **fields: object) -> str:
    values: dict[str, object] = {
        "kind": "call",
        "title": "Check on new inhaler",
        "due_at": NOW + timedelta(hours=hours),
    }
    values.update(fields)
    return desk.followups.create(patient.id, **values).value.id


def test_due_and_overdue_by_assignee(desk: Desk, patient: Patient) -> None:
    colleague = desk.users.add("sam", "quiet meadow lantern river", "coordinator")
    overdue = _follow_up(desk, patient, -48, assignee_id=desk.user.id)
    due_now = _follow_up(desk, patient, 0, assignee_id=desk.user.id, urgent=True)
    _follow_up(desk, patient, 2, assignee_id=desk.user.id)  # later today: not yet due
    theirs = _follow_up(desk, patient, -1, assignee_id=colleague.id)
    done = _follow_up(desk, patient, -3, assignee_id=desk.user.id)
    desk.followups.complete(done, "Reached, all fine")

    mine = desk.followups.due(desk.user.id, now=NOW)
    assert [f.id for f in mine] == [due_now, overdue]  # urgent first, then oldest
    assert [f.id for f in desk.followups.due(now=NOW)] == [due_now, overdue, theirs]
    desk.followups.reassign(theirs, desk.user.id)
    assert theirs in [f.id for f in desk.followups.due(desk.user.id, now=NOW)]


def test_complete_cancel_and_open_list(desk: Desk, patient: Patient) -> None:
    first = _follow_up(desk, patient, 24)
    second = _follow_up(desk, patient, 48, kind="lab_check", title="A1c due")
    done = desk.followups.complete(first, "Left voicemail, will retry").value
    assert (done.status, done.result) == ("done", "Left voicemail, will retry")
    assert done.completed_at is not None
    cancelled = desk.followups.cancel(second, "Lab already done at hospital").value
    assert cancelled.status == "cancelled"
    assert desk.followups.open_for_patient(patient.id) == []
    with pytest.raises(ValidationFailed) as caught:
        desk.followups.complete(first, "again")
    assert caught.value.field == "status"
    assert audit_details(desk, patient.id, "follow_up.complete") == [
        {"fields": ["completed_at", "result", "status"]}
    ]


def test_recurring_follow_up_comes_back(desk: Desk, patient: Patient) -> None:
    weekly = _follow_up(
        desk, patient, 0, recurrence="FREQ=WEEKLY;COUNT=3", timezone="America/Chicago"
    )
    desk.followups.complete(weekly, "Weight stable")
    (following,) = desk.followups.open_for_patient(patient.id)
    assert following.due_at == NOW + timedelta(days=7)
    assert following.recurrence == "FREQ=WEEKLY;COUNT=3"


def test_update_and_validation(desk: Desk, patient: Patient) -> None:
    fid = _follow_up(desk, patient, 24)
    moved = desk.followups.update(fid, due_at=NOW + timedelta(days=3), urgent=True).value
    assert moved.due_at == NOW + timedelta(days=3) and moved.urgent
    cases = [
        ({"kind": "chat"}, "kind"),
        ({"title": ""}, "title"),
        ({"due_at": datetime(2026, 12, 1, 9, 0)}, "due_at"),  # no time zone
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"recurrence": "FREQ=FORTNIGHTLY"}, "recurrence"),
        ({"assignee_id": "nobody"}, "assignee_id"),
    ]
    for fields, field in cases:
        with pytest.raises(ValidationFailed) as caught:
            _follow_up(desk, patient, 1, **fields)
        assert caught.value.field == field
    with pytest.raises(ValidationFailed) as caught:
        desk.followups.update(fid, due_at=None)
    assert caught.value.field == "due_at"
    assert len(desk.followups.open_for_patient(patient.id)) == 1


def test_removed_follow_ups_are_hidden(desk: Desk, patient: Patient) -> None:
    fid = _follow_up(desk, patient, -1)
    desk.followups.remove(fid)
    assert desk.followups.open_for_patient(patient.id) == []
    assert desk.followups.due(now=NOW) == []


def test_read_only_user_is_refused(desk: Desk, patient: Patient) -> None:
    fid = _follow_up(desk, patient, -1)
    with read_only_desk(desk) as reader:
        assert [f.id for f in reader.followups.due(now=NOW)] == [fid]
        with pytest.raises(PermissionDenied):
            reader.followups.complete(fid, "done")
        with pytest.raises(PermissionDenied):
            reader.followups.create(patient.id, kind="call", title="x", due_at=NOW)


def test_only_users_who_may_act_can_be_given_a_follow_up(desk: Desk, patient: Patient) -> None:
    """Eligibility is a core rule (issue 18): enabled users whose role may change records."""
    desk.users.add("kim", "quiet meadow lantern 4", "coordinator", "Kim Le")
    desk.users.add("reader", "quiet meadow lantern 5", "read-only")
    desk.users.add("gone", "quiet meadow lantern 6", "clinician")
    desk.users.disable("gone")
    logins = [u.login for u in desk.users.assignable()]
    assert "kim" in logins and desk.user.login in logins
    assert "reader" not in logins and "gone" not in logins
    fid = _follow_up(desk, patient, 1)
    reader = next(u for u in desk.users.list() if u.login == "reader")
    with pytest.raises(ValidationFailed) as refused:
        desk.followups.reassign(fid, reader.id)
    assert refused.value.field == "assignee_id"
    kim = next(u for u in desk.users.list() if u.login == "kim")
    assert desk.followups.reassign(fid, kim.id).value.assignee_id == kim.id
