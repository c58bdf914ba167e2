"""The Sync page and the status-bar note, against a real PostgreSQL 15 clinic server.

Workstations are real encrypted vaults (``tests/pg_fixtures.py``); the page runs every sync on
the real database worker, and the tests wait on its signals, never on the clock.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from careDesk.desk import Desk
from careDesk.ops import Progress
from careDesk.store.vault import unlock
from careDesk.sync import setup
from careDesk.sync.connection import SyncOffline, SyncRefused
from careDesk.sync.reports import COPYING, SyncReport
from tests.conftest import PASSWORD
from tests.pg_fixtures import Workstation, dose_conflict
from tests.ui.conftest import add_patient, wait_idle
from ui.main_window import MainWindow
from ui.pages.sync import LAST_ERROR, SyncPage, every_text, stage_text
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


def _window_on_sync(qtbot: QtBot, ws: Workspace) -> tuple[MainWindow, SyncPage]:
    """The main window on its Sync page (with the status bar and the banner)."""
    window = MainWindow(ws)
    qtbot.addWidget(window)
    window.show()
    window.show_page("sync")
    page = window.pages["sync"]
    assert isinstance(page, SyncPage)
    wait_idle(qtbot, ws.worker)
    return window, page


def _as_coordinator(a: Workstation) -> Desk:
    """Close the admin's vault and sign in to it as a new coordinator."""
    a.desk.users.add("coord", "quiet meadow lantern 4", "coordinator")
    paths = a.desk.paths
    a.desk.close()
    return unlock(paths, "coord", "quiet meadow lantern 4")


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
    window, page = _window_on_sync(qtbot, Workspace(a.desk, worker))
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

    def held_at_the_snapshot(progress: Progress | None = None) -> SyncReport:
        def step(p: Progress) -> None:
            if p.message == COPYING and p.total and not shown.is_set():
                shown.wait(30)  # the worker waits here until the page has shown this step

        assert progress is not None
        progress.listen(step)
        return real_run(progress)

    monkeypatch.setattr(b.desk.sync, "run", held_at_the_snapshot)
    page.sync_button.click()
    copying = "Copying the clinic to this workstation 0 / "
    qtbot.waitUntil(lambda: page.stage.text().startswith(copying), timeout=30_000)
    total = int(page.stage.text().removeprefix(copying).replace(",", ""))
    assert page.bar.isVisible() and page.bar.maximum() == total > 0
    assert not page.sync_button.isEnabled()
    assert page.pending.text() == "0"
    add_patient(b.desk, "Lan", "Nguyen", "S-2")  # a save during the copy waits to be sent
    qtbot.waitUntil(lambda: page.pending.text() == "1", timeout=10_000)
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
    dose_conflict(a, b, pid)
    ws = Workspace(b.desk, worker)
    page = _page(qtbot, ws)
    _press_sync(qtbot, page)
    assert "conflicts 1." in page.result.text()
    conflicts = page.conflicts
    qtbot.waitUntil(lambda: conflicts.model.rowCount() == 1)
    qtmodeltester.check(conflicts.model)
    row = [conflicts.model.index(0, c).data() for c in range(1, 7)]
    # who and which of their medicines, as well as what differs
    assert row == [
        "Okafor, Grace (MRN S-1)",
        "medication: Metformin 500 mg",
        "dose",
        "850 mg",
        "1000 mg",
        "yes",
    ]
    assert page.open_conflicts.text() == "1"

    conflicts.view.selectRow(0)
    with qtbot.waitSignal(ws.open_chart) as opened:
        conflicts.chart_button.click()
    assert opened.args == [pid, "clinical"]  # the tab with the medicines
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
    coordinator = _as_coordinator(make_workstation("anna"))
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


