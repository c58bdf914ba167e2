"""Timeline: notes, calls, messages and time spent (newest first, paged), with the patient's
open follow-ups and upcoming appointments above it. Ctrl+N adds a note."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from careDesk.changes import Kind, kinds
from careDesk.model.base import utcnow
from ui.chart.base import ChartTab
from ui.dialogs import Field, FormDialog
from ui.tables import Column, PagedModel, RowModel
from ui.views import table_view
from ui.workspace import Workspace

OUTCOMES = (("reached", "reached"), ("voicemail", "left a voicemail"), ("no_answer", "no answer"))
DIRECTIONS = (("out", "I called the patient"), ("in", "The patient called"))
FOLLOW_UP_KINDS = (
    ("call", "call"),
    ("visit", "visit"),
    ("lab_check", "lab check"),
    ("medication_review", "medication review"),
    ("plan_review", "plan review"),
)

NOTE_FIELDS = [
    Field("summary", "Note", required=True),
    Field("body", "Details", "long"),
    Field("minutes", "Minutes spent", "int"),
]
CALL_FIELDS = [
    Field("direction", "Call", "choice", DIRECTIONS, default="out"),
    Field("outcome", "Outcome", "choice", OUTCOMES, default="reached"),
    Field("summary", "What was said"),
    Field("minutes", "Minutes spent", "int"),
]


def _local(moment: Any) -> str:
    return f"{moment.astimezone():%Y-%m-%d %H:%M}" if moment is not None else ""


def _without_zero_minutes(values: dict[str, Any]) -> dict[str, Any]:
    if not values.get("minutes"):
        values.pop("minutes", None)
    return values


class TimelineTab(ChartTab):
    """The patient's timeline with its follow-ups and appointments."""

    title = "Timeline"
    watches = kinds(Kind.TIMELINE_ENTRY, Kind.TIME_ENTRY, Kind.FOLLOW_UP, Kind.APPOINTMENT)

    def __init__(self, ws: Workspace, patient_id: str, parent: QWidget | None = None) -> None:
        super().__init__(ws, patient_id, parent)
        timeline, pid = ws.desk.timeline, patient_id

        def fetch(limit: int, _offset: int, last: Any) -> list[Any]:
            return timeline.page(pid, before=last.id if last is not None else None, limit=limit)

        self.model = PagedModel(
            ws,
            [
                Column("When", lambda e: _local(e.at)),
                Column("Kind", lambda e: e.kind),
                Column("Summary", lambda e: e.summary, lambda e: e.body or e.summary),
                Column("Minutes", lambda e: e.minutes or ""),
            ],
            fetch,
            page_size=50,
            parent=self,
        )
        self.view = table_view(self.model, "Timeline")
        self.followups = RowModel(
            [
                Column("Due", lambda f: _local(f.due_at)),
                Column("Follow-up", lambda f: f.title + (" (urgent)" if f.urgent else "")),
                Column("Kind", lambda f: f.kind),
            ],
            self,
        )
        self.followups.urgent = lambda f: bool(f.urgent)
        self.followup_view = table_view(self.followups, "Open follow-ups")
        self.appointments = RowModel(
            [
                Column("When", lambda a: _local(a.starts_at)),
                Column("With", lambda a: a.with_whom or ""),
                Column("Where", lambda a: a.place or a.telehealth_url or ""),
                Column("Status", lambda a: a.status),
            ],
            self,
        )
        self.appointment_view = table_view(self.appointments, "Appointments")
        bar = QHBoxLayout()
        for text, slot in (
            ("Add note… (Ctrl+N)", self.add_note),
            ("Log call…", self.log_call),
            ("Schedule follow-up…", self.add_follow_up),
            ("Complete follow-up", self.complete_follow_up),
            ("Add appointment…", self.add_appointment),
        ):
            button = QPushButton(text)
            button.clicked.connect(slot)
            button.setVisible(self.editable)
            bar.addWidget(button)
        bar.addStretch()
        top = QSplitter(Qt.Orientation.Horizontal)
        for title, view in (
            ("Open follow-ups", self.followup_view),
            ("Appointments", self.appointment_view),
        ):
            box = QGroupBox(title)
            QVBoxLayout(box).addWidget(view)
            top.addWidget(box)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(self.view)
        split.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(split, 1)

    def load(self) -> None:
        self.model.reload()
        desk, pid = self.ws.desk, self.patient_id
        self.ws.run(lambda: desk.followups.open_for_patient(pid), self.followups.set_rows)
        self.ws.run(lambda: desk.appointments.upcoming(pid), self.appointments.set_rows)

    def _dialog(self, title: str, fields: list[Field], action: Any) -> FormDialog:
        dialog = FormDialog(self.ws, title, fields, action, self)
        dialog.open()
        return dialog

    def add_note(self) -> FormDialog:
        timeline, pid = self.ws.desk.timeline, self.patient_id
        return self._dialog(
            "Add a note",
            NOTE_FIELDS,
            lambda v: timeline.add_note(pid, **_without_zero_minutes(v)).value,
        )

    def log_call(self) -> FormDialog:
        timeline, pid = self.ws.desk.timeline, self.patient_id
        return self._dialog(
            "Log a call",
            CALL_FIELDS,
            lambda v: timeline.log_call(pid, **_without_zero_minutes(v)).value,
        )

    def add_follow_up(self) -> FormDialog:
        followups, pid = self.ws.desk.followups, self.patient_id
        me = self.ws.user.id
        fields = [
            Field("kind", "Kind", "choice", FOLLOW_UP_KINDS, default="call"),
            Field("title", "What to do", required=True),
            Field("due_at", "Due", "datetime", default=utcnow() + timedelta(days=7)),
            Field("urgent", "Urgent", "bool"),
        ]
        return self._dialog(
            "Schedule a follow-up",
            fields,
            lambda v: followups.create(pid, assignee_id=me, **v).value,
        )

    def complete_follow_up(self) -> FormDialog | None:
        rows = self.followup_view.selectionModel().selectedRows()
        if not rows:
            return None
        follow_up = self.followups.row_at(rows[0].row())
        followups = self.ws.desk.followups
        return self._dialog(
            "Complete the follow-up",
            [Field("result", "Result", required=True)],
            lambda v: followups.complete(follow_up.id, v.get("result") or "").value,
        )

    def add_appointment(self) -> FormDialog:
        appointments, pid = self.ws.desk.appointments, self.patient_id
        fields = [
            Field("starts_at", "When", "datetime", default=utcnow() + timedelta(days=7)),
            Field("with_whom", "With whom"),
            Field("purpose", "Purpose"),
            Field("place", "Where"),
            Field("address", "Address"),
            Field("transport_needed", "Needs transport", "bool"),
            Field("transport_note", "Transport note"),
        ]
        return self._dialog(
            "Add an appointment", fields, lambda v: appointments.create(pid, **v).value
        )
