"""Billing: every patient's care-management minutes in a month by billing category, the CPT
codes the minutes support and the next threshold (``desk.billing``). Patients a few minutes
short of a code are highlighted and say so in words; the list exports as CSV (written by the
core, audited). Enter opens the patient's timeline."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from careDesk.care.billing_codes import CATEGORIES, NEAR_MINUTES
from careDesk.changes import Kind, kinds
from careDesk.errors import CareDeskError
from careDesk.security.roles import Permission
from ui import qt_values
from ui.errors import show_message
from ui.pages.base import Page
from ui.tables import Column, Index, RowModel
from ui.views import table_view
from ui.workspace import Workspace

NEAR_BACKGROUND = QColor("#fff1c2")  # pale amber behind dark text: contrast well above 4.5:1
_WORDS = {c.key.value: c.short for c in CATEGORIES}


def next_words(row: Any) -> str:
    step = row.next_step
    if step is None:
        return "—"
    near = "near: " if row.near else ""
    return f"{near}{step.short} min to {step.code} (at {step.at})"


def minutes_words(row: Any) -> str:
    """Counted minutes, and those by non-clinical accounts that are not."""
    counted = row.staff_minutes + row.practitioner_minutes
    return (
        f"{counted} (+{row.uncounted_minutes} not counted)"
        if row.uncounted_minutes
        else str(counted)
    )


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def _why(row: Any) -> str:
    return "; ".join((*row.missing, *row.notes))


class BillingModel(RowModel):
    """Rows near a threshold are highlighted (and say "near" in words)."""

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Override QAbstractItemModel::data."""
        if index.isValid() and index.row() < len(self.rows) and self.rows[index.row()].near:
            if role == Qt.ItemDataRole.BackgroundRole:
                return QBrush(NEAR_BACKGROUND)
            if role == Qt.ItemDataRole.FontRole:
                bold = QFont()
                bold.setBold(True)
                return bold
        return super().data(index, role)


class BillingPage(Page):
    """One month, all or one category; near-threshold patients highlighted."""

    watches = kinds(Kind.TIME_ENTRY, Kind.TIMELINE_ENTRY, Kind.PATIENT, Kind.CONDITION)

    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(ws, parent)
        self.rows: list[Any] = []
        self.month = QDateEdit(qt_values.today())
        self.month.setDisplayFormat("yyyy-MM")
        self.month.setCalendarPopup(True)
        self.month.setAccessibleName("Month")
        self.category = QComboBox()
        self.category.setAccessibleName("Billing category")
        self.category.addItem("all categories", "")
        for c in CATEGORIES:
            self.category.addItem(c.label, c.key.value)
        self.near_only = QCheckBox(f"Only patients near a threshold (within {NEAR_MINUTES} min)")
        self.export_button = QPushButton("Export CSV…")
        self.export_button.setVisible(ws.can(Permission.EXPORT))
        self.export_button.clicked.connect(lambda: self.export())
        self.month.dateChanged.connect(lambda _day: self.load())
        self.category.currentIndexChanged.connect(lambda _i: self.load())
        self.near_only.toggled.connect(lambda _on: self._show(self.rows))
        bar = QHBoxLayout()
        for widget in (QLabel("Month"), self.month, self.category, self.near_only):
            bar.addWidget(widget)
        bar.addStretch()
        bar.addWidget(self.export_button)
        self.summary = QLabel()
        self.summary.setAccessibleName("Billing summary")
        self.model = BillingModel(
            [
                Column("Patient", lambda r: r.name),
                Column("MRN", lambda r: r.mrn),
                Column("Category", lambda r: _WORDS.get(r.category, r.category)),
                Column("Minutes", minutes_words),
                Column("Codes supported", lambda r: r.code_text() or "—"),
                Column("Next threshold", next_words),
                Column("Missing / notes", _why, _why),
            ],
            self,
        )
        self.view = table_view(self.model, "Minutes for billing")
        self.view.activated.connect(lambda index: self.open_chart(index.row()))
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.summary)
        layout.addWidget(self.view, 1)

    def chosen_month(self) -> date:
        day = self.month.date()
        return date(day.year(), day.month(), 1)

    def load(self) -> None:
        billing, month, category = self.ws.desk.billing, self.chosen_month(), self._category()
        self.ws.run(lambda: billing.month(month.year, month.month, category), self._show)

    def _category(self) -> str | None:
        return str(self.category.currentData()) or None

    def _show(self, rows: list[Any]) -> None:
        self.rows = list(rows)
        shown = [r for r in self.rows if r.near] if self.near_only.isChecked() else self.rows
        self.model.set_rows(shown)
        near = sum(1 for r in self.rows if r.near)
        coded = sum(1 for r in self.rows if r.codes)
        self.summary.setText(
            f"{self.chosen_month():%Y-%m}: {_plural(len(self.rows), 'row')}, {coded} with a "
            f"code, {near} near a threshold"
        )

    def open_chart(self, row: int) -> None:
        if 0 <= row < self.model.rowCount():
            self.ws.open_chart.emit(self.model.row_at(row).patient_id, "timeline")

    def export(self, path: Path | None = None) -> Path | None:
        """Write the month (this category) as CSV to a file the user chooses."""
        if path is None:
            name, _ = QFileDialog.getSaveFileName(
                self,
                "Export minutes for billing",
                f"caredesk-billing-{self.chosen_month():%Y-%m}.csv",
                "CSV (*.csv)",
            )
            if not name:
                return None
            path = Path(name)
        billing, month, category = self.ws.desk.billing, self.chosen_month(), self._category()
        target = path
        self.ws.run(
            lambda: billing.export_csv(target, month.year, month.month, category),
            lambda count: self.summary.setText(f"Wrote {_plural(count, 'row')} to {target.name}."),
            self._failed,
        )
        return path

    def _failed(self, error: CareDeskError) -> None:
        show_message(self, error.message)