def test_a_coordinator_syncs_as_their_own_login_once_they_set_it(
    qtbot: QtBot,
    worker: DbWorker,
    make_workstation: Make,
    admin: psycopg.Connection[Any],
    clinic: str,
) -> None:
    a = make_workstation("anna")
    a.sync()  # the server knows this workstation by the workstation's login
    own = f"coord_{clinic[-12:]}"
    setup.add_login(admin, own, "pw-coord", clinic)
    coordinator = _as_coordinator(a)

    def roles() -> list[str]:
        query = "SELECT role_name FROM sync.client WHERE clinic_id = %s"
        return [row[0] for row in admin.execute(query, (clinic,))]

    try:
        page = _page(qtbot, Workspace(coordinator, worker))
        mine = page.server.mine
        assert mine.syncs_as.text() == f"Syncs as {a.login} (this workstation's login)."
        assert page.server.user.isReadOnly() and not mine.user.isReadOnly()
        assert mine.save_button.isVisibleTo(page) and not mine.forget_button.isEnabled()

        mine.user.setText(own)
        mine.save_button.click()  # a new login needs its password
        assert mine.form.error_for("sync.password") == "enter this login's password"
        mine.password.setText("pw-coord")
        with qtbot.waitSignal(mine.saved):
            mine.save_button.click()
        wait_idle(qtbot, worker)
        assert mine.syncs_as.text() == f"Syncs as {own} (your own login)."
        assert mine.outcome.text() == "Saved: your syncs use your own login."
        assert mine.forget_button.isEnabled() and not mine.password.text()
        assert roles() == [a.login]
        _press_sync(qtbot, page)
        assert page.result.text().startswith("Sync finished:")
        assert roles() == [own]  # the server saw this sync come from the coordinator's role

        with qtbot.waitSignal(mine.saved):
            mine.forget_button.click()
        wait_idle(qtbot, worker)
        assert mine.syncs_as.text() == f"Syncs as {a.login} (this workstation's login)."
        assert mine.user.text() == "" and coordinator.sync.server().my_user == ""
    finally:
        worker.run(lambda: None)
        wait_idle(qtbot, worker)
        coordinator.close()


def test_a_bad_role_name_for_your_own_login_is_shown_beside_it(qtbot: QtBot, ws: Workspace) -> None:
    page = _page(qtbot, ws)
    mine = page.server.mine
    mine.user.setText("anna srv; drop")
    mine.password.setText("pw")
    mine.save_button.click()
    qtbot.waitUntil(lambda: "login role" in mine.form.error_for("sync.user"))
    assert ws.desk.sync.server().my_user == ""
    assert mine.syncs_as.text() == "No server login is set yet."


def test_a_refused_login_shows_from_the_kept_status_until_a_sync_gets_through(
    qtbot: QtBot, worker: DbWorker, make_workstation: Make
) -> None:
    a = make_workstation("anna")
    a.sync()
    a.desk.settings.set("sync.password", "not the password")
    with pytest.raises(SyncRefused):
        a.sync()  # before the page was opened: the status keeps the outcome
    window, page = _window_on_sync(qtbot, Workspace(a.desk, worker))
    # The status bar, seen from every page, does not look healthy after a refusal
    at = r"(\d{4}-\d\d-\d\d )?\d\d:\d\d"  # a date too once it is not today's
    assert re.fullmatch(rf"Sync failed {at} · last synced {at}", window.sync_status.text())
    assert page.connection.text() == LAST_ERROR["refused-login"]
    assert page.connection.text() == "The server refused the last sync: check the login."
    assert page.every.text() == "Syncs by itself every 2 minutes and soon after each edit."

    _press_sync(qtbot, page)
    assert "the login was not accepted" in page.result.text()
    assert page.connection.text() == LAST_ERROR["refused-login"]
    a.desk.settings.set("sync.password", f"pw-{a.login}")
    a.desk.settings.set("sync.every_minutes", "0")
    _press_sync(qtbot, page)
    assert page.connection.text() == "Reached at the last sync."
    assert page.every.text() == "Syncs only when you press Sync now."
    qtbot.waitUntil(lambda: window.sync_status.text().startswith("Synced "))


def test_background_sync_in_words() -> None:
    assert every_text(2, True) == "Syncs by itself every 2 minutes and soon after each edit."
    assert every_text(1, True).startswith("Syncs by itself every minute ")
    assert every_text(5, False).endswith(" once its first sync has finished.")
    assert every_text(0, True) == "Syncs only when you press Sync now."


