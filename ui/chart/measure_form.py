"""Recording a measurement: one short form (kind, number(s), unit, when), checked by the core.

The unit is always chosen from the units the core accepts for the kind (``desk.measures``:
kg or lb, % or mmol/mol, mg/dL or mmol/L); the core converts, checks plausibility and names the
field at fault, which the form shows beside it. PHQ-9 and GAD-7 are recorded on the Screeners
tab, with their questions.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from careDesk.care.measures.forms import units_for
from careDesk.care.measures.units import shown
from careDesk.errors import CareDeskError
from ui import qt_values
from ui.forms import FieldForm
from ui.workspace import Workspace

KINDS = (
    ("blood_pressure", "Blood pressure"),
    ("weight", "Weight"),
    ("a1c", "A1c"),
    ("glucose", "Glucose"),
)


class MeasurementDialog(QDialog):
    """Record a blood pressure, weight, A1c or glucose for one patient."""

    saved = Signal(object)

    def __init__(self, ws: Workspace, patient_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.patient_id = patient_id
        self.setWindowTitle("Record a measurement")
        self.form = FieldForm()
        self.kind = QComboBox()
        for value, text in KINDS:
            self.kind.addItem(text, value)
        self.value = QLineEdit()
        self.systolic = QLineEdit()
        self.diastolic = QLineEdit()
        self.unit = QComboBox()
        self.taken_at = QDateTimeEdit(qt_values.now())
        self.taken_at.setCalendarPopup(True)
        self.taken_at.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.form.add("kind", "Measurement", self.kind)
        self.form.add("systolic", "Top number (systolic)", self.systolic)
        self.form.add("diastolic", "Bottom number (diastolic)", self.diastolic)
        self.form.add("value", "Value", self.value)
        self.form.add("unit", "Unit", self.unit)
        self.form.add("taken_at", "When", self.taken_at)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Save")
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addWidget(buttons)
        self._kind_changed()

    def _kind_changed(self) -> None:
        kind = str(self.kind.currentData())
        pressure = kind == "blood_pressure"
        for widget, visible in ((self.systolic, pressure), (self.diastolic, pressure),
                                (self.value, not pressure)):  # fmt: skip
            row = widget.parentWidget()
            if row is None:
                continue
            row.setVisible(visible)
            label = self.form.layout_.labelForField(row)
            if label is not None:
                label.setVisible(visible)
        self.unit.clear()
        for unit in units_for(kind):
            self.unit.addItem(shown(unit), unit)
        self.form.clear_errors()

    def select(self, kind: str) -> None:
        """Choose the kind of measurement (tests and shortcuts)."""
        self.kind.setCurrentIndex(self.kind.findData(kind))

    def values(self) -> dict[str, Any]:
        """What was typed, for ``desk.measures.record`` (numbers are parsed by the core)."""
        kind = str(self.kind.currentData())
        values: dict[str, Any] = {"kind": kind, "unit": self.unit.currentData()}
        fields = ("systolic", "diastolic") if kind == "blood_pressure" else ("value",)
        for name in fields:
            text = getattr(self, name).text().strip().replace(",", ".")
            values[name] = text or None
        local: datetime = self.taken_at.dateTime().toPython()  # type: ignore[assignment]
        values["taken_at"] = local.astimezone().astimezone(UTC)
        return values

    def submit(self) -> None:
        """Save on the worker; stay open with the reason beside the field on error."""
        self.form.clear_errors()
        values, measures, pid = self.values(), self.ws.desk.measures, self.patient_id
        self.ok.setEnabled(False)
        self.ws.run(lambda: measures.record(pid, **values), self._done, self._failed, parent=self)

    def _done(self, result: Any) -> None:
        self.ok.setEnabled(True)
        self.accept()
        self.saved.emit(result)

    def _failed(self, error: CareDeskError) -> None:
        self.ok.setEnabled(True)
        self.form.show_error(error)
