"""The bulk risk refresh in worker processes (careDesk/care/risk/parallel.py): the same scores
as one process, never a stale score over a save made meanwhile, and one process when the
workers fail. The expected scores are the one-process refresh's, itself checked against the
published rules in test_risk.py, test_charlson.py and test_lace.py."""

from __future__ import annotations

import gc
import multiprocessing
import os
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import UTC, datetime
from multiprocessing import connection
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import select

from careDesk.care.risk import engine, parallel
from careDesk.desk import Desk
from careDesk.model.assessment import Alert
from careDesk.model.base import new_id
from careDesk.model.measure import RegistryEntry
from careDesk.model.risk import RiskScore
from careDesk.ops import Progress, write
from tests.big_clinic import demo_fixture

NOW = datetime(2026, 3, 10, 17, 0, tzinfo=UTC)


clinic = demo_fixture("clinic", patients=60, seed=11)


@pytest.fixture
def small_ranges(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ranges of 10 patients, so 60 make several, and workers from the first patient."""
    monkeypatch.setattr(parallel, "FROM_PATIENTS", 1)
    for name in ("FIRST_CHUNK", "MIN_CHUNK", "CHUNK"):
        monkeypatch.setattr(parallel, name, 10)


def _stored(desk: Desk) -> tuple[dict[str, dict[str, Any]], list[tuple[Any, ...]]]:
    """Every score (by patient) and every registry row, as plain values."""
    with desk.reading() as s:
        scores = {r.patient_id: r.model_dump() for r in s.exec(select(RiskScore))}
        entries = sorted(
            tuple(sorted((k, str(v)) for k, v in e.model_dump().items() if k != "id"))
            for e in s.exec(select(RegistryEntry))
        )
    return scores, entries


def _forget_scores(desk: Desk) -> None:
    with desk.writing(None) as tx:
        tx.session.execute(text("DELETE FROM risk_score"))
        tx.session.execute(text("DELETE FROM registry_entry"))


def test_workers_store_the_scores_one_process_would(clinic: Desk, small_ranges: None) -> None:
    with clinic.reading() as s:
        ids = engine.everyone(s)
    assert len(ids) == 60
    _forget_scores(clinic)
    count, done = parallel.refresh_in_workers(clinic, ids, NOW, Progress(), workers=2)
    assert (count, done) == (60, 60)  # every range came back from a worker
    by_workers = _stored(clinic)
    assert len(by_workers[0]) == 60 and by_workers[1]

    _forget_scores(clinic)
    with clinic.writing(None) as tx:
        engine.refresh(tx.session, None, NOW)
    assert _stored(clinic) == by_workers


def test_a_save_after_a_range_was_scored_is_not_overwritten(clinic: Desk) -> None:
    """A range scored (as a worker does) before a save to one of its patients is scored again
    from the saved record: the urgent alert saved meanwhile counts."""
    with clinic.reading() as s:
        ids = engine.everyone(s)
    part = ids[:10]
    handed = parallel.Handed(part, clinic.write_lane.generation, own=0)
    with clinic.reading() as s:
        scored = engine.score_between(s, part[0], part[-1], NOW)
    patient = part[3]
    before = next(r for r in scored.rows if r["patient_id"] == patient)["urgent_alerts"]

    with clinic.writing() as tx:  # a coordinator's save, between the read and the store
        tx.session.add(_fall(patient))
    # A range handed out after the save, before the first range was stored.
    later = ids[10:20]
    handed_later = parallel.Handed(later, clinic.write_lane.generation, own=0)
    with clinic.reading() as s:
        scored_later = engine.score_between(s, later[0], later[-1], NOW)

    _count, own = parallel.store_range(clinic, handed, scored, own=0, when=NOW)
    assert clinic.risk.score(patient).scores["urgent_alerts"] == before + 1  # type: ignore[union-attr]

    # It read after the save and only this refresh wrote since: stored as it came.
    marked = engine.Scored(
        [{**r, "priority": -1.0} for r in scored_later.rows],
        scored_later.entries,
        scored_later.found,
        [],
    )
    parallel.store_range(clinic, handed_later, marked, own=own, when=NOW)
    assert clinic.risk.score(later[0]).priority == -1.0  # type: ignore[union-attr]


class _BrokenPool:
    """A pool whose every worker died (what an out-of-memory kill leaves)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        pass

    def submit(self, *args: object) -> Future[Any]:
        from concurrent.futures.process import BrokenProcessPool

        future: Future[Any] = Future()
        future.set_exception(BrokenProcessPool("a worker died"))
        return future

    def shutdown(self, **kwargs: object) -> None:
        pass


def test_when_the_workers_die_this_process_scores_everyone(
    clinic: Desk, small_ranges: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel, "ProcessPoolExecutor", _BrokenPool)
    _forget_scores(clinic)
    outcome = clinic.risk.refresh_all(now=NOW)
    assert outcome.value == 60
    assert len(_stored(clinic)[0]) == 60


@pytest.mark.skipif(not hasattr(os, "nice"), reason="process niceness is POSIX")
def test_workers_score_at_a_lower_cpu_priority_than_the_app(clinic: Desk) -> None:
    """The screen, a save and the writes storing the scores go first; workers take the rest."""
    pool = ProcessPoolExecutor(
        1,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=parallel._open,
        initargs=(str(clinic.paths.database), clinic.key),
    )
    with pool:
        theirs = pool.submit(os.nice, 0).result(timeout=60)
    assert theirs == min(os.nice(0) + parallel.WORKER_NICENESS, 19)


def test_workers_collect_young_objects_less_often_than_the_app(clinic: Desk) -> None:
    """Scoring makes many short-lived objects; a worker's collector passes over them every
    WORKER_GC_YOUNG allocations, the app keeps Python's default for its screens."""
    pool = ProcessPoolExecutor(
        1,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=parallel._open,
        initargs=(str(clinic.paths.database), clinic.key),
    )
    with pool:
        theirs = pool.submit(gc.get_threshold).result(timeout=60)
    assert theirs[0] == parallel.WORKER_GC_YOUNG > gc.get_threshold()[0]


def _fall(patient: str) -> Alert:
    return Alert(
        id=new_id(),
        patient_id=patient,
        kind="fall",
        severity="urgent",
        message="Fell at home",
        raised_at=NOW,
        created_at=NOW,
        updated_at=NOW,
    )


def _handed_and_marked(desk: Desk, part: list[str]) -> tuple[parallel.Handed, engine.Scored]:
    """A range as a worker scores it, each priority marked -1 to see whether it was stored."""
    handed = parallel.Handed(part, desk.write_lane.generation, own=0)
    with desk.reading() as s:
        scored = engine.score_between(s, part[0], part[-1], NOW)
    marked = [{**r, "priority": -1.0} for r in scored.rows]
    return handed, engine.Scored(marked, scored.entries, scored.found, [])


def test_a_save_to_one_patient_sends_only_that_patients_range_to_be_scored_again(
    clinic: Desk,
) -> None:
    """A coordinator saving all through a bulk refresh must not make it score every range
    again in one process: only the range of the patient saved is read again."""
    with clinic.reading() as s:
        ids = engine.everyone(s)
    first, first_scored = _handed_and_marked(clinic, ids[:10])
    other, other_scored = _handed_and_marked(clinic, ids[10:20])
    patient = ids[3]
    before = next(r for r in first_scored.rows if r["patient_id"] == patient)["urgent_alerts"]

    with clinic.writing() as tx:  # the save declares its patient, as every service's does
        tx.add(_fall(patient), kind="alert", patient_id=patient)

    parallel.store_range(clinic, first, first_scored, own=0, when=NOW)
    saved = clinic.risk.score(patient)
    assert saved is not None and saved.scores["urgent_alerts"] == before + 1
    assert saved.priority != -1.0  # scored again from the saved record
    parallel.store_range(clinic, other, other_scored, own=0, when=NOW)
    assert {clinic.risk.score(pid).priority for pid in ids[10:20]} == {-1.0}  # type: ignore[union-attr]


def test_a_write_that_does_not_say_whose_records_it_changed_counts_for_everyone(
    clinic: Desk,
) -> None:
    with clinic.reading() as s:
        ids = engine.everyone(s)
    handed, scored = _handed_and_marked(clinic, ids[10:20])
    with clinic.writing() as tx:  # a record added without saying whose (as a bulk load does)
        tx.session.add(_fall(ids[40]))

    parallel.store_range(clinic, handed, scored, own=0, when=NOW)
    assert -1.0 not in {clinic.risk.score(pid).priority for pid in ids[10:20]}  # type: ignore[union-attr]


def _save_when_the_first_piece_is_stored(
    desk: Desk, monkeypatch: pytest.MonkeyPatch, patient: str
) -> list[Any]:
    """Once store_range has stored its first piece (still holding the lane), a coordinator saves
    a fall for ``patient`` and waits for the lane; returns the save's ticket when it is made."""
    real, saving = parallel.store_scored, []

    def store(session: Any, scored: engine.Scored) -> int:
        stored = real(session, scored)
        if not saving:

            def save() -> None:
                with desk.writing() as tx:
                    tx.add(_fall(patient), kind="alert", patient_id=patient)

            saving.append(desk.ops.submit(write("alerts.record", save)))
            assert desk.write_lane.wait_for_waiters(interactive=1, background=0, timeout=60)
        return stored

    monkeypatch.setattr(parallel, "store_scored", store)
    return saving


@pytest.mark.parametrize("saved_at", [3, 45])
def test_a_save_that_waits_while_a_range_is_stored_goes_between_its_pieces(
    clinic: Desk, monkeypatch: pytest.MonkeyPatch, saved_at: int
) -> None:
    """A range stores STEP_PATIENTS patients at a time and, once a save waits, commits what it
    has and lets the save go; the rest is stored as scored if the save changed none of its
    patients (the save scores its own patient), else scored again from the saved records."""
    monkeypatch.setattr(parallel, "STEP_PATIENTS", 10)
    monkeypatch.setattr(parallel, "HOLD_LIMIT", 60.0)  # only a waiting save ends a write here
    with clinic.reading() as s:
        ids = engine.everyone(s)
    patient = ids[saved_at]
    handed, marked = _handed_and_marked(clinic, ids)
    before = next(r for r in marked.rows if r["patient_id"] == patient)["urgent_alerts"]
    saving = _save_when_the_first_piece_is_stored(clinic, monkeypatch, patient)

    with clinic.write_lane.recording() as log:
        count, took = parallel.store_range(clinic, handed, marked, own=0, when=NOW)
    saving[0].result(60)
    names = [h.name for h in log.holds]
    assert names[:2] == ["", "alerts.record"]  # the first piece, then the save, then the rest
    assert count == 60 and took == len(names) - 1 >= 2
    priorities = {pid: clinic.risk.score(pid).priority for pid in ids}  # type: ignore[union-attr]
    assert {priorities[pid] for pid in ids[:10] if pid != patient} == {-1.0}  # stored first
    saved = clinic.risk.score(patient)
    assert saved is not None and saved.scores["urgent_alerts"] == before + 1
    rest = {priorities[pid] for pid in ids[10:]}
    if saved_at < 10:  # the rest was not touched by the save: stored as the workers scored it
        assert rest == {-1.0}
    else:  # the save touched the rest: scored again here from the saved records
        assert -1.0 not in rest


def test_a_store_that_holds_the_lane_past_its_limit_commits_at_the_next_piece(
    clinic: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a loaded machine a range sized for 50 ms can take several times that: past
    HOLD_LIMIT (here: at once) each piece commits on its own, and every score is stored."""
    monkeypatch.setattr(parallel, "STEP_PATIENTS", 10)
    monkeypatch.setattr(parallel, "HOLD_LIMIT", 0.0)
    with clinic.reading() as s:
        ids = engine.everyone(s)
    handed, marked = _handed_and_marked(clinic, ids)
    with clinic.write_lane.recording() as log:
        count, took = parallel.store_range(clinic, handed, marked, own=0, when=NOW)
    assert (count, took, len(log.holds)) == (60, 6, 6)
    assert {clinic.risk.score(pid).priority for pid in ids} == {-1.0}  # type: ignore[union-attr]


def _recording_starts(monkeypatch: pytest.MonkeyPatch) -> list[ProcessPoolExecutor | None]:
    """Every pool of workers started from here on."""
    made: list[ProcessPoolExecutor | None] = []
    start = parallel.start_workers

    def recorded(desk: Desk, workers: int) -> ProcessPoolExecutor | None:
        made.append(start(desk, workers))
        return made[-1]

    monkeypatch.setattr(parallel, "start_workers", recorded)
    return made


def test_workers_started_ahead_are_the_ones_the_refresh_of_everyone_uses(
    clinic: Desk, small_ranges: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first sync starts the workers as its copy begins (careDesk/care/risk/alongside.py);
    the refresh that follows scores with them instead of starting others."""
    made = _recording_starts(monkeypatch)
    before = set(multiprocessing.active_children())
    clinic.risk.start_ahead(60)
    assert len(made) == 1 and made[0] is not None
    assert len(set(multiprocessing.active_children()) - before) == 2  # started, not waiting
    _forget_scores(clinic)
    outcome = clinic.risk.refresh_all(now=NOW)
    assert outcome.value == 60 and len(_stored(clinic)[0]) == 60
    assert len(made) == 1  # no second start


def test_workers_started_ahead_and_not_used_end(
    clinic: Desk, small_ranges: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = _recording_starts(monkeypatch)
    before = set(multiprocessing.active_children())
    clinic.risk.start_ahead(60)
    started = set(multiprocessing.active_children()) - before
    assert len(started) == 2
    clinic.risk.drop_ahead()
    # A process's sentinel is ready once it has ended (the pool reaps it: no join here).
    pending = {p.sentinel for p in started}
    while pending and (ended := connection.wait(list(pending), timeout=60)):
        pending -= set(ended)
    assert not pending
    _forget_scores(clinic)
    assert clinic.risk.refresh_all(now=NOW).value == 60
    assert len(made) == 2  # the refresh started its own


def test_no_workers_start_ahead_for_a_clinic_one_process_scores(
    clinic: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = _recording_starts(monkeypatch)
    clinic.risk.start_ahead(parallel.FROM_PATIENTS - 1)
    assert made == []