def test_one_mrn_registered_on_two_workstations_is_listed_in_words(
    qtbot: QtBot, worker: DbWorker, make_workstation: Make
) -> None:
    a, b = make_workstation("anna"), make_workstation("ben")
    a.sync()
    b.sync()
    first = add_patient(a.desk, "Grace", "Okafor", "DUP-1")
    second = add_patient(b.desk, "Grace", "Okafor-Bell", "DUP-1")  # apart: the same MRN
    a.sync()
    ws = Workspace(b.desk, worker)
    page = _page(qtbot, ws)
    _press_sync(qtbot, page)
    conflicts = page.conflicts
    qtbot.waitUntil(lambda: conflicts.model.rowCount() == 1)
    row = [conflicts.model.index(0, c).data() for c in range(1, 7)]
    assert row == [
        "Okafor-Bell, Grace (MRN DUP-1)",  # this workstation's patient
        "patient",
        "MRN (same as another patient)",
        "DUP-1",
        "another patient's record",
        "yes",
    ]
    tip = conflicts.model.index(0, 5).data(Qt.ItemDataRole.ToolTipRole)
    assert "Both records are kept" in tip and first not in tip

    conflicts.view.selectRow(0)
    with qtbot.waitSignal(ws.open_chart) as opened:
        conflicts.chart_button.click()
    assert opened.args == [second, ""]  # this workstation's patient, not the other record


def test_a_first_sync_of_a_vault_with_demo_patients_asks_first(
    qtbot: QtBot,
    worker: DbWorker,
    make_workstation: Make,
    admin: psycopg.Connection[Any],
    clinic: str,
) -> None:
    from datetime import date

    from PySide6.QtWidgets import QMessageBox

    from careDesk.care.demo import generate_demo
    from tests.conftest import PASSWORD

    a = make_workstation("anna")
    generate_demo(
        a.desk, patients=3, seed=2, today=date(2026, 3, 10), coordinator_password=PASSWORD
    )
    add_patient(a.desk, "Grace", "Okafor", "S-1")
    page = _page(qtbot, Workspace(a.desk, worker))

    page.sync_button.click()
    qtbot.waitUntil(lambda: page.confirm is not None and page.confirm.isVisible())
    assert page.confirm is not None
    assert "sends its 4 patients" in page.confirm.text()
    assert "3 of them are made-up demo patients" in page.confirm.text()
    page.confirm.button(QMessageBox.StandardButton.Cancel).click()
    wait_idle(qtbot, worker)
    assert page.confirm is None and page.progress is None
    assert not a.desk.sync.status().enabled  # nothing queued, nothing sent
    query = "SELECT count(*) FROM sync.patient WHERE mrn = 'S-1' AND clinic_id = %s"
    assert admin.execute(query, (clinic,)).fetchone() == (0,)

    page.sync_button.click()
    qtbot.waitUntil(lambda: page.confirm is not None and page.confirm.isVisible())
    assert page.confirm is not None
    with qtbot.waitSignal(page.synced, timeout=60_000):
        page.confirm.button(QMessageBox.StandardButton.Yes).click()
    assert page.result.text().startswith("Sync finished: sent ")
    assert admin.execute(query, (clinic,)).fetchone() == (1,)


