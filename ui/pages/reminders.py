"""Reminders: what is due now (complete, snooze, reassign), the outreach outbox, and the
replies careDesk could not match to one person (``ui/pages/replies.py``).

The reminder clock announces follow-ups as they fall due (a tray notification); this page is
where a coordinator acts on them, and where the outbox shows what went out, what is waiting,
and why a message was not sent.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path

from PySide6.QtCore import QModelIndex
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from careDesk.changes import Kind, kinds
from careDesk.errors import CareDeskError, ValidationFailed
from careDesk.model.base import utcnow
from careDesk.schedule.outbox import MessageRow, SendReport
from careDesk.schedule.reminders import DueItem
from careDesk.security.roles import Permission
from careDesk.security.users import UserInfo
from ui.pages.base import Page
from ui.pages.replies import RepliesTab
from ui.tables import Column, RowModel
from ui.views import size_columns, table_view
from ui.workspace import Workspace


def _local(when: datetime | None) -> str:
    return f"{when.astimezone():%a %Y-%m-%d %H:%M}" if when else ""


def _button(text: str, tip: str) -> QPushButton:
    button = QPushButton(text)
    button.setAccessibleName(text.rstrip("…"))
    button.setToolTip(tip)
    return button


class RemindersPage(Page):
    """Due follow-ups and the outbox, with the actions a coordinator takes on them."""

    watches = kinds(Kind.FOLLOW_UP, Kind.OUTBOX_MESSAGE, Kind.INBOUND_MESSAGE)

    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(ws, parent)
        self.due_model = RowModel(
            [
                Column("Due", lambda r: _local(r.due_at)),
                Column("Patient", lambda r: r.patient_name),
                Column("What", lambda r: r.title),
                Column("Kind", lambda r: r.kind.replace("_", " ")),
                Column("", lambda r: "URGENT" if r.urgent else ("overdue" if r.overdue else "")),
            ],
            self,
        )
        self.due_model.urgent = lambda r: r.urgent or r.overdue
        self.due_view = table_view(self.due_model, "Due follow-ups")
        size_columns(self.due_view, [26, 26, 44, 24, 10])
        self.due_view.activated.connect(self._open_chart)
        self.outbox_model = RowModel(
            [
                Column("Queued", lambda r: _local(r.created_at)),
                Column("State", lambda r: r.state),
                Column("Channel", lambda r: r.channel),
                Column("Message", lambda r: r.template.replace("_", " ")),
                Column("Why", lambda r: r.reason or ""),
                Column("Sent", lambda r: _local(r.sent_at)),
            ],
            self,
        )
        self.outbox_model.urgent = lambda r: r.state in ("failed", "unknown", "blocked")
        self.outbox_view = table_view(self.outbox_model, "Outbox")
        size_columns(self.outbox_view, [26, 10, 8, 24, 44, 26])
        self.summary = QLabel()
        self.tabs = QTabWidget()
        self.tabs.addTab(self._due_tab(), "Due now")
        self.tabs.addTab(self._outbox_tab(), "Outbox")
        self.replies = RepliesTab(ws)
        self.tabs.addTab(self.replies, "Replies")
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.tabs)

    # ----- building ----------------------------------------------------------------------------
    def _due_tab(self) -> QWidget:
        self.complete_button = _button("Complete…", "Say what happened; a repeating one recurs")
        self.snooze_hour = _button("Snooze 1 hour", "Hide it for an hour")
        self.snooze_morning = _button("Snooze to tomorrow", "Hide it until 9:00 tomorrow")
        self.reassign_button = _button("Reassign…", "Give it to another user")
        self.complete_button.clicked.connect(self.complete_selected)
        self.snooze_hour.clicked.connect(lambda: self.snooze_selected(timedelta(hours=1)))
        self.snooze_morning.clicked.connect(self._snooze_to_morning)
        self.reassign_button.clicked.connect(self.reassign_selected)
        buttons = [self.complete_button, self.snooze_hour, self.snooze_morning]
        buttons.append(self.reassign_button)
        return self._tab(self.due_view, buttons, Permission.EDIT)

    def _outbox_tab(self) -> QWidget:
        self.send_button = _button("Send now", "Queue appointment reminders and send what is due")
        self.letters_button = _button("Print letters…", "Save the waiting letters as a PDF")
        self.calls_button = _button("Print call list…", "Save the call list as a PDF")
        self.resend_button = _button("Resend", "Queue a failed or unknown message again")
        self.send_button.clicked.connect(self.send_now)
        self.letters_button.clicked.connect(lambda: self.print_batch("letters"))
        self.calls_button.clicked.connect(lambda: self.print_batch("calls"))
        self.resend_button.clicked.connect(self.resend_selected)
        buttons = [self.send_button, self.letters_button, self.calls_button, self.resend_button]
        return self._tab(self.outbox_view, buttons, Permission.MESSAGE)

    def _tab(self, view: QTableView, buttons: list[QPushButton], needs: Permission) -> QWidget:
        tab = QWidget()
        bar = QHBoxLayout()
        for button in buttons:
            button.setVisible(self.ws.can(needs))  # the core refuses anyway
            bar.addWidget(button)
        bar.addStretch()
        layout = QVBoxLayout(tab)
        layout.addLayout(bar)
        layout.addWidget(view)
        return tab

    # ----- loading -----------------------------------------------------------------------------
    def load(self) -> None:
        desk = self.ws.desk

        def fetch() -> tuple[list[DueItem], list[MessageRow]]:
            return desk.reminders.due(), desk.outbox.messages(limit=500)

        self.ws.run(fetch, self._show)
        self.replies.load()

    def _show(self, result: tuple[list[DueItem], list[MessageRow]]) -> None:
        due, messages = result
        self.due_model.set_rows(due)
        self.outbox_model.set_rows(messages)
        waiting = sum(m.state == "queued" for m in messages)
        problems = sum(m.state in ("failed", "unknown", "blocked") for m in messages)
        self.summary.setText(
            f"{len(due)} follow-up(s) due; {waiting} message(s) waiting, {problems} need a look."
        )

    def _selected(self, view: QTableView, model: RowModel) -> list[object]:
        rows = sorted({index.row() for index in view.selectionModel().selectedRows()})
        if not rows and view.currentIndex().isValid():
            rows = [view.currentIndex().row()]
        return [model.row_at(r) for r in rows]

    def _selected_due(self) -> list[DueItem]:
        return [r for r in self._selected(self.due_view, self.due_model) if isinstance(r, DueItem)]

    # ----- due actions -------------------------------------------------------------------------
    def _open_chart(self, index: QModelIndex) -> None:
        self.ws.open_chart.emit(self.due_model.row_at(index.row()).patient_id, "timeline")

    def complete_selected(self, result: str | None = None) -> None:
        items = self._selected_due()
        if not items:
            return
        if result is None:
            text, ok = QInputDialog.getText(self, "Complete follow-up", "What happened?")
            if not ok:
                return
            result = text
        desk, said = self.ws.desk, result
        self.ws.run(lambda: [desk.followups.complete(i.id, said) for i in items], None, self._error)

    def snooze_selected(self, delay: timedelta) -> None:
        self._snooze_until(utcnow() + delay)

    def _snooze_to_morning(self) -> None:
        tomorrow = datetime.now().astimezone().date() + timedelta(days=1)
        self._snooze_until(datetime.combine(tomorrow, time(9, 0)).astimezone())

    def _snooze_until(self, until: datetime) -> None:
        items, desk = self._selected_due(), self.ws.desk
        self.ws.run(lambda: [desk.reminders.snooze(i.id, until) for i in items], None, self._error)

    def reassign_selected(self, login: str | None = None) -> None:
        """Give the selected follow-ups to someone who may take them (the core says who, on
        the worker); ``login`` skips the question."""
        items, users = self._selected_due(), self.ws.desk.users
        if not items:
            return
        self.ws.run(
            users.assignable, lambda found: self._reassign(items, found, login), self._error
        )

    def _reassign(self, items: list[DueItem], users: list[UserInfo], login: str | None) -> None:
        if login is None:
            names = [f"{u.display_name} ({u.login})" for u in users]
            choice, ok = QInputDialog.getItem(self, "Reassign", "Give it to", names, 0, False)
            if not ok:
                return
            login = users[names.index(choice)].login
        chosen = next((u for u in users if u.login == login), None)
        if chosen is None:
            self._error(ValidationFailed("assignee_id", f"{login} cannot take follow-ups"))
            return
        followups, user_id = self.ws.desk.followups, chosen.id

        def reassign() -> None:
            for item in items:
                followups.reassign(item.id, user_id)

        self.ws.run(reassign, None, self._error)

    # ----- outbox actions ----------------------------------------------------------------------
    def send_now(self) -> None:
        desk = self.ws.desk

        def send() -> tuple[int, SendReport]:
            return desk.outbox.queue_appointment_reminders(), desk.outbox.send_due()

        self.ws.run(send, self._sent, self._error)

    def _sent(self, result: tuple[int, SendReport]) -> None:
        queued, report = result
        self.summary.setText(
            f"Queued {queued} reminder(s); sent {report.sent}, retrying {report.retrying}, "
            f"failed {report.failed}."
        )
        self.load()

    def print_batch(self, which: str, target: Path | None = None) -> None:
        """Save the waiting letters (or the call list) as a PDF, then mark them sent."""
        if target is None:
            name, _ = QFileDialog.getSaveFileName(self, "Save PDF", f"{which}.pdf", "PDF (*.pdf)")
            if not name:
                return
            target = Path(name)
        desk, path = self.ws.desk, target

        def make() -> int:
            from careDesk.handouts.render import write_pdf
            from careDesk.schedule.printing import call_list, letter_batch

            batch = letter_batch(desk) if which == "letters" else call_list(desk)
            write_pdf(path, batch.pdf)
            return desk.outbox.mark_printed(batch.message_ids)

        self.ws.run(
            make, lambda n: self.summary.setText(f"Saved {path.name}: {n} item(s)."), self._error
        )

    def resend_selected(self) -> None:
        rows = self._selected(self.outbox_view, self.outbox_model)
        ids = [r.id for r in rows if isinstance(r, MessageRow)]
        desk = self.ws.desk
        self.ws.run(lambda: [desk.outbox.resend(i) for i in ids], None, self._error)

    def _error(self, error: CareDeskError) -> None:
        QMessageBox.information(self, "careDesk", error.message)
