"""Schedule: due work and appointments for a day or a week, overdue and urgent first.

The due work is the core's one definition (``careDesk.care.due_work``) in the scope shared with
Today and Reminders (your patients / whole clinic); a week also brings what falls due later in
it. The headline is the same due-work line the other two pages show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from PySide6.QtCore import QModelIndex
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from careDesk.care.due_work import DueEntry, DueSummary, Scope
from careDesk.changes import Kind, kinds
from careDesk.security.roles import Permission
from careDesk.words import say
from ui import qt_values
from ui.pages.base import Page
from ui.printing import print_pdf
from ui.qt_values import to_date
from ui.scope import ScopeChoice
from ui.tables import Column, RowModel
from ui.views import table_view
from ui.workspace import Workspace


@dataclass(frozen=True)
class ScheduleRow:
    """One line of the schedule: a follow-up or an appointment."""

    id: str | None
    patient_id: str
    patient: str
    when: datetime | None
    what: str
    kind: str
    overdue: bool
    urgent: bool


def _range(day: date, span: str) -> tuple[date, date]:
    start = day - timedelta(days=day.weekday()) if span == "week" else day
    return start, start + timedelta(days=7 if span == "week" else 1)


KIND_WORDS = {"alert": "urgent alert", "plan_review": "care plan review", "screening": "screening"}


def _due_row(entry: DueEntry) -> ScheduleRow:
    item = entry.item
    when = item.due if isinstance(item.due, datetime) else None
    if when is None and isinstance(item.due, date):
        when = datetime.combine(item.due, time(9)).astimezone()
    kind = "follow-up" if item.kind == "follow_up" else KIND_WORDS.get(item.kind, item.kind)
    return ScheduleRow(
        item.ref_id,
        entry.patient_id,
        entry.patient_name,
        when,
        item.title,
        kind,
        item.overdue,
        item.urgent,
    )


def schedule_rows(
    desk: Any, day: date, span: str, scope: Scope
) -> tuple[DueSummary, list[ScheduleRow]]:
    """Today's due work in ``scope`` (and what falls due later in the range), and the range's
    appointments for the scope's patients; with the due-work headline."""
    _start, end = _range(day, span)
    due = desk.due_work.entries(scope, through=end - timedelta(days=1))
    appointments = [
        a
        for a in (
            desk.appointments.week_of(day) if span == "week" else desk.appointments.on_day(day)
        )
        if a.status == "scheduled"
    ]
    keep = desk.due_work.in_scope(scope, [a.patient_id for a in appointments])
    appointments = [a for a in appointments if a.patient_id in keep]
    names = desk.patients.names([a.patient_id for a in appointments])
    rows = [_due_row(e) for e in due]
    rows += [
        ScheduleRow(
            a.id,
            a.patient_id,
            str(names.get(a.patient_id, "(removed patient)")),
            a.starts_at,
            " · ".join(filter(None, [a.purpose, a.with_whom, a.place])) or "appointment",
            "appointment",
            False,
            False,
        )
        for a in appointments
    ]
    rows.sort(key=lambda r: (not r.overdue, not r.urgent, r.when is None, r.when or _EPOCH))
    return desk.due_work.summary(scope), rows


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class SchedulePage(Page):
    """The day's or week's work; Enter opens the patient's chart."""

    watches = kinds(
        Kind.FOLLOW_UP,
        Kind.APPOINTMENT,
        Kind.ALERT,
        Kind.CARE_PLAN,
        Kind.SCREENER_RESULT,
        Kind.PATIENT,
    )

    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(ws, parent)
        self.day = QDateEdit(qt_values.today())
        self.day.setCalendarPopup(True)
        self.day.setAccessibleName("Day")
        self.span = QComboBox()
        self.span.setAccessibleName("Show")
        self.span.addItem("Day", "day")
        self.span.addItem("Week", "week")
        self.who = ScopeChoice(ws)
        ws.scope_changed.connect(lambda _value: self.refresh())
        self.span.setCurrentIndex(max(self.span.findData(ws.prefs.text("schedule/span", "day")), 0))
        self.span.currentIndexChanged.connect(self._filters_changed)
        self.day.dateChanged.connect(self.load)
        self.summary = QLabel()
        self.due_line = QLabel()
        self.due_line.setAccessibleName("Due work")
        self.model = RowModel(
            [
                Column(
                    "When", lambda r: f"{r.when.astimezone():%a %Y-%m-%d %H:%M}" if r.when else ""
                ),
                Column("Patient", lambda r: r.patient),
                Column("What", lambda r: r.what),
                Column("Kind", lambda r: say(r.kind)),
                Column("", lambda r: "OVERDUE" if r.overdue else ("urgent" if r.urgent else "")),
            ],
            self,
        )
        self.model.urgent = lambda r: r.overdue or r.urgent
        self.view = table_view(self.model, "Schedule")
        self.view.activated.connect(self._open)
        self.handouts_button = QPushButton("Print handouts for this day…")
        self.handouts_button.setAccessibleName("Print handouts for the day's appointments")
        self.handouts_button.setVisible(ws.can(Permission.PRINT))
        self.handouts_button.clicked.connect(self.print_day_handouts)
        bar = QHBoxLayout()
        for widget in (self.day, self.span, self.who):
            bar.addWidget(widget)
        bar.addStretch()
        bar.addWidget(self.handouts_button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.due_line)
        layout.addWidget(self.summary)
        layout.addWidget(self.view)

    def _filters_changed(self) -> None:
        self.ws.prefs.set("schedule/span", self.span.currentData())
        self.load()

    def load(self) -> None:
        desk = self.ws.desk
        day = to_date(self.day.date())
        span, scope = str(self.span.currentData()), self.who.scope
        self.ws.run(lambda: schedule_rows(desk, day, span, scope), self._show)

    def _show(self, result: tuple[DueSummary, list[ScheduleRow]]) -> None:
        summary, rows = result
        self.due_line.setText(summary.words())
        self.model.set_rows(rows)
        overdue = sum(r.overdue for r in rows)
        self.summary.setText(f"{len(rows)} item(s), {overdue} overdue.")

    def _open(self, index: QModelIndex) -> None:
        self.ws.open_chart.emit(self.model.row_at(index.row()).patient_id, "timeline")

    def print_day_handouts(self, printer: QPrinter | None = None) -> None:
        """One batch: the handout of every patient with an appointment on the chosen day,
        each in their own language, through Qt's print dialog."""
        handouts, day = self.ws.desk.handouts, to_date(self.day.date())
        self.ws.run(lambda: handouts.batch_for_appointments(day), lambda d: self._print(d, printer))

    def _print(self, data: bytes, printer: QPrinter | None) -> None:
        if printer is None:
            printer = QPrinter(QPrinter.PrinterMode.HighResolution)
            if QPrintDialog(printer, self).exec() != QDialog.DialogCode.Accepted:
                return
        pages = print_pdf(data, printer)
        self.summary.setText(f"Printed the day's handouts: {pages} page(s).")