def test_a_first_sync_stopped_half_way_carries_on_next_time(
    qtbot: QtBot, worker: DbWorker, make_workstation: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = make_workstation("anna")
    for i in range(45):
        add_patient(a.desk, "Grace", f"Okafor{i}", f"ST-{i:02d}")
    a.sync()
    b = make_workstation("ben")
    window, page = _window_on_sync(qtbot, Workspace(b.desk, worker))
    held, stopped, real_run = threading.Event(), threading.Event(), b.desk.sync.run

    def held_at_the_snapshot(progress: Progress | None = None) -> SyncReport:
        def step(p: Progress) -> None:
            if p.message == COPYING and p.done >= 30 and not stopped.is_set():
                held.set()
                stopped.wait(30)  # three pages copied: until the person has pressed Stop

        assert progress is not None
        progress.listen(step)  # listeners run before the stop takes effect
        return real_run(progress)

    from careDesk.sync import snapshot

    monkeypatch.setattr(snapshot, "FETCH", 10)  # small pages, each committed: a real half-way
    monkeypatch.setattr(snapshot, "COMMIT_ROWS", 10)
    monkeypatch.setattr(b.desk.sync, "run", held_at_the_snapshot)
    page.sync_button.click()
    qtbot.waitUntil(held.is_set, timeout=30_000)
    assert page.stop_button.isVisible()
    page.stop_button.click()
    assert page.stop_button.text() == "Stopping…"
    with qtbot.waitSignal(page.synced, timeout=60_000):
        stopped.set()
    assert page.result.text().startswith("Stopped.")
    assert not page.stop_button.isVisible()
    wait_idle(qtbot, worker)
    from sqlalchemy import text

    from careDesk.sync.tables import synced_tables

    with b.desk.reading() as session:  # part of the clinic is here, the copy is not finished
        copied = sum(
            session.execute(text(f'SELECT count(*) FROM "{t.name}"')).scalar_one()
            for t in synced_tables()
        )
    assert 0 < copied < 45  # the pages committed before Stop; the one under way rolled back
    assert not b.desk.sync.status().last_sync_at
    assert page.connection.text() != "Reached at the last sync."
    # Every page says the clinic is not all here (a chart may lack an allergy the clinic has)
    qtbot.waitUntil(window.banner.isVisible)
    assert "may not have every record of the clinic" in window.banner.text()
    assert window.sync_status.text() == "First sync not finished"
    assert page.every.text().endswith(" once its first sync has finished.")
    window.show_page("today")
    window.banner.linkActivated.emit("sync")  # its link leads to the Sync page
    assert window.current_key() == "sync"

    _press_sync(qtbot, page)
    assert "Copied" in page.result.text()
    assert len(b.desk.patients.search("Grace", limit=100)) == 45
    qtbot.waitUntil(lambda: not window.banner.isVisible())
    assert window.sync_status.text().startswith("Synced ")
    assert page.every.text() == "Syncs by itself every 2 minutes and soon after each edit."


def test_locking_the_app_stops_a_first_sync_at_once(
    qtbot: QtBot, worker: DbWorker, make_workstation: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A lock (or sign-out, or quit) mid-copy stops the sync at its next step, as Stop does,
    instead of keeping the vault open until the whole clinic is in."""
    a = make_workstation("anna")
    for i in range(45):
        add_patient(a.desk, "Grace", f"Okafor{i}", f"LK-{i:02d}")
    a.sync()
    b = make_workstation("ben")
    ws = Workspace(b.desk, worker)
    page = _page(qtbot, ws)
    held, locked, real_run = threading.Event(), threading.Event(), b.desk.sync.run

    def held_at_the_snapshot(progress: Progress | None = None) -> SyncReport:
        def step(p: Progress) -> None:
            if p.message == COPYING and p.done >= 10 and not locked.is_set():
                held.set()
                locked.wait(30)  # until the person has locked the app

        assert progress is not None
        progress.listen(step)
        return real_run(progress)

    from careDesk.sync import snapshot

    monkeypatch.setattr(snapshot, "FETCH", 10)
    monkeypatch.setattr(snapshot, "COMMIT_ROWS", 10)
    monkeypatch.setattr(b.desk.sync, "run", held_at_the_snapshot)
    page.sync_button.click()
    qtbot.waitUntil(held.is_set, timeout=30_000)
    closed = threading.Event()
    ws.close("lock", lambda _result: closed.set())
    locked.set()
    qtbot.waitUntil(closed.is_set, timeout=30_000)
    desk = unlock(b.desk.paths, "admin", PASSWORD)
    try:
        assert desk.sync.status().incomplete  # stopped: the rest waits for the next sync
        assert len(desk.patients.search("Grace", limit=100)) < 45
    finally:
        desk.close()
