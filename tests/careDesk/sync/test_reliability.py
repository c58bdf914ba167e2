"""Sync under failure: lost acknowledgements, open transactions, offline days, old clients."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pytest

from careDesk.model.patient import Patient
from careDesk.paths import VaultPaths
from careDesk.store.vault import unlock
from careDesk.sync.connection import SyncOffline, SyncUpgradeRequired
from careDesk.sync.service import Sync
from tests.careDesk.sync import server
from tests.careDesk.sync.conftest import Workstation
from tests.conftest import ADMIN, PASSWORD

ROOT = Path(__file__).resolve().parents[3]


def new_patient(ws: Workstation, mrn: str) -> str:
    return ws.desk.patients.create(
        mrn=mrn, given_name="Ana", family_name="Lima", birth_date=date(1950, 1, 2)
    ).value.id


def server_row(admin: psycopg.Connection[Any], pid: str) -> tuple[int, int]:
    """(version, change-log entries) of a patient on the server."""
    row = admin.execute(
        f"SELECT p.version, (SELECT count(*) FROM {server.CHANGED_ROWS} c WHERE c.row_id = p.id)"
        " FROM sync.patient p WHERE p.id = %s",
        (pid,),
    ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def local(ws: Workstation, pid: str) -> Patient:
    with ws.desk.reading() as session:
        row = session.get(Patient, pid)
    assert row is not None
    return row


def test_crash_after_the_server_commit_applies_nothing_twice(
    pair: Any, admin: psycopg.Connection[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, _ = pair
    pid = new_patient(a, "R-1")
    a.desk.patients.update(pid, city="Springfield")

    def crash(self: Sync, last_seq: int, result: dict[str, Any]) -> None:
        raise KeyboardInterrupt  # the app dies before the outbox is acknowledged

    with monkeypatch.context() as m:
        m.setattr(Sync, "_acknowledge", crash)
        with pytest.raises(KeyboardInterrupt):
            a.sync()
    assert a.desk.sync.status().pending == 2  # nothing acknowledged locally
    assert server_row(admin, pid) == (2, 2)  # but the server committed both edits
    report = a.sync()
    assert (report.pushed, report.duplicates) == (0, 2)
    assert server_row(admin, pid) == (2, 2)  # the retry changed nothing
    assert a.desk.sync.status().pending == 0
    assert local(a, pid).version == 2


def test_a_process_killed_after_the_server_commit_applies_nothing_twice(
    pair: Any, admin: psycopg.Connection[Any], tmp_path: Path
) -> None:
    """The same, with a real crash: the app is SIGKILLed between the server's commit and the
    local acknowledgement; the vault reopens with the edits still waiting, and the retry is
    recognised by the server."""
    a, _ = pair
    pid = new_patient(a, "K-1")
    a.desk.patients.update(pid, city="Springfield")
    a.desk.close()
    env = {**os.environ, "CAREDESK_PASSWORD": PASSWORD, "PYTHONPATH": str(ROOT)}
    child = subprocess.run(
        [sys.executable, "-m", "tests.careDesk.sync.kill_child", str(tmp_path / "anna"), ADMIN],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    assert "committed 2" in child.stdout
    assert server_row(admin, pid) == (2, 2)

    again = unlock(VaultPaths(tmp_path / "anna"), ADMIN, PASSWORD)
    try:
        again.sync.connect = a.net.connect
        assert again.sync.status().pending == 2  # nothing was acknowledged locally
        report = again.sync.run()
        assert (report.pushed, report.duplicates) == (0, 2)
        assert server_row(admin, pid) == (2, 2)  # the retry changed nothing on the server
        assert again.sync.status().pending == 0
    finally:
        again.close()


def test_a_pull_while_another_write_is_open_misses_nothing(
    pair: Any, admin: psycopg.Connection[Any], pg: Any, clinic: str
) -> None:
    a, b = pair
    p1 = new_patient(a, "R-2")
    a.sync()
    b.sync()
    # A slow writer takes its sequence value first and commits last.
    with psycopg.connect(pg.admin_url()) as slow:
        slow.execute(
            "UPDATE sync.patient SET city = 'Slowtown', version = version + 1 WHERE id = %s", (p1,)
        )
        p2 = new_patient(a, "R-3")
        a.sync()  # commits after the slow writer's change was logged
        b.sync()
        assert local(b, p1).city is None  # not visible yet ...
        with b.desk.reading() as session:
            assert session.get(Patient, p2) is None  # ... and nothing past it either
        slow.commit()
    b.sync()
    assert local(b, p1).city == "Slowtown"
    assert local(b, p2).mrn == "R-3"


def test_a_workstation_offline_for_a_day_catches_up(pair: Any) -> None:
    a, b = pair
    b.net.up = False
    with pytest.raises(SyncOffline):
        b.sync()
    assert b.desk.sync.status().offline
    made_a = [new_patient(a, f"A-{i}") for i in range(15)]
    a.sync()
    made_b = [new_patient(b, f"B-{i}") for i in range(15)]
    for pid in made_a[:5]:
        a.desk.patients.update(pid, phone="555-0100")
    a.sync()
    with pytest.raises(SyncOffline):
        b.sync()
    assert b.desk.sync.status().pending == 15
    b.net.up = True
    b.sync()
    a.sync()
    status = b.desk.sync.status()
    assert (status.offline, status.pending) == (False, 0)
    for ws in (a, b):
        with ws.desk.reading() as session:
            for pid in made_a + made_b:
                assert session.get(Patient, pid) is not None
        assert all(local(ws, pid).phone == "555-0100" for pid in made_a[:5])


def test_a_too_old_client_is_told_to_upgrade_and_loses_nothing(
    pair: Any, admin: psycopg.Connection[Any]
) -> None:
    a, _ = pair
    pid = new_patient(a, "R-4")
    admin.execute("UPDATE sync.meta SET min_client_schema = 99")
    try:
        with pytest.raises(SyncUpgradeRequired, match="schema 99"):
            a.sync()
        assert a.desk.sync.status().pending == 1
    finally:
        admin.execute("UPDATE sync.meta SET min_client_schema = 1")
    a.sync()
    assert server_row(admin, pid)[0] == 1


def test_purged_tombstones_make_an_old_client_bootstrap_again(
    pair: Any, admin: psycopg.Connection[Any], clinic: str
) -> None:
    a, b = pair
    keep, gone = new_patient(a, "R-5"), new_patient(a, "R-6")
    a.sync()
    b.sync()
    a.desk.patients.remove(gone)
    a.sync()
    a.sync()  # a's cursor now covers the delete
    # b is away; a newer client moves on; the administrator purges behind b.
    admin.execute(
        "UPDATE sync.client SET cursor_txid = pg_snapshot_xmin(pg_current_snapshot())"
        " WHERE clinic_id = %s",
        (clinic,),
    )
    purged = admin.execute("SELECT clinic, rows_removed FROM sync.purge()").fetchall()
    assert (clinic, 1) in purged
    assert admin.execute("SELECT count(*) FROM sync.patient WHERE id = %s", (gone,)).fetchone() == (
        0,
    )
    admin.execute("UPDATE sync.client SET cursor_txid = '0' WHERE clinic_id = %s", (clinic,))
    b.sync()  # cursor older than the purge: bootstrap again
    assert local(b, gone).deleted_at is not None
    assert local(b, keep).deleted_at is None
