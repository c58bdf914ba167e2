"""Recording screeners: stored with LOINC, audited, and PHQ-9 item 9 raises same-day work."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from careDesk.desk import Desk
from careDesk.errors import NotFound, PermissionDenied, ValidationFailed
from careDesk.model.assessment import Alert, ScreenerResult
from careDesk.model.schedule import FollowUp
from tests.careDesk.care.clinic_rows import patient, store
from tests.careDesk.care.support_records import read_only_desk
from tests.careDesk.care.test_instruments import answers_for, hrsn


def test_phq9_is_stored_with_loinc_total_and_band(desk: Desk) -> None:
    p = patient("S-1")
    store(desk, p)
    taken = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    outcome = desk.screeners.record(p.id, "phq9", answers_for("phq9", 12, item9=0), taken)
    reading = outcome.value
    assert (reading.total, reading.band, reading.positive, reading.urgent) == (
        12,
        "moderate",
        True,
        False,
    )
    assert p.id in outcome.changes.patient_ids
    with desk.reading() as session:
        row = session.exec(select(ScreenerResult)).one()
        assert row.loinc == "44249-1"
        assert json.loads(row.answers)["phq9_1"] == 3
        assert row.taken_at.replace(tzinfo=UTC) == taken
        assert session.exec(select(FollowUp)).all() == []
    events = desk.audit_events(patient_id=p.id, action="screener.record")
    assert len(events) == 1


def test_item9_with_a_low_total_raises_an_urgent_call_and_alert(desk: Desk) -> None:
    coordinator = desk.users.add("coord", "violet harbour kettle drum", "coordinator")
    p = patient("S-2", coordinator_id=coordinator.id)
    store(desk, p)
    reading = desk.screeners.record(p.id, "phq9", answers_for("phq9", 1, item9=1)).value
    assert reading.total == 1 and reading.band == "minimal"
    assert reading.urgent
    with desk.reading() as session:
        task = session.exec(select(FollowUp)).one()
        alert = session.exec(select(Alert)).one()
    assert task.id == reading.follow_up_id and alert.id == reading.alert_id
    assert (task.kind, task.urgent, task.origin, task.status) == (
        "call",
        True,
        "phq9_item9",
        "open",
    )
    assert task.assignee_id == coordinator.id
    assert task.due_at.replace(tzinfo=UTC) <= datetime.now(UTC)
    assert task.due_at.date() == datetime.now(UTC).date()
    assert alert.severity == "urgent" and alert.patient_id == p.id
    assert alert.screener_id == reading.id
    score = desk.risk.score(p.id)
    assert score is not None and score.scores["urgent_alerts"] == 1
    assert score.reasons[0] == "urgent alert"


def test_item9_without_a_coordinator_goes_to_the_current_user(desk: Desk) -> None:
    p = patient("S-3", coordinator_id=None)
    store(desk, p)
    desk.screeners.record(p.id, "phq9", answers_for("phq9", 20, item9=2))
    with desk.reading() as session:
        assert session.exec(select(FollowUp)).one().assignee_id == desk.user.id


def test_hrsn_keeps_positive_domains(desk: Desk) -> None:
    p = patient("S-4")
    store(desk, p)
    answers = hrsn(food_worry="often", utilities="already_shut_off")
    reading = desk.screeners.record(p.id, "ahc_hrsn", answers).value
    assert reading.positive_domains == ("food", "utilities")
    assert reading.loinc == "96777-8"
    assert [r.instrument for r in desk.screeners.history(p.id)] == ["ahc_hrsn"]


def test_invalid_answers_write_nothing(desk: Desk) -> None:
    p = patient("S-5")
    store(desk, p)
    answers = answers_for("phq9", 5, item9=1)
    answers["phq9_3"] = 7
    with pytest.raises(ValidationFailed, match="phq9_3"):
        desk.screeners.record(p.id, "phq9", answers)
    naive = datetime(2026, 1, 1, 9, 0)
    with pytest.raises(ValidationFailed, match="taken_at"):
        desk.screeners.record(p.id, "gad7", answers_for("gad7", 3), naive)
    with pytest.raises(NotFound):
        desk.screeners.record("no-such-patient", "gad7", answers_for("gad7", 3))
    with desk.reading() as session:
        assert session.exec(select(ScreenerResult)).all() == []
        assert session.exec(select(FollowUp)).all() == []


def test_read_only_user_cannot_record(desk: Desk) -> None:
    p = patient("S-6")
    store(desk, p)
    with read_only_desk(desk) as reader, pytest.raises(PermissionDenied):
        reader.screeners.record(p.id, "phq2", answers_for("phq2", 1))
