"""The reminder clock: APScheduler with its job store inside the encrypted vault."""

from __future__ import annotations

import threading
from datetime import UTC, timedelta
from typing import Any

import pytest
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.base import STATE_RUNNING
from sqlmodel import select

from careDesk.desk import Desk
from careDesk.model.base import utcnow
from careDesk.model.schedule import FollowUp
from careDesk.ops import Priority, current_priority
from careDesk.schedule.clock import (
    BACKUP,
    OUTBOX,
    RISK,
    WAKE,
    ReminderClock,
    jobs_due_summary,
)
from careDesk.schedule.reminders import DueItem
from careDesk.schedule.scheduler import LockedScheduler
from careDesk.store.engine import raw_connect
from tests.careDesk.schedule.conftest import Gateway, add_patient, configure_smtp, free_port


def test_jobs_live_in_the_encrypted_vault(desk: Desk) -> None:
    clock = ReminderClock(desk)
    clock.start()
    try:
        assert {OUTBOX, BACKUP, RISK, WAKE} <= set(jobs_due_summary(clock))
    finally:
        clock.stop()
    conn = raw_connect(desk.paths.database, desk.key)
    try:
        ids = {row[0] for row in conn.execute("SELECT id FROM apscheduler_jobs")}
    finally:
        conn.close()
    assert {OUTBOX, BACKUP, RISK, WAKE} <= ids
    assert b"apscheduler" not in desk.paths.database.read_bytes()  # the job store is encrypted


def test_a_follow_up_added_while_running_is_announced_when_due(desk: Desk) -> None:
    patient = add_patient(desk)
    announced: list[DueItem] = []
    fired = threading.Event()

    def on_due(items: list[DueItem]) -> None:
        announced.extend(items)
        fired.set()

    clock = ReminderClock(desk, on_due)
    clock.start()
    try:
        with desk.writing() as tx:
            row = FollowUp(
                patient_id=patient.id,
                kind="call",
                title="Call back",
                due_at=utcnow() + timedelta(milliseconds=300),
            )
            tx.add(row, kind="follow_up", patient_id=patient.id)
        assert fired.wait(15)
    finally:
        clock.stop()
    assert [item.id for item in announced] == [row.id]


def test_nightly_backup_job_writes_a_verified_backup_and_rotates(desk: Desk) -> None:
    clock = ReminderClock(desk)
    clock.run_backup()
    backups = list(desk.backups.folder().glob("caredesk-*.cdbak"))
    assert len(backups) == 1
    assert clock.errors == []
    assert desk.backups.last_result() is not None


