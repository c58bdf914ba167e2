"""Which operation the current thread is running: its name (for logs) and its priority.

The runner sets it around each op; the write lane reads it to order waiting transactions
(interactive before background) and to name a long hold in the log. Code outside any op (a
script, the command line, a test) counts as interactive.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from enum import IntEnum


class Priority(IntEnum):
    """Who waits for an op: a person at the screen, or nobody in particular."""

    INTERACTIVE = 0  # a save, a search: goes first
    BACKGROUND = 1  # the clock's jobs, sync, bulk refreshes, imports: between interactive work


@dataclass(frozen=True)
class Running:
    """The op this thread is running."""

    name: str
    priority: Priority


_current: ContextVar[Running | None] = ContextVar("careDesk_op", default=None)


def current() -> Running | None:
    """The op running on this thread, if any."""
    return _current.get()


def current_priority() -> Priority:
    """This thread's priority: the running op's, else interactive."""
    found = _current.get()
    return found.priority if found is not None else Priority.INTERACTIVE


def current_name() -> str:
    """The running op's name, or "" outside any op."""
    found = _current.get()
    return found.name if found is not None else ""


@contextmanager
def running(name: str, priority: Priority) -> Iterator[None]:
    """Mark this thread as running op ``name`` at ``priority`` for the block."""
    token = _current.set(Running(name, priority))
    try:
        yield
    finally:
        _current.reset(token)
