from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from careDesk.desk import Desk
from careDesk.errors import ValidationFailed
from careDesk.model.base import utcnow
from careDesk.model.schedule import FollowUp
from careDesk.paths import VaultPaths
from careDesk.schedule.clock import ReminderClock
from careDesk.schedule.reminders import DueItem
from careDesk.store.vault import unlock
from tests.careDesk.schedule.conftest import add_patient
from tests.conftest import ADMIN, PASSWORD


def add_follow_up(desk: Desk, patient_id: str, due: datetime, **extra: object) -> FollowUp:
    with desk.writing() as tx:
        row = FollowUp(
            patient_id=patient_id, kind="call", title="Check how the week went", due_at=due, **extra
        )  # type: ignore[arg-type]
        tx.add(row, kind="follow_up", patient_id=patient_id)
    return row


def test_due_lists_open_follow_ups_urgent_first(desk: Desk) -> None:
    p = add_patient(desk)
    now = utcnow()
    add_follow_up(desk, p.id, now - timedelta(days=2))
    urgent = add_follow_up(desk, p.id, now - timedelta(minutes=5), urgent=True)
    add_follow_up(desk, p.id, now + timedelta(days=1))
    due = desk.reminders.due(now)
    assert [d.urgent for d in due] == [True, False]
    assert due[0].id == urgent.id
    assert due[1].overdue and due[1].patient_name == "Rosa Muñoz"


def test_snoozed_follow_up_comes_back_after_the_snooze(desk: Desk) -> None:
    p = add_patient(desk)
    now = utcnow()
    f = add_follow_up(desk, p.id, now - timedelta(hours=1))
    assert [d.id for d in desk.reminders.announce(now)] == [f.id]
    desk.reminders.snooze(f.id, now + timedelta(hours=2))
    assert desk.reminders.due(now + timedelta(hours=1)) == []
    later = now + timedelta(hours=3)
    assert [d.id for d in desk.reminders.due(later)] == [f.id]
    assert [d.id for d in desk.reminders.announce(later)] == [f.id]  # announced again


def test_snooze_into_the_past_is_refused(desk: Desk) -> None:
    p = add_patient(desk)
    f = add_follow_up(desk, p.id, utcnow())
    with pytest.raises(ValidationFailed) as caught:
        desk.reminders.snooze(f.id, utcnow() - timedelta(minutes=1))
    assert caught.value.field == "until"


def test_completing_a_recurring_follow_up_schedules_the_next_at_local_time(desk: Desk) -> None:
    p = add_patient(desk)
    due = datetime(2026, 10, 26, 15, 0, tzinfo=UTC)  # Monday 10:00 in Chicago (CDT)
    f = add_follow_up(desk, p.id, due, recurrence="FREQ=WEEKLY", timezone="America/Chicago")
    desk.followups.complete(f.id, "Reached; doing well")
    [following] = desk.followups.open_for_patient(p.id)
    with desk.reading() as s:
        done = s.get(FollowUp, f.id)
    assert done is not None and done.status == "done" and done.result == "Reached; doing well"
    assert following.due_at == datetime(2026, 11, 2, 16, 0, tzinfo=UTC)  # 10:00 CST
    assert desk.audit_events(patient_id=p.id, action="follow_up.recur")


def test_follow_ups_due_while_closed_are_announced_once_at_next_start(
    desk: Desk, vault_paths: VaultPaths
) -> None:
    p = add_patient(desk)
    missed = add_follow_up(desk, p.id, utcnow() - timedelta(hours=20))
    desk.close()

    for round_ in range(2):
        seen: list[list[DueItem]] = []
        fired = threading.Event()

        def on_due(
            items: list[DueItem], seen: list[list[DueItem]] = seen, fired: threading.Event = fired
        ) -> None:
            seen.append(items)
            fired.set()

        reopened = unlock(vault_paths, ADMIN, PASSWORD)
        clock = ReminderClock(reopened, on_due)
        clock.start()
        try:
            # The first tick runs at start; wait for it through the clock's own lock.
            clock.tick() if round_ else fired.wait(10)
        finally:
            clock.stop()
            reopened.close()
        announced = [item.id for batch in seen for item in batch]
        assert announced == ([missed.id] if round_ == 0 else [])
