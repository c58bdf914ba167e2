"""Ten workstations of one clinic edit and sync at the same time (issue 21): real vaults, a real
PostgreSQL 15 server, one thread per desk, each desk its own login. No sync fails (no deadlock,
no clash on a shared row), no edit is lost, and every desk ends with the same rows."""

from __future__ import annotations

from collections.abc import Callable

from careDesk.model.patient import Patient
from careDesk.model.schedule import FollowUp
from tests.careDesk.sync import desks as scenario
from tests.pg_fixtures import Workstation


def test_ten_desks_editing_at_once_converge_without_errors(
    make_workstation: Callable[[str], Workstation],
) -> None:
    desks = [make_workstation(f"desk{i}").desk for i in range(10)]
    setup = scenario.prepare(desks)

    outcome = scenario.run(setup, edits=5, rounds=2)  # own rows, shared notes, new follow-ups

    assert outcome.errors == []
    assert len(outcome.round_trips) == 20
    scenario.converge(desks)
    expected = scenario.rows(desks[0])
    assert len(expected["patient"]) == 32
    for i, desk in enumerate(desks[1:], start=1):
        assert desk.sync.status().pending == 0, f"desk {i} has edits left to send"
        theirs = scenario.rows(desk)
        for table, found in theirs.items():
            assert found == expected[table], f"desk {i} differs from desk 0 in {table}"
    with desks[-1].reading() as session:  # every desk has the same rows: one suffices
        for patient_id, city in outcome.cities.items():  # only its own desk sets a city
            row = session.get(Patient, patient_id)
            assert row is not None and row.city == city
        assert len(outcome.follow_ups) == 10  # one per desk, each on every desk
        for follow_up_id in outcome.follow_ups:
            task = session.get(FollowUp, follow_up_id)
            assert task is not None and task.title.startswith("Call from desk")
