"""The Sync page and the status-bar note, against a real PostgreSQL 15 clinic server.

Workstations are real encrypted vaults (``tests/pg_fixtures.py``); the page runs every sync on
the real database worker, and the tests wait on its signals, never on the clock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from careDesk.store.vault import unlock
from careDesk.sync.connection import SyncOffline
from careDesk.sync.service import Progress as StepFn
from careDesk.sync.service import SyncReport
from tests.pg_fixtures import Workstation
from tests.ui.conftest import add_patient, wait_idle
from ui.main_window import MainWindow
from ui.pages.sync import SyncPage, stage_text
from ui.pages.sync_server import server_fields
from ui.worker import DbWorker
from ui.workspace import Workspace

Make = Callable[[str], Workstation]


def _page(qtbot: QtBot, ws: Workspace) -> SyncPage:
    page = SyncPage(ws)
    qtbot.addWidget(page)
    page.show()
    wait_idle(qtbot, ws.worker)
    return page


def _press_sync(qtbot: QtBot, page: SyncPage) -> None:
    with qtbot.waitSignal(page.synced, timeout=60_000):
        page.sync_button.click()
    wait_idle(qtbot, page.ws.worker)


def test_sync_now_brings_the_other_workstations_patient(
    qtbot: QtBot, worker: DbWorker, make_workstation: Make
) -> None:
    a, b = make_workstation("anna"), make_workstation("ben")
    a.sync()
    b.sync()
    pid = add_patient(b.desk, "Grace", "Okafor", "S-1")
    b.sync()
    add_patient(a.desk, "Lan", "Nguyễn", "S-2")  # waits on this workstation
    window = MainWindow(Workspace(a.desk, worker))
    qtbot.addWidget(window)
    window.show()
    window.show_page("sync")
    page = window.pages["sync"]
    assert isinstance(page, SyncPage)
    wait_idle(qtbot, worker)
    assert page.pending.text() == "1"
    assert window.sync_status.isVisible() and "1 waiting" in window.sync_status.text()

    _press_sync(qtbot, page)
    assert page.result.text().startswith("Sync finished: sent 1, received ")
    assert page.result.text().endswith(", conflicts 0.")
    assert page.pending.text() == "0"
    assert page.connection.text() == "Reached at the last sync."
    assert a.desk.patients.get(pid).family_name == "Okafor"
    qtbot.waitUntil(lambda: window.sync_status.text().startswith("Synced "))
    assert "waiting" not in window.sync_status.text()

    page.server.test_button.click()
    qtbot.waitUntil(
        lambda: "Connected to the saved server (PostgreSQL 15" in page.server.outcome.text()
    )


def test_a_first_sync_shows_the_copy_of_the_clinic_as_it_goes(
    qtbot: QtBot, worker: DbWorker, make_workstation: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = make_workstation("anna")
    add_patient(a.desk, "Grace", "Okafor", "S-1")
    a.sync()
    b = make_workstation("ben")  # a new workstation: its first sync copies the clinic
    page = _page(qtbot, Workspace(b.desk, worker))
    shown, real_run = threading.Event(), b.desk.sync.run

    def held_at_the_snapshot(progress: StepFn | None = None) -> SyncReport:
        def step(stage: str, done: int, total: int) -> None:
            assert progress is not None
            progress(stage, done, total)
            if stage == "snapshot" and total and not shown.is_set():
                shown.wait(30)  # the worker waits here until the page has shown this step

        return real_run(step)

    monkeypatch.setattr(b.desk.sync, "run", held_at_the_snapshot)
    page.sync_button.click()
    copying = "Copying the clinic to this workstation 0 / "
    qtbot.waitUntil(lambda: page.stage.text().startswith(copying), timeout=30_000)
    total = int(page.stage.text().removeprefix(copying).replace(",", ""))
    assert page.bar.isVisible() and page.bar.maximum() == total > 0
    assert not page.sync_button.isEnabled()
    with qtbot.waitSignal(page.synced, timeout=60_000):
        shown.set()
    assert f"Copied {total:,} records from the clinic." in page.result.text()
    assert not page.bar.isVisible()


def test_stage_texts() -> None:
    assert stage_text("send", 0, 0) == "Sending changes"
    assert stage_text("snapshot", 12_000, 2_000_000) == (
        "Copying the clinic to this workstation 12,000 / 2,000,000"
    )
    assert stage_text("receive", 4_000, 0) == "Receiving changes 4,000"


def test_an_unreachable_server_says_offline_and_keeps_the_changes(
    qtbot: QtBot, worker: DbWorker, make_workstation: Make
) -> None:
    a = make_workstation("anna")
    a.sync()
    add_patient(a.desk, "Grace", "Okafor", "S-1")
    a.net.up = False
    page = _page(qtbot, Workspace(a.desk, worker))
    _press_sync(qtbot, page)
    assert page.result.text() == SyncOffline().message  # the message, never a traceback
    assert page.connection.text().startswith("Offline at the last attempt")
    assert page.pending.text() == "1"
    assert page.sync_button.isEnabled()


def test_a_same_field_conflict_is_listed_until_marked_reviewed(
    qtbot: QtBot, worker: DbWorker, make_workstation: Make, qtmodeltester: Any
) -> None:
    a, b = make_workstation("anna"), make_workstation("ben")
    a.sync()
    b.sync()
    pid = add_patient(a.desk, "Grace", "Okafor", "S-1")
    med = a.desk.clinical.add_medication(pid, name="Metformin 500 mg", dose="500 mg").value
    a.sync()
    b.sync()
    a.desk.clinical.update_medication(med.id, dose="1000 mg")
    b.desk.clinical.update_medication(med.id, dose="850 mg")
    a.sync()
    ws = Workspace(b.desk, worker)
    page = _page(qtbot, ws)
    _press_sync(qtbot, page)
    assert "conflicts 1." in page.result.text()
    conflicts = page.conflicts
    qtbot.waitUntil(lambda: conflicts.model.rowCount() == 1)
    qtmodeltester.check(conflicts.model)
    row = [conflicts.model.index(0, c).data() for c in range(1, 6)]
    assert row == ["medication", "dose", "850 mg", "1000 mg", "yes"]
    assert page.open_conflicts.text() == "1"

    conflicts.view.selectRow(0)
    with qtbot.waitSignal(ws.open_chart) as opened:
        conflicts.chart_button.click()
    assert opened.args == [pid, ""]
    conflicts.review_button.click()
    qtbot.waitUntil(lambda: conflicts.model.rowCount() == 0)
    wait_idle(qtbot, worker)
    assert page.open_conflicts.text() == "0"
    assert b.desk.sync.conflicts() == []


def test_saving_a_bad_server_names_sync_url_and_stores_nothing(
    qtbot: QtBot, ws: Workspace, tmp_path: Path
) -> None:
    page = _page(qtbot, ws)
    server = page.server
    server.user.setText("caredesk_anna")
    server.password.setText("pw-anna")
    server.save_button.click()  # no server name: the URL has no host
    qtbot.waitUntil(lambda: "sync.url" in server.form.form_error.text())
    wait_idle(qtbot, ws.worker)
    stored = [ws.desk.settings.get(k) for k in ("sync.url", "sync.user", "sync.password")]
    assert stored == ["", "", ""]

    ca = tmp_path / "clinic ca.crt"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    server.host.setText("clinic-db.local")
    server.ca_file.setText(str(ca))
    with qtbot.waitSignal(server.saved):
        server.save_button.click()
    wait_idle(qtbot, ws.worker)
    url = ws.desk.settings.get("sync.url")
    assert server_fields(url) == ("clinic-db.local", 5432, "caredesk", str(ca))
    assert ws.desk.sync.server().has_password and not server.password.text()


def test_a_coordinator_syncs_but_cannot_change_the_server(
    qtbot: QtBot, worker: DbWorker, make_workstation: Make
) -> None:
    a = make_workstation("anna")
    a.desk.users.add("coord", "quiet meadow lantern 4", "coordinator")
    paths = a.desk.paths
    a.desk.close()
    coordinator = unlock(paths, "coord", "quiet meadow lantern 4")
    try:
        page = _page(qtbot, Workspace(coordinator, worker))
        server = page.server
        assert server.host.text() == "localhost" and server.host.isReadOnly()
        assert server.user.isReadOnly() and server.password.isReadOnly()
        for button in (server.save_button, server.test_button, server.choose):
            assert not button.isVisibleTo(page)
        assert "Only a clinic admin" in server.outcome.text()
        _press_sync(qtbot, page)
        assert page.result.text().startswith("Sync finished:")
    finally:
        worker.run(lambda: None)
        wait_idle(qtbot, worker)
        coordinator.close()
