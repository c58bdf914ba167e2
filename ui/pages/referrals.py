"""Open referrals, clinic-wide: a work queue with what is late first.

Sorted by days late (most late first), then by expected-by day (``careDesk/care/
referral_queue.py``). The heading says whose referrals are listed (mine or the clinic's) and
how many are late; Enter or a double-click opens the chart on that referral.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from careDesk.care.referral_queue import QueueRow, Scope, describe
from careDesk.changes import Kind, kinds
from ui.chart.referral_dialogs import STEP_WORDS, state_words
from ui.pages.base import Page
from ui.tables import Column, RowModel
from ui.views import table_view
from ui.workspace import Workspace

SCOPES = ((Scope.MINE, "My patients"), (Scope.CLINIC, "Whole clinic"))


def _late(row: QueueRow) -> str:
    days = row.days_late
    return f"{days} day{'s' if days != 1 else ''} late" if days else ""


class ReferralsPage(Page):
    """Every open referral in work order, for the scope chosen."""

    watches = kinds(Kind.REFERRAL, Kind.REFERRAL_STEP, Kind.PATIENT)

    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(ws, parent)
        self.model = RowModel(
            [
                Column("Late", _late),
                Column("Expected by", lambda r: f"{r.referral.due_by:%Y-%m-%d}"),
                Column("Patient", lambda r: r.patient_name),
                Column("To", lambda r: r.referral.to_name),
                Column("Urgency", lambda r: r.referral.urgency),
                Column("State", lambda r: state_words(r.referral)),
                Column("Next", lambda r: STEP_WORDS.get(r.next or "", "")),
                Column("Why", lambda r: r.referral.reason),
            ],
            self,
        )
        self.model.urgent = lambda r: r.days_late > 0
        self.view = table_view(self.model, "Open referrals")
        self.view.activated.connect(self.open_referral)
        self.scope = QComboBox()
        self.scope.setAccessibleName("Whose referrals")
        for value, text in SCOPES:
            self.scope.addItem(text, value.value)
        self.scope.setCurrentIndex(1)
        self.late_only = QCheckBox("Late only")
        self.scope.currentIndexChanged.connect(self.load)
        self.late_only.toggled.connect(self.load)
        self.summary = QLabel()
        self.summary.setAccessibleName("Open referrals summary")
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Show:"))
        bar.addWidget(self.scope)
        bar.addWidget(self.late_only)
        bar.addStretch()
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.summary)
        layout.addWidget(self.view, 1)

    def load(self) -> None:
        scope, late = Scope(self.scope.currentData()), self.late_only.isChecked()
        referrals = self.ws.desk.referrals
        self.ws.run(lambda: referrals.queue(scope, late_only=late), self._show)

    def _show(self, rows: list[QueueRow]) -> None:
        self.model.set_rows(rows)
        scope = Scope(self.scope.currentData())
        late = sum(1 for r in rows if r.days_late)
        heading = describe(len(rows), scope, late_only=self.late_only.isChecked())
        self.summary.setText(f"{heading} · {late} late · the most late first")

    def open_referral(self, index: QModelIndex) -> None:
        """Open the patient's chart on this referral."""
        row = self.model.row_at(index.row())
        self.ws.open_chart.emit(row.patient_id, f"referral:{row.referral.id}")
