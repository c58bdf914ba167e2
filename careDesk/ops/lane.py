"""The one writer: every write transaction on a vault passes this lane, one at a time.

SQLite lets one connection write at a time and makes the others wait (``busy_timeout``) or fail
with "database is locked". Rather than leave threads to race for that lock, the engine
(``careDesk/store/engine.py``) takes this lane just before ``BEGIN IMMEDIATE`` and gives it back
after ``COMMIT`` or ``ROLLBACK``, so every writer of the process — the runner's threads, the
reminder clock, sync, APScheduler's job store, a script — queues here, where:

- an interactive transaction waiting goes before any background one, so a long job that commits
  in short chunks lets a save in between its chunks; among waiters of one kind, the first to
  come goes first, so a job that asks again straight after its commit (a sync started from the
  command line runs at a save's priority) cannot take the lane back from a save already waiting;
- a wait longer than the busy timeout is :class:`~careDesk.errors.DatabaseBusy`, an expected
  error with a message, never a raw ``OperationalError``;
- each hold (from BEGIN to the end of COMMIT) is timed: a hold over :data:`LONG_HOLD` is logged
  with the op's name, and :meth:`WriteLane.recording` collects them (``make bench``);
- :attr:`WriteLane.generation` counts the holds that ended, so a long job can read outside the
  lane and, once it holds the lane, know whether anything was written since it read, and
  :meth:`WriteLane.patients_changed_since` which patients' records those writes changed (as
  each declared it, :meth:`WriteLane.declare`), leaving out writes that declared they touched
  none of the tables the job reads (a first sync's copy of other tables);
- :attr:`WriteLane.interactive_waiting` lets one long statement that cannot be cut in chunks
  (building an index) step aside for a save (``careDesk/sync/bulkload.py``).
"""

from __future__ import annotations

import itertools
import logging
import math
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from careDesk.errors import DatabaseBusy
from careDesk.ops.context import Priority, current_name, current_priority

log = logging.getLogger("careDesk.ops")

LONG_HOLD = 1.0  # seconds; the budget is ~0.1 s (docs/architecture.md#performance-budgets)
SCOPES_KEPT = 1_000  # the last holds whose declared patients patients_changed_since can tell
_LOCKED = ("database is locked", "database table is locked", "database is busy")


def is_locked_error(exc: BaseException) -> bool:
    """Whether ``exc`` (SQLAlchemy's wrapper or the driver's own) is SQLite's busy/locked."""
    original = getattr(exc, "orig", None) or exc
    return type(original).__name__ == "OperationalError" and str(original).startswith(_LOCKED)


@dataclass(frozen=True)
class Hold:
    """One write transaction's hold on the lane."""

    seconds: float
    name: str  # the op's name ("" outside any op)
    priority: Priority


@dataclass(frozen=True)
class Scope:
    """What a write declared it changed: these patients' records (None: it cannot say), in
    these tables only (None: any)."""

    patients: frozenset[str] | None = None
    tables: frozenset[str] | None = None

    def misses(self, reads: frozenset[str] | None) -> bool:
        """Whether the write is known to have touched none of the tables ``reads``."""
        return reads is not None and self.tables is not None and not self.tables & reads


@dataclass
class HoldLog:
    """The holds made while a :meth:`WriteLane.recording` block ran."""

    holds: list[Hold] = field(default_factory=list)

    def longest(self) -> float:
        """The longest hold in seconds (0 when none)."""
        return max((h.seconds for h in self.holds), default=0.0)

    def percentile(self, share: float) -> float:
        """The hold ``share`` (0–1) of holds were no longer than (nearest rank; 0 when none)."""
        ordered = sorted(h.seconds for h in self.holds)
        if not ordered:
            return 0.0
        rank = max(1, math.ceil(share * len(ordered)))
        return ordered[rank - 1]


