"""Replies careDesk could not match to one person (a shared phone, an unknown address): a tab
of the Reminders page where a coordinator says whose each one is, or dismisses it.

Matching, keywords and what a reply does are in the core (``careDesk/schedule/inbox.py``);
this tab only lists the unmatched ones and calls ``desk.inbox``.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from careDesk.errors import CareDeskError
from careDesk.schedule.inbox import FetchReport, ReplyRow
from careDesk.security.roles import Permission
from ui.tables import Column, RowModel
from ui.views import size_columns, table_view
from ui.workspace import Workspace


def _local(when: datetime) -> str:
    return f"{when.astimezone():%a %Y-%m-%d %H:%M}"


def _short(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class RepliesTab(QWidget):
    """Unmatched replies, with Fetch, Assign to patient and Dismiss."""

    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.model = RowModel(
            [
                Column("Received", lambda r: _local(r.received_at)),
                Column("By", lambda r: r.channel),
                Column("From", lambda r: r.sender),
                Column("Text", lambda r: _short(r.body)),
                Column("Why unmatched", lambda r: r.reason or ""),
            ],
            self,
        )
        self.view = table_view(self.model, "Unmatched replies")
        size_columns(self.view, [26, 8, 22, 50, 36])
        self.status = QLabel()
        self.fetch_button = QPushButton("Fetch replies")
        self.fetch_button.setToolTip("Take new replies from the mailbox, SMS and WhatsApp")
        self.assign_button = QPushButton("Assign to patient…")
        self.assign_button.setAccessibleName("Assign to patient")
        self.assign_button.setToolTip("Say whose reply it is: it goes on their timeline")
        self.dismiss_button = QPushButton("Dismiss")
        self.dismiss_button.setToolTip("Not from anyone careDesk writes to (a wrong number)")
        self.fetch_button.clicked.connect(self.fetch)
        self.assign_button.clicked.connect(lambda: self.assign_selected())
        self.dismiss_button.clicked.connect(self.dismiss_selected)
        bar = QHBoxLayout()
        for button in (self.fetch_button, self.assign_button, self.dismiss_button):
            button.setVisible(ws.can(Permission.MESSAGE))  # the core refuses anyway
            bar.addWidget(button)
        bar.addStretch()
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.status)
        layout.addWidget(self.view)

    def load(self) -> None:
        desk = self.ws.desk
        self.ws.run(desk.inbox.unmatched, self._show)

    def _show(self, rows: list[ReplyRow]) -> None:
        self.model.set_rows(rows)
        if not self.status.text() or self.status.text().endswith("to sort."):
            self.status.setText(f"{len(rows)} repl(ies) to sort.")

    def _selected(self) -> list[ReplyRow]:
        rows = sorted({i.row() for i in self.view.selectionModel().selectedRows()})
        if not rows and self.view.currentIndex().isValid():
            rows = [self.view.currentIndex().row()]
        return [r for r in (self.model.row_at(n) for n in rows) if isinstance(r, ReplyRow)]

    def fetch(self) -> None:
        desk = self.ws.desk
        self.ws.run(desk.inbox.fetch, self._fetched, self._error)

    def _fetched(self, report: FetchReport) -> None:
        text = (
            f"Took {report.taken} repl(ies): {report.matched} matched, {report.unmatched} to sort."
        )
        if report.problems:
            text += " Problems: " + "; ".join(report.problems)
        self.status.setText(text)
        self.load()

    def assign_selected(self, patient: str | None = None) -> None:
        """Assign the selected reply to the patient with this MRN (asked for when not given)."""
        rows = self._selected()
        if len(rows) != 1:
            self.status.setText("Select one reply to assign.")
            return
        if patient is None:
            text, ok = QInputDialog.getText(self, "Assign reply", "Patient's MRN:")
            if not ok or not text.strip():
                return
            patient = text.strip()
        desk, reply, chosen = self.ws.desk, rows[0], patient
        self.ws.run(lambda: desk.inbox.assign(reply.id, chosen), self._assigned, self._error)

    def _assigned(self, row: ReplyRow) -> None:
        self.status.setText(f"Assigned: {row.action or 'on the timeline'}.")
        self.load()

    def dismiss_selected(self) -> None:
        desk, ids = self.ws.desk, [r.id for r in self._selected()]
        self.ws.run(
            lambda: [desk.inbox.dismiss(i) for i in ids], lambda _: self.load(), self._error
        )

    def _error(self, error: CareDeskError) -> None:
        QMessageBox.information(self, "careDesk", error.message)
