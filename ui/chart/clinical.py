"""Conditions & medications: diagnoses, medicines with the daily schedule (Universal
Medication Schedule: morning, noon, evening, bedtime), allergies, and coordination warnings.
Each list can be added to, corrected and taken off for a reason (``ui/chart/clinical_edit.py``),
every change on the database worker through the core's verbs."""

from __future__ import annotations

from collections.abc import Callable
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

from careDesk.changes import Kind, kinds
from ui.chart.base import ChartTab
from ui.chart.clinical_edit import WHAT, add_dialog, edit_dialog, remove_dialog
from ui.dialogs import FormDialog
from ui.tables import Column, RowModel
from ui.views import table_view
from ui.workspace import Workspace

# Universal Medication Schedule slots (Wolf MS et al., J Gen Intern Med 2011;26:1444).
SLOTS = (("morning", "Morning"), ("noon", "Noon"), ("evening", "Evening"), ("bedtime", "Bedtime"))


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
    """Conditions, medicines (with their daily schedule), allergies, coordination warnings;
    each list can be added to, corrected and taken off (with a reason) by those who may edit."""

    title = "Conditions & medications"
    watches = kinds(Kind.CONDITION, Kind.MEDICATION, Kind.ALLERGY, Kind.ACTIVITY, Kind.OBSERVATION)

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
        self.allergies = RowModel(
            [
                Column("Substance", lambda a: a.substance),
                Column("Reaction", lambda a: a.reaction or ""),
                Column("Severity", lambda a: a.severity or ""),
                Column("Status", lambda a: a.status),
            ],
            self,
        )
        self.schedule = RowModel(
            [Column("Time of day", lambda r: r[0]), Column("Medicines", lambda r: r[1])], self
        )
        self.warnings = QLabel()
        self.warnings.setObjectName("warnings")
        self.warnings.setWordWrap(True)
        self.warnings.setAccessibleName("Coordination warnings")
        self.condition_view = table_view(self.conditions, "Conditions")
        self.medication_view = table_view(self.medications, "Medications")
        self.allergy_view = table_view(self.allergies, "Allergies")
        self.schedule_view = table_view(self.schedule, "Daily medication schedule")
        self.views = {
            "condition": (self.condition_view, self.conditions),
            "medication": (self.medication_view, self.medications),
            "allergy": (self.allergy_view, self.allergies),
        }
        self.buttons: dict[str, QPushButton] = {}
        split = QSplitter(Qt.Orientation.Vertical)
        for kind, title in (
            ("condition", "Conditions"),
            ("medication", "Medicines"),
            ("allergy", "Allergies"),
        ):
            split.addWidget(self._group(kind, title))
        box = QGroupBox("Daily schedule")
        QVBoxLayout(box).addWidget(self.schedule_view)
        split.addWidget(box)
        layout = QVBoxLayout(self)
        layout.addWidget(self.warnings)
        layout.addWidget(split, 1)

    def _group(self, kind: str, title: str) -> QGroupBox:
        """A list with its Add, Correct, (Stop,) Remove buttons; the last act on the selection."""
        view, _model = self.views[kind]
        word = WHAT[kind]
        actions: list[tuple[str, str, Callable[[], Any]]] = [
            ("add", f"Add {word}…", lambda: self.add(kind)),
            ("edit", f"Correct {word}…", lambda: self.edit(kind)),
            ("remove", f"Remove {word}…", lambda: self.remove(kind)),
        ]
        if kind == "medication":
            actions.insert(2, ("stop", "Stop medicine", self.stop_medication))
        bar = QHBoxLayout()
        for key, text, slot in actions:
            button = QPushButton(text)
            button.setAccessibleName(text.rstrip("…"))
            button.clicked.connect(slot)
            button.setVisible(self.editable)
            button.setEnabled(key == "add")
            self.buttons[f"{kind}.{key}"] = button
            bar.addWidget(button)
        bar.addStretch()
        view.selectionModel().selectionChanged.connect(lambda *_: self._selection(kind))
        view.model().modelReset.connect(lambda: self._selection(kind))
        box = QGroupBox(title)
        column = QVBoxLayout(box)
        column.addLayout(bar)
        column.addWidget(view)
        return box

    def _selection(self, kind: str) -> None:
        chosen = self.selected(kind) is not None
        for key in ("edit", "remove", "stop"):
            button = self.buttons.get(f"{kind}.{key}")
            if button is not None:
                button.setEnabled(chosen)

    def selected(self, kind: str) -> Any:
        """The entry chosen in the ``kind`` list (condition, medication, allergy), or None."""
        view, model = self.views[kind]
        rows = view.selectionModel().selectedRows()
        return model.row_at(rows[0].row()) if rows else None

    def select(self, kind: str, row: int) -> None:
        """Choose a row of a list (keyboard and mouse users click; tests call this)."""
        view, _model = self.views[kind]
        view.selectRow(row)

    def show_chart(self, chart: Any) -> None:
        self.conditions.set_rows(chart.conditions)
        self.medications.set_rows(chart.medications)
        self.allergies.set_rows(chart.allergies)
        self.schedule.set_rows(daily_schedule(chart.medications))

    def load(self) -> None:
        coordination, pid = self.ws.desk.coordination, self.patient_id
        self.ws.run(lambda: coordination.warnings(pid), self._show_warnings)

    def _show_warnings(self, warnings: list[Any]) -> None:
        texts = [str(getattr(w, "message", w)) for w in warnings]
        self.warnings.setText("⚠ " + "\n⚠ ".join(texts) if texts else "")
        self.warnings.setVisible(bool(texts))

    # ----- actions ----------------------------------------------------------------------------
    def add(self, kind: str) -> FormDialog:
        """Add a condition, medicine or allergy."""
        return add_dialog(self.ws, kind, self.patient_id, self)

    def add_condition(self) -> FormDialog:
        return self.add("condition")

    def add_medication(self) -> FormDialog:
        return self.add("medication")

    def edit(self, kind: str) -> FormDialog | None:
        """Correct the chosen entry: a form filled with it as recorded."""
        row = self.selected(kind)
        return edit_dialog(self.ws, kind, row, self) if row is not None else None

    def remove(self, kind: str) -> FormDialog | None:
        """Take the chosen entry off the list, for a reason (asked, then audited)."""
        row = self.selected(kind)
        if row is None:
            return None
        return remove_dialog(self.ws, kind, row, _label(kind, row), self)

    def stop_medication(self) -> None:
        med = self.selected("medication")
        if med is not None:
            clinical = self.ws.desk.clinical
            self.ws.run(lambda: clinical.stop_medication(med.id))


def _label(kind: str, row: Any) -> str:
    if kind == "medication":
        return _med_label(row)
    return str(row.display if kind == "condition" else row.substance)


def _when_text(med: Any) -> str:
    parts = [s for s in (med.slots or "").split(",") if s]
    if med.every_hours:
        parts.append(f"every {med.every_hours} hours")
    if med.times_per_day and not parts:
        parts.append(f"{med.times_per_day} times a day")
    if med.as_needed:
        parts.append("only when needed")
    return ", ".join(parts)
