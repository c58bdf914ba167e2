"""Progress and cancellation of a long job, one type for every caller.

A job (risk refresh, demo clinic, import, sync) reports ``update(done, total, message)`` as it
goes; whoever started it reads :meth:`Progress.snapshot` (the desktop polls it for its progress
dialog), listens for each update (the command line prints them), or calls :meth:`Progress.cancel`.
A cancelled job stops at its next update or :meth:`Progress.check` by raising
:class:`Cancelled`; jobs call them only between their short transactions, so what was committed
before stays and the transaction under way rolls back.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from careDesk.errors import CareDeskError


class Cancelled(CareDeskError):
    """A person (or the app closing) stopped a long job; what it committed before stays."""

    def __init__(self) -> None:
        super().__init__("Cancelled.")


Listener = Callable[["Progress"], None]


class Progress:
    """How far a long job is (done of total, and what it is doing), and whether to stop.

    Thread-safe: the job updates it on its thread while others read or cancel it. ``total`` 0
    means not known yet.
    """

    def __init__(self, message: str = "Working…") -> None:
        self._lock = threading.Lock()
        self._message = message
        self._done = 0
        self._total = 0
        self._cancelled = False
        self._finished = False
        self._listeners: list[Listener] = []

    def listen(self, listener: Listener) -> None:
        """Call ``listener(progress)`` after every update, on the job's thread."""
        with self._lock:
            self._listeners.append(listener)

    def update(self, done: int, total: int | None = None, message: str | None = None) -> None:
        """Report progress (the job's thread); raises :class:`Cancelled` once cancelled.

        Listeners run first, so one that waits (a test holding a job at a step) sees a cancel
        made meanwhile take effect right after it.
        """
        with self._lock:
            self._done = done
            if total is not None:
                self._total = total
            if message is not None:
                self._message = message
            listeners = list(self._listeners)
        for listener in listeners:
            listener(self)
        self.check()

    def check(self) -> None:
        """Raise :class:`Cancelled` if the job was asked to stop."""
        if self.cancelled:
            raise Cancelled()

    def cancel(self) -> None:
        """Ask the job to stop at its next update or check."""
        with self._lock:
            self._cancelled = True

    def finish(self) -> None:
        """Mark the job over (the runner does, once the job returned or failed)."""
        with self._lock:
            self._finished = True

    @property
    def cancelled(self) -> bool:
        with self._lock:
            return self._cancelled

    @property
    def finished(self) -> bool:
        with self._lock:
            return self._finished

    @property
    def message(self) -> str:
        with self._lock:
            return self._message

    @property
    def done(self) -> int:
        with self._lock:
            return self._done

    @property
    def total(self) -> int:
        with self._lock:
            return self._total

    def snapshot(self) -> tuple[str, int, int]:
        """``(message, done, total)`` read together."""
        with self._lock:
            return self._message, self._done, self._total


class Aside(Progress):
    """The progress of a part of a job that runs on a thread of its own while the job goes on
    (a first sync's scores, computed while it still copies): it stops when the job is stopped,
    and reaches the job's progress only once :meth:`surface` is called; until then the job's
    own steps are what its progress shows."""

    def __init__(self, job: Progress) -> None:
        super().__init__(job.message)
        self.job = job
        self._shown = False
        self._turn = threading.Lock()  # one thread at a time reports to the job

    def update(self, done: int, total: int | None = None, message: str | None = None) -> None:
        with self._turn:
            super().update(done, total, message)
            if self._shown:
                self.job.update(done, total, message)

    def check(self) -> None:
        super().check()
        self.job.check()

    def surface(self) -> None:
        """From now on, report to the job's progress (starting with where this part is)."""
        with self._turn:
            self._shown = True
            message, done, total = self.snapshot()
            self.job.update(done, total, message)
