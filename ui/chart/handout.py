"""Print a patient's handout (Ctrl+P): choose language and large print, then print or save.

The PDF comes from ``desk.handouts`` (reportlab; the print is audited there). It is never
written to a temporary file: it is saved only where the user chooses, or printed through Qt's
print and preview dialogs (pages rasterised in memory, see ``ui.printing``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from careDesk.care.languages import handout_languages
from careDesk.errors import CareDeskError
from careDesk.handouts.render import write_pdf
from ui.printing import print_pdf
from ui.workspace import Workspace


class HandoutDialog(QDialog):
    """Language, large print, then Save PDF… or Print."""

    def __init__(self, ws: Workspace, patient_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.patient_id = patient_id
        self.setWindowTitle("Print the patient's handout")
        self.language = QComboBox()
        self.language.setAccessibleName("Handout language")
        for code, name in handout_languages():  # one per phrase file in the core
            self.language.addItem(name, code)
        self.large = QCheckBox("Large print")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.save_button = QPushButton("Save as PDF…")
        self.save_button.clicked.connect(self.pick_file)
        self.preview_button = QPushButton("Preview…")
        self.preview_button.clicked.connect(self.preview)
        self.print_button = QPushButton("Print…")
        self.print_button.clicked.connect(self.print_now)
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        for button in (self.preview_button, self.print_button, self.save_button, close):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.language)
        layout.addWidget(self.large)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        handouts = ws.desk.handouts
        ws.run(lambda: handouts.choice(patient_id), self._chosen)

    def _chosen(self, choice: Any) -> None:
        self.language.setCurrentIndex(max(self.language.findData(choice.language), 0))
        self.large.setChecked(bool(choice.large_print))

    def _render(self, then: Any) -> None:
        handouts, pid = self.ws.desk.handouts, self.patient_id
        language, large = str(self.language.currentData()), self.large.isChecked()
        self.message.setText("Preparing the handout…")
        self.ws.run(lambda: handouts.patient_handout(pid, language, large), then, self._failed)

    def pick_file(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Save the handout", "handout.pdf", "PDF (*.pdf)"
        )
        if name:
            self.save_to(Path(name))

    def save_to(self, path: Path) -> None:
        """Render and write the PDF to ``path`` (chosen by the user)."""
        self._render(lambda data: self._write(path, data))

    def _write(self, path: Path, data: bytes) -> None:
        try:
            write_pdf(path, data)
        except OSError as exc:
            self.message.setText(f"Could not write {path}: {exc.strerror}.")
            return
        self.message.setText(f"Saved {path.name}.")

    def print_now(self) -> None:
        """Qt's print dialog (printer, copies, pages), then print."""
        self._render(self._print_dialog)

    def _print_dialog(self, data: bytes) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.print_to(printer, data)

    def print_to(self, printer: QPrinter, data: bytes) -> None:
        pages = print_pdf(data, printer)
        self.message.setText(f"Printed {pages} page(s)." if pages else "The printer refused.")

    def preview(self) -> None:
        """Qt's print preview of the handout, with its own Print button."""
        self._render(self._preview_dialog)

    def _preview_dialog(self, data: bytes) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintPreviewDialog(printer, self)
        dialog.paintRequested.connect(lambda target: print_pdf(data, target))
        dialog.exec()

    def _failed(self, error: CareDeskError) -> None:
        self.message.setText(error.message)
