"""The tables a risk refresh reads, as SQLite itself reports them (its authorizer).

A first sync scores patients while it still copies the tables no score depends on, and keeps
those scores because each copy write names the tables it wrote (careDesk/ops/lane.py). That is
safe only while ``engine.READS`` names every table a score is read from: were a new rule to read
another table, a score computed before that table was in would stand (hazard H-06). This test
fails the day the scoring reads a table ``READS`` does not name.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text

from careDesk.care.risk import engine
from careDesk.desk import Desk
from careDesk.sync.bulkload import written_by
from careDesk.sync.tables import synced_names
from tests.big_clinic import demo_fixture

NOW = datetime(2026, 3, 10, 17, 0, tzinfo=UTC)

clinic = demo_fixture("clinic", patients=40, seed=5)


@contextmanager
def tables_read(raw: Any) -> Iterator[set[str]]:
    """The tables the statements prepared on ``raw`` inside the block read."""
    read: set[str] = set()

    def authorize(action: int, arg1: str | None, *_: Any) -> int:
        if action == sqlite3.SQLITE_READ and arg1:
            read.add(arg1)
        return sqlite3.SQLITE_OK

    raw.set_authorizer(authorize)
    try:
        yield read
    finally:
        raw.set_authorizer(None)


def _reads(desk: Desk, score: Callable[[Any, list[str]], object]) -> set[str]:
    with desk.reading() as session:
        ids = engine.everyone(session)
        raw = session.connection().connection.driver_connection
        with tables_read(raw) as read:
            score(session, ids)
    return read - {"sqlite_master"}


def test_a_range_of_patients_is_scored_from_the_tables_reads_names(clinic: Desk) -> None:
    read = _reads(clinic, lambda s, ids: engine.score_between(s, ids[0], ids[-1], NOW))
    assert "observation" in read and "patient" in read  # the authorizer saw the reads
    assert read <= engine.READS, f"not in READS: {sorted(read - engine.READS)}"
    assert read - engine.OWN == engine.READS - engine.OWN, "READS names a table no rule reads"


def test_some_patients_are_scored_from_the_same_tables(clinic: Desk) -> None:
    """The refresh of a save's patients (inside the save) reads no other table."""
    read = _reads(clinic, lambda s, ids: engine.score_between(s, ids[3], ids[3], NOW))
    assert read <= engine.READS


def test_a_write_to_a_table_no_score_reads_leaves_scores_standing(clinic: Desk) -> None:
    """The copy's writes say which tables they wrote, not whose records: one to the timeline
    leaves a range's scores standing, one to observations does not."""
    with clinic.reading() as session:
        ids = engine.everyone(session)
    lane = clinic.write_lane

    def copy_write(name: str) -> None:
        with clinic.writing(None) as tx:
            tx.tables = written_by(name)
            tx.session.execute(text(f'UPDATE "{name}" SET version = version WHERE 0'))

    seen = lane.generation
    copy_write("timeline_entry")
    assert engine.untouched(lane, seen, ids[0], ids[-1])
    copy_write("observation")
    assert not engine.untouched(lane, seen, ids[0], ids[-1])


def test_the_copy_can_leave_some_tables_for_after_the_scores() -> None:
    """The tables a first sync copies while scores are computed: replicated, read by no rule."""
    later = synced_names() - engine.READS
    assert {"timeline_entry", "time_entry", "activity", "care_team_member"} <= later
    assert not later & {"observation", "condition", "medication", "screener_result"}
