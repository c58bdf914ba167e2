"""Long jobs and Python's cycle collector: full passes over what the job does not touch.

A full (oldest-generation) pass of the collector visits every object the process holds: the
modules, the models, the engine, the screens. On this app's core alone that is about 170,000
objects and 130 ms, and while it runs no other thread runs (the interpreter lock), so a save
or a screen waits as long as the pass. A long job allocates enough to set off such a pass
every few seconds: measured on a refresh of 10,000 risk scores, eight passes took 1.3 s of its
5.6 s (0.8 s set aside). Not every long job gains: a first upload measured 3–6 s more CPU with
the heap set aside (80 s in all), so it is used where it was measured to help (the refresh of
everyone, and each scoring worker).

:func:`settled` sets aside what is alive when a job begins (:func:`gc.freeze`: those objects
are no longer visited, the job's own objects still are) and gives it back when the last job
running ends (:func:`gc.unfreeze`), so cycles that died meanwhile are collected then. Jobs may
nest and overlap on several threads: the heap is given back once none is running.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_running = 0


@contextmanager
def settled() -> Iterator[None]:
    """Run a long job with the objects alive at its start left out of full collections."""
    global _running
    with _lock:
        _running += 1
        if _running == 1:
            gc.freeze()
    try:
        yield
    finally:
        with _lock:
            _running -= 1
            if _running == 0:
                gc.unfreeze()
