"""Schedule: follow-ups and appointments for a day or a week, overdue and urgent first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from PySide6.QtCore import QDate, QModelIndex
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

from careDesk.changes import Kind, kinds
from careDesk.model.base import utcnow
from careDesk.security.roles import Permission
from ui.pages.base import Page
from ui.printing import print_pdf
from ui.qt_values import to_date
from ui.tables import Column, RowModel
from ui.views import table_view
from ui.workspace import Workspace


@dataclass(frozen=True)
class ScheduleRow:
    """One line of the schedule: a follow-up or an appointment."""

    id: str
    patient_id: str
    patient: str
    when: datetime
    what: str
    kind: str
    overdue: bool
    urgent: bool


def _range(day: date, span: str) -> tuple[date, date]:
    start = day - timedelta(days=day.weekday()) if span == "week" else day
    return start, start + timedelta(days=7 if span == "week" else 1)


def schedule_rows(desk: Any, day: date, span: str, mine: bool) -> list[ScheduleRow]:
    """Follow-ups due by the end of the range (overdue included) and the range's appointments."""
    _start, end = _range(day, span)
    end_at = datetime.combine(end, time(0)).astimezone().astimezone(UTC)
    now = utcnow()
    assignee = desk.user.id if mine else None
    follow_ups = desk.followups.due(assignee, now=end_at)
    appointments = (
        desk.appointments.week_of(day) if span == "week" else desk.appointments.on_day(day)
    )
    names = desk.patients.names(
        [f.patient_id for f in follow_ups] + [a.patient_id for a in appointments]
    )

    def name(pid: str) -> str:
        return str(names.get(pid, "(removed patient)"))

    rows = [
        ScheduleRow(
            f.id,
            f.patient_id,
            name(f.patient_id),
            f.due_at,
            f.title,
            f"follow-up ({f.kind.replace('_', ' ')})",
            f.due_at < now,
            f.urgent,
        )
        for f in follow_ups
    ]
    rows += [
        ScheduleRow(
            a.id,
            a.patient_id,
            name(a.patient_id),
            a.starts_at,
            " · ".join(filter(None, [a.purpose, a.with_whom, a.place])) or "appointment",
            "appointment",
            False,
            False,
        )
        for a in appointments
        if a.status == "scheduled"
    ]
    rows.sort(key=lambda r: (not r.overdue, not r.urgent, r.when))
    return rows


class SchedulePage(Page):
    """The day's or week's work; Enter opens the patient's chart."""

    watches = kinds(Kind.FOLLOW_UP, Kind.APPOINTMENT)

    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(ws, parent)
        self.day = QDateEdit(QDate.currentDate())
        self.day.setCalendarPopup(True)
        self.day.setAccessibleName("Day")
        self.span = QComboBox()
        self.span.setAccessibleName("Show")
        self.span.addItem("Day", "day")
        self.span.addItem("Week", "week")
        self.who = QComboBox()
        self.who.setAccessibleName("Whose work")
        self.who.addItem("My work", "mine")
        self.who.addItem("Everyone's", "all")
        self.span.setCurrentIndex(max(self.span.findData(ws.prefs.text("schedule/span", "day")), 0))
        self.who.setCurrentIndex(max(self.who.findData(ws.prefs.text("schedule/who", "mine")), 0))
        for combo in (self.span, self.who):
            combo.currentIndexChanged.connect(self._filters_changed)
        self.day.dateChanged.connect(self.load)
        self.summary = QLabel()
        self.model = RowModel(
            [
                Column("When", lambda r: f"{r.when.astimezone():%a %Y-%m-%d %H:%M}"),
                Column("Patient", lambda r: r.patient),
                Column("What", lambda r: r.what),
                Column("Kind", lambda r: r.kind),
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
        layout.addWidget(self.summary)
        layout.addWidget(self.view)

    def _filters_changed(self) -> None:
        self.ws.prefs.set("schedule/span", self.span.currentData())
        self.ws.prefs.set("schedule/who", self.who.currentData())
        self.load()

    def load(self) -> None:
        desk = self.ws.desk
        day = to_date(self.day.date())
        span, mine = str(self.span.currentData()), self.who.currentData() == "mine"
        self.ws.run(lambda: schedule_rows(desk, day, span, mine), self._show)

    def _show(self, rows: list[ScheduleRow]) -> None:
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
