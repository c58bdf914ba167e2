"""The bulk refresh on every core: ranges of patients read and scored in worker processes.

Reading and scoring a patient is about half a millisecond of Python (50,000 patients: some 26 s
on one core), and the bulk refresh runs after a first sync, an import, demo data and at night.
One process leaves the workstation's other cores idle, so for a large clinic the ranges go to
worker processes, started fresh (``spawn``: none of the desk's threads, locks or Qt are copied),
each opening the vault read-only with the desk's key — handed over the pool's pipe, never written
anywhere — and returning plain score rows, at a lower CPU priority than the app. The desk
stores them in short writes through the write lane, as the one-process refresh does.

A range is stored only if no write since it was handed out changed the records of one of its
patients: each write declares whose records it changed (``careDesk/ops/lane.py``), one that
cannot say counts as changing everyone's, and this refresh's own writes (scores) change none.
Otherwise the range is scored again here, as the one-process refresh does, so a save made
meanwhile is never overwritten by a score computed before it; the other ranges, and those
handed out after the save, are stored as they come.
A range is stored :data:`STEP_PATIENTS` patients at a time: once a save waits, or the store has
held the lane for :data:`HOLD_LIMIT`, it commits what it has and the rest goes in a write of its
own, checked again the same way. Ranges are sized by how long storing took, but two per worker
are handed out ahead, so one sized before the machine slowed could otherwise hold the lane for
several times its aim (259-274 ms seen while a first upload read the clinic back).
Should the workers fail to start or die, the rest is scored in this process.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import time
from bisect import bisect_right
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from careDesk.care.risk.engine import (
    FIRST_CHUNK,
    MIN_CHUNK,
    Scored,
    score_between,
    store_scored,
    untouched,
)
from careDesk.care.risk.gather import CHUNK
from careDesk.ops import ChunkSizer, Progress
from careDesk.ops.chunks import TOO_LONG

if TYPE_CHECKING:
    from careDesk.desk import Desk

# Below this many patients one process is quicker than starting workers (about a second each).
FROM_PATIENTS = 4_000
MAX_WORKERS = 4
_AHEAD = 2  # ranges handed out per worker beyond the one being stored
# Patients stored between two looks at the lane and the clock (a few milliseconds of writing),
# and how long one write may hold the lane before it commits what it has.
STEP_PATIENTS = 100
HOLD_LIMIT = TOO_LONG
# Workers yield the cores to the app: with every core scoring, the app's own threads (the
# screen, a save, the writes storing the scores) would share the CPU with them as equals; at
# niceness 10 they go first, and the workers take what is left.
WORKER_NICENESS = 10
# Objects a worker allocates between two passes of the cycle collector over the young ones
# (Python's default is 700). Scoring a range makes hundreds of thousands of small objects that
# die with it, nearly none in cycles; collecting every 700 took 8-10 % of the scoring's CPU
# (10,000 patients of the 50,000-patient clinic: 2.02-2.04 s against 1.81-1.89 s at 50,000).
WORKER_GC_YOUNG = 50_000

log = logging.getLogger("careDesk.risk")
_engine: Any = None  # in a worker process: its read-only engine on the vault


def workers_for(patients: int) -> int:
    """How many worker processes a bulk refresh of ``patients`` should use (1: none)."""
    if patients < FROM_PATIENTS:
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_WORKERS))


def _open(database: str, key: bytes) -> None:
    """A worker's start: a lower CPU priority, then a read-only engine on the vault (imported
    here, in the worker)."""
    if hasattr(os, "nice"):  # POSIX; Windows workers keep the default priority
        os.nice(WORKER_NICENESS)
    from careDesk.store.engine import build_engine

    global _engine
    _engine = build_engine(Path(database), key, readonly=True)
    gc.freeze()  # what a worker keeps for good stays out of its full collections (ops/heap.py)
    gc.set_threshold(WORKER_GC_YOUNG, *gc.get_threshold()[1:])


def _score(low: str, high: str, when: datetime) -> Scored:
    """In a worker: read and score one range."""
    with Session(_engine) as session:
        return score_between(session, low, high, when)


@dataclass(frozen=True)
class Handed:
    """A range handed to a worker, with the lane's generation and this refresh's own write
    transactions then."""

    ids: list[str]
    seen: int
    own: int


def store_range(
    desk: Desk, handed: Handed, scored: Scored, own: int, when: datetime
) -> tuple[int, int]:
    """Store a range scored outside the lane if no write since it was handed out changed one
    of its patients (:func:`~careDesk.care.risk.engine.untouched`), or only this refresh wrote
    since (``own``: its write transactions so far; exact even when the lane no longer
    remembers that far back); otherwise score it again here, as the one-process refresh does.
    :data:`STEP_PATIENTS` at a time, in as many writes as a save waiting or
    :data:`HOLD_LIMIT` make, each checking the patients still to store.
    Returns (patients scored, write transactions it took)."""
    lane, high = desk.write_lane, handed.ids[-1]
    pieces = _pieces(scored, handed.ids)
    count = took = i = 0
    while i < len(pieces):
        with desk.writing(None) as tx:
            tx.derived = True
            tx.session.connection()  # BEGIN IMMEDIATE: the lane is ours from here
            began = time.perf_counter()
            low = pieces[i][0]
            only_ours = lane.generation - handed.seen == own - handed.own + took
            took += 1
            if not (only_ours or untouched(lane, handed.seen, low, high)):
                break
            while i < len(pieces):
                count += store_scored(tx.session, pieces[i][1])
                i += 1
                if lane.interactive_waiting or time.perf_counter() - began > HOLD_LIMIT:
                    break
    if i < len(pieces):
        again, _held, holds = desk.risk.refresh_range(pieces[i][0], high, when)
        return count + again, took + holds
    return count, took


def _pieces(scored: Scored, ids: list[str]) -> list[tuple[str, Scored]]:
    """``scored`` cut by the sorted ``ids`` into :data:`STEP_PATIENTS`-patient pieces, each with
    its first id."""
    starts = ids[::STEP_PATIENTS]

    def at(pid: str) -> int:
        return max(bisect_right(starts, pid) - 1, 0)

    parts: list[tuple[list[Any], list[Any], list[str], list[str]]] = [
        ([], [], [], []) for _ in starts
    ]
    for row in scored.rows:
        parts[at(row["patient_id"])][0].append(row)
    for entry in scored.entries:
        parts[at(entry["patient_id"])][1].append(entry)
    for pid in scored.found:
        parts[at(pid)][2].append(pid)
    for pid in scored.gone:
        parts[at(pid)][3].append(pid)
    return [(start, Scored(*part)) for start, part in zip(starts, parts, strict=True)]


def _ready() -> None:
    """In a worker: nothing; asked of each worker to start it (:func:`start_workers`)."""


def start_workers(desk: Desk, workers: int) -> ProcessPoolExecutor | None:
    """``workers`` worker processes on ``desk``'s vault, each starting now (about a second of
    imports, at the workers' priority), or None when they cannot start. A first sync starts
    them as its copy begins, while the second core waits on the server anyway, so they are
    ready when the tables a score reads are in (careDesk/care/risk/alongside.py)."""
    try:
        pool = ProcessPoolExecutor(
            workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_open,
            initargs=(str(desk.paths.database), desk.key),
        )
        for _ in range(workers):  # a worker is spawned for each task while none is idle
            pool.submit(_ready)
    except OSError as exc:
        log.warning("risk scoring workers did not start (%s): one process", type(exc).__name__)
        return None
    return pool


def refresh_in_workers(
    desk: Desk,
    ids: list[str],
    when: datetime,
    step: Progress,
    workers: int,
    ahead: ProcessPoolExecutor | None = None,
) -> tuple[int, int]:
    """Score ``ids`` (sorted; every patient) in ``workers`` processes (``ahead``: already
    started with :func:`start_workers`) and store the rows here; the workers end with it.
    Returns (patients scored, ids done); ids done falls short of ``len(ids)`` only when the
    workers failed, leaving the rest to the caller."""
    sizer = ChunkSizer(FIRST_CHUNK, low=MIN_CHUNK, high=CHUNK)
    handed: deque[tuple[Handed, Future[Scored]]] = deque()
    given = done = count = own = 0
    pool = ahead or start_workers(desk, workers)
    if pool is None:
        return 0, 0
    try:
        while done < len(ids):
            while given < len(ids) and len(handed) < workers * _AHEAD:
                part = ids[given : given + sizer.size]
                future = pool.submit(_score, part[0], part[-1], when)
                handed.append((Handed(part, desk.write_lane.generation, own), future))
                given += len(part)
            first, future = handed.popleft()
            try:
                scored = future.result()
            except Exception as exc:  # a worker failed or died: the rest is scored here
                log.warning("risk scoring workers failed (%s): one process", type(exc).__name__)
                return count, done
            started = time.perf_counter()
            stored, holds = store_range(desk, first, scored, own, when)
            count, own = count + stored, own + holds
            sizer.took(time.perf_counter() - started, len(first.ids))
            done += len(first.ids)
            step.update(done, len(ids))  # a stop ends the refresh here
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return count, done
