"""The reminders page and the tray notifier, on a real vault and the real database worker."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from PySide6.QtWidgets import QMainWindow
from pytestqt.qtbot import QtBot

from careDesk.desk import Desk
from careDesk.model.base import utcnow
from careDesk.model.schedule import FollowUp
from careDesk.paths import VaultPaths
from careDesk.schedule.inbound import Incoming
from careDesk.schedule.reminders import DueItem
from careDesk.store.vault import unlock
from tests.ui.conftest import add_patient, wait_idle
from ui.pages.reminders import RemindersPage
from ui.tray import ReminderNotifier, notice
from ui.worker import DbWorker
from ui.workspace import Workspace


def _follow_up(ws: Workspace, patient_id: str, minutes_ago: int, **extra: object) -> str:
    with ws.desk.writing() as tx:
        row = FollowUp(
            patient_id=patient_id,
            kind="call",
            title="Ask about the new walker",
            due_at=utcnow() - timedelta(minutes=minutes_ago),
            **extra,
        )  # type: ignore[arg-type]
        tx.add(row, kind="follow_up", patient_id=patient_id)
    return row.id


def _page(qtbot: QtBot, ws: Workspace) -> RemindersPage:
    page = RemindersPage(ws)
    qtbot.addWidget(page)
    page.show()
    wait_idle(qtbot, ws.worker)
    return page


def test_due_follow_ups_show_and_complete(
    qtbot: QtBot, ws: Workspace, qtmodeltester: object
) -> None:
    pid = add_patient(ws.desk, "Lan", "Nguyễn", "R-1")
    _follow_up(ws, pid, 30)
    urgent = _follow_up(ws, pid, 5, urgent=True)
    page = _page(qtbot, ws)
    qtmodeltester.check(page.due_model)  # type: ignore[attr-defined]
    assert page.due_model.rowCount() == 2
    assert page.due_model.row_at(0).id == urgent  # urgent first
    assert "2 follow-up(s) due" in page.summary.text()

    page.due_view.selectRow(0)
    with qtbot.waitSignal(ws.changed, timeout=10_000):
        page.complete_selected("Reached, walker fits")
    wait_idle(qtbot, ws.worker)
    qtbot.waitUntil(lambda: page.due_model.rowCount() == 1, timeout=10_000)


def test_snooze_hides_a_follow_up(qtbot: QtBot, ws: Workspace) -> None:
    pid = add_patient(ws.desk, "Rosa", "Muñoz", "R-2")
    _follow_up(ws, pid, 10)
    page = _page(qtbot, ws)
    page.due_view.selectRow(0)
    with qtbot.waitSignal(ws.changed, timeout=10_000):
        page.snooze_selected(timedelta(hours=1))
    qtbot.waitUntil(lambda: page.due_model.rowCount() == 0, timeout=10_000)


def test_outbox_tab_shows_why_a_message_was_not_sent(qtbot: QtBot, ws: Workspace) -> None:
    ws.desk.settings.set("clinic.name", "Riverside Clinic")
    ws.desk.settings.set("clinic.phone", "555-0100")
    pid = add_patient(ws.desk, "Ana", "Pérez", "R-3")
    ws.desk.outbox.queue(pid, "follow_up_checkin", channel="sms")
    page = _page(qtbot, ws)
    qtmodeltester_rows = [page.outbox_model.row_at(i) for i in range(page.outbox_model.rowCount())]
    assert [(m.state, m.reason) for m in qtmodeltester_rows] == [
        ("blocked", "no consent on file for sms")
    ]
    assert "1 need a look" in page.summary.text()


def test_print_letters_saves_a_pdf_and_marks_them_sent(
    qtbot: QtBot, ws: Workspace, tmp_path: Path
) -> None:
    ws.desk.settings.set("clinic.name", "Riverside Clinic")
    ws.desk.settings.set("clinic.phone", "555-0100")
    pid = add_patient(ws.desk, "José", "Peña", "R-4", address_line="2 Elm St")
    ws.desk.outbox.queue(pid, "refill_reminder", channel="letter")
    page = _page(qtbot, ws)
    with qtbot.waitSignal(ws.changed, timeout=10_000):
        page.print_batch("letters", tmp_path / "letters.pdf")
    wait_idle(qtbot, ws.worker)
    assert (tmp_path / "letters.pdf").read_bytes().startswith(b"%PDF")
    qtbot.waitUntil(
        lambda: page.outbox_model.rowCount() == 1 and page.outbox_model.row_at(0).state == "sent",
        timeout=10_000,
    )


def test_read_only_user_sees_no_actions(
    qtbot: QtBot, desk: Desk, worker: DbWorker, vault_paths: VaultPaths
) -> None:
    desk.users.add("reader", "quiet meadow lantern 4", "read-only")
    desk.close()
    reader = unlock(vault_paths, "reader", "quiet meadow lantern 4")
    try:
        page = _page(qtbot, Workspace(reader, worker))
        assert not page.complete_button.isVisibleTo(page)
        assert not page.send_button.isVisibleTo(page)
        assert page.due_model.rowCount() == 0  # it still reads
    finally:
        worker.run(lambda: None)
        wait_idle(qtbot, worker)
        reader.close()


def test_tray_notice_counts_without_names(qtbot: QtBot) -> None:
    window = QMainWindow()
    qtbot.addWidget(window)
    notifier = ReminderNotifier(window)
    now = utcnow()
    items = [
        DueItem("1", "p", "Lan Nguyễn", "call", "Call", now, True, None, None, False),
        DueItem("2", "p", "Lan Nguyễn", "call", "Call", now, False, None, None, True),
    ]
    with qtbot.waitSignal(notifier.announced):
        notifier.on_due(items)
    assert notifier.history == ["2 follow-ups due (1 urgent)"]
    assert "Nguyễn" not in window.statusBar().currentMessage()
    assert notice(items[:1]) == "1 follow-up due (1 urgent)"


def test_reassign_offers_only_who_may_take_it_and_asks_the_core(
    qtbot: QtBot, ws: Workspace
) -> None:
    """Who may take a follow-up is a core query run on the worker (issue 18)."""
    ws.desk.users.add("kim", "quiet meadow lantern 4", "coordinator", "Kim Le")
    ws.desk.users.add("reader", "quiet meadow lantern 5", "read-only")
    pid = add_patient(ws.desk, "Lan", "Nguyễn", "R-9")
    fid = _follow_up(ws, pid, 5)
    page = _page(qtbot, ws)
    told: list[str] = []
    page._error = lambda error: told.append(error.message)  # type: ignore[method-assign]
    page.due_view.selectRow(0)
    page.reassign_selected("reader")
    wait_idle(qtbot, ws.worker)
    assert len(told) == 1 and "reader cannot take follow-ups" in told[0]
    assert ws.desk.followups.open_for_patient(pid)[0].assignee_id is None
    page.due_view.selectRow(0)
    with qtbot.waitSignal(ws.changed, timeout=10_000):
        page.reassign_selected("kim")
    wait_idle(qtbot, ws.worker)
    kim = next(u for u in ws.desk.users.list() if u.login == "kim")
    assert [f.assignee_id for f in ws.desk.followups.open_for_patient(pid)] == [kim.id]
    assert fid == ws.desk.followups.open_for_patient(pid)[0].id


def _shared_phone_reply(ws: Workspace) -> tuple[str, str]:
    """Two patients on one phone; a text from it that careDesk cannot place."""
    ws.desk.settings.set("clinic.name", "Riverside Clinic")
    ws.desk.settings.set("clinic.phone", "555-0100")
    first = add_patient(ws.desk, "Rosa", "Muñoz", "R-10", phone="+1 555 010 4242")
    second = add_patient(ws.desk, "Luis", "Muñoz", "R-11", phone="+1 555 010 4242")
    ws.desk.inbox.take(Incoming("sms", "sms:t1", "+15550104242", "Running late, sorry", utcnow()))
    return first, second


def test_replies_tab_assigns_an_unmatched_reply_to_a_patient(
    qtbot: QtBot, ws: Workspace, qtmodeltester: object
) -> None:
    _first, second = _shared_phone_reply(ws)
    page = _page(qtbot, ws)
    qtmodeltester.check(page.replies.model)  # type: ignore[attr-defined]
    assert page.replies.model.rowCount() == 1
    assert page.replies.model.row_at(0).reason == "2 people on file share this phone number"
    page.replies.view.selectRow(0)
    with qtbot.waitSignal(ws.changed, timeout=10_000):
        page.replies.assign_selected("R-11")
    qtbot.waitUntil(lambda: page.replies.model.rowCount() == 0, timeout=10_000)
    assert [e.body for e in ws.desk.timeline.page(second)] == ["Running late, sorry"]
    assert page.replies.status.text().startswith("Assigned")


def test_replies_tab_dismisses_and_reports_an_unknown_mrn(qtbot: QtBot, ws: Workspace) -> None:
    _shared_phone_reply(ws)
    page = _page(qtbot, ws)
    page.replies.view.selectRow(0)
    shown: list[str] = []
    page.replies._error = lambda error: shown.append(error.message)  # type: ignore[method-assign]
    page.replies.assign_selected("NO-SUCH-MRN")
    wait_idle(qtbot, ws.worker)
    qtbot.waitUntil(lambda: bool(shown), timeout=10_000)
    assert "NO-SUCH-MRN" in shown[0] and page.replies.model.rowCount() == 1
    with qtbot.waitSignal(ws.changed, timeout=10_000):
        page.replies.dismiss_selected()
    qtbot.waitUntil(lambda: page.replies.model.rowCount() == 0, timeout=10_000)
