"""The reminder clock: APScheduler only wakes us; the reminders themselves are rows.

docs/architecture.md#scheduling-the-reminder-clock: APScheduler 3.11 with a persistent job store
on the same encrypted engine,
``misfire_grace_time=None`` and ``coalesce=True`` (a job missed while the app was closed runs
once at the next start, never once per missed beat), module-level job functions with plain
arguments. A handful of jobs: wake at the next due time, retry the outbox, the nightly backup,
the nightly risk refresh and, once a workstation syncs, clinic sync every few minutes and soon
after each edit. 100,000 follow-ups cost one indexed query, not 100,000 jobs.

APScheduler's threads only wake the jobs: each job's database work is handed to the desk's
operation runner (``desk.ops``, careDesk/ops/runner.py) as background work, so it takes the one
road every write takes, behind whatever a person is saving. Stopping the clock stops that work
at its next chunk; what it committed stays.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from careDesk.changes import Changes
from careDesk.model.base import utcnow
from careDesk.ops import Cancelled, Progress, Ticket
from careDesk.ops import job as background_job
from careDesk.schedule.recurrence import zone
from careDesk.schedule.scheduler import LockedScheduler
from careDesk.security.roles import Permission

if TYPE_CHECKING:
    from careDesk.desk import Desk
    from careDesk.schedule.reminders import DueItem

log = logging.getLogger("careDesk.clock")

WAKE, OUTBOX, BACKUP, RISK = "wake", "outbox", "nightly-backup", "nightly-risk"
SYNC, SYNC_SOON = "sync", "sync-soon"
SYNC_SOON_DELAY = timedelta(seconds=10)  # an edit reaches the clinic server this soon after
MAX_ERRORS = 50
WAKE_AT = "wake-at-"
BACKSTOP = timedelta(minutes=5)

# Jobs are stored by reference with plain arguments (a token), so they survive a restart;
# the token finds the running clock in this process.
_CLOCKS: dict[str, ReminderClock] = {}


def wake_job(token: str) -> None:
    """Announce due follow-ups, then sleep until the next due time."""
    clock = _CLOCKS.get(token)
    if clock is not None:
        clock.tick()


def outbox_job(token: str) -> None:
    clock = _CLOCKS.get(token)
    if clock is not None:
        clock.run_outbox()


def backup_job(token: str) -> None:
    clock = _CLOCKS.get(token)
    if clock is not None:
        clock.run_backup()


def risk_job(token: str) -> None:
    clock = _CLOCKS.get(token)
    if clock is not None:
        clock.run_risk_refresh()


def sync_job(token: str, only_if_pending: bool = False) -> None:
    clock = _CLOCKS.get(token)
    if clock is not None:
        clock.run_sync(only_if_pending=only_if_pending)


class ReminderClock:
    """Runs the reminder jobs for one open desk while the app (or a script) is running."""

    def __init__(
        self,
        desk: Desk,
        on_due: Callable[[list[DueItem]], None] | None = None,
        *,
        outbox_every: timedelta = timedelta(minutes=2),
        nightly_at: str = "02:30",
    ) -> None:
        self.desk = desk
        self.on_due = on_due
        self.outbox_every = outbox_every
        self.nightly_at = nightly_at
        self.token = secrets.token_hex(8)
        self.scheduler: BackgroundScheduler | None = None
        self.errors: list[str] = []
        self._lock = threading.Lock()
        self._soon_lock = threading.Lock()
        self._sync_soon_planned = False
        self._stopping = False
        self._unsubscribe: Callable[[], None] | None = None
        self._jobs_lock = threading.Lock()
        self._jobs: set[Ticket[Any]] = set()  # handed to the runner, not over yet

    # ----- lifetime -------------------------------------------------------------------------
    def start(self) -> None:
        """Recover interrupted sends, start the jobs, and hand the catch-up work (scores from
        older rules, announcing what fell due while closed) to the runner without waiting."""
        _CLOCKS[self.token] = self
        self._run("outbox", lambda _progress: self.desk.outbox.recover_interrupted())
        scheduler = LockedScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=self.desk.engine)},
            job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
            timezone=UTC,
        )
        hour, minute = (int(x) for x in self.nightly_at.split(":"))
        tz = zone(self.desk.settings.get("clinic.timezone"))
        args: list[Any] = [self.token]
        scheduler.add_job(
            outbox_job,
            "interval",
            id=OUTBOX,
            replace_existing=True,
            args=args,
            seconds=self.outbox_every.total_seconds(),
        )
        scheduler.add_job(
            backup_job,
            "cron",
            id=BACKUP,
            replace_existing=True,
            args=args,
            hour=hour,
            minute=minute,
            timezone=tz,
        )
        scheduler.add_job(
            risk_job,
            "cron",
            id=RISK,
            replace_existing=True,
            args=args,
            hour=(hour + 1) % 24,
            minute=minute,
            timezone=tz,
        )
        every = self.desk.settings.get_int("sync.every_minutes")
        if every > 0:
            scheduler.add_job(
                sync_job, "interval", id=SYNC, replace_existing=True, args=args, minutes=every
            )
        elif scheduler.get_job(SYNC) is not None:
            scheduler.remove_job(SYNC)
        scheduler.add_job(
            wake_job,
            "interval",
            id=WAKE,
            replace_existing=True,
            args=args,
            seconds=BACKSTOP.total_seconds(),
        )
        self.scheduler = scheduler
        self._unsubscribe = self.desk.on_changed(self._on_changed)
        scheduler.start(paused=True)
        for job in scheduler.get_jobs():  # one-off jobs planned by an earlier session
            if job.id.startswith((WAKE_AT, SYNC_SOON)):
                job.remove()
        scheduler.resume()
        # In this order on the runner's background thread: scores from older rules (after an
        # update) or missing, item 9 answers imported before every path raised work, then
        # announce what fell due while the app was closed, once.
        self._submit("risk", self._refresh_outdated)
        self._submit("urgent", lambda _progress: self._raise_missing_urgent_work())
        self._submit("reminders", lambda _progress: self.tick())

    def stop(self) -> None:
        """Stop the jobs: work handed to the runner stops at its next chunk (what it committed
        stays); waits for a running tick (which may reschedule) to finish first."""
        self._stopping = True  # nothing new is handed to the runner from here
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self.scheduler is not None:
            # Pause first: APScheduler's loop would otherwise submit one more round to an
            # executor that shutdown() has already closed.
            self.scheduler.pause()
        for ticket in self._in_flight():
            ticket.cancel()
        with self._lock:
            pass
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=True)  # a round under way ends first (LockedScheduler)
            self.scheduler = None
        self.wait_idle()
        _CLOCKS.pop(self.token, None)

    def wait_idle(self) -> None:
        """Wait until the work this clock handed to the runner is over (scripts, tests)."""
        for ticket in self._in_flight():
            ticket.wait()

    # ----- the road to the database -----------------------------------------------------------
    def _submit(self, what: str, work: Callable[[Progress], Any]) -> Ticket[Any] | None:
        """Hand ``work`` to the desk's runner as background work; its failures are kept
        (:meth:`_guard`). None once the clock is stopping."""
        if self._stopping:
            return None
        progress = Progress()
        op = background_job(
            f"clock.{what}", lambda: self._guard(what, lambda: work(progress)), progress
        )
        ticket = self.desk.ops.submit(op)
        with self._jobs_lock:
            if not ticket.done():
                self._jobs.add(ticket)
        ticket.add_done_callback(self._forget)
        return ticket

    def _run(self, what: str, work: Callable[[Progress], Any]) -> Any:
        """Run ``work`` as background work and wait for it (None if it failed or stopped). On
        one of the runner's own threads it runs right there: queueing behind itself would
        wait forever."""
        if self.desk.ops.here():
            return self._guard(what, lambda: work(Progress()))
        ticket = self._submit(what, work)
        if ticket is None:
            return None
        ticket.wait()
        return ticket.value

    def _forget(self, ticket: Ticket[Any]) -> None:
        with self._jobs_lock:
            self._jobs.discard(ticket)

    def _in_flight(self) -> list[Ticket[Any]]:
        with self._jobs_lock:
            return list(self._jobs)

    # ----- jobs -----------------------------------------------------------------------------
    def tick(self) -> list[DueItem]:
        """Announce newly due follow-ups once, then schedule the next wake.

        Announcing marks each follow-up in the same transaction, so two ticks never announce
        one twice; the lock only keeps the wake planning apart from :meth:`stop`.
        """
        if self._stopping:
            return []
        items = self._run("reminders", lambda _progress: self.desk.reminders.announce()) or []
        if items and self.on_due is not None:
            self.on_due(items)
        with self._lock:
            if not self._stopping:
                self._schedule_wake()
        return items

    def _schedule_wake(self) -> None:
        upcoming = self.desk.reminders.next_due_at(utcnow())
        if upcoming is not None and upcoming < utcnow() + BACKSTOP:
            self._wake_at(upcoming + timedelta(milliseconds=10))

    def _wake_at(self, when: datetime) -> None:
        """A one-off wake. Each has its own id: a running job must not replace itself, since
        APScheduler removes a finished date job by id, which would drop its replacement."""
        if self.scheduler is None or self._stopping:
            return
        self.scheduler.add_job(
            wake_job,
            "date",
            id=f"{WAKE_AT}{when.isoformat()}",
            replace_existing=True,
            args=[self.token],
            run_date=when,
        )

    def _on_changed(self, changes: Changes) -> None:
        # A new or changed follow-up may be due sooner than the wake we planned.
        if "follow_up" in changes.kinds:
            self._wake_at(utcnow())
        # An edit goes to the clinic server soon: one job for a burst of edits (a new one only
        # once the planned one has started); it does nothing when the outbox is empty, so a
        # sync's own writes do not loop. Each job has its own id, as the one-off wakes do.
        if self.scheduler is None or self._stopping or not self._syncing():
            return
        with self._soon_lock:
            if self._sync_soon_planned:
                return
            self._sync_soon_planned = True
        when = utcnow() + SYNC_SOON_DELAY
        self.scheduler.add_job(
            sync_job,
            "date",
            id=f"{SYNC_SOON}-{when.isoformat()}-{secrets.token_hex(2)}",
            args=[self.token, True],
            run_date=when,
        )

    def _syncing(self) -> bool:
        """Background sync is on: this desk's first sync has finished (checked first: it is
        cached, and this runs after every write), the person may edit, and it is not switched
        off. A first sync stopped half-way is finished by a person, with its progress in sight
        (the Sync page), never here unseen."""
        sync = self.desk.sync
        if not sync.capturing or not sync.joined or not self.desk.can(Permission.EDIT):
            return False
        settings = self.desk.settings
        return settings.get_int("sync.every_minutes") > 0 and bool(settings.get("sync.url"))

    def run_sync(self, *, only_if_pending: bool = False) -> None:
        """Push and pull in the background (a first sync is started by a person, not here)."""
        if only_if_pending:
            with self._soon_lock:
                self._sync_soon_planned = False  # edits from now on plan the next one
        if self._stopping or not self._syncing():
            return
        if only_if_pending and self.desk.sync.status().pending == 0:
            return
        self._run("sync", lambda progress: self.desk.sync.run(progress))

    def run_outbox(self) -> None:
        """Take replies (a STOP is honoured before anything more is sent), then send; both on
        the runner, one after the other."""
        if self.desk.can(Permission.MESSAGE) and self.desk.inbox.configured():
            report = self._run("inbox", lambda _progress: self.desk.inbox.fetch())
            for problem in report.problems if report is not None else ():
                self._error(f"inbox: {problem}")
        self._run("outbox", lambda _progress: self.desk.outbox.send_due())

    def run_backup(self) -> None:
        self._run("backup", lambda _progress: self.desk.backups.nightly())

    def run_risk_refresh(self) -> None:
        """Rescore every patient, in chunks a save can come between."""
        self._run("risk", lambda progress: self.desk.risk.refresh_all(progress=progress))

    def run_outdated_risk_refresh(self) -> None:
        """Recompute scores that older scoring rules produced, or missing ones (one query when
        there are none)."""
        self._run("risk", self._refresh_outdated)

    def _refresh_outdated(self, progress: Progress) -> None:
        if not self.desk.readonly:
            self.desk.risk.refresh_outdated(progress=progress)

    def run_missing_urgent_work(self) -> None:
        """A PHQ-9 item 9 answer ≥ 1 stored without its same-day call and alert (imported by an
        older careDesk, which raised work only from the form) gets it now, once per response
        (``care/urgent.py``; Kroenke 2001). One read query when there is none."""
        self._run("urgent", lambda _progress: self._raise_missing_urgent_work())

    def _raise_missing_urgent_work(self) -> None:
        from careDesk.care.urgent import raise_all_missing

        if not self.desk.readonly:
            raise_all_missing(self.desk, "screener.urgent_backfill")

    def _guard(self, what: str, work: Callable[[], Any]) -> Any:
        """Run a job; an expected failure is kept for the UI, a bug is logged (no patient data).
        A job stopped with the clock is neither."""
        from careDesk.errors import CareDeskError
        from careDesk.logs import log_unexpected

        try:
            return work()
        except Cancelled:
            return None
        except CareDeskError as exc:
            self._error(f"{what}: {exc.message}")
        except Exception as exc:
            log_unexpected(exc)
            self._error(f"{what}: unexpected {type(exc).__name__}")
        return None

    def _error(self, text: str) -> None:
        if not self.errors or self.errors[-1] != text:  # offline all day is one line
            self.errors.append(text)
        del self.errors[:-MAX_ERRORS]


def jobs_due_summary(clock: ReminderClock) -> dict[str, datetime | None]:
    """When each job runs next (for the admin screen and tests)."""
    if clock.scheduler is None:
        return {}
    return {job.id: job.next_run_time for job in clock.scheduler.get_jobs()}
