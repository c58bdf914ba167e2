"""The reminder clock's APScheduler: rounds and shutdown kept apart by the job-store lock."""

from __future__ import annotations

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_RUNNING


class LockedScheduler(BackgroundScheduler):  # type: ignore[misc]
    """APScheduler's background scheduler, checking that it still runs under the job-store lock.

    APScheduler 3.11 checks for "paused" before it takes that lock, so a round that passed the
    check just before :meth:`ReminderClock.stop` paused and shut it down would then hand a job
    to the closed executor and crash its thread. Checked under the lock, which ``shutdown()``
    takes after marking the scheduler stopped, a round either ends before shutdown or not at all.
    """

    def _process_jobs(self) -> float | None:
        with self._jobstores_lock:
            if self.state != STATE_RUNNING:
                return None
            wait: float | None = super()._process_jobs()
            return wait

    def shutdown(self, wait: bool = True) -> None:
        """Pause, let a round under way end, then shut down.

        ``shutdown()`` marks the scheduler stopped without the job-store lock: a round that was
        handing out a finished one-off job would then look for it among the jobs "pending
        start", not find it and crash its thread, leaving the job behind for the next start.
        Paused first and passing through the lock the round holds, no round is under way.
        """
        if self.state == STATE_RUNNING:
            self.pause()
        with self._jobstores_lock:
            pass
        super().shutdown(wait)