class WriteLane:
    """One write transaction at a time, interactive first, waits bounded by ``timeout``."""

    def __init__(self, timeout: float, folder: str) -> None:
        self.timeout = timeout
        self.folder = folder  # the vault's folder, named in DatabaseBusy
        self._cond = threading.Condition()
        self._holder: int | None = None
        self._since = 0.0
        self._hold_name = ""
        self._hold_priority = Priority.INTERACTIVE
        # Tickets of the transactions waiting, in the order they came: the lane goes to the
        # first interactive one, or when none waits, to the first background one.
        self._tickets = itertools.count()
        self._waiting: dict[bool, deque[int]] = {True: deque(), False: deque()}
        self._generation = 0
        self._logs: list[HoldLog] = []
        self._declared: Scope = Scope()
        # (generation once the hold ended, what its write declared)
        self._scopes: deque[tuple[int, Scope]] = deque(maxlen=SCOPES_KEPT)

    @property
    def generation(self) -> int:
        """How many write transactions have ended: unchanged between a read and a write made
        while holding the lane means nothing was written in between (every writer of the
        vault passes this lane: the vault lock keeps other programs from writing to it)."""
        with self._cond:
            return self._generation

    def declare(
        self, patients: frozenset[str] | None, tables: frozenset[str] | None = None
    ) -> None:
        """The holder says, just before it commits, whose records its transaction changed:
        these patients' only, or (None, the default) it cannot say; and ``tables``: the only
        tables it wrote, when it can say (None: any). Ignored from a thread that does not hold
        the lane (a transaction that wrote nothing)."""
        with self._cond:
            if self._holder == threading.get_ident():
                self._declared = Scope(patients, tables)

    def patients_changed_since(
        self, generation: int, reads: frozenset[str] | None = None
    ) -> frozenset[str] | None:
        """The patients whose records the holds ended since ``generation`` changed, or None
        when one of them could not say (or it is too long ago to tell). ``reads``: the tables
        the asker read; a hold that declared it wrote none of them changed nothing it read."""
        with self._cond:
            if generation >= self._generation:
                return frozenset()
            if not self._scopes or self._scopes[0][0] > generation + 1:
                return None
            changed: set[str] = set()
            for ended, scope in self._scopes:
                if ended <= generation or scope.misses(reads):
                    continue
                if scope.patients is None:
                    return None
                changed |= scope.patients
            return frozenset(changed)

    @property
    def interactive_waiting(self) -> bool:
        """Whether an interactive transaction waits for the lane now. Read without the lock: a
        long statement asks it every few thousand steps (``bulkload.build_index``), and a look
        a moment stale only moves its answer to the next look."""
        return bool(self._waiting[True])

    @property
    def busy(self) -> bool:
        """Whether a transaction holds the lane or waits for it now (read without the lock, as
        :attr:`interactive_waiting`)."""
        return self._holder is not None or bool(self._waiting[True] or self._waiting[False])

    @property
    def held_here(self) -> bool:
        """Whether this thread holds the lane (it is inside a write transaction)."""
        with self._cond:
            return self._holder == threading.get_ident()

    def acquire(self) -> None:
        """Wait for the lane at this thread's op priority, after every interactive transaction
        already waiting (and, for a background one, after every waiting transaction);
        :class:`DatabaseBusy` after ``timeout`` seconds."""
        me, interactive = threading.get_ident(), current_priority() is Priority.INTERACTIVE
        deadline = time.monotonic() + self.timeout
        with self._cond:
            if self._holder == me:
                # A second connection of this thread would wait for the first forever.
                raise RuntimeError("a write transaction was opened inside another one")
            ticket = next(self._tickets)
            queue = self._waiting[interactive]
            queue.append(ticket)
            self._cond.notify_all()  # for wait_for_waiters
            try:
                while not self._turn(ticket, interactive):
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise DatabaseBusy(self.folder, self.timeout)
                    self._cond.wait(left)
            finally:
                queue.remove(ticket)
                self._cond.notify_all()  # the next in line may go now (or after a timeout)
            self._holder = me
            self._since = time.perf_counter()
            self._hold_name, self._hold_priority = current_name(), current_priority()

    def _turn(self, ticket: int, interactive: bool) -> bool:
        """Whether the waiter holding ``ticket`` may take the lane now (under the lock)."""
        if self._holder is not None:
            return False
        if interactive:
            return self._waiting[True][0] == ticket
        return not self._waiting[True] and self._waiting[False][0] == ticket

    def wait_for_waiters(self, interactive: int, background: int, timeout: float) -> bool:
        """Wait until this many transactions of each kind wait for the lane (tests and
        diagnostics); False if ``timeout`` seconds passed first."""
        with self._cond:
            return self._cond.wait_for(
                lambda: (
                    (len(self._waiting[True]), len(self._waiting[False]))
                    == (interactive, background)
                ),
                timeout,
            )

    def release(self, *, undone: bool = False) -> None:
        """End the hold (the transaction committed or rolled back; ``undone``: it rolled back,
        so it changed nothing, whatever it declared)."""
        with self._cond:
            if self._holder is None:
                return
            hold = Hold(time.perf_counter() - self._since, self._hold_name, self._hold_priority)
            self._holder = None
            self._generation += 1
            scope = Scope(frozenset(), frozenset()) if undone else self._declared
            self._scopes.append((self._generation, scope))
            self._declared = Scope()
            logs = list(self._logs)
            self._cond.notify_all()
        for found in logs:
            found.holds.append(hold)
        if hold.seconds >= LONG_HOLD:
            log.warning("a write held the database for %.1f s (%s)", hold.seconds, hold.name or "-")

    @contextmanager
    def recording(self) -> Iterator[HoldLog]:
        """Collect every hold that ends inside the block."""
        found = HoldLog()
        with self._cond:
            self._logs.append(found)
        try:
            yield found
        finally:
            with self._cond:
                self._logs.remove(found)
