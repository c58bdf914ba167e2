"""What a workstation does with the server's copy of the edits it just sent.

The server answers a push with its row for each edit. When that row is the one just sent,
nothing here changes: no write, no notice (no screen reloads, no risk score computed again). When
the server merged in another workstation's edit, the merged row is written and announced."""

from __future__ import annotations

from datetime import date
from typing import Any

from careDesk.changes import Changes
from careDesk.model.patient import Patient
from tests.careDesk.sync.conftest import Workstation


def _patient(ws: Workstation) -> str:
    return ws.desk.patients.create(
        mrn="A-1", given_name="Ines", family_name="Varga", birth_date=date(1951, 3, 4)
    ).value.id


def _heard(ws: Workstation) -> list[Changes]:
    heard: list[Changes] = []
    ws.desk.on_changed(heard.append)
    return heard


def _city(ws: Workstation, pid: str) -> str | None:
    with ws.desk.reading() as session:
        row = session.get(Patient, pid)
    assert row is not None
    return row.city


def test_the_servers_copy_of_an_edit_just_sent_changes_nothing_here(pair: Any) -> None:
    a, b = pair
    pid = _patient(a)
    a.sync()
    a.desk.patients.update(pid, city="Tacoma")
    heard = _heard(a)
    assert a.sync().pushed == 1
    assert not [c for c in heard if pid in c.patient_ids]
    assert _city(a, pid) == "Tacoma"
    b.sync()
    assert _city(b, pid) == "Tacoma"


def test_a_row_the_server_merged_is_written_and_announced(pair: Any) -> None:
    a, b = pair
    pid = _patient(a)
    a.sync()
    b.sync()
    b.desk.patients.update(pid, phone="253-555-0100")
    b.sync()
    a.desk.patients.update(pid, city="Tacoma")
    heard = _heard(a)
    assert a.sync().pushed == 1
    assert [c for c in heard if pid in c.patient_ids]
    with a.desk.reading() as session:
        row = session.get(Patient, pid)
    assert row is not None and row.city == "Tacoma" and row.phone == "253-555-0100"
