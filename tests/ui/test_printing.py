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
