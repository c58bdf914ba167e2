"""PHQ-9 item 9 across workstations, against a real clinic server: a response that arrives by
pull without its same-day work gets it on the receiving workstation, once per response, and
every workstation ends with one call and one alert for it, whoever raised them.

Rule: Kroenke K, Spitzer RL, Williams JB. J Gen Intern Med 2001;16:606-13: PHQ-9 item 9
("thoughts that you would be better off dead or of hurting yourself") answered "several days"
(1) or more needs same-day follow-up whatever the total.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import select

from careDesk.model.assessment import Alert, ScreenerResult
from careDesk.model.schedule import FollowUp
from tests.careDesk.care.test_instruments import answers_for
from tests.careDesk.sync.conftest import Workstation
from tests.careDesk.sync.test_merge import new_patient


def _urgent(ws: Workstation) -> tuple[list[FollowUp], list[Alert]]:
    with ws.desk.reading() as session:
        calls = session.exec(select(FollowUp).where(FollowUp.origin == "phq9_item9")).all()
        alerts = session.exec(select(Alert).where(Alert.kind == "phq9_item9")).all()
    return list(calls), list(alerts)


def _one_each(ws: Workstation, response_id: str) -> tuple[str, str]:
    [call], [alert] = _urgent(ws)
    assert alert.screener_id == response_id and call.patient_id == alert.patient_id
    assert call.urgent and call.status == "open" and alert.severity == "urgent"
    return call.id, alert.id


def _old_style_response(ws: Workstation, pid: str, item9: int) -> str:
    """A PHQ-9 stored without its urgent work, as a careDesk before this rule stored imports."""
    answers = answers_for("phq9", 6, item9=item9)
    with ws.desk.writing() as tx:
        row = ScreenerResult(
            patient_id=pid,
            instrument="phq9",
            loinc="44249-1",
            answers=json.dumps(answers),
            total=6,
            band="mild",
            positive=False,
            taken_at=datetime(2026, 3, 2, 9, 30, tzinfo=UTC),
        )
        tx.add(row, kind="screener", patient_id=pid)
    return row.id


@contextmanager
def _older_careDesk(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A workstation running a careDesk that raises nothing after a pull."""
    with monkeypatch.context() as patch:
        patch.setattr("careDesk.care.urgent.raise_missing", lambda tx: 0)
        yield


def test_a_pulled_item_9_answer_raises_the_work_on_the_receiving_workstation(
    pair: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = pair
    pid = new_patient(a)
    with _older_careDesk(monkeypatch):
        response = _old_style_response(a, pid, item9=1)
        a.sync()
    assert _urgent(a) == ([], [])
    report = b.sync()
    assert report.pushed == 2 and report.conflicts == 0  # raised on B and sent on at once
    ids = _one_each(b, response)
    b.sync()  # a re-sync adds nothing
    a.sync()
    a.sync()
    assert _one_each(a, response) == _one_each(b, response) == ids


def test_an_answer_a_failed_sync_left_without_work_gets_it_when_the_next_response_arrives(
    pair: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sync checks when PHQ-9 responses arrive, and then checks every response."""
    a, b = pair
    pid = new_patient(a)
    with _older_careDesk(monkeypatch):
        left = _old_style_response(a, pid, item9=2)
        a.sync()
        b.sync()  # B takes it but raises nothing (as if its check had failed)
    assert _urgent(b) == ([], [])
    a.desk.patients.update(pid, city="Tacoma")
    a.sync()
    b.sync()  # no response arrives: nothing is checked
    assert _urgent(b) == ([], [])
    with _older_careDesk(monkeypatch):
        _old_style_response(a, pid, item9=0)
        a.sync()
    b.sync()
    _one_each(b, left)


def test_a_check_that_failed_is_made_again_at_the_next_sync(
    pair: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = pair
    pid = new_patient(a)
    with _older_careDesk(monkeypatch):
        left = _old_style_response(a, pid, item9=1)
        a.sync()

    def fails(tx: Any) -> int:
        raise OSError("disk full")

    with monkeypatch.context() as patch:
        patch.setattr("careDesk.care.urgent.raise_missing", fails)
        with pytest.raises(OSError):
            b.sync()
    assert _urgent(b) == ([], [])
    b.sync()  # nothing new arrives, but the failed check is made again
    _one_each(b, left)


def test_work_raised_with_the_form_is_not_raised_again_by_the_receiver(pair: Any) -> None:
    a, b = pair
    pid = new_patient(a)
    reading = a.desk.screeners.record(pid, "phq9", answers_for("phq9", 15, item9=2)).value
    a.sync()
    assert b.sync().pushed == 0
    b.sync()
    a.sync()
    for ws in (a, b):
        assert _one_each(ws, reading.id) == (reading.follow_up_id, reading.alert_id)


def test_item_9_of_zero_raises_nothing_anywhere(pair: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = pair
    pid = new_patient(a)
    with _older_careDesk(monkeypatch):
        _old_style_response(a, pid, item9=0)
        a.sync()
    b.sync()
    assert _urgent(b) == ([], [])


def test_two_workstations_raising_apart_make_one_call_and_one_alert(
    make_workstation: Callable[[str], Workstation], monkeypatch: pytest.MonkeyPatch
) -> None:
    """B and C both hold the response without its work and raise it while apart: the rows
    are the same rows, so the server merges them without a conflict to review."""
    a, b, c = (make_workstation(name) for name in ("anna", "ben", "cleo"))
    for ws in (a, b, c):
        ws.sync()
    pid = new_patient(a)
    with _older_careDesk(monkeypatch):
        response = _old_style_response(a, pid, item9=3)
        for ws in (a, b, c):
            ws.sync()
    from careDesk.care.urgent import raise_missing

    for ws in (b, c):  # each raises it on its own, before either has sent anything
        with ws.desk.writing() as tx:
            assert raise_missing(tx) == 1
    assert b.sync().conflicts == 0
    assert c.sync().conflicts == 0
    for ws in (a, b, c):
        ws.sync()
    ids = {_one_each(ws, response) for ws in (a, b, c)}
    assert len(ids) == 1
    for ws in (b, c):
        assert ws.desk.sync.conflicts() == []
