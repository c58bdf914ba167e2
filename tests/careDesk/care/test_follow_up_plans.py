"""The reads that filter follow-ups by status or assignee go through an index (schema 11 dropped
the one-column ``status`` and ``assignee_id`` indexes: ``migrations/versions/0011``).

Each of these reads runs for every coordinator's worklist or the reminder clock's tick, over a
50,000-patient clinic's 147,000 follow-ups: a scan of the table there would take a visible
fraction of a second. These tests pin the index SQLite takes for each."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import Session

from careDesk.care.due_work import scope_condition
from careDesk.desk import Desk
from careDesk.model.schedule import FollowUp
from careDesk.store import migrate
from tests.careDesk.care.clinic_rows import NOW, patient, store
from tests.careDesk.care.query_plans import plans

ME = "0f0f0f0f-0000-4000-8000-000000000001"


@pytest.fixture
def scheduled(desk: Desk) -> None:
    """Two patients' follow-ups over a month, open and done, mine and a colleague's."""
    people = [patient("FU-1"), patient("FU-2")]
    rows = [
        FollowUp(
            patient_id=p.id,
            kind="call",
            title=f"call {n}",
            due_at=NOW + timedelta(days=n - 15),
            assignee_id=ME if n % 2 else "0f0f0f0f-0000-4000-8000-000000000002",
            status="open" if n % 3 else "done",
        )
        for p in people
        for n in range(30)
    ]
    store(desk, *people, *rows)


def _scope(session: Session) -> Any:
    where, params = scope_condition(ME)
    return session.execute(text(f"SELECT p.id FROM patient AS p WHERE {where}"), params).all()


READS: dict[str, tuple[Callable[[Desk], Callable[[Session], Any]], str]] = {
    # (the read, the index it must search)
    "due for me (Follow-ups page)": (
        lambda d: lambda _s: d.followups.due(ME, now=NOW),
        "ix_follow_up_assignee_due",
    ),
    "due for me (reminders)": (
        lambda d: lambda _s: d.reminders.due(NOW, assignee_id=ME),
        "ix_follow_up_assignee_due",
    ),
    "my patients (worklist scope)": (lambda _d: _scope, "ix_follow_up_assignee_due"),
    "due now (reminder clock)": (lambda d: lambda _s: d.reminders.due(NOW), "ix_follow_up_open"),
    "schedule view": (
        lambda d: lambda _s: d.reminders.upcoming(NOW, NOW + timedelta(days=7)),
        "ix_follow_up_",
    ),
    "next due": (lambda d: lambda _s: d.reminders.next_due_at(NOW), "ix_follow_up_"),
}


@pytest.mark.parametrize("where", sorted(READS))
def test_each_follow_up_read_searches_an_index(desk: Desk, scheduled: None, where: str) -> None:
    read, index = READS[where]
    found = plans(desk, read(desk), touching="follow_up")
    assert found, f"{where} read no follow-ups"
    for plan in found:
        searches = [s for s in plan.split(" | ") if "follow_up" in s]
        assert searches, plan
        for step in searches:
            assert step.startswith("SEARCH"), plan  # never a walk of the whole table or index
            assert "USING" in step and index in step, plan


def test_the_reads_still_find_the_right_rows(desk: Desk, scheduled: None) -> None:
    mine = desk.followups.due(ME, now=NOW)
    # days 1..15 before NOW and NOW itself (n = 0..15), odd n (mine), not a multiple of 3 (open)
    assert sorted(f.title for f in mine) == sorted(
        f"call {n}" for n in range(16) if n % 2 and n % 3 for _ in range(2)
    )
    assert all(f.assignee_id == ME and f.status == "open" for f in mine)


def test_the_vault_has_no_one_column_status_or_assignee_index(desk: Desk) -> None:
    with desk.reading() as session:
        raw = session.connection().connection.driver_connection
        assert raw is not None
        names = {r[1] for r in raw.execute("PRAGMA index_list('follow_up')")}
    assert {"ix_follow_up_open_due", "ix_follow_up_assignee_due"} <= names
    assert not names & {"ix_follow_up_status", "ix_follow_up_assignee_id"}, names
    assert migrate.SCHEMA_VERSION == 11
