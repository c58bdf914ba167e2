"""What a workstation does with the server's copy of the edits it just sent.

The server answers a push with its row for each edit. When that row is the one just sent,
nothing here changes: no write, no notice (no screen reloads, no risk score computed again). When
the server merged in another workstation's edit, the merged row is written and announced."""

from __future__ import annotations

from typing import Any

from careDesk.changes import Changes
from tests.careDesk.sync.conftest import Workstation
from tests.careDesk.sync.test_merge import new_patient, patient_on


def _heard(ws: Workstation) -> list[Changes]:
    heard: list[Changes] = []
    ws.desk.on_changed(heard.append)
    return heard


def test_the_servers_copy_of_an_edit_just_sent_changes_nothing_here(pair: Any) -> None:
    a, b = pair
    pid = new_patient(a)
    a.sync()
    a.desk.patients.update(pid, city="Tacoma")
    heard = _heard(a)
    assert a.sync().pushed == 1
    assert not [c for c in heard if pid in c.patient_ids]
    assert patient_on(a, pid).city == "Tacoma"
    b.sync()
    assert patient_on(b, pid).city == "Tacoma"


def test_a_row_the_server_merged_is_written_and_announced(pair: Any) -> None:
    a, b = pair
    pid = new_patient(a)
    a.sync()
    b.sync()
    b.desk.patients.update(pid, phone="253-555-0100")
    b.sync()
    a.desk.patients.update(pid, city="Tacoma")  # a has not seen b's edit
    heard = _heard(a)
    assert a.sync().pushed == 1
    assert [c for c in heard if pid in c.patient_ids]
    row = patient_on(a, pid)
    assert row.city == "Tacoma" and row.phone == "253-555-0100"