def test_the_clocks_jobs_run_as_background_work_of_the_runner(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """APScheduler only wakes a job: its database work takes the one road (careDesk/ops), on
    the runner's background thread, where a person's saves go first."""
    seen: list[tuple[str, Priority]] = []
    monkeypatch.setattr(
        desk.backups,
        "nightly",
        lambda: seen.append((threading.current_thread().name, current_priority())),
    )
    ReminderClock(desk).run_backup()
    assert seen == [("careDesk-jobs-0", Priority.BACKGROUND)]


def test_a_failing_job_is_reported_not_raised(desk: Desk) -> None:
    desk.settings.set("backup.folder", "/dev/full/not-a-folder")
    clock = ReminderClock(desk)
    clock.run_backup()
    assert clock.errors and clock.errors[0].startswith("backup:")


def test_nightly_risk_refresh_scores_every_patient(desk: Desk) -> None:
    from sqlalchemy import delete

    from careDesk.model.risk import RiskScore

    patient = add_patient(desk)
    with desk.writing() as tx:  # as after a bulk load that bypassed the hook
        tx.session.execute(delete(RiskScore))
    clock = ReminderClock(desk)
    clock.run_risk_refresh()
    assert clock.errors == []
    with desk.reading() as session:
        assert session.get(RiskScore, patient.id) is not None


def test_starting_the_clock_recomputes_scores_from_older_rules(desk: Desk) -> None:
    from sqlalchemy import update

    from careDesk.care.risk.engine import RULES_VERSION
    from careDesk.model.risk import RiskScore

    patient = add_patient(desk)
    with desk.writing() as tx:  # as a vault upgraded from before the current scoring rules
        tx.session.execute(update(RiskScore).values(rules_version=0, lace=12))
    clock = ReminderClock(desk)
    clock.start()
    clock.wait_idle()  # the catch-up runs on the runner's background thread
    clock.stop()
    assert clock.errors == []
    with desk.reading() as session:
        row = session.get(RiskScore, patient.id)
    assert row is not None
    assert (row.rules_version, row.lace) == (RULES_VERSION, None)


def test_starting_the_clock_raises_work_for_item_9_answers_stored_without_it(desk: Desk) -> None:
    """A PHQ-9 imported by an older careDesk (which raised work only from the form) with item 9
    answered 2, "more than half the days" (Kroenke, Spitzer & Williams 2001, J Gen Intern Med
    16:606: any answer ≥ 1 needs same-day follow-up): the next start raises the call and the
    alert once, and a second start adds nothing."""
    import json

    from careDesk.model.assessment import Alert, ScreenerResult

    patient = add_patient(desk)
    with desk.writing() as tx:  # as an older FHIR import stored it: answers, no work
        tx.add(
            ScreenerResult(
                patient_id=patient.id,
                instrument="phq9",
                loinc="44249-1",
                answers=json.dumps({"phq9_9": 2}),
                taken_at=utcnow() - timedelta(days=3),
            ),
            kind="screener",
            patient_id=patient.id,
        )
    for _ in range(2):
        clock = ReminderClock(desk)
        clock.start()
        clock.wait_idle()
        clock.stop()
        assert clock.errors == []
    with desk.reading() as session:
        calls = session.exec(
            select(FollowUp).where(FollowUp.patient_id == patient.id, FollowUp.urgent)
        ).all()
        alerts = session.exec(select(Alert).where(Alert.patient_id == patient.id)).all()
    assert len(calls) == 1 and len(alerts) == 1
    assert "item 9" in calls[0].title


def test_the_outbox_round_takes_replies_first_so_a_stop_is_honoured(
    desk: Desk, gateway: Gateway
) -> None:
    """A patient who texted STOP while a message waited gets nothing in the next round."""
    configure_smtp(desk, 25)
    desk.settings.set("sms.url", gateway.url)
    desk.settings.set("sms.inbox_url", gateway.inbox_url)
    desk.settings.set("outreach.quiet_start", "00:00")
    desk.settings.set("outreach.quiet_end", "00:00")
    patient = add_patient(desk, preferred_channel="sms")
    desk.outbox.queue(patient.id, "follow_up_checkin")
    gateway.inbound.append(
        {"id": "s1", "from": "+15550102030", "body": "STOP", "received_at": utcnow().isoformat()}
    )
    clock = ReminderClock(desk)
    clock.run_outbox()
    assert gateway.requests == [] and clock.errors == []
    [row] = desk.outbox.messages()
    assert row.state == "blocked"


def test_a_reply_source_that_fails_is_kept_for_the_screens(desk: Desk) -> None:
    desk.settings.set("sms.inbox_url", f"http://127.0.0.1:{free_port()}/inbox")
    clock = ReminderClock(desk)
    clock.run_outbox()
    assert clock.errors == ["inbox: sms: the sms replies (sms.inbox_url): not reachable (URLError)"]


class _HeldStore(MemoryJobStore):  # type: ignore[misc]
    """A job store whose due-job lookup waits, so a round is under way while the clock stops."""

    def __init__(self) -> None:
        super().__init__()
        self.in_round, self.carry_on = threading.Event(), threading.Event()

    def get_due_jobs(self, now: Any) -> Any:
        due = super().get_due_jobs(now)
        if due:
            self.in_round.set()
            self.carry_on.wait(30)
        return due


def test_stopping_while_a_round_hands_out_a_one_off_wake_neither_crashes_nor_leaves_it() -> None:
    """APScheduler marks itself stopped without its job-store lock: a round handing out a
    finished one-off wake then looked for it among jobs "pending start", crashed its thread
    and left the wake behind for the next start (seen as JobLookupError in the suite)."""
    store = _HeldStore()
    scheduler = LockedScheduler(jobstores={"default": store}, timezone=UTC)
    crashes: list[threading.ExceptHookArgs] = []
    hook, threading.excepthook = threading.excepthook, crashes.append
    ran = threading.Event()
    try:
        scheduler.start()
        scheduler.add_job(ran.set, "date", id="wake-at-now", run_date=utcnow())
        assert store.in_round.wait(30)
        stopping = threading.Thread(target=scheduler.shutdown)
        stopping.start()
        while scheduler.state == STATE_RUNNING and stopping.is_alive():
            stopping.join(0.001)  # until shutdown has changed the state, as stop() does first
        store.carry_on.set()
        stopping.join(30)
    finally:
        threading.excepthook = hook
    assert not stopping.is_alive()
    assert crashes == []
    assert store.get_all_jobs() == []  # the finished wake is gone, not left for the next start
