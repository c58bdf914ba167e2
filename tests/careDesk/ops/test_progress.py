"""Progress and cancellation, one type for every long job."""

from __future__ import annotations

import pytest

from careDesk.ops import Cancelled, ChunkSizer, Progress
from careDesk.ops.chunks import HOLD_BUDGET, TARGET


def test_a_job_reports_and_stops_at_its_next_step_once_cancelled() -> None:
    progress = Progress("Copying")
    seen: list[tuple[str, int, int]] = []
    progress.listen(lambda p: seen.append(p.snapshot()))
    progress.update(0, 10)
    progress.update(4, message="Copying patients")
    assert seen == [("Copying", 0, 10), ("Copying patients", 4, 10)]
    progress.cancel()
    with pytest.raises(Cancelled):
        progress.check()
    with pytest.raises(Cancelled):
        progress.update(5)
    assert progress.snapshot() == ("Copying patients", 5, 10)  # the step is still reported


def test_listeners_run_before_a_cancel_made_meanwhile_takes_effect() -> None:
    """A listener that holds the job at a step (a test, a confirmation) sees the stop apply
    right after it returns."""
    progress = Progress()
    progress.listen(lambda p: p.cancel() if p.done == 2 else None)
    progress.update(1)
    with pytest.raises(Cancelled):
        progress.update(2)


def test_chunk_sizes_follow_the_time_a_chunk_took() -> None:
    sizer = ChunkSizer(100, low=10, high=1_000)
    sizer.took(TARGET / 10, 100)  # ten times quicker than aimed at: grows, at most twofold
    assert sizer.size == 200
    sizer.took(TARGET * 1.2, 200)  # a little slow, well within the budget: stays
    assert sizer.size == 200
    sizer.took(HOLD_BUDGET * 2, 200)  # over the budget: shrinks at once to what fits
    assert sizer.size == 50
    sizer.took(HOLD_BUDGET * 100, 50)
    assert sizer.size == 10  # never below the floor
    for _ in range(20):
        sizer.took(0.0, sizer.size)
    assert sizer.size == 1_000  # nor above the ceiling
