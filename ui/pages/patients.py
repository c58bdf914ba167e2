"""Patients: search as you type (name, MRN, phone, birth date), add a patient, enroll.

Typing restarts a short debounce timer; the search then runs on the database worker, and a
result that arrives after newer typing is dropped (each search carries a generation number).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QModelIndex, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from careDesk.care.languages import patient_languages
from careDesk.changes import Kind, kinds
from careDesk.errors import ValidationFailed
from careDesk.model.fields import parse_date
from careDesk.security.roles import Permission
from ui.dialogs import Field, FormDialog
from ui.pages.base import Page
from ui.tables import Column, RowModel
from ui.views import table_view
from ui.workspace import Workspace

DEBOUNCE_MS = 150

SEX = (("unknown", "unknown"), ("female", "female"), ("male", "male"), ("other", "other"))
# Every language the core accepts (careDesk/care/languages.py), in a searchable list.
LANGUAGES = tuple(patient_languages())
CHANNELS = (
    ("phone", "phone"),
    ("sms", "text message"),
    ("whatsapp", "WhatsApp"),
    ("email", "e-mail"),
    ("letter", "letter"),
)

PATIENT_FIELDS = [
    Field("given_name", "Given name", required=True),
    Field("family_name", "Family name", required=True),
    Field("mrn", "MRN", required=True),
    Field("birth_date", "Birth date", "date", required=True),
    Field("sex", "Sex", "choice", SEX, default="unknown"),
    Field("language", "Language", "choice", LANGUAGES, default="en"),
    Field("interpreter_needed", "Needs an interpreter", "bool"),
    Field("phone", "Phone"),
    Field("email", "E-mail"),
    Field("preferred_channel", "Preferred contact", "choice", CHANNELS, default="phone"),
    Field("consent_program", "Consented to the program", "bool"),
]

# Editing a patient's details (consent, status and coordinator have their own actions).
DETAIL_FIELDS = [
    Field("given_name", "Given name", required=True),
    Field("family_name", "Family name", required=True),
    Field("preferred_name", "Preferred name"),
    Field("mrn", "MRN", required=True),
    Field("birth_date", "Birth date", "date", required=True),
    Field("sex", "Sex", "choice", SEX, default="unknown"),
    Field("language", "Language", "choice", LANGUAGES, default="en"),
    Field("interpreter_needed", "Needs an interpreter", "bool"),
    Field("phone", "Phone"),
    Field("email", "E-mail"),
    Field("address_line", "Street address"),
    Field("city", "City"),
    Field("state", "State"),
    Field("postal_code", "Postal code"),
    Field("preferred_channel", "Preferred contact", "choice", CHANNELS, default="phone"),
]


def patient_columns() -> list[Column]:
    """Columns of a patient list (search results)."""
    return [
        Column("Name", lambda r: r.name),
        Column("MRN", lambda r: r.mrn),
        Column("Birth date", lambda r: f"{r.birth_date:%Y-%m-%d}"),
        Column("Age", lambda r: r.age),
        Column("Phone", lambda r: r.phone or ""),
        Column("Status", lambda r: r.status),
        Column("Coordinator", lambda r: r.coordinator or ""),
        Column("Risk", lambda r: r.risk_band or ""),
    ]


class PatientsPage(Page):
    """Find a patient, open the chart with Enter; add and enroll patients."""

    watches = kinds(Kind.PATIENT)
    searched = Signal(int)  # number of results shown

    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(ws, parent)
        self.search = QLineEdit()
        self.search.setObjectName("patientSearch")
        self.search.setAccessibleName("Search patients")
        self.search.setPlaceholderText("Search by name, MRN, phone or birth date (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._typed)
        self.search.returnPressed.connect(self.open_selected)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(DEBOUNCE_MS)
        self.timer.timeout.connect(self.run_search)
        self.generation = 0
        self.model = RowModel(patient_columns(), self)
        self.view = table_view(self.model, "Patients found")
        self.view.activated.connect(self._activated)
        self.status = QLabel("Type to search.")
        self.status.setAccessibleName("Search status")
        self.add_button = QPushButton("Add patient…")
        self.add_button.clicked.connect(self.add_patient)
        self.enroll_button = QPushButton("Enroll…")
        self.enroll_button.clicked.connect(self.enroll_selected)
        for button in (self.add_button, self.enroll_button):
            button.setVisible(ws.can(Permission.EDIT))
        bar = QHBoxLayout()
        bar.addWidget(self.search, 1)
        bar.addWidget(self.add_button)
        bar.addWidget(self.enroll_button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.status)
        layout.addWidget(self.view)

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def load(self) -> None:
        if self.search.text().strip():
            self.run_search()

    def _typed(self, _text: str) -> None:
        self.generation += 1  # anything in flight is now stale
        self.timer.start()

    def run_search(self) -> None:
        """Search on the worker; only the newest search's results are shown."""
        text = self.search.text().strip()
        self.generation += 1
        generation = self.generation
        if not text:
            self.model.set_rows([])
            self.status.setText("Type to search.")
            self.searched.emit(0)
            return
        patients = self.ws.desk.patients
        self.ws.run(
            lambda: patients.search(text, limit=100),
            lambda rows: self._results(generation, rows),
        )

    def _results(self, generation: int, rows: list[Any]) -> None:
        if generation != self.generation:
            return  # newer typing has happened: drop this stale answer
        self.model.set_rows(rows)
        self.status.setText(f"{len(rows)} patient(s) found." if rows else "No patient found.")
        if rows:
            self.view.selectRow(0)
        self.searched.emit(len(rows))

    def selected(self) -> Any:
        rows = self.view.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def _activated(self, index: QModelIndex) -> None:
        self.ws.open_chart.emit(self.model.row_at(index.row()).id, "")

    def open_selected(self) -> None:
        """Enter in the search box opens the selected (first) patient."""
        row = self.selected()
        if row is not None:
            self.ws.open_chart.emit(row.id, "")

    def add_patient(self) -> FormDialog:
        patients = self.ws.desk.patients
        dialog = FormDialog(
            self.ws, "Add a patient", PATIENT_FIELDS, lambda v: patients.create(**v).value, self
        )
        dialog.saved.connect(lambda p: self.ws.open_chart.emit(p.id, ""))
        dialog.open()
        return dialog

    def enroll_selected(self) -> FormDialog | None:
        row = self.selected()
        return enroll_dialog(self.ws, row.id, self) if row is not None else None


