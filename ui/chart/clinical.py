"""Conditions & medications: diagnoses, medicines with the daily schedule (Universal
Medication Schedule: morning, noon, evening, bedtime), allergies, and coordination warnings."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ui.chart.base import ChartTab
from ui.dialogs import Field, FormDialog
from ui.tables import Column, RowModel
from ui.views import table_view
from ui.workspace import Workspace

# Universal Medication Schedule slots (Wolf MS et al., J Gen Intern Med 2011;26:1444).
SLOTS = (("morning", "Morning"), ("noon", "Noon"), ("evening", "Evening"), ("bedtime", "Bedtime"))

CONDITION_FIELDS = [
    Field("display", "Condition", required=True),
    Field("icd10", "ICD-10-CM code", placeholder="e.g. E11.9"),
    Field("snomed", "SNOMED CT code"),
    Field("onset", "Onset", "date"),
    Field("chronic", "Chronic", "bool", default=True),
]
MEDICATION_FIELDS = [
    Field("name", "Medicine", required=True),
    Field("ingredient", "Ingredient", placeholder="e.g. metformin"),
    Field("dose", "Dose", placeholder="e.g. 500 mg"),
    Field("purpose", "What it is for", placeholder="e.g. for blood sugar"),
    Field("prescriber", "Prescriber"),
    Field("slots", "When (morning, noon, evening, bedtime)", placeholder="e.g. morning,evening"),
    Field("every_hours", "Or every N hours", "int"),
    Field("as_needed", "Only when needed", "bool"),
    Field("as_needed_for", "Needed for"),
]


def daily_schedule(medications: list[Any]) -> list[tuple[str, str]]:
    """Rows of (time of day, medicines) for the active medicines."""
    active = [m for m in medications if m.status == "active"]
    rows = []
    for slot, label in SLOTS:
        names = [_med_label(m) for m in active if slot in (m.slots or "").split(",")]
        rows.append((label, "; ".join(names)))
    hourly = [f"{_med_label(m)} every {m.every_hours} hours" for m in active if m.every_hours]
    if hourly:
        rows.append(("Through the day", "; ".join(hourly)))
    needed = [
        f"{_med_label(m)}" + (f" for {m.as_needed_for}" if m.as_needed_for else "")
        for m in active
        if m.as_needed
    ]
    if needed:
        rows.append(("Only when needed", "; ".join(needed)))
    return rows


def _med_label(med: Any) -> str:
    return f"{med.name} {med.dose}" if med.dose else str(med.name)


class ClinicalTab(ChartTab):
    """Conditions, medicines (with their daily schedule), allergies, coordination warnings."""

    title = "Conditions & medications"
    watches = frozenset({"condition", "medication", "activity", "observation"})

    def __init__(self, ws: Workspace, patient_id: str, parent: QWidget | None = None) -> None:
        super().__init__(ws, patient_id, parent)
        self.conditions = RowModel(
            [
                Column("Condition", lambda c: c.display),
                Column("Code", lambda c: c.icd10 or c.snomed or ""),
                Column("Since", lambda c: f"{c.onset:%Y-%m-%d}" if c.onset else ""),
                Column("Status", lambda c: c.status + (", chronic" if c.chronic else "")),
            ],
            self,
        )
        self.medications = RowModel(
            [
                Column("Medicine", lambda m: _med_label(m)),
                Column("For", lambda m: m.purpose or ""),
                Column("When", _when_text),
                Column("Prescriber", lambda m: m.prescriber or ""),
                Column("Status", lambda m: m.status),
            ],
            self,
        )
        self.schedule = RowModel(
            [Column("Time of day", lambda r: r[0]), Column("Medicines", lambda r: r[1])], self
        )
        self.allergies = QLabel()
        self.allergies.setWordWrap(True)
        self.allergies.setAccessibleName("Allergies")
        self.warnings = QLabel()
        self.warnings.setObjectName("warnings")
        self.warnings.setWordWrap(True)
        self.warnings.setAccessibleName("Coordination warnings")
        self.condition_view = table_view(self.conditions, "Conditions")
        self.medication_view = table_view(self.medications, "Medications")
        self.schedule_view = table_view(self.schedule, "Daily medication schedule")
        buttons = QHBoxLayout()
        for text, slot in (
            ("Add condition…", self.add_condition),
            ("Add medicine…", self.add_medication),
            ("Stop selected medicine", self.stop_medication),
        ):
            button = QPushButton(text)
            button.clicked.connect(slot)
            button.setVisible(self.editable)
            buttons.addWidget(button)
        buttons.addStretch()
        split = QSplitter(Qt.Orientation.Vertical)
        for title, view in (
            ("Conditions", self.condition_view),
            ("Medicines", self.medication_view),
            ("Daily schedule", self.schedule_view),
        ):
            box = QGroupBox(title)
            QVBoxLayout(box).addWidget(view)
            split.addWidget(box)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.warnings)
        layout.addWidget(split, 1)
        layout.addWidget(self.allergies)

    def show_chart(self, chart: Any) -> None:
        self.conditions.set_rows(chart.conditions)
        self.medications.set_rows(chart.medications)
        self.schedule.set_rows(daily_schedule(chart.medications))
        allergies = [
            a.substance + (f" ({a.reaction})" if a.reaction else "") for a in chart.allergies
        ]
        self.allergies.setText("Allergies: " + ("; ".join(allergies) or "none recorded"))

    def load(self) -> None:
        if not self.ws.has("coordination"):
            self.warnings.setVisible(False)
            return
        coordination, pid = self.ws.desk.coordination, self.patient_id
        self.ws.run(lambda: coordination.warnings(pid), self._show_warnings)

    def _show_warnings(self, warnings: list[Any]) -> None:
        texts = [str(getattr(w, "message", w)) for w in warnings]
        self.warnings.setText("⚠ " + "\n⚠ ".join(texts) if texts else "")
        self.warnings.setVisible(bool(texts))

    def add_condition(self) -> FormDialog:
        clinical, pid = self.ws.desk.clinical, self.patient_id
        dialog = FormDialog(
            self.ws,
            "Add a condition",
            CONDITION_FIELDS,
            lambda v: clinical.add_condition(pid, **v).value,
            self,
        )
        dialog.open()
        return dialog

    def add_medication(self) -> FormDialog:
        clinical, pid = self.ws.desk.clinical, self.patient_id

        def add(values: dict[str, Any]) -> Any:
            if not values.get("every_hours"):
                values.pop("every_hours", None)
            return clinical.add_medication(pid, **values).value

        dialog = FormDialog(self.ws, "Add a medicine", MEDICATION_FIELDS, add, self)
        dialog.open()
        return dialog

    def stop_medication(self) -> None:
        rows = self.medication_view.selectionModel().selectedRows()
        if rows:
            med = self.medications.row_at(rows[0].row())
            clinical = self.ws.desk.clinical
            self.ws.run(lambda: clinical.stop_medication(med.id))


def _when_text(med: Any) -> str:
    parts = [s for s in (med.slots or "").split(",") if s]
    if med.every_hours:
        parts.append(f"every {med.every_hours} hours")
    if med.times_per_day and not parts:
        parts.append(f"{med.times_per_day} times a day")
    if med.as_needed:
        parts.append("only when needed")
    return ", ".join(parts)
