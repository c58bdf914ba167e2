"""Long jobs leave the rest of the heap out of the collector's full passes, and give it back."""

from __future__ import annotations

import gc
import threading
import weakref

from careDesk.ops import settled


class _Node:
    """An object in a reference cycle: only the cycle collector can free it."""

    def __init__(self) -> None:
        self.me = self


def test_a_job_collects_its_own_cycles_and_sets_aside_what_was_alive_before() -> None:
    before = _Node()
    old = weakref.ref(before)
    with settled():
        del before  # the app's objects that die during the job wait for its end
        made = _Node()
        new = weakref.ref(made)
        del made
        gc.collect()
        assert new() is None, "the job's own garbage is still collected during it"
        assert old() is not None, "what was alive at the start is left out of full passes"
    gc.collect()
    assert old() is None, "given back when the job ends: nothing leaks"


def test_overlapping_jobs_give_the_heap_back_once_the_last_one_ends() -> None:
    inner_started, inner_may_end, inner_ended = (threading.Event() for _ in range(3))

    def other_job() -> None:
        with settled():
            inner_started.set()
            inner_may_end.wait()
        inner_ended.set()

    before = _Node()
    ref = weakref.ref(before)
    with settled():
        worker = threading.Thread(target=other_job)
        worker.start()
        assert inner_started.wait(10)
        del before
        inner_may_end.set()  # the second job ends while the first still runs
        assert inner_ended.wait(10)
        worker.join()
        gc.collect()
        assert ref() is not None, "the first job still runs: the heap stays set aside"
    gc.collect()
    assert ref() is None
    assert gc.get_freeze_count() == 0
