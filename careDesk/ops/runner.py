"""The operation runner: every client hands its database work here as typed ops.

The desktop (``ui/worker.py`` is a thin Qt adapter over this), the reminder clock, sync and the
command line submit :class:`Op` values — a name for the log, a kind (read or write), a priority
(interactive or background) and a function — and get a :class:`Ticket` to wait on, cancel, or
be called back from. Where an op runs:

- **interactive writes** (a save, and every op the desktop sends, reads included, so they keep
  their order): in order on one thread;
- **background jobs** (the clock's jobs, sync, imports, demo data, bulk refreshes): in order on
  a second thread, so a save never queues behind them;
- **reads** marked as such: on a small pool, in parallel (SQLite in WAL mode lets readers run
  beside the writer; each takes its own pooled SQLCipher connection).

Whatever thread a write transaction runs on, it passes the vault's one write lane
(:mod:`careDesk.ops.lane`): one transaction at a time, interactive first. Long jobs commit in
short chunks, so between two of their chunks a waiting save goes first.

An inline runner (the command line) runs each op on the caller's thread, through the same API.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any, Generic, TypeVar, cast

from careDesk.ops.context import Priority, running
from careDesk.ops.progress import Cancelled, Progress

log = logging.getLogger("careDesk.ops")

T = TypeVar("T")


class Kind(Enum):
    """What an op does to the database."""

    READ = "read"
    WRITE = "write"


@dataclass(frozen=True)
class Op(Generic[T]):
    """One unit of database work as a client hands it to the runner."""

    name: str  # what it is, for the log: "risk.refresh_all", "clock.outbox", "ui"
    fn: Callable[[], T]
    kind: Kind = Kind.WRITE
    priority: Priority = Priority.INTERACTIVE
    progress: Progress | None = None


def read(name: str, fn: Callable[[], T]) -> Op[T]:
    """An op that only reads: it may run beside others."""
    return Op(name, fn, Kind.READ)


def write(name: str, fn: Callable[[], T]) -> Op[T]:
    """An interactive op that may write: run in order, ahead of background work."""
    return Op(name, fn, Kind.WRITE)


def job(name: str, fn: Callable[[], T], progress: Progress | None = None) -> Op[T]:
    """A background op (long, or nobody waits at the screen): writes between interactive ones."""
    return Op(name, fn, Kind.WRITE, Priority.BACKGROUND, progress)


Callback = Callable[["Ticket[Any]"], None]


class Ticket(Generic[T]):
    """A submitted op: wait for its result, cancel it, or be called back when it is over."""

    def __init__(self, op: Op[T]) -> None:
        self.name = op.name
        self.kind = op.kind
        self.priority = op.priority
        self.progress = op.progress
        self._fn: Callable[[], T] | None = op.fn
        self._lock = threading.Lock()
        self._over = threading.Event()
        self._started = False
        self._value: T | None = None
        self._error: BaseException | None = None
        self._callbacks: list[Callback] = []

    def run(self) -> None:
        """Run the op on this thread (a runner thread, or the caller's when inline)."""
        with self._lock:
            fn, self._fn = self._fn, None
            if fn is None:  # cancelled while it waited
                return
            self._started = True
        try:
            with running(self.name, self.priority):
                value = fn()
        except BaseException as exc:  # every failure goes to whoever waits or listens
            del fn  # the op's function (and what it holds) is let go before anyone hears
            self._finish(None, exc)
        else:
            del fn
            self._finish(value, None)

    def _finish(self, value: T | None, error: BaseException | None) -> None:
        with self._lock:
            self._value, self._error = value, error
            callbacks, self._callbacks = self._callbacks, []
            self._over.set()
        if self.progress is not None:
            self.progress.finish()
        for callback in callbacks:
            _call(callback, self)

    def cancel(self) -> None:
        """Drop the op if it has not started; otherwise ask it to stop at its next step."""
        with self._lock:
            waiting = not self._started and not self._over.is_set()
            if waiting:
                self._fn = None
        if waiting:
            self._finish(None, Cancelled())
        elif self.progress is not None:
            self.progress.cancel()

    def add_done_callback(self, callback: Callback) -> None:
        """Call ``callback(ticket)`` once the op is over (on the thread that ran it)."""
        with self._lock:
            if not self._over.is_set():
                self._callbacks.append(callback)
                return
        _call(callback, self)

    def done(self) -> bool:
        return self._over.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the op is over; False if ``timeout`` passed first."""
        return self._over.wait(timeout)

    @property
    def error(self) -> BaseException | None:
        """What the op raised (once over); None when it returned."""
        return self._error

    @property
    def value(self) -> T | None:
        """What the op returned (once over)."""
        return self._value

    def result(self, timeout: float | None = None) -> T:
        """Wait for the op; its value, or raise what it raised."""
        if not self._over.wait(timeout):
            raise TimeoutError(f"the operation {self.name!r} is still running")
        if self._error is not None:
            raise self._error
        return cast(T, self._value)


def _call(callback: Callback, ticket: Ticket[Any]) -> None:
    try:
        callback(ticket)
    except Exception as exc:  # a listener's bug must not stop the runner's thread
        from careDesk.logs import log_unexpected

        log_unexpected(exc)


class _Threads:
    """``count`` daemon threads taking tickets from one queue, started on first use."""

    def __init__(self, name: str, count: int) -> None:
        self.name = name
        self.count = count
        self._queue: queue.SimpleQueue[Ticket[Any] | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._tickets: set[Ticket[Any]] = set()  # queued or running
        self._lock = threading.Condition()
        self._closed = False

    def put(self, ticket: Ticket[Any]) -> None:
        with self._lock:
            if self._closed:
                closed = True
            else:
                closed = False
                self._start()
                self._tickets.add(ticket)
        if closed:  # the app is closing: nothing new runs
            ticket.cancel()
            return
        self._queue.put(ticket)

    def _start(self) -> None:
        while len(self._threads) < self.count:
            thread = threading.Thread(
                target=self._loop, name=f"{self.name}-{len(self._threads)}", daemon=True
            )
            self._threads.append(thread)
            thread.start()

    def _loop(self) -> None:
        while True:
            ticket = self._queue.get()
            if ticket is None:
                return
            ticket.run()
            with self._lock:
                self._tickets.discard(ticket)
                self._lock.notify_all()
            del ticket  # not kept alive while this thread waits for the next one

    def here(self) -> bool:
        """Whether the calling thread is one of these."""
        return threading.current_thread() in self._threads

    @property
    def busy(self) -> bool:
        with self._lock:
            return bool(self._tickets)

    def cancel_all(self) -> None:
        with self._lock:
            tickets = list(self._tickets)
        for ticket in tickets:
            ticket.cancel()

    def wait_idle(self) -> None:
        """Wait until nothing is queued or running here (never from one of these threads)."""
        if self.here():
            return
        with self._lock:
            while self._tickets:
                self._lock.wait()

    def close(self) -> None:
        """Run what is queued, then end the threads (joined unless called from one of them)."""
        with self._lock:
            self._closed = True
            threads = list(self._threads)
        for _ in threads:
            self._queue.put(None)
        for thread in threads:
            if thread is not threading.current_thread():
                thread.join()


class Runner:
    """Runs ops: see the module docstring. Threads start on first use."""

    def __init__(self, *, name: str = "careDesk", readers: int = 2, inline: bool = False) -> None:
        self.inline = inline
        self._interactive = _Threads(f"{name}-db", 1)
        self._background = _Threads(f"{name}-jobs", 1)
        self._readers = _Threads(f"{name}-read", readers)

    @classmethod
    def inline_runner(cls) -> Runner:
        """A runner that runs every op on the caller's thread (the command line)."""
        return cls(inline=True)

    def _threads(self, op: Op[Any] | Ticket[Any]) -> _Threads:
        if op.kind is Kind.READ:
            return self._readers
        return self._interactive if op.priority is Priority.INTERACTIVE else self._background

    def submit(self, op: Op[T]) -> Ticket[T]:
        """Queue ``op``; the ticket tells when it is over (inline: it already is)."""
        ticket = Ticket(op)
        if self.inline:
            ticket.run()
        else:
            self._threads(op).put(ticket)
        return ticket

    def call(self, op: Op[T]) -> T:
        """Run ``op`` and return its value (or raise its error).

        From one of this runner's own threads the op runs right there: waiting for another of
        its threads could wait forever.
        """
        if self.inline or self.here():
            ticket = Ticket(op)
            ticket.run()
            return ticket.result()
        return self.submit(op).result()

    def here(self) -> bool:
        """Whether the calling thread is one of this runner's."""
        return any(t.here() for t in (self._interactive, self._background, self._readers))

    @property
    def busy(self) -> bool:
        """Whether any op is queued or running."""
        return any(t.busy for t in (self._interactive, self._background, self._readers))

    def settle(self) -> None:
        """Stop the background jobs (queued ones dropped, running ones asked to stop at their
        next step) and wait for them and the reads: before a desk closes."""
        self._background.cancel_all()
        self._background.wait_idle()
        self._readers.wait_idle()

    def close(self) -> None:
        """Finish the interactive ops already queued (a sign-out), stop background jobs, end the
        threads. Ops submitted afterwards are cancelled."""
        self._interactive.close()
        self._background.cancel_all()
        self._background.close()
        self._readers.close()
