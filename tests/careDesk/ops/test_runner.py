"""The operation runner: reads in parallel, background jobs beside interactive ops, cancel."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterator

import pytest

from careDesk.ops import (
    Cancelled,
    Op,
    Priority,
    Progress,
    Runner,
    current_priority,
    job,
    read,
    write,
)


@pytest.fixture
def runner() -> Iterator[Runner]:
    made = Runner(name="test")
    yield made
    made.close()


def test_reads_run_side_by_side(runner: Runner) -> None:
    both_in = threading.Barrier(2, timeout=30)  # passes only when two reads run at once
    tickets = [runner.submit(read("count", both_in.wait)) for _ in range(2)]
    assert sorted(t.result(30) for t in tickets) == [0, 1]


def test_an_interactive_op_is_not_queued_behind_a_background_job(runner: Runner) -> None:
    release = threading.Event()
    long_job = runner.submit(job("long job", lambda: release.wait(30)))
    try:
        assert runner.submit(write("save", current_priority)).result(30) is Priority.INTERACTIVE
        assert not long_job.done()
    finally:
        release.set()
    assert long_job.result(30) is True


def test_interactive_ops_run_in_order_on_one_thread(runner: Runner) -> None:
    seen: list[tuple[int, str]] = []
    tickets = [
        runner.submit(
            write(f"op {n}", lambda n=n: seen.append((n, threading.current_thread().name)))
        )
        for n in range(5)
    ]
    for ticket in tickets:
        ticket.result(30)
    assert [n for n, _ in seen] == list(range(5))
    assert len({name for _, name in seen}) == 1 and seen[0][1] != threading.current_thread().name


def test_a_job_calling_the_runner_runs_its_step_in_place(runner: Runner) -> None:
    """Waiting for its own thread would wait forever."""

    def outer() -> Priority:
        return runner.call(job("inner", current_priority))

    assert runner.call(job("outer", outer)) is Priority.BACKGROUND


def test_cancelling_drops_a_waiting_op_and_stops_a_running_one(runner: Runner) -> None:
    release, started = threading.Event(), threading.Event()
    progress = Progress()

    def steps() -> int:
        started.set()
        release.wait(30)
        for step in range(100):
            progress.update(step, 100)
        return 100

    running = runner.submit(job("steps", steps, progress))
    waiting = runner.submit(job("never", lambda: pytest.fail("a cancelled op ran")))
    assert started.wait(30)
    waiting.cancel()
    running.cancel()
    release.set()
    for ticket in (running, waiting):
        with pytest.raises(Cancelled):
            ticket.result(30)
    assert progress.finished and progress.done == 0  # stopped at its first step


def test_the_op_is_let_go_before_anyone_hears_it_is_over(runner: Runner) -> None:
    """So the desktop can drop the last reference to an op's widgets on the GUI thread."""

    class Held:
        pass

    def make(held: Held) -> Callable[[], str]:
        return lambda: type(held).__name__

    held = Held()
    gone = weakref.ref(held)
    ticket = runner.submit(Op("hold", make(held)))
    del held
    alive_when_heard: list[bool] = []
    ticket.add_done_callback(lambda _t: alive_when_heard.append(gone() is not None))
    assert ticket.result(30) == "Held"
    assert alive_when_heard == [False]


def test_closing_finishes_the_queued_saves_and_stops_the_jobs(runner: Runner) -> None:
    release = threading.Event()
    progress = Progress()

    def long_job() -> None:
        while not release.wait(0.01):
            progress.check()

    background = runner.submit(job("long", long_job, progress))
    save = runner.submit(write("save", lambda: "saved"))
    runner.close()
    assert save.result(30) == "saved"
    with pytest.raises(Cancelled):
        background.result(30)
    with pytest.raises(Cancelled):
        runner.submit(write("late", lambda: "ran")).result(30)


def test_an_inline_runner_runs_on_the_callers_thread() -> None:
    inline = Runner.inline_runner()
    here = threading.current_thread()
    assert inline.call(job("job", threading.current_thread)) is here
    assert inline.submit(read("read", threading.current_thread)).result() is here
