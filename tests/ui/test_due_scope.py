"""Today, Reminders and Schedule say their scope in words and agree on the due work (issue 19).

A demo clinic, signed in as one of its coordinators: for "Your patients" and for "Whole clinic"
the three pages show the same due-work line, Today's "anything due" list holds exactly the
patients with due work, and the Reminders and Schedule lists hold exactly the due items.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from careDesk.care.demo import generate_demo
from careDesk.care.due_work import Scope
from careDesk.desk import Desk
from careDesk.paths import VaultPaths
from careDesk.store.vault import unlock
from tests.conftest import PASSWORD
from tests.ui.conftest import wait_idle
from ui.pages.reminders import RemindersPage
from ui.pages.schedule import SchedulePage
from ui.pages.today import TodayPage
from ui.worker import DbWorker
from ui.workspace import Workspace


@pytest.fixture
def coordinator_ws(desk: Desk, worker: DbWorker, vault_paths: VaultPaths) -> Iterator[Workspace]:
    """A demo clinic of 60 patients, signed in as its first coordinator."""
    summary = generate_demo(desk, patients=60, seed=11, coordinator_password=PASSWORD)
    login = sorted(summary.created_users)[0]
    desk.close()
    coordinator = unlock(vault_paths, login, PASSWORD)
    try:
        yield Workspace(coordinator, worker)
    finally:
        worker.run(lambda: None)
        coordinator.close()


def _show(qtbot: QtBot, ws: Workspace, page: object) -> None:
    qtbot.addWidget(page)  # type: ignore[arg-type]
    page.show()  # type: ignore[attr-defined]
    wait_idle(qtbot, ws.worker)


def test_the_three_pages_agree_for_each_scope(qtbot: QtBot, coordinator_ws: Workspace) -> None:
    ws = coordinator_ws
    today, reminders, schedule = TodayPage(ws), RemindersPage(ws), SchedulePage(ws)
    for page in (today, reminders, schedule):
        _show(qtbot, ws, page)
    assert today.scope.scope == Scope.MINE  # a coordinator starts from their own patients
    today.model.page_size = 1000  # the whole list in one page: count every row
    today.set_quick_filter("due")
    wait_idle(qtbot, ws.worker)
    seen: dict[Scope, int] = {}
    for scope, words in ((Scope.MINE, "Your patients"), (Scope.CLINIC, "Whole clinic")):
        today.scope.setCurrentIndex(today.scope.findData(scope.value))  # one choice, 3 pages
        wait_idle(qtbot, ws.worker)
        assert reminders.scope.scope == schedule.who.scope == scope
        expected = ws.desk.due_work.summary(scope)
        lines = {today.due_line.text(), reminders.due_line.text(), schedule.due_line.text()}
        assert lines == {expected.words()}
        assert expected.words().startswith(f"{words} — {expected.patients} with work due today")
        assert today.model.rowCount() == expected.patients
        assert (
            f"{expected.patients} patient(s) on the worklist (anything due)" in today.count.text()
        )
        assert reminders.due_model.rowCount() == expected.items
        due_rows = [
            schedule.model.row_at(i)
            for i in range(schedule.model.rowCount())
            if schedule.model.row_at(i).kind != "appointment"
        ]
        assert len(due_rows) == expected.items
        assert sum(r.overdue for r in due_rows) == expected.overdue
        seen[scope] = expected.items
    assert 0 < seen[Scope.MINE] < seen[Scope.CLINIC]  # the demo gives both scopes real work
    assert ws.prefs.text("scope") == Scope.CLINIC.value  # remembered for the next sign-in