def parse_day(text: str | None, field: str) -> date | None:
    """A typed date (the core's one date rule: YYYY-MM-DD or MM/DD/YYYY), or None when empty;
    a clear error naming ``field`` otherwise."""
    if not text:
        return None
    try:
        return parse_date(text)
    except ValueError as exc:
        raise ValidationFailed(field, str(exc)) from None


def details_dialog(ws: Workspace, patient: Any, parent: QWidget) -> FormDialog:
    """Edit a patient's name, contacts, address and preferences; a field emptied is cleared."""
    patients, pid = ws.desk.patients, patient.id
    dialog = FormDialog(
        ws,
        "Patient details",
        DETAIL_FIELDS,
        lambda values: patients.update(pid, **values).value,
        parent,
    )
    dialog.prefill({f.name: getattr(patient, f.name, None) for f in DETAIL_FIELDS})
    dialog.open()
    return dialog


def enroll_dialog(ws: Workspace, patient_id: str, parent: QWidget) -> FormDialog:
    """Record program consent (if not yet) and enroll the patient."""
    patients = ws.desk.patients
    fields = [
        Field("consent_program", "The patient consents to the program", "bool", default=True),
        Field(
            "enrolled_on",
            "Enrolled on",
            "date",
            placeholder="YYYY-MM-DD or MM/DD/YYYY (empty = today)",
        ),
    ]

    def enroll(values: dict[str, Any]) -> Any:
        if values.get("consent_program"):
            current = patients.get(patient_id)
            if not current.consent_program:
                patients.set_consent(patient_id, consent_program=True)
        return patients.enroll(
            patient_id, on=parse_day(values.get("enrolled_on"), "enrolled_on")
        ).value

    dialog = FormDialog(ws, "Enroll in the care program", fields, enroll, parent, ok_text="Enroll")
    dialog.open()
    return dialog
