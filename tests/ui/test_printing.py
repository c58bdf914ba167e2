"""Handouts through Qt's printing: every page of the PDF reaches the printer, nothing on disk."""

from __future__ import annotations

import io
from pathlib import Path

from pypdf import PdfReader
from PySide6.QtPrintSupport import QPrinter
from pytestqt.qtbot import QtBot

from careDesk.desk import Desk
from tests.ui.conftest import add_patient, wait_idle
from ui.chart.handout import HandoutDialog
from ui.printing import page_images
from ui.workspace import Workspace


def test_handout_prints_every_page_through_qprinter(
    qtbot: QtBot, ws: Workspace, desk: Desk, tmp_path: Path
) -> None:
    desk.settings.set("clinic.name", "Riverside Clinic")
    pid = add_patient(desk, "Lan", "Nguyễn", "P-1", language="vi")
    data = desk.handouts.patient_handout(pid)
    source = PdfReader(io.BytesIO(data))
    source_pages = len(source.pages)
    images = list(page_images(data, 144))
    assert len(images) == source_pages
    assert images[0].width() == round(float(source.pages[0].mediabox.width) * 2)  # 144 dpi

    dialog = HandoutDialog(ws, pid)
    qtbot.addWidget(dialog)
    wait_idle(qtbot, ws.worker)
    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)  # a file printer stands in
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    dialog.print_to(printer, data)
    assert dialog.message.text() == f"Printed {source_pages} page(s)."
    assert len(PdfReader(tmp_path / "printed.pdf").pages) == source_pages


def test_schedule_prints_the_days_handouts_as_one_batch(
    qtbot: QtBot, ws: Workspace, desk: Desk, tmp_path: Path
) -> None:
    from datetime import datetime, time, timedelta

    from PySide6.QtCore import QDate

    from ui.pages.schedule import SchedulePage

    desk.settings.set("clinic.name", "Riverside Clinic")
    tomorrow = datetime.now().astimezone().date() + timedelta(days=1)
    for mrn, name in (("B-1", "Ana"), ("B-2", "Rosa")):
        pid = add_patient(desk, name, "Peña", mrn, language="es")
        starts = datetime.combine(tomorrow, time(10)).astimezone()
        desk.appointments.create(pid, starts_at=starts, place="Riverside Clinic")
    page = SchedulePage(ws)
    qtbot.addWidget(page)
    page.show()
    page.day.setDate(QDate(tomorrow.year, tomorrow.month, tomorrow.day))
    wait_idle(qtbot, ws.worker)
    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "day.pdf"))
    page.print_day_handouts(printer)
    qtbot.waitUntil(lambda: "Printed the day's handouts" in page.summary.text(), timeout=20_000)
    assert len(PdfReader(tmp_path / "day.pdf").pages) >= 2  # one handout per patient
    assert {e.action for e in desk.audit_events(action="print")} == {"print"}
    assert len(desk.audit_events(action="print")) == 2
