"""Progress and cancellation, one type for every long job."""

from __future__ import annotations

import pytest

from careDesk.ops import Aside, Cancelled, ChunkSizer, Progress
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


def test_a_part_aside_shows_on_the_job_only_once_surfaced_and_stops_with_it() -> None:
    """A first sync's scores run beside its copy: the person sees the copy, then the scores
    from where they are; a stop of the sync stops them too."""
    job = Progress("Copying")
    seen: list[tuple[str, int, int]] = []
    job.listen(lambda p: seen.append(p.snapshot()))
    part = Aside(job)
    job.update(10, 100)
    part.update(0, 30, "Scoring")
    part.update(12)
    assert seen == [("Copying", 10, 100)]
    job.update(100)
    part.surface()
    part.update(20)
    assert seen[-2:] == [("Scoring", 12, 30), ("Scoring", 20, 30)]
    job.cancel()
    with pytest.raises(Cancelled):
        part.update(21)
    alone = Aside(Progress())
    alone.cancel()  # the part alone (the copy failed): the job is not stopped by it
    with pytest.raises(Cancelled):
        alone.check()
    assert not alone.job.cancelled


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
