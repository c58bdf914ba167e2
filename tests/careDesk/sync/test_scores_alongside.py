"""A new workstation's risk scores start while its first sync still copies the tables no score
is read from (careDesk/care/risk/alongside.py, issue 21): the same scores as a refresh after
the copy, the progress shown once the copy is in, a stop that stops both, and a failure that
scores everyone after the copy as before."""

from __future__ import annotations

import logging
import threading
from datetime import date
from typing import Any

import pytest
from sqlalchemy import text

from careDesk.care.demo import generate_demo
from careDesk.care.risk import engine, parallel
from careDesk.care.risk.alongside import ScoresAlongside
from careDesk.care.risk.engine import READS, RiskEngine
from careDesk.desk import Desk
from careDesk.ops import Priority, Progress, current_priority
from careDesk.sync import bulkload, snapshot
from careDesk.sync.tables import synced_tables
from tests.conftest import PASSWORD

LATER = "timeline_entry"  # copied after the scores start: every demo patient has entries


class Stopped(Exception):
    """The person pressed Stop."""


def _clinic(make_workstation: Any, seed: int) -> None:
    a = make_workstation("anna")
    generate_demo(
        a.desk, patients=30, seed=seed, today=date(2026, 3, 10), coordinator_password=PASSWORD
    )
    a.sync()


def _on_page(monkeypatch: pytest.MonkeyPatch, name: str, then: Any) -> None:
    """Call ``then()`` as the first page of table ``name`` arrives at the writer."""
    real, seen = snapshot._Writer.page, [False]

    def page(self: Any, table: str, rows: list[snapshot.Piece]) -> None:
        if table == name and not seen[0]:
            seen[0] = True
            then()
        real(self, table, rows)

    monkeypatch.setattr(snapshot._Writer, "page", page)


def _on_alongside(monkeypatch: pytest.MonkeyPatch, after: Any) -> None:
    """Call ``after(outcome_or_error)`` when the refresh of everyone ends on the scores' thread."""
    real = RiskEngine.refresh_all

    def refresh_all(self: RiskEngine, *args: Any, **kwargs: Any) -> Any:
        if threading.current_thread().name != "risk-alongside":
            return real(self, *args, **kwargs)
        return after(lambda: real(self, *args, **kwargs))

    monkeypatch.setattr(RiskEngine, "refresh_all", refresh_all)


def _scores(desk: Desk) -> dict[str, tuple[Any, ...]]:
    """Each patient's score without the time it was computed."""
    with desk.reading() as session:
        rows = session.execute(text("SELECT * FROM risk_score ORDER BY patient_id")).mappings()
        return {r["patient_id"]: tuple(v for k, v in r.items() if k != "computed_at") for r in rows}


def _unranked(desk: Desk) -> int:
    with desk.reading() as session:
        return int(
            session.execute(
                text(
                    "SELECT count(*) FROM patient WHERE deleted_at IS NULL"
                    " AND id NOT IN (SELECT patient_id FROM risk_score)"
                )
            ).scalar_one()
        )


def test_the_tables_a_score_reads_are_copied_first_parents_before_children() -> None:
    order = [t.name for t in snapshot.copy_order(READS)]
    assert sorted(order) == sorted(t.name for t in synced_tables())
    ahead = snapshot.needed(READS)
    assert {"observation", "goal", "problem", "patient"} <= ahead  # goal needs its problem
    assert LATER not in ahead
    assert set(order[: len(ahead)]) == ahead, "a table no score reads came before one it does"
    for i, t in enumerate(snapshot.copy_order(READS)):
        parents = {fk.column.table.name for fk in t.foreign_keys}
        assert parents <= set(order[:i]), f"{t.name} came before a table it refers to"


def test_scores_are_computed_during_the_copy_and_match_a_refresh_after_it(
    make_workstation: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _clinic(make_workstation, seed=41)
    b = make_workstation("ben")
    scored, priorities = threading.Event(), []

    def then_mark(run: Any) -> Any:
        priorities.append(current_priority())
        outcome = run()
        scored.set()
        return outcome

    _on_alongside(monkeypatch, then_mark)
    # The copy of the timeline waits until every patient has a score: were the scores to start
    # only after the copy, this would wait in vain.
    _on_page(monkeypatch, LATER, lambda: scored.wait(60) or pytest.fail("no scores yet"))
    progress, shown = Progress(), []
    progress.listen(lambda p: shown.append(p.snapshot()))
    b.desk.sync.run(progress)

    assert (engine.REFRESHING, 30, 30) in shown, "the scores' progress reached the person"
    # Background work, though the sync was called directly (as a person's): its stores never
    # make the copy's index builds step aside.
    assert priorities == [Priority.BACKGROUND]
    with b.desk.reading() as session:
        timeline = session.execute(text(f"SELECT count(*) FROM {LATER}")).scalar_one()
    assert timeline > 0 and _unranked(b.desk) == 0
    during = _scores(b.desk)
    b.desk.risk.refresh_all()  # every table in: the same scores
    assert _scores(b.desk) == during and len(during) == 30
    assert b.desk.sync.status().last_sync_at is not None


def test_a_stop_during_the_copy_stops_the_scores_and_the_next_sync_ranks_everyone(
    make_workstation: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _clinic(make_workstation, seed=42)
    b = make_workstation("ben")
    monkeypatch.setattr(engine, "FIRST_CHUNK", 10)  # ten patients a chunk, then more
    monkeypatch.setattr(engine, "MIN_CHUNK", 1)
    one_stored, resume = threading.Event(), threading.Event()
    real_range = RiskEngine.refresh_range

    def refresh_range(self: RiskEngine, *args: Any) -> Any:
        done = real_range(self, *args)
        if not one_stored.is_set():
            one_stored.set()  # ten patients scored; the rest wait for the stop
            resume.wait(120)
        return done

    real_abandon = ScoresAlongside.abandon

    def abandon(self: ScoresAlongside) -> None:
        self.part.cancel()
        resume.set()
        real_abandon(self)

    def stop() -> None:
        assert one_stored.wait(120)
        raise Stopped()

    monkeypatch.setattr(RiskEngine, "refresh_range", refresh_range)
    monkeypatch.setattr(ScoresAlongside, "abandon", abandon)
    _on_page(monkeypatch, LATER, stop)
    with pytest.raises(Stopped):
        b.desk.sync.run(Progress())
    assert not [t for t in threading.enumerate() if t.name == "risk-alongside"]
    assert len(_scores(b.desk)) == 10  # the chunk stored before the stop stays
    assert b.desk.sync.status().last_sync_at is None

    assert b.sync().pushed == 0  # what the snapshot copied is not sent back
    assert _unranked(b.desk) == 0 and len(_scores(b.desk)) == 30
    with b.desk.reading() as session:
        raw = session.connection().connection.driver_connection
        assert bulkload.missing(raw) == []


def test_scores_that_fail_during_the_copy_are_computed_after_it(
    make_workstation: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    _clinic(make_workstation, seed=43)
    b = make_workstation("ben")

    def fail(_run: Any) -> Any:
        raise RuntimeError("scoring broke")

    _on_alongside(monkeypatch, fail)
    with caplog.at_level(logging.WARNING, logger="careDesk.risk"):
        b.desk.sync.run(Progress())
    assert _unranked(b.desk) == 0 and len(_scores(b.desk)) == 30
    assert "risk scores during the copy failed (RuntimeError)" in caplog.text
    assert b.desk.sync.status().last_sync_at is not None


def test_a_large_clinic_s_scoring_workers_start_as_the_copy_begins_and_score_it(
    make_workstation: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Their start-up (about a second each) is done while the copy runs, not after the tables
    a score reads are in; the refresh that follows scores with them, starting no others."""
    _clinic(make_workstation, seed=44)
    b = make_workstation("ben")
    monkeypatch.setattr(parallel, "workers_for", lambda patients: 2)  # as for a large clinic
    started: list[int] = []
    real = parallel.start_workers

    def start(desk: Desk, workers: int) -> Any:
        started.append(workers)
        return real(desk, workers)

    monkeypatch.setattr(parallel, "start_workers", start)
    at_first_rows: list[int] = []
    _on_page(monkeypatch, "patient", lambda: at_first_rows.append(len(started)))
    b.desk.sync.run(Progress())
    assert at_first_rows == [1], "the workers started before the first rows were written"
    assert started == [2], "the scores used them"
    assert _unranked(b.desk) == 0 and len(_scores(b.desk)) == 30
